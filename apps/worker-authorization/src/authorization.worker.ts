import type { ComponentTokenService } from '@weixin3rd/credentials';
import {
  ALL_COMPONENTS,
  QUEUE,
  createWorker,
  type AuthCodeOutcome,
  type AuthCodeJob,
  type AuthorizationEventJob,
  type UnauthorizedJob,
  type UnknownInfoTypeJob,
  type LearnAuthorizerJob,
  type ReconcileJob,
} from '@weixin3rd/queues';
import type { PreAuthSessions } from '@weixin3rd/handoffs';
import type { Registry } from '@weixin3rd/runtime';
import type { Store } from '@weixin3rd/store';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EventPublisher } from '@weixin3rd/events';
import { CodeExchange } from './code-exchange.js';
import { learnAuthorizer } from './learn-authorizer.js';
import { purgeClaims } from './purge-claims.js';
import { reconcile, type ReconcileResult } from './reconcile.js';

export interface AuthorizationWorkerDeps {
  store: Pick<Store, 'authorizers' | 'authCodes' | 'components' | 'stateNonces'>;
  tokens: ComponentTokenService;
  events: EventPublisher;
  sessions: PreAuthSessions;
  connection: Redis;
  prefix: string;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** The process registry (reconciliation counts list rows without a refresh token there). */
  metrics: Registry;
}

/** What happened to a code, shown on the result page and stored with the claim. */
export type ExchangeOutcome = AuthCodeOutcome;

/**
 * Processes `authorization`: exchanges codes (from the redirect or the `authorized` push,
 * whichever comes first), records the account, binds the shop, handles revocations in the order
 * WeChat made them, and publishes `authorizer-events`.
 */
export function createAuthorizationWorker(deps: AuthorizationWorkerDeps): Worker {
  const codes = new CodeExchange(deps);
  // The push names the pre_auth_code of our page: that is how it knows the shop.
  const pushed = async (data: AuthorizationEventJob, job: Job) =>
    codes.run({
      componentAppId: data.componentAppId,
      code: data.authCode,
      shopId: await deps.sessions.shopOf(data.componentAppId, data.preAuthCode),
      owner: `job-${job.id}`,
      changeAt: Number(data.createTime),
      authorizerAppId: data.authorizerAppId,
    });

  return createWorker(
    QUEUE.authorization,
    {
      // The redirect comes seconds after the consent: its change is dated when it was received.
      'auth-code': (data: AuthCodeJob, job: Job) =>
        codes.run({
          componentAppId: data.componentAppId,
          code: data.authCode,
          shopId: data.shopId,
          owner: `job-${job.id}`,
          changeAt: Math.floor(job.timestamp / 1000),
          authorizerAppId: null,
        }),
      authorized: pushed,
      updateauthorized: pushed,
      unauthorized: async (data: UnauthorizedJob) => {
        const { applied, authorizer } = await deps.store.authorizers.markUnauthorizedIfNewer(
          data.componentAppId,
          data.authorizerAppId,
          Number(data.createTime),
        );
        if (!authorizer) {
          deps.logger.warn({ ...data }, 'unauthorized for an account never seen; nothing to do');
          return 'unknown';
        }
        if (!applied) {
          // A late or retried push from before a re-authorization (wechat-protocol.md §11.4).
          deps.logger.warn({ ...data, lastChangeAt: authorizer.lastChangeAt }, 'older unauthorized push ignored');
          return 'stale';
        }
        await deps.events.publish('unauthorized', authorizer, `unauthorized-${data.createTime}`);
        return 'unauthorized';
      },
      reconcile: async (data: ReconcileJob) => {
        const appIds = data.componentAppId === ALL_COMPONENTS ? await deps.store.components.listAppIds() : [data.componentAppId];
        const results: Record<string, ReconcileResult> = {};
        for (const appId of appIds) {
          results[appId] = await reconcile(appId, deps);
          deps.logger.info({ componentAppId: appId, ...results[appId] }, 'reconciled with api_get_authorizer_list');
        }
        return results;
      },
      'purge-claims': async () => purgeClaims(deps.store),
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
