import { QUEUE, STALLED_JOB_OPTIONS, isJobName, parseJob, subscriberQueue, type AuthorizerEventJob } from '@weixin3rd/queues';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';

export interface SubscribeOptions {
  /** Redis URL or a connection (`maxRetriesPerRequest: null`). */
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
  const connection =
    typeof options.connection === 'string' ? new Redis(options.connection, { maxRetriesPerRequest: null }) : options.connection;
  const queue = options.subscriber ? subscriberQueue(options.subscriber) : QUEUE.authorizerEvents;
  return new Worker(
    queue,
    async (job: Job) => {
      const { name } = job;
      if (!isJobName('authorizer-events', name))
        throw new UnrecoverableError(`queue authorizer-events has no job named ${JSON.stringify(name)}`);
      const event = parseJob('authorizer-events', name, job.data);
      await handler(event, job);
    },
    {
      connection,
      prefix: options.prefix ?? 'weixin3rd',
      concurrency: options.concurrency ?? 1,
      ...STALLED_JOB_OPTIONS['authorizer-events'],
    },
  );
}
