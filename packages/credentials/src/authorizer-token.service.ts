import type { Authorizer, Store } from '@weixin3rd/store';
import { WeChatApiError } from '@weixin3rd/wechat-api';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { ComponentTokenService } from './component-token.service.js';
import { withLock } from './redis-lock.js';

export interface AuthorizerTokenServiceDeps {
  store: Pick<Store, 'authorizers'>;
  components: ComponentTokenService;
  redis: Redis;
  prefix: string;
  logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Called once an account can only come back through a new authorization. */
  onReauthRequired?: (authorizer: Authorizer) => Promise<void>;
  /**
   * Called when a refresh WeChat refused finds the account listed without a refresh token: the
   * alert of wechat-protocol.md §11.1 (the processes count it in their metrics registry).
   */
  onListedWithoutRefreshToken?: (componentAppId: string) => void;
  /** A token is served only while it has at least this much life left (default 60 s). */
  serveMarginMs?: number;
}

export interface ServedToken {
  accessToken: string;
  expiresAt: Date;
}

/** The account cannot get a token: it was revoked, or it must authorize again. */
/** The answer of an account's last refresh call: `ok`, or `<errcode> <errmsg>`, or `network error`. */
export interface RefreshOutcome {
  at: string;
  outcome: string;
}

export class AuthorizerUnavailableError extends Error {
  override readonly name = 'AuthorizerUnavailableError';
  constructor(
    /** REFRESH_TOKEN_UNLISTED: WeChat still lists the account but shows no refresh token; an operator is alerted. */
    readonly code: 'AUTHORIZER_NOT_FOUND' | 'AUTHORIZER_UNAUTHORIZED' | 'REAUTH_REQUIRED' | 'REFRESH_TOKEN_UNLISTED',
    message: string,
  ) {
    super(message);
  }
}

/** WeChat's daily quota for token refreshes is used up (45009); valid tokens are still served. */
export class QuotaExhaustedError extends Error {
  override readonly name = 'QuotaExhaustedError';
}

/**
 * How long a version's claim stands. A writer holds its read about 16 s at most (three 5 s
 * attempts at WeChat and their backoff); one that dies between claiming and saving blocks the
 * account's refreshes no longer than this.
 */
const CLAIM_TTL_SECONDS = 120;

/** Seconds until 00:00 in Beijing, when WeChat's daily quotas reset. */
function secondsToQuotaReset(now = Date.now()): number {
  const beijing = now + 8 * 3600_000;
  return Math.max(60, Math.ceil((86_400_000 - (beijing % 86_400_000)) / 1000));
}

/**
 * Owner of every authorizer access token (the 中控服务器 pattern): callers ask it, never WeChat.
 * A refresh is single-flight per account (Redis lock, re-read after acquiring) and saved with a
 * version compare-and-set, so neither a second worker nor a slow, older refresh can overwrite a
 * newer token.
 */
export class AuthorizerTokenService {
  private readonly margin: number;

  constructor(private readonly deps: AuthorizerTokenServiceDeps) {
    this.margin = deps.serveMarginMs ?? 60_000;
  }

  /** A usable token: from the store while valid, else one single-flight refresh. */
  async get(componentAppId: string, appId: string): Promise<ServedToken> {
    const a = await this.usable(componentAppId, appId);
    if (a.accessToken && a.accessTokenExpiresAt && a.accessTokenExpiresAt.getTime() - Date.now() > this.margin) {
      return { accessToken: a.accessToken, expiresAt: a.accessTokenExpiresAt };
    }
    return this.ensure(componentAppId, appId);
  }

  /**
   * Refreshes unless someone else did while we waited for the lock. `force` refreshes a token
   * that still looks valid (a caller saw WeChat refuse it).
   */
  async ensure(componentAppId: string, appId: string, options: { force?: boolean } = {}): Promise<ServedToken> {
    const before = await this.usable(componentAppId, appId);
    // Done by someone else: a fresh token, and for a forced refresh a newer one than we were refused.
    const settled = (now: Authorizer): ServedToken | undefined => {
      const fresh = now.accessToken && now.accessTokenExpiresAt && now.accessTokenExpiresAt.getTime() - Date.now() > this.margin;
      return fresh && (!options.force || now.tokenVersion !== before.tokenVersion)
        ? { accessToken: now.accessToken as string, expiresAt: now.accessTokenExpiresAt as Date }
        : undefined;
    };
    return withLock(
      this.deps.redis,
      `${this.deps.prefix}:lock:authorizer-token:${componentAppId}:${appId}`,
      async () => {
        const now = await this.usable(componentAppId, appId);
        return settled(now) ?? this.refresh(now);
      },
      { waitMs: 15_000, settled: async () => settled(await this.usable(componentAppId, appId)) },
    );
  }

