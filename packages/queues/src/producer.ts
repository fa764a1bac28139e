import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_JOB_OPTIONS } from './defaults.js';
import type { JobData, JobName, QueueJobs } from './jobs.js';

/** A typed producer for one queue: job names and payloads are checked by the compiler. */
/** Redis is not connected: the job was not stored (the ingress answers 503 and WeChat retries). */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  readonly code = 'QUEUE_UNAVAILABLE';
}

export class Producer<Q extends keyof QueueJobs> {
  readonly queue: Queue;

  constructor(
    readonly name: Q,
    private readonly connection: Redis,
    prefix: string,
    onError: (error: Error) => void = () => undefined,
  ) {
    this.queue = new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS[name] });
    // Connection errors surface on `add`; the listener keeps them from crashing the process.
    this.queue.on('error', onError);
  }

  /**
   * Adds a job under a deterministic id. For an id already in Redis (waiting, active, or
   * completed within its retention) BullMQ adds nothing, so a retried push is processed once.
   * Resolves only once Redis holds the job: the caller may then acknowledge.
   */
  async add<N extends JobName<Q>>(name: N, data: JobData<Q, N>, jobId: string, opts: JobsOptions = {}): Promise<string> {
    // BullMQ waits for a connection before sending anything; an outage must fail now instead.
    if (this.connection.status !== 'ready')
      throw new QueueUnavailableError(`Redis is ${this.connection.status}: ${this.name} job not stored`);
    const job = await this.queue.add(name as never, data as never, { ...opts, jobId });
    return job.id ?? jobId;
  }

  /**
   * Creates or updates a repeating job under `schedulerId` (a BullMQ job scheduler, one per id
   * however many processes call this). BullMQ runs a new scheduler's first job at once.
   */
  async schedule<N extends JobName<Q>>(schedulerId: string, everyMs: number, name: N, data: JobData<Q, N>): Promise<void> {
    await this.queue.upsertJobScheduler(schedulerId, { every: everyMs }, { name, data: data as never });
  }

  /** Resolves once connected; processes await it at start, before serving. */
  async ready(): Promise<void> {
    await this.queue.waitUntilReady();
  }

  /** Whether a job could be stored now (readiness probes). */
  get connected(): boolean {
    return this.connection.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.connection.status !== 'ready') {
      this.connection.disconnect();
      return;
    }
    await this.queue.close();
  }
}
