import { BatchedUpdates } from './batched-updates.js';
import type { MessageDoc, MessageStatus, OutboundOutcome } from './message-models.js';
import type { Models } from './models.js';

export type MessageRecordInput = Omit<MessageDoc, 'status' | 'reply' | 'outbound' | 'error' | 'updatedAt'> & { status: MessageStatus };

export interface MessageFinish {
  status: MessageStatus;
  reply?: MessageDoc['reply'];
  error?: string | null;
}

/**
 * `messages`: one record per message (by dedupe key), what it was routed to and what became of it.
 * Its writes are upserts that commute, so they go to the database in bulks (BatchedUpdates): at
 * hundreds of messages a second, one command per bulk instead of two per message.
 */
export class MessagesRepository {
  private readonly writes: BatchedUpdates<MessageDoc>;

  constructor(private readonly models: Models) {
    this.writes = new BatchedUpdates(models.message);
  }

  /**
   * Records a routed (or unrouted) message. Idempotent: a retried routing job writes the same
   * facts and never moves a finished message back to `queued`.
   */
  async record(input: MessageRecordInput): Promise<void> {
    const { _id, status, ...facts } = input;
    await this.writes.update({ updateOne: { filter: { _id }, update: { $set: facts, $setOnInsert: { status } }, upsert: true } });
  }

  /**
   * The end of a message's handling: handled (with or without a reply), failed for good, or timed
   * out. Upserts: it may land before {@link record} (the two run concurrently), which then only
   * adds the facts.
   */
  async finish(dedupeKey: string, finish: MessageFinish): Promise<void> {
    const [componentAppId = '', authorizerAppId = ''] = dedupeKey.split('/');
    await this.writes.update({
      updateOne: {
        filter: { _id: dedupeKey },
        update: {
          $set: { status: finish.status, reply: finish.reply ?? null, error: finish.error ?? null },
          $setOnInsert: { componentAppId, authorizerAppId, receivedAt: new Date() },
        },
        upsert: true,
      },
    });
  }

  /** messages-out: the customer-service send's outcome. Upserts, so the order of writes does not matter. */
  async recordOutbound(componentAppId: string, dedupeKey: string, outcome: OutboundOutcome): Promise<void> {
    const [, authorizerAppId = ''] = dedupeKey.split('/');
    await this.writes.update({
      updateOne: {
        filter: { _id: dedupeKey },
        update: {
          $set: { outbound: outcome },
          $setOnInsert: { componentAppId, authorizerAppId, status: 'handled', receivedAt: outcome.at },
        },
        upsert: true,
      },
    });
  }

  async outboundOf(componentAppId: string, dedupeKey: string): Promise<OutboundOutcome | null> {
    const doc = await this.models.message.findOne({ _id: dedupeKey, componentAppId }, { outbound: 1 }).lean();
    return doc?.outbound ?? null;
  }
}
