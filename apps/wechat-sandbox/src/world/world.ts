import { randomBytes, randomUUID } from 'node:crypto';
import { SandboxClock } from './clock.js';
import { Conversations } from './conversations.js';
import { newAccount, seedAccounts } from './seed-accounts.js';
import {
  DEFAULT_SETTINGS,
  type AuthCode,
  type Authorization,
  type Fault,
  type IssuedTicket,
  type IssuedToken,
  type PreAuthCode,
  type RecordedCall,
  type SandboxAccount,
  type SandboxComponent,
  type SandboxSettings,
  type TokenKind,
} from './types.js';
import { WxError } from './wx-error.js';

const token = (prefix: string, bytes = 48): string => `${prefix}${randomBytes(bytes).toString('base64url')}`;

/** A customer-service message an authorizer sent through the sandbox. */
export interface CustomMessage {
  componentAppId: string;
  authorizerAppId: string;
  /** The authorizer token it was sent with. */
  accessToken: string;
  touser: string;
  msgtype: string;
  /** Text content, or the media id / title / card id the message names. */
  content: string;
  /** The JSON body as sent (touser, msgtype and its object). */
  body: Record<string, unknown>;
  at: string;
}

/** Result of a consent: the code the redirect and the push both carry. */
export interface ConsentResult {
  authCode: AuthCode;
  infoType: 'authorized' | 'updateauthorized';
  authorization: Authorization;
}

/**
 * Everything the sandbox knows, in memory, with WeChat's rules: which tickets it pushed, which
 * tokens are current, superseded (300 s overlap) or dead, which codes were minted and used,
 * which accounts authorized which component, quotas, and the faults to inject.
 */
export class World {
  readonly clock = new SandboxClock();
  settings: SandboxSettings = { ...DEFAULT_SETTINGS };
  readonly components = new Map<string, SandboxComponent>();
  readonly accounts = new Map<string, SandboxAccount>();
  readonly tickets: IssuedTicket[] = [];
  readonly tokens = new Map<string, IssuedToken>();
  /** Tokens by owner (kind, component, authorizer): issuing and revoking must not scan a fleet's tokens. */
  private readonly tokensByOwner = new Map<string, IssuedToken[]>();
  readonly preAuthCodes = new Map<string, PreAuthCode>();
  readonly authCodes = new Map<string, AuthCode>();
  /** Key: `${componentAppId}/${authorizerAppId}`. */
  readonly authorizations = new Map<string, Authorization>();
  faults: Fault[] = [];
  calls: RecordedCall[] = [];
  /** Calls received and not answered yet, per API: a test can act while one is in flight. */
  readonly inFlight = new Map<string, number>();
  /** Messages received on /cgi-bin/message/custom/send (the 全网发布 runner checks them). */
  customMessages: CustomMessage[] = [];
  /** Which users wrote to which account when: custom/send's 48 h window and quotas. */
  readonly conversations = new Conversations();
  private callSeq = 0;
  /** Key: `${appid}/${api}/${day}` → calls made. */
  private readonly quotaUsed = new Map<string, number>();
  /** Key: `${appid}/${month}` → clear_quota calls. */
  private readonly quotaClears = new Map<string, number>();

  constructor(private readonly seedComponents: readonly SandboxComponent[] = []) {
    this.reset();
  }

  /** Back to the seeded state: seeded accounts and components, nothing issued, no faults. */
  reset(): void {
    this.clock.reset();
    this.settings = { ...DEFAULT_SETTINGS };
    this.components.clear();
    for (const c of this.seedComponents) this.components.set(c.appId, { ...c });
    this.accounts.clear();
    for (const a of seedAccounts()) this.accounts.set(a.appId, a);
    this.tickets.length = 0;
    this.tokens.clear();
    this.tokensByOwner.clear();
    this.preAuthCodes.clear();
    this.authCodes.clear();
    this.authorizations.clear();
    this.faults = [];
    this.calls = [];
    this.customMessages = [];
    this.conversations.clear();
    this.quotaUsed.clear();
    this.quotaClears.clear();
  }

  // ── components and accounts ────────────────────────────────────────────

