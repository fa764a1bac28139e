import { createHash } from 'node:crypto';
import type { Models } from './models.js';
import type { SecretBox } from './secret-box.js';

export type TicketSaveResult = 'stored' | 'duplicate' | 'stale';

const hashOf = (value: string): string => createHash('sha256').update(value).digest('hex');

/** How many tickets of a component are kept (the latest and some history). */
const KEEP = 5;

/** The durable home of component_verify_tickets: MongoDB is the source of truth. */
export class TicketsRepository {
  constructor(
    private readonly models: Models,
    private readonly box: SecretBox,
  ) {}

  /**
   * Appends a ticket. The current ticket is the one with the newest CreateTime, so a push
   * delayed by retries never replaces a fresher ticket, whatever order workers save them in.
   */
  async save(appId: string, value: string, createTime: number, receivedAt = new Date()): Promise<TicketSaveResult> {
    const newest = await this.models.ticket.findOne({ appId }, { createTime: 1 }).sort({ createTime: -1 }).lean();
    try {
      await this.models.ticket.create({ appId, createTime, valueHash: hashOf(value), value: this.box.seal(value), receivedAt });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return 'duplicate';
      throw error;
    }
    if (newest && newest.createTime > createTime) return 'stale';
    await this.prune(appId);
    return 'stored';
  }

  async latest(appId: string): Promise<{ value: string; createTime: number; receivedAt: Date } | null> {
    const doc = await this.models.ticket.findOne({ appId }).sort({ createTime: -1, receivedAt: -1 }).lean();
    return doc ? { value: this.box.open(doc.value), createTime: doc.createTime, receivedAt: doc.receivedAt } : null;
  }

  /** Keeps the newest few: a ticket every ten minutes must not grow the collection forever. */
  private async prune(appId: string): Promise<void> {
    const old = await this.models.ticket.find({ appId }, { _id: 1 }).sort({ createTime: -1 }).skip(KEEP).lean();
    if (old.length > 0) await this.models.ticket.deleteMany({ _id: { $in: old.map((d) => d._id) } });
  }
}
