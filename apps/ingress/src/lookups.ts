import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import type { Store } from '@weixin3rd/store';
import { LRUCache } from 'lru-cache';

/** What the push path needs to know about a component: its crypto, current and previous key. */
export interface ComponentLookup {
  crypto(componentAppId: string): Promise<WeChatCrypto | null>;
}

/** Whether an account is (still) an authorizer of a component. */
export interface AuthorizerLookup {
  isAuthorizer(componentAppId: string, appId: string): Promise<boolean>;
}

/**
 * A read-through cache so the push path does not hit MongoDB per request. Misses are kept for a
 * shorter time than hits: a component or authorizer added a moment ago must not stay unknown for
 * long. Concurrent misses share one load (lru-cache's fetch).
 */
function readThrough<V extends object | boolean>(
  load: (key: string) => Promise<V | null>,
  hitMs = 30_000,
  missMs = 1_000,
): (key: string) => Promise<V | null> {
  const cache = new LRUCache<string, { value: V | null }>({
    max: 100_000,
    ttl: hitMs,
    fetchMethod: async (key, _stale, { options }) => {
      const value = await load(key);
      if (value === null) options.ttl = missMs;
      return { value };
    },
  });
  return async (key) => (await cache.fetch(key))?.value ?? null;
}

/** Lookups backed by the store through short caches: no database hit per push. */
export function storeLookups(store: Pick<Store, 'components' | 'authorizers'>): ComponentLookup & AuthorizerLookup {
  const components = readThrough(async (appId) => {
    const c = await store.components.get(appId);
    if (!c) return null;
    return new WeChatCrypto({
      token: c.token,
      encodingAesKey: c.encodingAesKey,
      ...(c.previousEncodingAesKey ? { previousEncodingAesKey: c.previousEncodingAesKey } : {}),
      receiveId: c.appId,
    });
  });
  const authorizers = readThrough(async (key) => {
    const [componentAppId = '', appId = ''] = key.split('/');
    const a = await store.authorizers.find(componentAppId, appId);
    // An unauthorized account's messages still arrive for a while; only "never seen" is refused.
    return a ? true : null;
  });
  return {
    crypto: components,
    isAuthorizer: async (componentAppId, appId) => (await authorizers(`${componentAppId}/${appId}`)) === true,
  };
}
