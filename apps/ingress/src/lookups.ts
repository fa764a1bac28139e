import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { isMongoUnavailable } from '@weixin3rd/runtime';
import { StoreError, withinStoreDeadline, type Store } from '@weixin3rd/store';
import { LRUCache } from 'lru-cache';

/** What the push path needs to know about a component: its crypto, current and previous key. */
export interface ComponentLookup {
  /** Null for a component the store does not hold; throws {@link LookupUnavailableError} when the store cannot tell in time. */
  crypto(componentAppId: string): Promise<WeChatCrypto | null>;
}

/** Whether an account is (still) an authorizer of a component. */
export interface AuthorizerLookup {
  /**
   * `true` when the store holds the account, `false` when it does not, `unconfirmed` when the
   * store did not answer in time or is unreachable.
   */
  isAuthorizer(componentAppId: string, appId: string): Promise<boolean | 'unconfirmed'>;
}

/** The store did not answer a push-path lookup within the deadline, or is unreachable. */
export class LookupUnavailableError extends Error {
  override name = 'LookupUnavailableError';
}

/**
 * Resolves as `promise` does, or rejects with LookupUnavailableError after `ms` or when the store
 * is unreachable: a request never waits longer on the store. The load itself goes on (cached
 * loads are shared), so the next request may find it done.
 */
async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  try {
    return await withinStoreDeadline(promise, ms, `the ${what} lookup`);
  } catch (error) {
    if (error instanceof StoreError && error.code === 'STORE_TIMEOUT') throw new LookupUnavailableError(error.message);
    if (isMongoUnavailable(error)) throw new LookupUnavailableError(`the store is unreachable (${what} lookup)`);
    throw error;
  }
}

/** A load still unanswered after this is given up (its entry freed), so the next request tries again. */
const ABANDON_LOAD_MS = 5_000;

/**
 * A read-through cache so the push path does not hit MongoDB per request. Misses are kept for a
 * shorter time than hits: a component or authorizer added a moment ago must not stay unknown for
 * long. Concurrent misses share one load (lru-cache's fetch), abandoned after ABANDON_LOAD_MS.
 */
function readThrough<V extends object | boolean>(
  load: (key: string) => Promise<V | null>,
  hitMs: number,
  missMs = 1_000,
): (key: string) => Promise<V | null> {
  const cache = new LRUCache<string, { value: V | null }>({
    max: 100_000,
    ttl: hitMs,
    fetchMethod: async (key, _stale, { options }) => {
      const value = await withinStoreDeadline(load(key), ABANDON_LOAD_MS, 'a push-path load');
      if (value === null) options.ttl = missMs;
      return { value };
    },
  });
  return async (key) => (await cache.fetch(key))?.value ?? null;
}

export interface LookupOptions {
  /** INGRESS_STORE_DEADLINE_MS: longest a push waits on one store lookup. */
  deadlineMs: number;
}

/** Lookups backed by the store through short caches: no database hit per push, and never a wait past the deadline. */
export function storeLookups(
  store: Pick<Store, 'components' | 'authorizerFacts'>,
  options: LookupOptions,
): ComponentLookup & AuthorizerLookup {
  // 30 s: a component's new AES key is used within that time.
  const components = readThrough(async (appId) => {
    const c = await store.components.get(appId);
    if (!c) return null;
    return new WeChatCrypto({
      token: c.token,
      encodingAesKey: c.encodingAesKey,
      ...(c.previousEncodingAesKey ? { previousEncodingAesKey: c.previousEncodingAesKey } : {}),
      receiveId: c.appId,
    });
  }, 30_000);
  // 10 min: authorizers are never deleted, and an unauthorized account's messages still arrive
  // for a while, so "known" does not go stale; only "never seen" is looked up again (after 1 s).
  const authorizers = readThrough(async (key) => {
    const [componentAppId = '', appId = ''] = key.split('/');
    return (await store.authorizerFacts.load(componentAppId, appId)) ? true : null;
  }, 10 * 60_000);
  return {
    crypto: (componentAppId) => withDeadline(components(componentAppId), options.deadlineMs, 'component'),
    isAuthorizer: async (componentAppId, appId) => {
      try {
        return (await withDeadline(authorizers(`${componentAppId}/${appId}`), options.deadlineMs, 'authorizer')) === true;
      } catch (error) {
        if (error instanceof LookupUnavailableError) return 'unconfirmed';
        throw error;
      }
    },
  };
}