  /**
   * The scheduled refresh: under the account's lock, one read decides. Null when the token no
   * longer expires within `dueWithinMs` (a caller refreshed it meanwhile), so a sweep job that
   * waited never makes a second WeChat call.
   */
  async refreshIfDue(componentAppId: string, appId: string, dueWithinMs: number): Promise<ServedToken | null> {
    return withLock(
      this.deps.redis,
      `${this.deps.prefix}:lock:authorizer-token:${componentAppId}:${appId}`,
      async () => {
        const a = await this.usable(componentAppId, appId);
        if (a.accessToken && a.accessTokenExpiresAt && a.accessTokenExpiresAt.getTime() - Date.now() > dueWithinMs) return null;
        return this.refresh(a);
      },
      { waitMs: 15_000 },
    );
  }

  /**
   * What the last `api_authorizer_token` call for each account answered (`ok`, or WeChat's errcode
   * and message), for the console; null where none is recorded. One Redis hash, one field per account.
   */
  async lastRefreshes(accounts: readonly { componentAppId: string; appId: string }[]): Promise<(RefreshOutcome | null)[]> {
    if (accounts.length === 0) return [];
    const raw = await this.deps.redis.hmget(this.outcomesKey(), ...accounts.map((a) => `${a.componentAppId}:${a.appId}`));
    return raw.map((r) => (r ? (JSON.parse(r) as RefreshOutcome) : null));
  }

  private outcomesKey(): string {
    return `${this.deps.prefix}:refresh-outcomes`;
  }

  private async noteOutcome(componentAppId: string, appId: string, outcome: string): Promise<void> {
    // A record for operators: losing it must never fail a refresh.
    await this.deps.redis
      .hset(this.outcomesKey(), `${componentAppId}:${appId}`, JSON.stringify({ at: new Date().toISOString(), outcome }))
      .catch(() => undefined);
  }

  /** Refreshes `authorizer` as read at version `tokenVersion`; handles WeChat's refusals. */
  async refresh(authorizer: Authorizer, recovered = false): Promise<ServedToken> {
    const { componentAppId, appId } = authorizer;
    if (await this.quotaExhausted(componentAppId))
      throw new QuotaExhaustedError(`token refresh quota of ${componentAppId} is used up until 00:00 Beijing time`);
    if (!authorizer.refreshToken) return this.recover(authorizer, recovered, 'no refresh token stored');
    const api = this.deps.components.api(componentAppId);
    let res;
    try {
      res = await api.authorizerToken(appId, authorizer.refreshToken);
      await this.noteOutcome(componentAppId, appId, 'ok');
    } catch (error) {
      await this.noteOutcome(componentAppId, appId, error instanceof WeChatApiError ? `${error.code} ${error.errmsg}` : 'network error');
      if (error instanceof WeChatApiError && (error.code === 61023 || error.code === 61003))
        return this.recover(authorizer, recovered, `${error.code} ${error.errmsg}`);
      if (error instanceof WeChatApiError && error.code === 45009) {
        await this.deps.redis.set(this.quotaKey(componentAppId), '1', 'EX', secondsToQuotaReset());
        this.deps.logger?.error(
          { componentAppId, metric: 'weixin3rd_token_quota_exhausted' },
          'api_authorizer_token daily quota used up: refreshing stops until it resets',
        );
        throw new QuotaExhaustedError(`api_authorizer_token answered 45009 for ${componentAppId}`);
      }
      throw error;
    }
    const expiresAt = new Date(Date.now() + res.expires_in * 1000);
    const claim = this.claimKey(componentAppId, appId, authorizer.tokenVersion);
    let saved = false;
    if ((await this.deps.redis.set(claim, '1', 'EX', CLAIM_TTL_SECONDS, 'NX')) === 'OK') {
      try {
        saved = await this.deps.store.authorizers.saveTokens(componentAppId, appId, authorizer.tokenVersion, {
          accessToken: res.authorizer_access_token,
          expiresAt,
          refreshToken: res.authorizer_refresh_token || authorizer.refreshToken,
        });
      } catch (error) {
        // Nothing was saved: the retry must be able to claim this version again.
        await this.deps.redis.del(claim).catch(() => undefined);
        throw error;
      }
    }
    if (saved) return { accessToken: res.authorizer_access_token, expiresAt };
    return this.theirs(authorizer);
  }

