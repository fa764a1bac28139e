import { Queue, type BulkJobOptions, type Job, type JobState, type JobsOptions, type JobType, type QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_JOB_OPTIONS } from './defaults.js';
import type { JobData, JobName, QueueData, QueueJobs } from './jobs.js';

/** Redis is not connected: the job was not stored (the ingress answers 503 and WeChat retries). */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  readonly code = 'QUEUE_UNAVAILABLE';
}

/** How a waited-for job ended: its return value, its final failure, still running, or no such job. */
export type JobOutcome =
  { status: 'completed'; value: unknown } | { status: 'failed'; error: unknown } | { status: 'running' } | { status: 'missing' };

/** One job of a bulk add: its name, payload and deterministic id. */
export type BulkJob<Q extends keyof QueueJobs> = {
  [N in JobName<Q>]: { name: N; data: JobData<Q, N>; jobId: string; opts?: Omit<BulkJobOptions, 'jobId'> };
}[JobName<Q>];

/**
 * A typed producer for one queue: job names and payloads are checked by the compiler, and what
 * callers need of the queue (schedulers, a job's state, counts) is a method here, so nobody
 * handles the raw BullMQ Queue.
 */
export interface ProducerOptions {
  /** Connection errors (the listener keeps them from crashing the process). */
  onError?: (error: Error) => void;
  /**
   * The Redis queue, when it is not Q itself: a copy of Q's contract under another name
   * (`authorizer-events.<subscriber>`, `messages.<service>`: `subscriberQueue`, `serviceQueue`).
   */
  queueName?: string;
  /**
   * On a connection the process shares with its workers: `add` waits for Redis, as BullMQ does,
   * instead of failing fast, and `close` leaves the connection to its owner.
   */
  sharedConnection?: boolean;
}

export class Producer<Q extends keyof QueueJobs> {
  // Job names stay `string` in BullMQ's generics: its upsertJobScheduler types the scheduler id
  // with the job-name type. Names are checked by `add`, `addBulk` and `schedule` instead.
  private readonly queue: Queue<QueueData<Q>, unknown, string, QueueData<Q>, unknown, string>;
  private readonly shared: boolean;

  constructor(
    readonly name: Q,
    private readonly connection: Redis,
    prefix: string,
    { onError = () => undefined, queueName = name, sharedConnection = false }: ProducerOptions = {},
  ) {
    if (queueName.includes('<')) throw new Error(`producer for ${name} needs the queue's own name (queueName)`);
    this.shared = sharedConnection;
    this.queue = new Queue(queueName, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS[name] });
    // Connection errors surface on `add`; the listener keeps them from crashing the process.
    this.queue.on('error', onError);
  }

  /** The Redis queue's name (Q, or a copy's own name). */
  get queueName(): string {
    return this.queue.name;
  }

  /**
   * Adds a job under a deterministic id. For an id already in Redis (waiting, active, or
   * completed within its retention) BullMQ adds nothing, so a retried push is processed once.
   * Resolves only once Redis holds the job: the caller may then acknowledge.
   */
  async add<N extends JobName<Q>>(name: N, data: JobData<Q, N>, jobId: string, opts: JobsOptions = {}): Promise<string> {
    this.assertConnected();
    const job = await this.queue.add(name, data, { ...opts, jobId });
    return job.id ?? jobId;
  }

  /** Adds many jobs in one round trip, each under its deterministic id; waits for a connection, as workers do. */
  async addBulk(jobs: readonly BulkJob<Q>[]): Promise<void> {
    await this.queue.addBulk(jobs.map(({ name, data, jobId, opts }) => ({ name, data, opts: { ...opts, jobId } })));
  }

  /**
   * Creates or updates a repeating job under `schedulerId` (a BullMQ job scheduler, one per id
   * however many processes call this). BullMQ runs a new scheduler's first job at once.
   */
  async schedule<N extends JobName<Q>>(schedulerId: string, everyMs: number, name: N, data: JobData<Q, N>): Promise<void> {
    await this.queue.upsertJobScheduler(schedulerId, { every: everyMs }, { name, data });
  }

  /** A job by id, to read its state, return value or failure (undefined once BullMQ dropped it). */
  async getJob(jobId: string): Promise<Job<QueueData<Q>, unknown, string> | undefined> {
    return this.queue.getJob(jobId);
  }

  /**
   * Waits, on the queue's completion events (`events`, opened on this queue), up to `timeoutMs`
   * for a job to finish. A job that will be retried is still running; 'failed' is final.
   */
  async waitFor(jobId: string, events: QueueEvents, timeoutMs: number): Promise<JobOutcome> {
    const job = await this.queue.getJob(jobId);
    if (!job) return { status: 'missing' };
    try {
      return { status: 'completed', value: await job.waitUntilFinished(events, timeoutMs) };
    } catch (error) {
      return (await job.getState()) === 'failed' ? { status: 'failed', error } : { status: 'running' };
    }
  }

  /** A job's state now ('unknown' once BullMQ dropped it); read before the job to see a finished job's value. */
  async getJobState(jobId: string): Promise<JobState | 'unknown'> {
    return this.queue.getJobState(jobId);
  }

  /** Jobs in the given states (inspection and tests). */
  async getJobs(states: JobType[]): Promise<Job<QueueData<Q>, unknown, string>[]> {
    return this.queue.getJobs(states);
  }

  /** The ids of the jobs in the given states. */
  async getJobIds(states: JobType[]): Promise<string[]> {
    return this.queue.getRanges(states, 0, -1);
  }

  /** How many jobs are in each of the given states (every state when none is named). */
  async getJobCounts(...states: JobType[]): Promise<Record<string, number>> {
    return this.queue.getJobCounts(...states);
  }

  /** Removes a job that is not being processed; 1 if it was removed. */
  async remove(jobId: string): Promise<number> {
    return this.queue.remove(jobId);
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
    if (!this.shared && this.connection.status !== 'ready') {
      this.connection.disconnect();
      return;
    }
    await this.queue.close();
  }

  // BullMQ waits for a connection before sending anything; an outage must fail now instead.
  private assertConnected(): void {
    if (!this.shared && this.connection.status !== 'ready')
      throw new QueueUnavailableError(`Redis is ${this.connection.status}: ${this.name} job not stored`);
  }
}
