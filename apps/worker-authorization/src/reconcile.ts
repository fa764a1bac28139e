import type { ComponentTokenService } from '@weixin3rd/credentials';
import type { EventPublisher } from '@weixin3rd/events';
import { countListedWithoutRefreshToken, type Registry } from '@weixin3rd/runtime';
import type { Store } from '@weixin3rd/store';

export interface ReconcileResult {
  listed: number;
  restored: number;
  revoked: number;
  /** Listed, but without a refresh token (missing or empty): kept as stored, alerted. */
  withoutRefreshToken: number;
}

/** api_get_authorizer_list pages hold at most 500. */
const PAGE = 500;

/**
 * Compares our authorizers with WeChat's list (wechat-protocol.md §3.6): a listed account whose
 * refresh token we lost or no longer trust gets it back; an account we think authorized that
 * WeChat no longer lists is marked unauthorized (and published).
 */
export async function reconcile(
  componentAppId: string,
  deps: {
    store: Pick<Store, 'authorizers'>;
    tokens: ComponentTokenService;
    events: EventPublisher;
    logger: { warn(obj: object, msg: string): void };
    /** The process registry: rows without a refresh token are counted there (the alert). */
    metrics: Registry;
  },
): Promise<ReconcileResult> {
  const api = deps.tokens.api(componentAppId);
  const listed = new Map<string, string | null>();
  for (let offset = 0; ; offset += PAGE) {
    const page = await api.getAuthorizerList(offset, PAGE);
    // A row may come without refresh_token or with an empty one (wechat-protocol.md §11.1).
    for (const a of page.list) listed.set(a.authorizer_appid, a.refresh_token || null);
    if (page.list.length < PAGE || offset + PAGE >= page.total_count) break;
  }
  let restored = 0;
  const withoutToken: string[] = [];
  for (const [appId, refreshToken] of listed) {
    const current = await deps.store.authorizers.find(componentAppId, appId);
    // Accounts never seen here are left to the next authorized push or a manual import.
    if (!current) continue;
    // Listed means still authorized; an empty value is no evidence against the stored token: keep it, alert.
    if (refreshToken === null) {
      withoutToken.push(appId);
      continue;
    }
    if (current.status === 'authorized' && current.refreshToken === refreshToken) continue;
    await deps.store.authorizers.restoreRefreshToken(componentAppId, appId, refreshToken);
    restored += 1;
  }
  let revoked = 0;
  for (const appId of await deps.store.authorizers.appIds(componentAppId, 'authorized')) {
    if (listed.has(appId)) continue;
    const after = await deps.store.authorizers.markUnauthorized(componentAppId, appId);
    if (after) await deps.events.publish('unauthorized', after, `reconcile-${after.tokenVersion}`);
    revoked += 1;
  }
  if (withoutToken.length > 0) {
    // Counted on every run that still sees them: the alert keeps rising until someone looks.
    countListedWithoutRefreshToken(deps.metrics, 'reconcile')(componentAppId, withoutToken.length);
    deps.logger.warn(
      {
        componentAppId,
        authorizerAppIds: withoutToken.slice(0, 20),
        count: withoutToken.length,
        metric: 'weixin3rd_authorizer_list_without_refresh_token_total',
      },
      'api_get_authorizer_list rows without a refresh token: stored tokens kept',
    );
  }
  return { listed: listed.size, restored, revoked, withoutRefreshToken: withoutToken.length };
}
