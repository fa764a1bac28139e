import { QUEUE, STALLED_JOB_OPTIONS, isJobName, parseJob, subscriberQueue, type AuthorizerEventJob } from '@weixin3rd/queues';
import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ConsumerWorker } from './consumer-worker.js';

export interface SubscribeOptions {
  /** Redis URL (the worker opens a connection and `close()` quits it) or your connection (`maxRetriesPerRequest: null`; yours to close). */
  connection: string | Redis;
  /** QUEUE_PREFIX of the weixin3rd deployment (default `weixin3rd`). */
  prefix?: string;
  /** Your name in AUTHORIZER_EVENT_SUBSCRIBERS: you get every event on your own queue. Without it, you compete for events with other consumers of the shared queue. */
  subscriber?: string;
  concurrency?: number;
}

/**
 * Consumes authorizer lifecycle events (authorized, updateauthorized, unauthorized,
 * reauth_required, shop_bound). Payloads are validated before `handler` sees them; a handler
 * that throws is retried with backoff. Returns the BullMQ worker: `await worker.close()` on exit.
 */
export function subscribe(handler: (event: AuthorizerEventJob, job: Job) => Promise<void>, options: SubscribeOptions): Worker {
  const queue = options.subscriber ? subscriberQueue(options.subscriber) : QUEUE.authorizerEvents;
  return new ConsumerWorker(
    queue,
    async (job: Job) => {
      const { name } = job;
      if (!isJobName('authorizer-events', name))
        throw new UnrecoverableError(`queue authorizer-events has no job named ${JSON.stringify(name)}`);
      const event = parseJob('authorizer-events', name, job.data);
      await handler(event, job);
    },
    options.connection,
    {
      prefix: options.prefix ?? 'weixin3rd',
      concurrency: options.concurrency ?? 1,
      ...STALLED_JOB_OPTIONS['authorizer-events'],
    },
  );
}
