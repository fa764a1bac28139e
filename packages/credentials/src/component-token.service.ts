import type { Store, StoredToken } from '@weixin3rd/store';
import { ComponentApi, WeChatApiError, type TokenSource, type Transport } from '@weixin3rd/wechat-api';
import type { Redis } from 'ioredis';
import { withLock } from './redis-lock.js';
import { COMPONENT_REFRESH_MARGIN_MS } from './token-answer.js';

export interface ComponentTokenServiceDeps {
  store: Pick<Store, 'components' | 'tickets' | 'componentTokens'>;
  redis: Redis;
  prefix: string;
  transport: Transport;
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Refresh when the token expires within this (default 20 min). */
  refreshMarginMs?: number;
  /** A ticket older than this is stale (default 20 min). */
  staleTicketMs?: number;
  /** At most one api_start_push_ticket per component per this period (default 10 min). */
  startPushEveryMs?: number;
  /** API calls reuse a token read this recently instead of reading the store (default 30 s). */
  reuseForMs?: number;
}

/** The component has no usable ticket yet; api_start_push_ticket was requested. */
export class TicketMissingError extends Error {
  override readonly name = 'TicketMissingError';
}

export interface TicketHealth {
  ageMs: number | null;
  stale: boolean;
  startPushRequested: boolean;
}

/**
 * The one owner of each component's access token. Every process may call `ensure`; a Redis lock
 * makes the refresh single-flight across processes and instances, a re-read after acquiring it
 * returns a token someone else just fetched, and the store's version compare-and-set keeps a
 * slow, older refresh from overwriting a newer token.
 */
export class ComponentTokenService {
  private readonly margin: number;
  private readonly held = new Map<string, { token: StoredToken; until: number }>();
  /** Components for which this process recorded a configuration refusal, cleared by its next call that succeeds. */
  private readonly configRefused = new Set<string>();

  constructor(private readonly deps: ComponentTokenServiceDeps) {
    this.margin = deps.refreshMarginMs ?? COMPONENT_REFRESH_MARGIN_MS;
  }

  /** The stored token, without refreshing. */
  current(appId: string): Promise<StoredToken | null> {
    return this.deps.store.componentTokens.get(appId);
  }

  /**
   * A token valid beyond the margin. `failedToken`: WeChat refused that token (40001), so refresh
   * unless the stored one is already different. `force`: refresh even if it looks fresh.
   */
  async ensure(appId: string, options: { failedToken?: string; force?: boolean } = {}): Promise<StoredToken> {
    const usable = (t: StoredToken | null): t is StoredToken =>
      t !== null && t.expiresAt.getTime() - Date.now() > this.margin && t.accessToken !== options.failedToken;
    const before = await this.current(appId);
    if (!options.force && usable(before)) return before;
    // Someone refreshed while we waited for the lock: theirs is the token.
    const settled = (now: StoredToken | null): StoredToken | undefined =>
      usable(now) && (!options.force || now.version !== before?.version) ? now : undefined;
    return withLock(
      this.deps.redis,
      `${this.deps.prefix}:lock:component-token:${appId}`,
      async () => {
        const now = await this.current(appId);
        return settled(now) ?? this.refresh(appId, now?.version ?? 0);
      },
      { settled: async () => settled(await this.current(appId)) },
    );
  }

  /** Adapts the service to what ComponentApi needs. */
  tokenSource(appId: string): TokenSource {
    return {
      get: async () => {
        const held = this.held.get(appId);
        if (held && held.until > Date.now()) return held.token.accessToken;
        return this.hold(appId, await this.ensure(appId)).accessToken;
      },
      renew: async (failed) => {
        this.held.delete(appId);
        return this.hold(appId, await this.ensure(appId, { failedToken: failed })).accessToken;
      },
      settled: (error) => this.noteConfiguration(appId, error),
    };
  }

