import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import type { Store } from '@weixin3rd/store';
import { TtlCache } from './ttl-cache.js';

/** What the push path needs to know about a component: its crypto, current and previous key. */
export interface ComponentLookup {
  crypto(componentAppId: string): Promise<WeChatCrypto | null>;
}

/** Whether an account is (still) an authorizer of a component. */
export interface AuthorizerLookup {
  isAuthorizer(componentAppId: string, appId: string): Promise<boolean>;
}

/** Lookups backed by the store through short caches: no database hit per push. */
export function storeLookups(store: Pick<Store, 'components' | 'authorizers'>): ComponentLookup & AuthorizerLookup {
  const components = new TtlCache(async (appId) => {
    const c = await store.components.get(appId);
    if (!c) return null;
    return new WeChatCrypto({
      token: c.token,
      encodingAesKey: c.encodingAesKey,
      ...(c.previousEncodingAesKey ? { previousEncodingAesKey: c.previousEncodingAesKey } : {}),
      receiveId: c.appId,
    });
  });
  const authorizers = new TtlCache(async (key) => {
    const [componentAppId = '', appId = ''] = key.split('/');
    const a = await store.authorizers.find(componentAppId, appId);
    // An unauthorized account's messages still arrive for a while; only "never seen" is refused.
    return a ? true : null;
  });
  return {
    crypto: (appId) => components.get(appId),
    isAuthorizer: async (componentAppId, appId) => (await authorizers.get(`${componentAppId}/${appId}`)) === true,
  };
}