  upsertComponent(input: Partial<SandboxComponent> & Pick<SandboxComponent, 'appId'>): SandboxComponent {
    const existing = this.components.get(input.appId);
    const next: SandboxComponent = {
      appSecret: randomBytes(16).toString('hex'),
      token: randomBytes(8).toString('hex'),
      encodingAesKey: randomBytes(32)
        .toString('base64')
        .replace(/[^A-Za-z0-9]/g, 'A')
        .slice(0, 43),
      authEventUrl: null,
      messageUrl: null,
      authDomain: null,
      ipAllowList: null,
      ticketPushPaused: false,
      ...existing,
      ...input,
    };
    this.components.set(next.appId, next);
    return next;
  }

  /** The component named by an API body; 41018 when missing, 61011 when unknown. */
  component(appId: unknown): SandboxComponent {
    if (typeof appId !== 'string' || appId === '') throw new WxError(41018);
    const c = this.components.get(appId);
    if (!c) throw new WxError(61011);
    return c;
  }

  upsertAccount(input: Partial<SandboxAccount> & Pick<SandboxAccount, 'appId' | 'userName' | 'nickName' | 'kind'>): SandboxAccount {
    const next = newAccount({ ...this.accounts.get(input.appId), ...input });
    this.accounts.set(next.appId, next);
    return next;
  }

  /** Caller IP check (61004) when the component has an allow-list. */
  checkIp(component: SandboxComponent, ip: string): void {
    if (component.ipAllowList && !component.ipAllowList.includes(normalizeIp(ip)))
      throw new WxError(61004, `access clientip is not registered requestIP: ${normalizeIp(ip)}`);
  }

  // ── tickets ────────────────────────────────────────────────────────────

  /** Mints a new component_verify_ticket; the caller pushes it. */
  issueTicket(componentAppId: string): IssuedTicket {
    const ticket: IssuedTicket = { componentAppId, value: token('ticket@@@', 42), issuedAtMs: this.clock.nowMs() };
    this.tickets.push(ticket);
    return ticket;
  }

  /** A ticket is good when the sandbox pushed it to this component within its validity. */
  checkTicket(component: SandboxComponent, value: unknown): void {
    if (typeof value !== 'string' || value === '') throw new WxError(61006);
    const ticket = this.tickets.find((t) => t.value === value && t.componentAppId === component.appId);
    if (!ticket) throw new WxError(61006);
    if (this.clock.nowMs() - ticket.issuedAtMs > this.settings.ticketValiditySeconds * 1000) throw new WxError(61005);
  }

  // ── tokens ─────────────────────────────────────────────────────────────

  /** Issues a token; the owner's previous tokens stay valid for the overlap, then die. */
  issueToken(kind: TokenKind, componentAppId: string, authorizerAppId: string | null = null): IssuedToken {
    const now = this.clock.nowMs();
    const owner = ownerKey(kind, componentAppId, authorizerAppId);
    // Only the overlap matters for older tokens: ones superseded before it are dead and dropped.
    const alive = (this.tokensByOwner.get(owner) ?? []).filter((t) => {
      if (t.supersededAtMs === null) t.supersededAtMs = now;
      const dead = now > t.supersededAtMs + this.settings.overlapSeconds * 1000 || now >= t.expiresAtMs;
      return !dead;
    });
    const issued: IssuedToken = {
      value: token(kind === 'component' ? 'ct_' : 'at_', 60),
      kind,
      componentAppId,
      authorizerAppId,
      issuedAtMs: now,
      expiresAtMs: now + this.settings.tokenTtlSeconds * 1000,
      supersededAtMs: null,
      revoked: false,
    };
    this.tokens.set(issued.value, issued);
    alive.push(issued);
    this.tokensByOwner.set(owner, alive);
    return issued;
  }

