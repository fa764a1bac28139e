import { Worker, type Processor, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * A BullMQ worker over a Redis URL or a caller's connection. Given a URL, it opens the connection
 * itself and `close()` quits it once the worker has stopped; a connection the caller passed stays
 * the caller's to close (BullMQ never closes a connection it was given).
 */
export class ConsumerWorker extends Worker {
  private readonly opened: Redis | null;
  private quitting: Promise<unknown> | null = null;

  constructor(queue: string, processor: Processor, connection: string | Redis, options: Omit<WorkerOptions, 'connection'>) {
    const opened = typeof connection === 'string' ? new Redis(connection, { maxRetriesPerRequest: null }) : null;
    super(queue, processor, { ...options, connection: opened ?? (connection as Redis) });
    this.opened = opened;
  }

  override async close(force?: boolean): Promise<void> {
    await super.close(force);
    if (!this.opened) return;
    const opened = this.opened;
    this.quitting ??= opened.quit().catch(() => opened.disconnect());
    await this.quitting;
  }
}