  /**
   * Another writer claimed the version we read (or the account re-authorized meanwhile): theirs
   * wins. It may still be saving, so wait briefly for a newer version instead of handing back the
   * token we set out to replace.
   */
  private async theirs(read: Authorizer): Promise<ServedToken> {
    for (let waited = 0; ; waited += 50) {
      const current = await this.usable(read.componentAppId, read.appId);
      if (current.tokenVersion > read.tokenVersion && current.accessToken && current.accessTokenExpiresAt)
        return { accessToken: current.accessToken, expiresAt: current.accessTokenExpiresAt };
      if (waited >= 5_000) throw new Error(`token of ${read.appId} is being replaced by another writer that has not saved yet; retrying`);
      await sleep(50);
    }
  }

  /** 61023/61003: WeChat's list may still hold a refresh token; otherwise re-authorization is needed. */
  private async recover(authorizer: Authorizer, alreadyRecovered: boolean, reason: string): Promise<ServedToken> {
    const { componentAppId, appId } = authorizer;
    if (!alreadyRecovered) {
      const listed = await this.findInList(componentAppId, appId);
      if (listed.found && listed.refreshToken === null) {
        // Still authorized by WeChat's list, which shows no token (missing or empty, §11.1): not a
        // reason to ask the merchant to authorize again. Keep what is stored and alert.
        this.deps.onListedWithoutRefreshToken?.(componentAppId);
        this.deps.logger?.error(
          { componentAppId, appId, reason, metric: 'weixin3rd_authorizer_list_without_refresh_token_total' },
          'refresh refused and api_get_authorizer_list shows no refresh token for a listed account',
        );
        throw new AuthorizerUnavailableError(
          'REFRESH_TOKEN_UNLISTED',
          `${appId}: ${reason}; WeChat lists the account without a refresh token`,
        );
      }
      if (listed.refreshToken && listed.refreshToken !== authorizer.refreshToken) {
        await this.deps.store.authorizers.restoreRefreshToken(componentAppId, appId, listed.refreshToken);
        this.deps.logger?.info({ componentAppId, appId }, 'refresh token recovered from api_get_authorizer_list');
        return this.refresh(await this.usable(componentAppId, appId), true);
      }
    }
    const after = await this.deps.store.authorizers.markReauthRequired(componentAppId, appId);
    this.deps.logger?.warn({ componentAppId, appId, reason }, 'authorizer needs to authorize again');
    if (after) await this.deps.onReauthRequired?.(after);
    throw new AuthorizerUnavailableError('REAUTH_REQUIRED', `${appId} must authorize again (${reason})`);
  }

  private async findInList(componentAppId: string, appId: string): Promise<{ found: boolean; refreshToken: string | null }> {
    const api = this.deps.components.api(componentAppId);
    for (let offset = 0; ; offset += 500) {
      const page = await api.getAuthorizerList(offset, 500);
      const hit = page.list.find((a) => a.authorizer_appid === appId);
      if (hit) return { found: true, refreshToken: hit.refresh_token || null };
      if (page.list.length < 500 || offset + 500 >= page.total_count) return { found: false, refreshToken: null };
    }
  }

  /**
   * The first writer to claim version `version` of an account's tokens (Redis `SET NX`) is the only
   * one that may save its successor: the compare-and-set's guard where the store's update isn't
   * atomic (FerretDB). Losing the claims (a Redis flush) leaves the store's version filter, which
   * is enough on MongoDB.
   */
  private claimKey(componentAppId: string, appId: string, version: number): string {
    return `${this.deps.prefix}:token-claim:${componentAppId}:${appId}:${version}`;
  }

  private async usable(componentAppId: string, appId: string): Promise<Authorizer> {
    const a = await this.deps.store.authorizers.find(componentAppId, appId);
    if (!a) throw new AuthorizerUnavailableError('AUTHORIZER_NOT_FOUND', `no authorizer ${appId}`);
    if (a.status === 'unauthorized') throw new AuthorizerUnavailableError('AUTHORIZER_UNAUTHORIZED', `${appId} revoked the authorization`);
    if (a.status === 'reauth_required') throw new AuthorizerUnavailableError('REAUTH_REQUIRED', `${appId} must authorize again`);
    return a;
  }

  /** Whether refreshing for this component is stopped until the daily quota resets. */
  async quotaExhausted(componentAppId: string): Promise<boolean> {
    return (await this.deps.redis.exists(this.quotaKey(componentAppId))) === 1;
  }

  private quotaKey(componentAppId: string): string {
    return `${this.deps.prefix}:quota-exhausted:authorizer-token:${componentAppId}`;
  }
}