  /**
   * A configuration refusal met by any call (api_query_auth answering 61004 as much as a token
   * refresh answering 40125) is recorded on the component for the console; the next call of this
   * process that goes through clears it (and so does every component token refresh).
   */
  private async noteConfiguration(appId: string, error: unknown): Promise<void> {
    const refused = error instanceof WeChatApiError && error.kind === 'config';
    // Any other refusal says nothing about the configuration either way.
    if (!refused && (error !== null || !this.configRefused.has(appId))) return;
    try {
      if (refused) {
        await this.deps.store.components.setError(appId, { code: String(error.code), message: error.errmsg });
        this.configRefused.add(appId);
      } else {
        await this.deps.store.components.setError(appId, null);
        this.configRefused.delete(appId);
      }
    } catch (err) {
      this.deps.logger?.warn({ componentAppId: appId, err }, 'could not record the configuration state of the component');
    }
  }

  /**
   * API calls reuse a token read within the last few seconds instead of reading the store per call
   * (a fleet refresh makes thousands). Safe because WeChat keeps a superseded token working for
   * ~5 minutes, and a 40001 on it renews through the store at once.
   */
  private hold(appId: string, token: StoredToken): StoredToken {
    const until = Math.min(Date.now() + (this.deps.reuseForMs ?? 30_000), token.expiresAt.getTime() - this.margin);
    this.held.set(appId, { token, until });
    return token;
  }

  api(appId: string): ComponentApi {
    return new ComponentApi(this.deps.transport, appId, this.tokenSource(appId));
  }

  /** Ticket age; a stale or missing ticket is a warning and asks WeChat to push (rate-limited). */
  async checkTicket(appId: string): Promise<TicketHealth> {
    const ticket = await this.deps.store.tickets.latest(appId);
    const ageMs = ticket ? Date.now() - ticket.receivedAt.getTime() : null;
    const stale = ageMs === null || ageMs > (this.deps.staleTicketMs ?? 20 * 60_000);
    let startPushRequested = false;
    if (stale) {
      this.deps.logger?.warn(
        { componentAppId: appId, ticketAgeSeconds: ageMs === null ? null : Math.round(ageMs / 1000) },
        'component_verify_ticket is stale',
      );
      startPushRequested = await this.requestTicketPush(appId);
    }
    return { ageMs, stale, startPushRequested };
  }

  private async refresh(appId: string, version: number): Promise<StoredToken> {
    const component = await this.deps.store.components.get(appId);
    if (!component) throw new Error(`component ${appId} is not configured`);
    const ticket = await this.deps.store.tickets.latest(appId);
    if (!ticket) {
      await this.requestTicketPush(appId);
      throw new TicketMissingError(`no component_verify_ticket for ${appId} yet; asked WeChat to push one`);
    }
    const api = new ComponentApi(this.deps.transport, appId);
    let res;
    try {
      res = await api.componentToken(component.appSecret, ticket.value);
    } catch (error) {
      if (error instanceof WeChatApiError && error.kind === 'config')
        await this.deps.store.components.setError(appId, { code: String(error.code), message: error.errmsg });
      if (error instanceof WeChatApiError && error.kind === 'ticket') await this.requestTicketPush(appId);
      throw error;
    }
    const expiresAt = new Date(Date.now() + res.expires_in * 1000);
    if (!(await this.deps.store.componentTokens.save(appId, res.component_access_token, expiresAt, version))) {
      // Only possible if our lock expired mid-call: the newer write wins.
      const winner = await this.current(appId);
      if (winner) return winner;
    }
    await this.deps.store.components.setError(appId, null);
    this.deps.logger?.info({ componentAppId: appId, expiresAt }, 'component access token refreshed');
    return (await this.current(appId)) as StoredToken;
  }

  /**
   * Asks WeChat to push a ticket now (api_start_push_ticket), at most once per component per
   * `startPushEveryMs` across every process. True when this call made the request.
   */
  async requestTicketPush(appId: string): Promise<boolean> {
    const key = `${this.deps.prefix}:start-push-ticket:${appId}`;
    if ((await this.deps.redis.set(key, '1', 'PX', this.deps.startPushEveryMs ?? 10 * 60_000, 'NX')) !== 'OK') return false;
    const component = await this.deps.store.components.get(appId);
    if (!component) return false;
    try {
      await new ComponentApi(this.deps.transport, appId).startPushTicket(component.appSecret);
      this.deps.logger?.info({ componentAppId: appId }, 'api_start_push_ticket requested');
      return true;
    } catch (error) {
      this.deps.logger?.warn({ componentAppId: appId, err: error }, 'api_start_push_ticket failed');
      return false;
    }
  }
}
