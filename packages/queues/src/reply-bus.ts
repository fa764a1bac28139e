import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A passive reply (inner XML) or `null` when the message gets none. */
export type PassiveReply = string | null;

const hashKey = (dedupeKey: string): string => createHash('sha256').update(dedupeKey).digest('hex').slice(0, 40);

/** How long a published reply stays readable: WeChat's three deliveries span about 15 s. */
export const REPLY_TTL_SECONDS = 30;

/**
 * Carries passive replies from worker-messages back to the ingress request that waits for them.
 * The reply is both stored (so a duplicate delivery arriving later gets the same answer) and
 * published (so a waiting request wakes at once instead of polling).
 */
export class ReplyBus {
  private readonly waiters = new Map<string, Set<(reply: PassiveReply) => void>>();
  private subscribed: Promise<unknown> | null = null;

  /**
   * @param publisher a normal connection (stores and publishes)
   * @param subscriber a dedicated connection for SUBSCRIBE (ingress only)
   */
  constructor(
    private readonly prefix: string,
    private readonly publisher: Redis,
    private readonly subscriber: Redis | null = null,
  ) {}

  private get channel(): string {
    return `${this.prefix}:replies`;
  }

  private key(dedupeKey: string): string {
    return `${this.prefix}:reply:${hashKey(dedupeKey)}`;
  }

  /** Worker side: the outcome for a message, reply or none. */
  async publish(dedupeKey: string, reply: PassiveReply): Promise<void> {
    const payload = JSON.stringify({ k: hashKey(dedupeKey), r: reply });
    await this.publisher.set(this.key(dedupeKey), payload, 'EX', REPLY_TTL_SECONDS);
    await this.publisher.publish(this.channel, payload);
  }

  /**
   * Ingress side: waits up to `budgetMs` for the outcome. Resolves `undefined` when none came in
   * time (the caller answers `success`), `null` when the worker said there is no reply.
   */
  async wait(dedupeKey: string, budgetMs: number): Promise<PassiveReply | undefined> {
    if (budgetMs <= 0 || !this.subscriber) return undefined;
    await this.ensureSubscribed();
    const hashed = hashKey(dedupeKey);
    return new Promise<PassiveReply | undefined>((resolve) => {
      let settled = false;
      const finish = (value: PassiveReply | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.waiters.get(hashed)?.delete(finish);
        if (this.waiters.get(hashed)?.size === 0) this.waiters.delete(hashed);
        resolve(value);
      };
      const timer = setTimeout(() => finish(undefined), budgetMs);
      // Register before reading the stored value: a publish between the two is not missed.
      const set = this.waiters.get(hashed) ?? new Set();
      set.add(finish);
      this.waiters.set(hashed, set);
      this.publisher.get(this.key(dedupeKey)).then(
        (stored) => {
          if (stored !== null) finish((JSON.parse(stored) as { r: PassiveReply }).r);
        },
        () => undefined,
      );
    });
  }

  private ensureSubscribed(): Promise<unknown> {
    if (!this.subscriber) return Promise.resolve();
    this.subscribed ??= (async () => {
      this.subscriber?.on('message', (channel: string, message: string) => {
        if (channel !== this.channel) return;
        const { k, r } = JSON.parse(message) as { k: string; r: PassiveReply };
        for (const waiter of [...(this.waiters.get(k) ?? [])]) waiter(r);
      });
      await this.subscriber?.subscribe(this.channel);
    })();
    return this.subscribed;
  }
}
