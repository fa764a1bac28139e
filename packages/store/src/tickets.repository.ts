import type { Models, TicketEntry } from './models.js';
import type { SecretBox } from './secret-box.js';

export type TicketSaveResult = 'stored' | 'duplicate' | 'stale';

/** The durable home of component_verify_tickets: MongoDB is the source of truth. */
export class TicketsRepository {
  constructor(
    private readonly models: Models,
    private readonly box: SecretBox,
  ) {}

  /**
   * Stores a ticket unless a newer one (by CreateTime) is already stored: a push delayed by
   * retries must not replace a fresher ticket. Compare-and-set on the stored CreateTime, so two
   * workers saving at once cannot lose the newer one.
   */
  async save(appId: string, value: string, createTime: number, receivedAt = new Date()): Promise<TicketSaveResult> {
    for (;;) {
      const current = await this.models.ticket.findOne({ appId }).lean();
      const entry: TicketEntry = { value: this.box.seal(value), createTime, receivedAt };
      if (!current) {
        try {
          await this.models.ticket.create({ appId, latest: entry, previous: null });
          return 'stored';
        } catch (error) {
          if ((error as { code?: number }).code === 11000) continue;
          throw error;
        }
      }
      if (this.box.open(current.latest.value) === value) return 'duplicate';
      if (current.latest.createTime > createTime) return 'stale';
      const res = await this.models.ticket.updateOne(
        { appId, 'latest.createTime': current.latest.createTime, 'latest.value': current.latest.value },
        { $set: { latest: entry, previous: current.latest } },
      );
      if (res.modifiedCount === 1) return 'stored';
    }
  }

  async latest(appId: string): Promise<{ value: string; createTime: number; receivedAt: Date } | null> {
    const doc = await this.models.ticket.findOne({ appId }).lean();
    return doc ? { value: this.box.open(doc.latest.value), createTime: doc.latest.createTime, receivedAt: doc.latest.receivedAt } : null;
  }
}
