/**
 * After a refresh WeChat keeps the previous token working for about 5 minutes only
 * (wechat-protocol.md §7, "Token lifetimes told to callers"), not until its own 2-hour expiry.
 */
export const WECHAT_TOKEN_OVERLAP_MS = 5 * 60_000;
/** worker-tokens refreshes an authorizer token once it expires within this (the minute sweep). */
export const AUTHORIZER_REFRESH_WINDOW_MS = 15 * 60_000;
/** worker-tickets refreshes a component token once it expires within this (the minute check). */
export const COMPONENT_REFRESH_MARGIN_MS = 20 * 60_000;

/** What the token API answers (CONTRACT.md, "Token answers"). */
export interface TokenAnswer {
  accessToken: string;
  /** The latest moment a caller may use the token: it is still valid then whatever the refresh does. */
  expiresAt: Date;
  /** When the service will replace it (now, when that is overdue). */
  refreshAt: Date;
}

/**
 * The service never refreshes before `wechatExpiresAt − refreshWindowMs`, and WeChat keeps the
 * replaced token for the overlap after that refresh: so the token works at least until the
 * planned refresh plus the overlap, capped by WeChat's own expiry. A caller caching until
 * `expiresAt` never holds a dead token through planned refreshes. An early replacement (a forced
 * refresh by anyone, a renewal after 40001) ends it 5 minutes later: callers then GET again on
 * 40001/42001/40014 (docs/CONTRACT.md, "Token answers").
 */
export function tokenAnswer(accessToken: string, wechatExpiresAt: Date, refreshWindowMs: number, now = Date.now()): TokenAnswer {
  const refreshAt = Math.max(wechatExpiresAt.getTime() - refreshWindowMs, now);
  const expiresAt = Math.min(wechatExpiresAt.getTime(), refreshAt + WECHAT_TOKEN_OVERLAP_MS);
  return { accessToken, expiresAt: new Date(expiresAt), refreshAt: new Date(refreshAt) };
}
