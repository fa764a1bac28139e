import { withinStoreDeadline } from './deadline.js';
import type { Models } from './models.js';

/** What the message path needs of an account: whether the store holds it, its shop and its kind. */
export interface AuthorizerFacts {
  shopId: string | null;
  kind: 'official' | 'mini' | null;
}

interface Waiting {
  resolve: (facts: AuthorizerFacts | null) => void;
  reject: (error: unknown) => void;
}

/** Largest `$in` of one query. */
const MAX_BATCH = 500;

/**
 * Looks accounts up for the message path in batches: every lookup asked while a query runs joins
 * the next one (one query per component and batch, `appId: { $in }`), so a burst of messages for
 * many accounts costs a few queries instead of one per account. One query in flight at a time: the
 * slower the store answers, the larger the next batch (group commit). A query with no answer
 * after `timeoutMs` (a hung database answers nothing, and the driver has no deadline of its own)
 * fails its batch with STORE_TIMEOUT and the next batch goes ahead. Secrets are never read.
 */
export class AuthorizerFactsLoader {
  private readonly pending = new Map<string, Map<string, Waiting[]>>();
  private running = false;

  constructor(
    private readonly models: Models,
    private readonly timeoutMs = 5_000,
  ) {}

  /** The account's facts, or null when the store does not hold it. */
  load(componentAppId: string, appId: string): Promise<AuthorizerFacts | null> {
    return new Promise((resolve, reject) => {
      let accounts = this.pending.get(componentAppId);
      if (!accounts) this.pending.set(componentAppId, (accounts = new Map()));
      const waiting = accounts.get(appId);
      if (waiting) waiting.push({ resolve, reject });
      else accounts.set(appId, [{ resolve, reject }]);
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.size > 0) {
        const [componentAppId, accounts] = this.pending.entries().next().value as [string, Map<string, Waiting[]>];
        const batch = [...accounts.keys()].slice(0, MAX_BATCH);
        const taken = batch.map((appId) => [appId, accounts.get(appId) ?? []] as const);
        for (const appId of batch) accounts.delete(appId);
        if (accounts.size === 0) this.pending.delete(componentAppId);
        try {
          const query = this.models.authorizer
            .find({ componentAppId, appId: { $in: batch } }, { _id: 0, appId: 1, shopId: 1, kind: 1 })
            .lean()
            .exec();
          const docs = await withinStoreDeadline(query, this.timeoutMs, 'authorizer lookup');
          const found = new Map(docs.map((d) => [d.appId, { shopId: d.shopId ?? null, kind: d.kind ?? null }]));
          for (const [appId, waiting] of taken) for (const w of waiting) w.resolve(found.get(appId) ?? null);
        } catch (error) {
          for (const [, waiting] of taken) for (const w of waiting) w.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