  /** Validates an access token as WeChat does: 41001 missing, 40001 unknown/not latest, 42001 expired, 61014 wrong kind. */
  checkToken(value: unknown, kind: TokenKind): IssuedToken {
    if (typeof value !== 'string' || value === '') throw new WxError(41001);
    const t = this.tokens.get(value);
    if (!t || t.revoked) throw new WxError(40001);
    const now = this.clock.nowMs();
    if (t.supersededAtMs !== null && now > t.supersededAtMs + this.settings.overlapSeconds * 1000) throw new WxError(40001);
    if (now >= t.expiresAtMs) throw new WxError(42001);
    if (t.kind !== kind) throw new WxError(kind === 'component' ? 61014 : 40001);
    return t;
  }

  /** Fault: every token issued so far answers 40001 from now on. */
  invalidateTokens(kind?: TokenKind): number {
    let n = 0;
    for (const t of this.tokens.values()) {
      if ((kind === undefined || t.kind === kind) && !t.revoked) {
        t.revoked = true;
        n += 1;
      }
    }
    return n;
  }

  // ── authorization ──────────────────────────────────────────────────────

  createPreAuthCode(componentAppId: string): PreAuthCode {
    const code: PreAuthCode = {
      value: token('preauthcode@@@', 36),
      componentAppId,
      expiresAtMs: this.clock.nowMs() + this.settings.preAuthCodeTtlSeconds * 1000,
      used: false,
    };
    this.preAuthCodes.set(code.value, code);
    return code;
  }

  /** The consent page's check; returns a reason in WeChat's words when the code is unusable. */
  preAuthCodeProblem(componentAppId: string, value: string | undefined): string | null {
    const code = value ? this.preAuthCodes.get(value) : undefined;
    if (!code || code.componentAppId !== componentAppId) return '预授权码无效 (pre_auth_code is invalid)';
    if (code.used) return '预授权码已使用 (pre_auth_code has been used)';
    if (this.clock.nowMs() >= code.expiresAtMs) return '预授权码已过期 (pre_auth_code is expired)';
    return null;
  }

  authorizationOf(componentAppId: string, authorizerAppId: string): Authorization | undefined {
    return this.authorizations.get(`${componentAppId}/${authorizerAppId}`);
  }

  /**
   * An account's admin consents. A first consent (or one after revoking) is `authorized`; a
   * consent while authorized is `updateauthorized`. Either way the refresh token rotates, so the
   * previous one answers 61023.
   */
  consent(componentAppId: string, authorizerAppId: string, funcInfo: number[], preAuthCode: string | null): ConsentResult {
    if (preAuthCode !== null) {
      const pre = this.preAuthCodes.get(preAuthCode);
      if (pre) pre.used = true;
    }
    const previous = this.authorizationOf(componentAppId, authorizerAppId);
    const infoType = previous?.status === 'authorized' ? 'updateauthorized' : 'authorized';
    const authorization: Authorization = {
      componentAppId,
      authorizerAppId,
      refreshToken: token('refreshtoken@@@', 30),
      funcInfo: [...funcInfo],
      authTime: this.clock.nowSeconds(),
      status: 'authorized',
    };
    this.authorizations.set(`${componentAppId}/${authorizerAppId}`, authorization);
    const authCode: AuthCode = {
      value: token('queryauthcode@@@', 36),
      componentAppId,
      authorizerAppId,
      preAuthCode,
      expiresAtMs: this.clock.nowMs() + this.settings.authCodeTtlSeconds * 1000,
      uses: 0,
    };
    this.authCodes.set(authCode.value, authCode);
    return { authCode, infoType, authorization };
  }

  /** The admin revokes: tokens die, the refresh token answers 61023. */
  revoke(componentAppId: string, authorizerAppId: string): Authorization {
    const a = this.authorizationOf(componentAppId, authorizerAppId);
    if (!a || a.status !== 'authorized') throw new WxError(61003);
    a.status = 'revoked';
    for (const t of this.tokensByOwner.get(ownerKey('authorizer', componentAppId, authorizerAppId)) ?? []) t.revoked = true;
    return a;
  }

