import { AuthorizerUnavailableError, LockTimeoutError, QuotaExhaustedError, type AuthorizerTokenService } from '@weixin3rd/credentials';
import type { EventPublisher } from '@weixin3rd/events';
import { jobIds, type Producer } from '@weixin3rd/queues';
import type { Authorizer, Store } from '@weixin3rd/store';
import { WeChatApiError } from '@weixin3rd/wechat-api';
import type { Redis } from 'ioredis';
import { HttpError } from '@weixin3rd/runtime';

export interface AuthorizerActionsDeps {
  store: Pick<Store, 'authorizers' | 'components'>;
  events: EventPublisher;
  authorization: Producer<'authorization'>;
  tokens: AuthorizerTokenService;
  redis: Redis;
  /** QUEUE_PREFIX for Redis keys. */
  keyPrefix: string;
  /** One forced refresh per authorizer per this many seconds (default 60). */
  forceEverySeconds?: number;
}

/** Turns the token owner's refusals into answers a caller can act on. */
export function explainTokenError(error: unknown): never {
  if (error instanceof AuthorizerUnavailableError)
    throw new HttpError(error.code === 'AUTHORIZER_NOT_FOUND' ? 404 : 409, error.code, error.message);
  if (error instanceof QuotaExhaustedError) throw new HttpError(503, 'QUOTA_EXHAUSTED', error.message);
  if (error instanceof LockTimeoutError) throw new HttpError(503, 'REFRESH_BUSY', 'a refresh is in progress; retry');
  if (error instanceof WeChatApiError) throw new HttpError(502, 'WECHAT_ERROR', `WeChat answered ${error.code} ${error.errmsg}`);
  throw error;
}

/**
 * What an operator does to an account, through the API or /admin alike: one implementation, so
 * the page can never do something the API would refuse.
 */
export class AuthorizerActions {
  constructor(private readonly deps: AuthorizerActionsDeps) {}

  async find(appId: string, component?: string): Promise<Authorizer> {
    const a = await this.deps.store.authorizers.findByAppId(appId, component);
    if (!a) throw new HttpError(404, 'AUTHORIZER_NOT_FOUND', `no authorizer ${appId}`);
    return a;
  }

  /** Binds or rebinds the account to a shop; publishes `shop_bound` when it changed. */
  async rebind(appId: string, shopId: string, component?: string): Promise<{ after: Authorizer; previousShopId: string | null }> {
    const a = await this.find(appId, component);
    // The console is the explicit rebind the authorization page points operators to.
    const result = await this.deps.store.authorizers.bindShop(a.componentAppId, a.appId, shopId, { rebind: true });
    const after = await this.find(a.appId, a.componentAppId);
    if (result === 'bound') await this.deps.events.publish('shop_bound', after, `shop-${shopId}-${Date.now()}`);
    return { after, previousShopId: a.shopId };
  }

  async token(appId: string, component?: string) {
    const a = await this.find(appId, component);
    return this.deps.tokens.get(a.componentAppId, a.appId).catch(explainTokenError);
  }

  /** A refresh now, at most one per account per `forceEverySeconds`. */
  async forceRefresh(appId: string, component?: string) {
    const a = await this.find(appId, component);
    const every = this.deps.forceEverySeconds ?? 60;
    // Callers that saw 40001 may all ask at once: one refresh, the rest get 429 and the new token via GET.
    const key = `${this.deps.keyPrefix}:force-refresh:${a.componentAppId}:${a.appId}`;
    if ((await this.deps.redis.set(key, '1', 'EX', every, 'NX')) !== 'OK') {
      throw new HttpError(429, 'REFRESH_RATE_LIMITED', `at most one forced refresh per ${every} s; GET the access token instead`);
    }
    return this.deps.tokens.ensure(a.componentAppId, a.appId, { force: true }).catch(explainTokenError);
  }

  /** Queues a comparison of the component's authorizers with WeChat's list (api_get_authorizer_list). */
  async reconcile(componentAppId: string): Promise<string> {
    if (!(await this.deps.store.components.summary(componentAppId)))
      throw new HttpError(404, 'COMPONENT_NOT_FOUND', `no component ${componentAppId}`);
    return this.deps.authorization.add('reconcile', { componentAppId }, jobIds.reconcile(componentAppId));
  }
}
