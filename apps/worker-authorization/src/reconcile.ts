import type { ComponentTokenService } from '@weixin3rd/credentials';
import type { EventPublisher } from '@weixin3rd/events';
import type { Store } from '@weixin3rd/store';

export interface ReconcileResult {
  listed: number;
  restored: number;
  revoked: number;
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
  deps: { store: Pick<Store, 'authorizers'>; tokens: ComponentTokenService; events: EventPublisher },
): Promise<ReconcileResult> {
  const api = deps.tokens.api(componentAppId);
  const listed = new Map<string, string>();
  for (let offset = 0; ; offset += PAGE) {
    const page = await api.getAuthorizerList(offset, PAGE);
    for (const a of page.list) listed.set(a.authorizer_appid, a.refresh_token);
    if (page.list.length < PAGE || offset + PAGE >= page.total_count) break;
  }
  let restored = 0;
  for (const [appId, refreshToken] of listed) {
    const current = await deps.store.authorizers.find(componentAppId, appId);
    // Accounts never seen here are left to the next authorized push or a manual import.
    if (!current || (current.status === 'authorized' && current.refreshToken === refreshToken)) continue;
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
  return { listed: listed.size, restored, revoked };
}