  /**
   * api_query_auth: 61009 unknown/used/other component or account revoked, 61010 expired. No
   * access token when the account granted no API permission set.
   */
  exchangeAuthCode(componentAppId: string, value: unknown): { authorization: Authorization; accessToken: IssuedToken | null } {
    const code = typeof value === 'string' ? this.authCodes.get(value) : undefined;
    if (!code || code.componentAppId !== componentAppId) throw new WxError(61009);
    if (this.clock.nowMs() >= code.expiresAtMs) throw new WxError(61010);
    if (code.uses > 0 && !this.settings.authCodeReuse) throw new WxError(61009);
    const authorization = this.authorizationOf(componentAppId, code.authorizerAppId);
    if (!authorization || authorization.status !== 'authorized') throw new WxError(61009);
    code.uses += 1;
    if (authorization.funcInfo.length === 0) return { authorization, accessToken: null };
    return { authorization, accessToken: this.issueToken('authorizer', componentAppId, code.authorizerAppId) };
  }

  /** api_authorizer_token: 61003 never authorized, 61023 wrong/old refresh token or revoked. */
  refreshAuthorizerToken(
    componentAppId: string,
    authorizerAppId: unknown,
    refreshToken: unknown,
  ): { authorization: Authorization; accessToken: IssuedToken } {
    if (typeof authorizerAppId !== 'string' || authorizerAppId === '')
      throw new WxError(47001, 'data format error, authorizer_appid missing');
    const a = this.authorizationOf(componentAppId, authorizerAppId);
    if (!a) throw new WxError(61003);
    if (a.status !== 'authorized' || refreshToken !== a.refreshToken) throw new WxError(61023);
    return { authorization: a, accessToken: this.issueToken('authorizer', componentAppId, authorizerAppId) };
  }

  // ── quotas ─────────────────────────────────────────────────────────────

  /** Counts one call of `api` against `appId`'s daily quota; 45009 when exhausted. */
  consumeQuota(appId: string, api: string): void {
    if (this.settings.dailyQuota === null) return;
    const key = `${appId}/${api}/${this.day()}`;
    const used = this.quotaUsed.get(key) ?? 0;
    if (used >= this.settings.dailyQuota) throw new WxError(45009);
    this.quotaUsed.set(key, used + 1);
  }

  /** clear_quota: resets every API counter of `appId`; 48006 after the monthly budget. */
  clearQuota(appId: string): void {
    const key = `${appId}/${new Date(this.clock.nowMs()).toISOString().slice(0, 7)}`;
    const clears = this.quotaClears.get(key) ?? 0;
    if (clears >= this.settings.monthlyQuotaClears) throw new WxError(48006);
    this.quotaClears.set(key, clears + 1);
    const day = this.day();
    for (const k of [...this.quotaUsed.keys()]) if (k.startsWith(`${appId}/`) && k.endsWith(`/${day}`)) this.quotaUsed.delete(k);
  }

  private day(): string {
    return new Date(this.clock.nowMs()).toISOString().slice(0, 10);
  }

  // ── faults and the call log ────────────────────────────────────────────

  addFault(input: Partial<Fault> & Pick<Fault, 'kind'>): Fault {
    const fault: Fault = {
      id: randomUUID(),
      api: '*',
      delayMs: input.kind === 'timeout' || input.kind === 'lost-answer' ? 30_000 : 0,
      status: 502,
      errcode: -1,
      remaining: null,
      ...input,
    };
    this.faults.push(fault);
    return fault;
  }

  /** The first fault matching `api`, counted down; exhausted faults disappear. */
  takeFault(api: string): Fault | null {
    const fault = this.faults.find((f) => f.api === '*' || f.api === api);
    if (!fault) return null;
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    }
    return fault;
  }

  recordCall(call: Omit<RecordedCall, 'seq' | 'at' | 'receivedAt'>, receivedAtMs = this.clock.nowMs()): RecordedCall {
    this.callSeq += 1;
    const at = new Date(this.clock.nowMs()).toISOString();
    const recorded: RecordedCall = { seq: this.callSeq, at, receivedAt: new Date(receivedAtMs).toISOString(), ...call };
    this.calls.push(recorded);
    return recorded;
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, so allow-lists can be written in IPv4. */
function ownerKey(kind: TokenKind, componentAppId: string, authorizerAppId: string | null): string {
  return `${kind}/${componentAppId}/${authorizerAppId ?? ''}`;
}

export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
