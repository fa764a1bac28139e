/** In-memory model of WeChat's side of a third-party platform (a sandbox, not a store). */

export type AccountKind = 'official' | 'mini';

/** An official account or mini program that can authorize a component. */
export interface SandboxAccount {
  appId: string;
  /** Original id, `gh_…`: the `ToUserName` of messages to this account. */
  userName: string;
  nickName: string;
  kind: AccountKind;
  /** service_type_info.id (OA: 0 subscription, 1 upgraded, 2 service; MP: 0 normal). */
  serviceType: number;
  /** verify_type_info.id (-1 unverified, 0 WeChat-verified). */
  verifyType: number;
  principalName: string;
  headImg: string;
  alias: string;
  signature: string;
  /** Permission-set ids the consent page offers for this account. */
  funcInfo: number[];
  /** 全网发布 test group (1–5) for the release-test accounts. */
  releaseGroup: number | null;
  /** Authorizer options (location_report, voice_recognize, customer_service). */
  options: Record<string, string>;
  /**
   * Fields api_get_authorizer_info leaves out for this account (newer account types and mini
   * programs lack some of them: wechat-protocol.md §11.5).
   */
  omitInfo: AuthorizerInfoField[];
}

/** authorizer_info fields that real accounts may lack. */
export const OMITTABLE_INFO = [
  'service_type_info',
  'verify_type_info',
  'head_img',
  'business_info',
  'alias',
  'qrcode_url',
  'principal_name',
  'signature',
  'basic_config',
] as const;
export type AuthorizerInfoField = (typeof OMITTABLE_INFO)[number];

/** How api_get_authorizer_list shows refresh tokens: WeChat's FAQ reports rows without one and rows with an empty one. */
export type ListRefreshTokens = 'present' | 'empty' | 'missing';

/** A third-party platform registered with the sandbox. */
export interface SandboxComponent {
  appId: string;
  appSecret: string;
  token: string;
  encodingAesKey: string;
  /** 授权事件接收URL. */
  authEventUrl: string | null;
  /** 消息与事件接收URL, with `$APPID$` where the authorizer appid goes. */
  messageUrl: string | null;
  /** 授权发起页域名: host (and port) the Referer and redirect_uri must be on. */
  authDomain: string | null;
  /** Caller IPs allowed to call component APIs; null = no allow-list. */
  ipAllowList: string[] | null;
  /** Ticket pushes stopped (fault injection). */
  ticketPushPaused: boolean;
}

export interface IssuedTicket {
  componentAppId: string;
  value: string;
  issuedAtMs: number;
}

export type TokenKind = 'component' | 'authorizer';

export interface IssuedToken {
  value: string;
  kind: TokenKind;
  componentAppId: string;
  /** Set for authorizer tokens. */
  authorizerAppId: string | null;
  issuedAtMs: number;
  expiresAtMs: number;
  /** When a newer token of the same owner was issued; this one dies `overlapSeconds` later. */
  supersededAtMs: number | null;
  /** Revoked outright (authorization cancelled, or token invalidation fault). */
  revoked: boolean;
}

export interface PreAuthCode {
  value: string;
  componentAppId: string;
  expiresAtMs: number;
  used: boolean;
}

export interface AuthCode {
  value: string;
  componentAppId: string;
  authorizerAppId: string;
  preAuthCode: string | null;
  expiresAtMs: number;
  uses: number;
}

export interface Authorization {
  componentAppId: string;
  authorizerAppId: string;
  refreshToken: string;
  funcInfo: number[];
  /** Unix seconds of the latest (re-)authorization. */
  authTime: number;
  status: 'authorized' | 'revoked';
}

/** `lost-answer`: the call is carried out (a code is used up) but the answer never arrives, like a timeout after WeChat acted. */
export type FaultKind = 'latency' | 'timeout' | 'lost-answer' | 'busy' | 'http5xx' | 'errcode';

/** A fault injected through the control API, matched against API names. */
export interface Fault {
  id: string;
  /** API name such as `api_component_token`, or `*` for every API. */
  api: string;
  kind: FaultKind;
  /** latency: added delay; timeout, lost-answer: the response is held this long, then dropped (default 30 s). */
  delayMs: number;
  /** http5xx: status code (default 502). */
  status: number;
  /** errcode: the WeChat error to answer. */
  errcode: number;
  /** How many more calls it applies to; null = until cleared. */
  remaining: number | null;
}

/** One call the sandbox received on a WeChat API, for test assertions. */
export interface RecordedCall {
  seq: number;
  /** When the answer was given (or the fault applied). */
  at: string;
  /** When the request arrived: with `at`, whether two calls were in flight at once. */
  receivedAt: string;
  api: string;
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  ip: string;
  /** errcode answered (0 on success), or the injected HTTP status as a negative number. */
  errcode: number;
}

export interface SandboxSettings {
  tokenTtlSeconds: number;
  /** How long a superseded token keeps working. */
  overlapSeconds: number;
  ticketValiditySeconds: number;
  /** Ticket push period; 0 disables the schedule. */
  ticketIntervalSeconds: number;
  preAuthCodeTtlSeconds: number;
  authCodeTtlSeconds: number;
  /**
   * Whether an auth code can be exchanged more than once within its lifetime. Off by default:
   * WeChat's codes are single-use, and a project must not depend on exchanging one twice.
   */
  authCodeReuse: boolean;
  /** Refresh tokens in api_get_authorizer_list rows. */
  listRefreshTokens: ListRefreshTokens;
  /** How long a push waits for the answer. */
  pushTimeoutMs: number;
  /** Deliveries of one push before it counts as failed; only a push that got no answer in time is delivered again. */
  pushAttempts: number;
  /** Pause before a re-delivery after a refused connection (a timeout already waited). */
  pushRetryDelayMs: number;
  /** Daily call quota per (appid, API); null = unlimited. */
  dailyQuota: number | null;
  /** clear_quota calls allowed per account per month. */
  monthlyQuotaClears: number;
}

export const DEFAULT_SETTINGS: Readonly<SandboxSettings> = Object.freeze({
  tokenTtlSeconds: 7200,
  overlapSeconds: 300,
  ticketValiditySeconds: 12 * 3600,
  ticketIntervalSeconds: 600,
  preAuthCodeTtlSeconds: 600,
  // The redirect announces expires_in=600: the code lives exactly that long (wechat-protocol.md §11, sandbox rules).
  authCodeTtlSeconds: 600,
  // Single-use, as WeChat's codes are (issue 16: tests run with it on).
  authCodeReuse: false,
  listRefreshTokens: 'present',
  pushTimeoutMs: 5000,
  pushAttempts: 3,
  pushRetryDelayMs: 1000,
  dailyQuota: null,
  monthlyQuotaClears: 10,
});
