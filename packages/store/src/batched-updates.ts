import type { Model } from 'mongoose';

/** One operation of the model's bulkWrite. */
type BulkOp<T> = Parameters<Model<T>['bulkWrite']>[0][number];

/** The one method used of the model (its other type parameters do not matter here). */
interface BulkWriter<T> {
  bulkWrite(ops: BulkOp<T>[], options: { ordered: boolean }): Promise<unknown>;
}

interface Queued<T> {
  op: BulkOp<T>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Largest bulk of one command. */
const MAX_BATCH = 500;

/**
 * Sends single-document updates in bulks: each caller awaits its own update as if sent alone (it
 * resolves once the database acknowledged it, or rejects with its own error), but the updates
 * asked while a bulk is on its way go together in the next one: one command and round trip for
 * many. One bulk in flight at a time, so the busier the database, the larger the bulk (group
 * commit); an idle one gets each update at once. Unordered: updates of one bulk must not depend
 * on each other (they are upserts that commute).
 */
export class BatchedUpdates<T> {
  private queue: Queued<T>[] = [];
  private running = false;

  constructor(private readonly model: BulkWriter<T>) {}

  update(op: BulkOp<T>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.model.bulkWrite(
            batch.map((q) => q.op),
            { ordered: false },
          );
          for (const q of batch) q.resolve();
        } catch (error) {
          // Unordered: the others were applied; each failed one gets its own error.
          const failed = new Map<number, unknown>();
          const writeErrors = (error as { writeErrors?: { index: number } | { index: number }[] }).writeErrors ?? [];
          for (const e of Array.isArray(writeErrors) ? writeErrors : [writeErrors]) failed.set(e.index, e);
          if (failed.size === 0) for (const q of batch) q.reject(error);
          else batch.forEach((q, i) => (failed.has(i) ? q.reject(failed.get(i)) : q.resolve()));
        }
      }
    } finally {
      this.running = false;
    }
  }
}
