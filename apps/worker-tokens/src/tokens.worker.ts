import { AuthorizerUnavailableError, QuotaExhaustedError, type AuthorizerTokenService } from '@weixin3rd/credentials';
import { QUEUE, createWorker, type Producer, type RefreshAuthorizerTokenJob } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import { UnrecoverableError, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { REFRESH_WINDOW_MS, createTokenSweep } from './token-sweep.js';

export interface TokensWorkerDeps {
  store: Pick<Store, 'authorizers'>;
  tokens: AuthorizerTokenService;
  producer: Producer<'token-refresh'>;
  connection: Redis;
  prefix: string;
  /** Outbound refreshes per second (the queue's rate limiter). */
  refreshPerSecond: number;
  /** Refreshes in flight in this worker (TOKEN_REFRESH_CONCURRENCY); no default here, so the configured one is the only one. */
  concurrency: number;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * `token-refresh`: the minute sweep (token-sweep.ts) and one refresh job per due authorizer. The
 * most urgent run first; the queue's limiter bounds the calls per second.
 */
export function createTokensWorker(deps: TokensWorkerDeps): Worker {
  const sweep = createTokenSweep(deps);

  const refresh = async (job: RefreshAuthorizerTokenJob): Promise<string> => {
    try {
      return (await deps.tokens.refreshIfDue(job.componentAppId, job.authorizerAppId, REFRESH_WINDOW_MS)) ? 'refreshed' : 'fresh';
    } catch (error) {
      if (error instanceof AuthorizerUnavailableError) return error.code;
      if (error instanceof QuotaExhaustedError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };

  return createWorker(
    QUEUE.tokenRefresh,
    { sweep, 'refresh-authorizer-token': refresh },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency,
      limiter: { max: deps.refreshPerSecond, duration: 1000 },
    },
  );
}
