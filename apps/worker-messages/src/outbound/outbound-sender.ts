import { Producer, jobIds, type OutboundMessageJob } from '@weixin3rd/queues';
import type { Redis } from 'ioredis';

/**
 * Hands a reply to the customer-service API path. The job id comes from the answered message's
 * dedupe key, so a retried delivery (or a retried routing job) enqueues the same send once.
 */
export class OutboundSender {
  private readonly producer: Producer<'messages-outbound'>;

  constructor(connection: Redis, prefix: string, onError?: (error: Error) => void) {
    this.producer = new Producer('messages-outbound', connection, prefix, { onError });
  }

  /** Enqueues the send and resolves with its job id once Redis holds it. */
  send(job: OutboundMessageJob): Promise<string> {
    return this.producer.add('send', job, jobIds.outbound(job.dedupeKey));
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
