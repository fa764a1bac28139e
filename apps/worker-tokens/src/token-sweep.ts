import { AUTHORIZER_REFRESH_WINDOW_MS, type AuthorizerTokenService } from '@weixin3rd/credentials';
import { jobIds, type BulkJob, type Producer } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';

/** Refresh what expires within this (15 min), so a token is never served expired; the token API's `refreshAt` counts on it. */
export const REFRESH_WINDOW_MS = AUTHORIZER_REFRESH_WINDOW_MS;
/** Largest batch one sweep enqueues; the next sweep (a minute later) takes the rest. */
const SWEEP_BATCH = 100_000;
/** Spread over this much tokens that are not urgent yet, so a fleet issued together drifts apart. */
const JITTER_MS = 60_000;

export interface TokenSweepDeps {
  store: Pick<Store, 'authorizers'>;
  tokens: Pick<AuthorizerTokenService, 'quotaExhausted'>;
  producer: Producer<'token-refresh'>;
  /** The queue's rate limit: refreshes per second across every worker. */
  refreshPerSecond: number;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface SweepResult {
  enqueued: number;
  /** Failed refreshes removed so that they could be queued again. */
  requeued: number;
  /** Refreshes waiting when the sweep began. */
  backlog: number;
  /** True when the backlog exceeded a minute of refreshes and the scan was skipped. */
  skipped: boolean;
}

/**
 * The minute sweep: every authorized account whose token expires within 15 minutes (or is
 * missing) gets one refresh job, id = authorizer + expiry + version, so one authorizer is never
 * refreshed twice at once by any number of workers.
 */
export function createTokenSweep(deps: TokenSweepDeps): () => Promise<SweepResult> {
  return async (): Promise<SweepResult> => {
    const now = Date.now();
    // While more refreshes wait than the limiter lets through in a minute, nothing this sweep
    // found could run before the next one: skip the scan (and a no-op add per account already
    // queued) until the backlog drains below that. More urgent jobs already run first.
    const counts = await deps.producer.getJobCounts('wait', 'prioritized');
    const backlog = (counts.wait ?? 0) + (counts.prioritized ?? 0);
    if (backlog >= deps.refreshPerSecond * 60) return { enqueued: 0, requeued: 0, backlog, skipped: true };
    // A refresh that failed for good (quota used up, WeChat or the store down through every
    // attempt) keeps its id while BullMQ retains it, and an add under that id is a no-op: without
    // this, the account would wait a day for its next refresh.
    const failed = new Set(await deps.producer.getJobIds(['failed']));
    const stopped = new Map<string, boolean>();
    let enqueued = 0;
    let requeued = 0;
    for await (const due of deps.store.authorizers.expiringBatches(new Date(now + REFRESH_WINDOW_MS), SWEEP_BATCH, 1000)) {
      const jobs: BulkJob<'token-refresh'>[] = [];
      for (const a of due) {
        if (!stopped.has(a.componentAppId)) stopped.set(a.componentAppId, await deps.tokens.quotaExhausted(a.componentAppId));
        if (stopped.get(a.componentAppId)) continue;
        const remainingMs = a.accessTokenExpiresAt ? a.accessTokenExpiresAt.getTime() - now : 0;
        const jobId = jobIds.refresh(a.componentAppId, a.appId, a.accessTokenExpiresAt, a.tokenVersion);
        if (failed.has(jobId) && (await deps.producer.remove(jobId)) === 1) requeued += 1;
        jobs.push({
          name: 'refresh-authorizer-token',
          data: { componentAppId: a.componentAppId, authorizerAppId: a.appId, reason: 'sweep' },
          jobId,
          opts: {
            // Most urgent first: BullMQ runs lower priorities earlier.
            priority: Math.min(2_000_000, Math.max(1, Math.floor(remainingMs / 1000))),
            delay: remainingMs > 10 * 60_000 ? Math.floor(Math.random() * JITTER_MS) : 0,
          },
        });
      }
      if (jobs.length > 0) await deps.producer.addBulk(jobs);
      enqueued += jobs.length;
    }
    if (requeued > 0) deps.logger.warn({ requeued }, 'token sweep: refreshes that had failed are queued again');
    if (enqueued > 0) deps.logger.info({ enqueued }, 'token sweep');
    return { enqueued, requeued, backlog, skipped: false };
  };
}
