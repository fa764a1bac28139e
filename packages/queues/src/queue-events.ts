import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueJobs } from './jobs.js';
import { serviceQueue } from './names.js';

export type { QueueEvents };

/**
 * Completion events of a queue, for a process that waits on a job it added
 * (`job.waitUntilFinished`). `connection` must be its own (a blocking reader): role `worker`.
 */
export function openQueueEvents(queue: keyof QueueJobs, connection: Redis, prefix: string): QueueEvents {
  return new QueueEvents(queue, { connection, prefix });
}

/**
 * Completion events of a downstream service's queue `messages.<service>` (worker-messages hands an
 * account its next message when the previous one finished). `connection` must be its own.
 */
export function openServiceQueueEvents(service: string, connection: Redis, prefix: string): QueueEvents {
  return new QueueEvents(serviceQueue(service), { connection, prefix });
}
