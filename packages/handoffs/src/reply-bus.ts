import { ChannelSubscription, keyDigest } from '@weixin3rd/queues';
import type { Redis } from 'ioredis';

/** A passive reply (inner XML) or `null` when the message gets none. */
export type PassiveReply = string | null;

const hashKey = (dedupeKey: string): string => keyDigest(dedupeKey, 40);

/**
 * How long an outcome stays readable: WeChat's three deliveries span about 15 s; a redelivery
 * after an ingress restart may come later.
 */
export const REPLY_TTL_SECONDS = 300;

type Stored = { k: string; r: PassiveReply; late?: true };

/**
 * Carries passive replies from worker-messages back to the ingress request that waits for them,
 * and decides once per message whether a reply is passive or late: the worker {@link offer}s
 * and the ingress claims "late" when its budget runs out, both with SET NX on one key, so
 * exactly one side wins. The stored outcome answers every redelivery of the message the same.
 */
export class ReplyBus {
  private readonly waiters = new Map<string, Set<(reply: PassiveReply | undefined) => void>>();
  private subscription: ChannelSubscription | null = null;

  /**
   * @param publisher a normal connection (stores and publishes)
   * @param subscriber a dedicated connection for SUBSCRIBE (ingress only)
   */
  constructor(
    private readonly prefix: string,
    private readonly publisher: Redis,
    private readonly subscriber: Redis | null = null,
  ) {
    subscriber?.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const { k } = JSON.parse(message) as Stored;
      for (const waiter of [...(this.waiters.get(k) ?? [])]) waiter(outcomeOf(message));
    });
  }

  private get channel(): string {
    return `${this.prefix}:replies`;
  }

  private key(dedupeKey: string): string {
    return `${this.prefix}:reply:${hashKey(dedupeKey)}`;
  }

  /**
   * Worker side: offers the outcome, reply or none. True when it is the passive answer; false
   * when the ingress already gave up waiting (the reply must then go out another way).
   */
  async offer(dedupeKey: string, reply: PassiveReply): Promise<boolean> {
    const payload = JSON.stringify({ k: hashKey(dedupeKey), r: reply } satisfies Stored);
    const won = await this.publisher.set(this.key(dedupeKey), payload, 'EX', REPLY_TTL_SECONDS, 'NX');
    if (won !== 'OK') return false;
    await this.publisher.publish(this.channel, payload);
    return true;
  }

  /**
   * Ingress side: waits up to `budgetMs` for the outcome. Resolves `undefined` when none came in
   * time (the caller answers `success`; the reply, if any, is then sent late), `null` when the
   * worker said there is no reply. A redelivery gets the outcome stored for the first delivery.
   */
  async wait(dedupeKey: string, budgetMs: number): Promise<PassiveReply | undefined> {
    if (budgetMs <= 0 || !this.subscriber) return this.claimLate(dedupeKey);
    await this.ensureSubscribed();
    const hashed = hashKey(dedupeKey);
    const outcome = await new Promise<PassiveReply | undefined | 'timeout'>((resolve) => {
      let settled = false;
      const finish = (value: PassiveReply | undefined | 'timeout'): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.waiters.get(hashed)?.delete(finish);
        if (this.waiters.get(hashed)?.size === 0) this.waiters.delete(hashed);
        resolve(value);
      };
      const timer = setTimeout(() => finish('timeout'), budgetMs);
      // Register before reading the stored value: a publish between the two is not missed.
      const set = this.waiters.get(hashed) ?? new Set();
      set.add(finish);
      this.waiters.set(hashed, set);
      this.publisher.get(this.key(dedupeKey)).then(
        (stored) => {
          if (stored !== null) finish(outcomeOf(stored));
        },
        () => undefined,
      );
    });
    return outcome === 'timeout' ? this.claimLate(dedupeKey) : outcome;
  }

  /** The budget ran out: claim the message as late, unless the worker's offer got there first. */
  private async claimLate(dedupeKey: string): Promise<PassiveReply | undefined> {
    const payload = JSON.stringify({ k: hashKey(dedupeKey), r: null, late: true } satisfies Stored);
    const won = await this.publisher.set(this.key(dedupeKey), payload, 'EX', REPLY_TTL_SECONDS, 'NX');
    if (won === 'OK') return undefined;
    const stored = await this.publisher.get(this.key(dedupeKey));
    return stored === null ? undefined : outcomeOf(stored);
  }

  /** Subscribes now (ingress start), so that the first message's wait does not begin with it. */
  listen(): Promise<unknown> {
    return this.ensureSubscribed();
  }

  private ensureSubscribed(): Promise<void> {
    this.subscription ??= new ChannelSubscription(this.subscriber, this.channel);
    return this.subscription.ensure();
  }
}

const outcomeOf = (stored: string): PassiveReply | undefined => {
  const { r, late } = JSON.parse(stored) as Stored;
  return late ? undefined : r;
};
