import { UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { STALLED_JOB_OPTIONS } from './defaults.js';
import type { JobData, JobName, QueueData, QueueJobs } from './jobs.js';
import { isJobName, jobNamesOf, parseJob } from './parse-job.js';

export type Handlers<Q extends keyof QueueJobs> = { [N in JobName<Q>]: (data: JobData<Q, N>, job: Job) => Promise<unknown> };

export interface CreateWorkerOptions extends Pick<WorkerOptions, 'concurrency' | 'limiter' | 'lockDuration' | 'autorun'> {
  connection: Redis;
  prefix: string;
}

/**
 * A worker that validates every payload before its handler sees it, and refuses to start when a
 * job name of the queue has no handler (a job nobody can process would sit in Redis forever).
 * Jobs are delivered at least once: a job whose worker died runs again (STALLED_JOB_OPTIONS).
 */
export function createWorker<Q extends keyof QueueJobs>(
  queue: Q,
  handlers: Handlers<Q>,
  options: CreateWorkerOptions,
): Worker<QueueData<Q>, unknown, string> {
  const missing = jobNamesOf(queue).filter((name) => typeof (handlers as Record<string, unknown>)[name] !== 'function');
  if (missing.length > 0) throw new Error(`worker for ${queue} has no handler for ${missing.join(', ')}`);
  if (queue.includes('<')) throw new Error(`${queue} is a family of queues, each consumed by its own service`);
  const { connection, prefix, ...rest } = options;
  return new Worker<QueueData<Q>, unknown, string>(
    queue,
    async (job) => {
      const { name } = job;
      if (!isJobName(queue, name)) throw new UnrecoverableError(`queue ${queue} has no job named ${JSON.stringify(name)}`);
      const data = parseJob(queue, name, job.data);
      // TypeScript cannot pair handlers[name] with JobData<Q, name> for a name known only at run time.
      return (handlers[name] as (d: unknown, j: Job) => Promise<unknown>)(data, job);
    },
    { connection, prefix, ...STALLED_JOB_OPTIONS[queue], ...rest },
  );
}
