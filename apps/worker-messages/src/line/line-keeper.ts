import {
  Producer,
  SERVICE_MESSAGE_JOB,
  openServiceQueueEvents,
  serviceQueue,
  type MessageSequence,
  type QueueEvents,
  type SequencedMessage,
} from '@weixin3rd/queues';
import type { Redis } from 'ioredis';

/** How a message's handling ended, as far as its account's line is concerned. */
export type HandlerOutcome = { kind: 'completed'; value: unknown } | { kind: 'failed'; reason: string } | { kind: 'timed_out' };

export interface LineKeeperDeps {
  /** Commands (adding jobs, reading their state). */
  connection: Redis;
  /** A new connection for each service's QueueEvents (it blocks on XREAD). */
  eventsConnection: () => Redis;
  prefix: string;
  sequence: MessageSequence;
  /** A handler that runs longer than this loses its account's line (docs/ARCHITECTURE.md). */
  handlerTimeoutMs: number;
  /** A number assigned by the ingress but not routed within this is skipped. */
  gapTimeoutMs?: number;
  sweepEveryMs?: number;
  /** The message that held a line has finished: deliver its reply, record it. Called once per message. */
  onFinished: (message: SequencedMessage, outcome: HandlerOutcome) => Promise<void>;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

const parseReturn = (raw: unknown): unknown => {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
};

/**
 * Moves each account's line forward: adds the released message's job to `messages.<service>`,
 * follows every service queue's completions (QueueEvents) to release the next message, and
 * sweeps for what events cannot tell: a job never added (a crash between release and add), a
 * completion missed while no worker-messages listened, a handler hung past the bound, and a
 * gap in an account's numbers that outlived its bound.
 */
export class LineKeeper {
  private readonly queues = new Map<string, Producer<'messages.<service>'>>();
  private readonly events = new Map<string, QueueEvents>();
  private readonly eventConnections: Redis[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(private readonly deps: LineKeeperDeps) {}

  start(): void {
    const every = this.deps.sweepEveryMs ?? 5000;
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  private queue(service: string): Producer<'messages.<service>'> {
    let q = this.queues.get(service);
    if (!q) {
      q = new Producer('messages.<service>', this.deps.connection, this.deps.prefix, {
        queueName: serviceQueue(service),
        sharedConnection: true,
        onError: (err) => this.deps.logger.warn({ service, err }, 'service queue'),
      });
      this.queues.set(service, q);
    }
    return q;
  }

  /** Follows the completions of these services' queues (called on every rule reload). */
  async follow(services: readonly string[]): Promise<void> {
    const started: Promise<unknown>[] = [];
    for (const service of services) {
      if (this.events.has(service)) continue;
      const connection = this.deps.eventsConnection();
      this.eventConnections.push(connection);
      const qe = openServiceQueueEvents(service, connection, this.deps.prefix);
      qe.on('error', (err) => this.deps.logger.warn({ service, err }, 'service queue events'));
      qe.on('completed', ({ jobId, returnvalue }) => void this.settle(jobId, { kind: 'completed', value: parseReturn(returnvalue) }));
      // QueueEvents' `failed` comes once a job has failed for good (a retried attempt emits `delayed`/`waiting`).
      qe.on('failed', ({ jobId, failedReason }) => void this.settle(jobId, { kind: 'failed', reason: failedReason }));
      this.events.set(service, qe);
      started.push(qe.waitUntilReady());
    }
    await Promise.all(started);
  }

  /** Hands the line to `message`: its job goes to the service's queue (idempotent by job id). */
  async release(message: SequencedMessage): Promise<void> {
    if (!this.events.has(message.service)) await this.follow([message.service]);
    await this.queue(message.service).add(SERVICE_MESSAGE_JOB, message.job, message.jobId);
  }

  private async settle(jobId: string, outcome: HandlerOutcome): Promise<void> {
    try {
      const res = await this.deps.sequence.finish(jobId);
      if (!res) return; // another worker-messages process took it, or it had timed out already
      await Promise.all([res.next ? this.release(res.next) : undefined, this.deps.onFinished(res.finished, outcome)]);
    } catch (error) {
      // The sweep finds the head again and retries.
      this.deps.logger.warn({ jobId, err: error }, 'message line: hand-off failed');
    }
  }

  /** One pass over stale heads and gaps. Every step is a compare-and-set: processes may sweep at once. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const acct of await this.deps.sequence.staleHeads(now - 2000, 500)) {
        const head = await this.deps.sequence.head(acct);
        if (!head) continue;
        const job = await this.queue(head.service).getJob(head.jobId);
        const state = job ? await job.getState() : 'missing';
        if (state === 'missing') {
          this.deps.logger.warn({ jobId: head.jobId, service: head.service }, 'message line: job was never added, adding it');
          await this.release(head);
        } else if (state === 'completed') await this.settle(head.jobId, { kind: 'completed', value: job?.returnvalue });
        else if (state === 'failed') await this.settle(head.jobId, { kind: 'failed', reason: job?.failedReason ?? '' });
        else if (state === 'active' && job?.processedOn && now - job.processedOn > this.deps.handlerTimeoutMs) {
          this.deps.logger.warn(
            { jobId: head.jobId, service: head.service },
            'message line: handler timed out, releasing the next message',
          );
          await this.settle(head.jobId, { kind: 'timed_out' });
          continue;
        }
        if (state !== 'completed' && state !== 'failed') await this.deps.sequence.touchHead(acct, now);
      }
      for (const acct of await this.deps.sequence.staleGaps(now - (this.deps.gapTimeoutMs ?? 30_000), 500)) {
        const next = await this.deps.sequence.skipGap(acct, now);
        if (next) await this.release(next);
      }
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'message line: sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.events.values()].map((e) => e.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    for (const c of this.eventConnections) c.disconnect();
  }
}
