import { AuthorizerUnavailableError, type AuthorizerTokenService } from '@weixin3rd/credentials';
import { QUEUE, createWorker, type OutboundMessageJob } from '@weixin3rd/queues';
import type { OutboundOutcome, Store } from '@weixin3rd/store';
import { AuthorizerApi, CUSTOM_SEND_PERMANENT, WeChatApiError, type CustomMessage, type Transport } from '@weixin3rd/wechat-api';
import { DelayedError, UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { AccountRate } from './account-rate.js';
import { customMessageOf } from './custom-message-of.js';

/** Where outcomes are kept: the messages record (`store.messages`). */
export interface OutboundOutcomes {
  recordOutbound(componentAppId: string, dedupeKey: string, outcome: OutboundOutcome): Promise<void>;
  outboundOf(componentAppId: string, dedupeKey: string): Promise<OutboundOutcome | null>;
}

export interface OutboundWorkerDeps {
  store: Pick<Store, 'authorizers'>;
  tokens: AuthorizerTokenService;
  transport: Transport;
  outcomes: OutboundOutcomes;
  connection: Redis;
  prefix: string;
  /** Sends per second per account, across every worker (default 20). */
  perAccountPerSecond?: number;
  concurrency?: number;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * Processes `messages-outbound`: one customer-service message per job, with the account's token
 * from the service's own token store. Transient failures (-1, timeouts, 5xx) are retried with
 * bounded attempts; WeChat's refusals (45015 outside the 48 h window, 45047 over the mini
 * program's quota, 48001/61007 permission, 40003 openid, format errors) are recorded on the
 * message and never retried. A send already recorded as sent is not made again.
 */
export function createOutboundWorker(deps: OutboundWorkerDeps): Worker {
  const api = new AuthorizerApi(deps.transport);
  const rate = new AccountRate(deps.connection, deps.prefix, deps.perAccountPerSecond ?? 20);

  const record = async (job: OutboundMessageJob, attempts: number, outcome: Omit<OutboundOutcome, 'attempts' | 'at'>): Promise<void> => {
    await deps.outcomes.recordOutbound(job.componentAppId, job.dedupeKey, { ...outcome, attempts, at: new Date() });
    const log = outcome.status === 'sent' ? deps.logger.info : deps.logger.warn;
    log.call(
      deps.logger,
      { componentAppId: job.componentAppId, authorizerAppId: job.authorizerAppId, reason: job.reason, type: job.reply.type, ...outcome },
      `customer-service reply ${outcome.status}`,
    );
  };

  /** One send; a refused token is refreshed (compare-and-set in the token service) and tried once more. */
  const sendOnce = async (job: OutboundMessageJob, message: CustomMessage): Promise<void> => {
    const { accessToken } = await deps.tokens.get(job.componentAppId, job.authorizerAppId);
    try {
      await api.sendCustom(accessToken, job.openid, message);
    } catch (error) {
      if (!(error instanceof WeChatApiError) || error.kind !== 'token') throw error;
      const fresh = await deps.tokens.ensure(job.componentAppId, job.authorizerAppId, { force: true });
      await api.sendCustom(fresh.accessToken, job.openid, message);
    }
  };

  return createWorker(
    QUEUE.messagesOutbound,
    {
      send: async (data: OutboundMessageJob, job: Job) => {
        const attempt = job.attemptsMade + 1;
        if ((await deps.outcomes.outboundOf(data.componentAppId, data.dedupeKey))?.status === 'sent') return 'already-sent';
        const authorizer = await deps.store.authorizers.find(data.componentAppId, data.authorizerAppId);
        if (!authorizer) {
          await record(data, attempt, { status: 'failed', errcode: null, errmsg: 'AUTHORIZER_NOT_FOUND' });
          throw new UnrecoverableError(`no authorizer ${data.authorizerAppId}`);
        }
        const message = customMessageOf(data.reply, authorizer.kind === 'mini' ? 'mini' : 'official');
        if ('skip' in message) {
          await record(data, attempt, { status: 'skipped', errcode: null, errmsg: message.skip });
          return 'skipped';
        }
        const waitMs = await rate.take(data.authorizerAppId);
        if (waitMs > 0) {
          // Only this job waits; a delay is not an attempt.
          await job.moveToDelayed(Date.now() + waitMs, job.token);
          throw new DelayedError();
        }
        try {
          await sendOnce(data, message);
        } catch (error) {
          const last = attempt >= (job.opts.attempts ?? 1);
          if (error instanceof AuthorizerUnavailableError) {
            await record(data, attempt, { status: 'failed', errcode: null, errmsg: error.code });
            throw new UnrecoverableError(error.message);
          }
          if (error instanceof WeChatApiError && (CUSTOM_SEND_PERMANENT.has(error.code) || !error.retryable)) {
            await record(data, attempt, { status: 'failed', errcode: error.code, errmsg: error.errmsg });
            throw new UnrecoverableError(error.message);
          }
          if (last)
            await record(data, attempt, {
              status: 'failed',
              errcode: error instanceof WeChatApiError ? error.code : null,
              errmsg: (error as Error).message,
            });
          throw error;
        }
        await record(data, attempt, { status: 'sent', errcode: 0, errmsg: null });
        return 'sent';
      },
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 16 },
  );
}
