import { QUEUE, createWorker, jobIds, type AccountMessageJob, type Producer } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import { DelayedError, UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';

export interface HeldWorkerDeps {
  store: Pick<Store, 'authorizerFacts'>;
  accountMessages: Producer<'account-messages'>;
  authorization: Producer<'authorization'>;
  connection: Redis;
  prefix: string;
  /** How long a message waits for its account to be learned before it fails (kept, default 10 min). */
  holdForMs?: number;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * Processes `account-messages-held`: messages WeChat pushed for an account the store does not hold
 * (authorized before this deployment, a restored database, an exchange still running or failed).
 * The ingress answered them `success` and parked them here, since it writes nothing to MongoDB.
 * Each asks worker-authorization to learn the account (one api_get_authorizer_info per account
 * per minute, however many messages wait), and once the account is known the message moves, under
 * the job id it would have had, to `account-messages` to be routed as any other.
 */
export function createHeldWorker(deps: HeldWorkerDeps): Worker {
  const holdForMs = deps.holdForMs ?? 10 * 60_000;
  return createWorker(
    QUEUE.heldMessages,
    {
      message: async (data: AccountMessageJob, job: Job) => {
        // Batched with the other held messages of the moment: one query for many accounts.
        if (await deps.store.authorizerFacts.load(data.componentAppId, data.authorizerAppId)) {
          await deps.accountMessages.add('message', data, jobIds.message(data.dedupeKey));
          return 'released';
        }
        const heldMs = Date.now() - Date.parse(data.receivedAt);
        if (heldMs > holdForMs)
          throw new UnrecoverableError(`account ${data.authorizerAppId} still unknown after ${Math.round(heldMs / 1000)} s`);
        await deps.authorization.add(
          'learn-authorizer',
          { componentAppId: data.componentAppId, authorizerAppId: data.authorizerAppId },
          jobIds.learnAuthorizer(data.componentAppId, data.authorizerAppId),
        );
        // Soon at first (the exchange of a fresh authorization takes a moment), then every 5 s.
        await job.moveToDelayed(Date.now() + Math.min(5000, Math.max(200, heldMs / 4)), job.token);
        throw new DelayedError();
      },
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 32 },
  );
}
