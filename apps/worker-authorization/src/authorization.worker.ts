import type { ComponentTokenService } from '@weixin3rd/credentials';
import {
  QUEUE,
  createWorker,
  type PreAuthSessions,
  type AuthCodeJob,
  type AuthorizationEventJob,
  type UnauthorizedJob,
  type UnknownInfoTypeJob,
  type LearnAuthorizerJob,
} from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import { WeChatApiError, type QueryAuthResponse } from '@weixin3rd/wechat-api';
import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EventPublisher } from '@weixin3rd/events';
import { accountOf, learnAuthorizer } from './learn-authorizer.js';
import { reconcile, type ReconcileResult } from './reconcile.js';

export interface AuthorizationWorkerDeps {
  store: Pick<Store, 'authorizers' | 'authCodes' | 'components'>;
  tokens: ComponentTokenService;
  events: EventPublisher;
  sessions: PreAuthSessions;
  connection: Redis;
  prefix: string;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** What happened to a code, shown on the result page and stored with the claim. */
export type ExchangeOutcome = 'bound' | 'authorized' | 'already_bound' | 'duplicate';

const permanent = (error: unknown): never => {
  if (error instanceof WeChatApiError && !error.retryable && error.kind !== 'token') {
    throw new UnrecoverableError(`${error.call} answered ${error.code} ${error.errmsg}`);
  }
  throw error;
};

/**
 * Processes `authorization`: exchanges codes (from the redirect or the `authorized` push,
 * whichever comes first), records the account, binds the shop, handles revocations, and
 * publishes `authorizer-events`.
 */
export function createAuthorizationWorker(deps: AuthorizationWorkerDeps): Worker {
  /**
   * The push won the code but the redirect knows the shop: once the push's exchange is done, the
   * redirect's job binds the shop. Retried (not failed) while the exchange is still running.
   */
  const bindAfterOther = async (componentAppId: string, code: string, shopId: string): Promise<ExchangeOutcome> => {
    const other = await deps.store.authCodes.outcome(componentAppId, code);
    if (other?.status === 'failed') throw new UnrecoverableError(other.outcome ?? 'the authorization failed');
    if (other?.status !== 'done' || !other.authorizerAppId) throw new Error('the same code is being exchanged by another job; retrying');
    const bind = await deps.store.authorizers.bindShop(componentAppId, other.authorizerAppId, shopId);
    if (bind === 'bound') {
      const current = await deps.store.authorizers.find(componentAppId, other.authorizerAppId);
      if (current) await deps.events.publish('shop_bound', current, `shop-${shopId}-${current.tokenVersion}`);
    }
    return bind === 'already_bound' ? 'already_bound' : 'bound';
  };

  const exchange = async (componentAppId: string, code: string, shopId: string | null, owner: string): Promise<ExchangeOutcome> => {
    if ((await deps.store.authCodes.claim(componentAppId, code, owner)) === 'lost') {
      return shopId === null ? 'duplicate' : bindAfterOther(componentAppId, code, shopId);
    }
    const api = deps.tokens.api(componentAppId);
    try {
      // Codes are single-use: a retry after a later step failed reuses the first answer.
      type AuthInfo = QueryAuthResponse['authorization_info'];
      const saved = await deps.store.authCodes.savedExchange<AuthInfo>(componentAppId, code);
      const auth = saved?.result ?? (await api.queryAuth(code).catch(permanent)).authorization_info;
      const exchangedAt = saved?.at ?? Date.now();
      if (!saved) await deps.store.authCodes.saveExchange(componentAppId, code, auth);
      // Decided before the upsert, once per code: a re-run after a crash finds the account
      // authorized by its own first run and must still publish what the first run would have.
      const before = await deps.store.authorizers.find(componentAppId, auth.authorizer_appid);
      const type = await deps.store.authCodes.decideEventType(
        componentAppId,
        code,
        before?.status === 'authorized' ? 'updateauthorized' : 'authorized',
      );
      const info = await api.getAuthorizerInfo(auth.authorizer_appid).catch(permanent);
      const refreshToken = auth.authorizer_refresh_token ?? info.authorization_info.authorizer_refresh_token;
      if (!refreshToken) throw new UnrecoverableError(`${auth.authorizer_appid} granted no API permission: no refresh token`);
      const { previous, current } = await deps.store.authorizers.upsertAuthorized({
        componentAppId,
        appId: auth.authorizer_appid,
        refreshToken,
        accessToken: auth.authorizer_access_token ?? null,
        accessTokenExpiresAt: auth.expires_in ? new Date(exchangedAt + auth.expires_in * 1000) : null,
        funcInfo: auth.func_info.map((f) => f.funcscope_category.id),
        account: accountOf(info.authorizer_info),
      });
      // Bind first, so the event already names the shop the operator authorized for.
      let outcome: ExchangeOutcome = 'authorized';
      let shopOfEvent = current.shopId;
      if (shopId !== null) {
        const bind = await deps.store.authorizers.bindShop(componentAppId, current.appId, shopId);
        outcome = bind === 'already_bound' ? 'already_bound' : 'bound';
        if (bind !== 'already_bound') shopOfEvent = shopId;
      }
      // One event per code (the version names the code, not the token version a re-run bumps).
      await deps.events.publish(type, { ...current, shopId: shopOfEvent }, `${type}-code-${code}`);
      deps.logger.info(
        {
          componentAppId,
          authorizerAppId: current.appId,
          type,
          outcome,
          funcInfo: current.funcInfo,
          previousFuncInfo: previous?.funcInfo ?? null,
        },
        'authorization exchanged',
      );
      await deps.store.authCodes.finish(componentAppId, code, { status: 'done', outcome, authorizerAppId: current.appId });
      return outcome;
    } catch (error) {
      if (error instanceof UnrecoverableError)
        await deps.store.authCodes.finish(componentAppId, code, { status: 'failed', outcome: error.message, authorizerAppId: null });
      throw error;
    }
  };

  return createWorker(
    QUEUE.authorization,
    {
      'auth-code': (data: AuthCodeJob, job: Job) => exchange(data.componentAppId, data.authCode, data.shopId, `job-${job.id}`),
      // The push names the pre_auth_code of our page: that is how it knows the shop.
      authorized: async (data: AuthorizationEventJob, job: Job) =>
        exchange(data.componentAppId, data.authCode, await deps.sessions.shopOf(data.componentAppId, data.preAuthCode), `job-${job.id}`),
      updateauthorized: async (data: AuthorizationEventJob, job: Job) =>
        exchange(data.componentAppId, data.authCode, await deps.sessions.shopOf(data.componentAppId, data.preAuthCode), `job-${job.id}`),
      unauthorized: async (data: UnauthorizedJob) => {
        const authorizer = await deps.store.authorizers.markUnauthorized(data.componentAppId, data.authorizerAppId);
        if (!authorizer) {
          deps.logger.warn({ ...data }, 'unauthorized for an account never seen; nothing to do');
          return 'unknown';
        }
        await deps.events.publish('unauthorized', authorizer, `unauthorized-${data.createTime}`);
        return 'unauthorized';
      },
      reconcile: async (data: { componentAppId: string }) => {
        const appIds = data.componentAppId === '*' ? await deps.store.components.listAppIds() : [data.componentAppId];
        const results: Record<string, ReconcileResult> = {};
        for (const appId of appIds) {
          results[appId] = await reconcile(appId, deps);
          deps.logger.info({ componentAppId: appId, ...results[appId] }, 'reconciled with api_get_authorizer_list');
        }
        return results;
      },
      'learn-authorizer': (data: LearnAuthorizerJob) => learnAuthorizer(deps, data),
      'unknown-info-type': async (data: UnknownInfoTypeJob) => {
        deps.logger.info(
          { componentAppId: data.componentAppId, infoType: data.infoType, createTime: data.createTime },
          'unhandled InfoType kept in the job',
        );
        return 'kept';
      },
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 8 },
  );
}
