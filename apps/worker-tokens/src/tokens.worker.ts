import { createHash } from 'node:crypto';
import { AuthorizerUnavailableError, QuotaExhaustedError, type AuthorizerTokenService } from '@weixin3rd/credentials';
import { QUEUE, createWorker, type Producer, type RefreshAuthorizerTokenJob } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import { UnrecoverableError, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';

export interface TokensWorkerDeps {
  store: Pick<Store, 'authorizers'>;
  tokens: AuthorizerTokenService;
  producer: Producer<'token-refresh'>;
  connection: Redis;
  prefix: string;
  /** Outbound refreshes per second (the queue's rate limiter). */
  refreshPerSecond: number;
  concurrency?: number;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** Refresh what expires within this (15 min), so a token is never served expired. */
export const REFRESH_WINDOW_MS = 15 * 60_000;
/** Largest batch one sweep enqueues; the next sweep (a minute later) takes the rest. */
const SWEEP_BATCH = 100_000;
/** Spread over this much tokens that are not urgent yet, so a fleet issued together drifts apart. */
const JITTER_MS = 60_000;

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * `token-refresh`: the sweep finds every authorizer whose token expires within 15 minutes (or is
 * missing) and enqueues one refresh each, id = authorizer + expiry, so one authorizer is never
 * refreshed twice at once by any number of workers. The most urgent run first; the queue's
 * limiter bounds the calls per second.
 */
export function createTokensWorker(deps: TokensWorkerDeps): Worker {
  const sweep = async (): Promise<{ enqueued: number; requeued: number }> => {
    const now = Date.now();
    // A refresh that failed for good (quota used up, WeChat or the store down through every
    // attempt) keeps its id while BullMQ retains it, and an add under that id is a no-op: without
    // this, the account would wait a day for its next refresh.
    const failed = new Set(await deps.producer.queue.getRanges(['failed'], 0, -1));
    const stopped = new Map<string, boolean>();
    let enqueued = 0;
    let requeued = 0;
    for await (const due of deps.store.authorizers.expiringBatches(new Date(now + REFRESH_WINDOW_MS), SWEEP_BATCH, 1000)) {
      const jobs = [];
      for (const a of due) {
        if (!stopped.has(a.componentAppId)) stopped.set(a.componentAppId, await deps.tokens.quotaExhausted(a.componentAppId));
        if (stopped.get(a.componentAppId)) continue;
        const remainingMs = a.accessTokenExpiresAt ? a.accessTokenExpiresAt.getTime() - now : 0;
        const jobId = `refresh-${a.appId}-${digest(`${a.componentAppId}/${a.accessTokenExpiresAt?.toISOString() ?? 'missing'}/${a.tokenVersion}`)}`;
        if (failed.has(jobId) && (await deps.producer.queue.remove(jobId)) === 1) requeued += 1;
        jobs.push({
          name: 'refresh-authorizer-token' as const,
          data: { componentAppId: a.componentAppId, authorizerAppId: a.appId, reason: 'sweep' as const },
          opts: {
            jobId,
            // Most urgent first: BullMQ runs lower priorities earlier.
            priority: Math.min(2_000_000, Math.max(1, Math.floor(remainingMs / 1000))),
            delay: remainingMs > 10 * 60_000 ? Math.floor(Math.random() * JITTER_MS) : 0,
          },
        });
      }
      if (jobs.length > 0) await deps.producer.queue.addBulk(jobs);
      enqueued += jobs.length;
    }
    await deps.store.authorizers.purgeClaims(new Date(now - 86_400_000));
    if (requeued > 0) deps.logger.warn({ requeued }, 'token sweep: refreshes that had failed are queued again');
    if (enqueued > 0) deps.logger.info({ enqueued }, 'token sweep');
    return { enqueued, requeued };
  };

  const refresh = async (job: RefreshAuthorizerTokenJob): Promise<string> => {
    try {
      // Only a forced job refreshes a token that looks valid (a caller saw WeChat refuse it).
      const dueWithin = job.reason === 'forced' ? Number.POSITIVE_INFINITY : REFRESH_WINDOW_MS;
      return (await deps.tokens.refreshIfDue(job.componentAppId, job.authorizerAppId, dueWithin)) ? 'refreshed' : 'fresh';
    } catch (error) {
      if (error instanceof AuthorizerUnavailableError) return error.code;
      if (error instanceof QuotaExhaustedError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };

  return createWorker(
    QUEUE.tokenRefresh,
    { sweep, 'refresh-authorizer-token': refresh },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 50, limiter: { max: deps.refreshPerSecond, duration: 1000 } },
  );
}
