import { Queue, type ConnectionOptions } from 'bullmq';

/** A failed job as an operator sees it. */
export interface FailedJob {
  id: string;
  name: string;
  data: unknown;
  failedReason: string;
  attemptsMade: number;
  /** When it failed for good (ms), or null when BullMQ did not record it. */
  finishedOn: number | null;
  /** When it was added (ms). */
  timestamp: number;
}

/**
 * What the console and the metrics read from a queue, typed: counts, the oldest waiting job and
 * the failed jobs; and the one operator action on them, retrying a failed job. Nothing here adds
 * or removes jobs (that is Producer's).
 */
export class QueueInspector {
  readonly name: string;

  /** @internal opened by openQueue() and openQueues(). */
  constructor(private readonly queue: Queue) {
    this.name = queue.name;
  }

  /** Closes the queue handle this inspector opened. */
  async close(): Promise<void> {
    await this.queue.close();
  }

  /** Jobs waiting to run (waiting and prioritized; not delayed). */
  async waitingCount(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized');
    return (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  }

  /** When the oldest job still waiting (waiting or prioritized) was added (ms), or null when none waits. */
  async oldestWaitingSince(): Promise<number | null> {
    const [oldest] = await this.queue.getJobs(['waiting', 'prioritized'], 0, 0, true);
    return oldest ? oldest.timestamp : null;
  }

  async failedCount(): Promise<number> {
    return this.queue.getFailedCount();
  }

  /** The most recently failed jobs, newest first. */
  async failedJobs(limit: number): Promise<FailedJob[]> {
    const jobs = await this.queue.getJobs(['failed'], 0, limit - 1);
    return jobs.map((j) => ({
      id: j.id ?? '',
      name: j.name,
      data: j.data as unknown,
      failedReason: j.failedReason,
      attemptsMade: j.attemptsMade,
      finishedOn: j.finishedOn ?? null,
      timestamp: j.timestamp,
    }));
  }

  /** Moves a failed job back to waiting; false when there is no such job. */
  async retryFailed(id: string): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job) return false;
    await job.retry('failed');
    return true;
  }
}

export interface OpenedQueues {
  readonly inspectors: readonly QueueInspector[];
  /**
   * The same queues as BullMQ `Queue` objects, for bull-board only: its BullMQAdapter takes a
   * Queue and nothing narrower. They are constructed here so that packages/queues stays the one
   * place that opens queues; nothing else should use them.
   */
  readonly forBullBoard: readonly Queue[];
  /**
   * Opens the named queues not open yet (a `messages.<service>` named by a route added since) and
   * returns them, already in `inspectors` and `forBullBoard`.
   */
  add(names: readonly string[]): Queue[];
  close(): Promise<void>;
}

/** Opens one queue for inspection (a worker's depth and oldest waiting job, for its metrics). */
export function openQueue(name: string, connection: ConnectionOptions, prefix: string | undefined): QueueInspector {
  return new QueueInspector(new Queue(name, { connection, prefix }));
}

/** Opens queues for inspection (console pages and bull-board), each once. `close()` closes them all. */
export function openQueues(names: readonly string[], connection: ConnectionOptions, prefix: string | undefined): OpenedQueues {
  const queues: Queue[] = [];
  const inspectors: QueueInspector[] = [];
  const add = (more: readonly string[]): Queue[] => {
    const fresh = [...new Set(more)]
      .filter((name) => !queues.some((q) => q.name === name))
      .map((name) => new Queue(name, { connection, prefix }));
    queues.push(...fresh);
    inspectors.push(...fresh.map((q) => new QueueInspector(q)));
    return fresh;
  };
  add(names);
  return {
    inspectors,
    forBullBoard: queues,
    add,
    close: async () => void (await Promise.all(inspectors.map((i) => i.close()))),
  };
}
