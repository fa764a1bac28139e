import { ChannelSubscription } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import type { Redis } from 'ioredis';

interface Notice {
  /** Component AppId. */
  a: string;
  /** The stored ticket's CreateTime (unix seconds). */
  t: number;
}

type Waiter = (createTime: number) => void;

/**
 * Tells whoever waits for a component's `component_verify_ticket` that a newer one is stored.
 * worker-tickets publishes after saving a ticket; the authorization page, which cannot make a
 * link without a ticket WeChat accepts, waits on it for a few seconds instead of failing, and
 * `npm start` waits on it before printing a link that works. The store stays the source of truth:
 * a waiter reads it once after subscribing, so a ticket saved before the wait began is not missed.
 */
export class TicketNotices {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private subscription: ChannelSubscription | null = null;

  /**
   * @param publisher any connection (worker-tickets)
   * @param subscriber a connection that may enter subscriber mode (shared with other SUBSCRIBE users)
   */
  constructor(
    private readonly prefix: string,
    private readonly publisher: Redis,
    private readonly subscriber: Redis | null = null,
    private readonly store: Pick<Store, 'tickets'> | null = null,
  ) {
    subscriber?.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      let notice: Notice;
      try {
        notice = JSON.parse(message) as Notice;
      } catch {
        return;
      }
      for (const waiter of [...(this.waiters.get(notice.a) ?? [])]) waiter(notice.t);
    });
  }

  private get channel(): string {
    return `${this.prefix}:ticket-stored`;
  }

  /** worker-tickets: a ticket with this CreateTime is now the component's latest. */
  async published(componentAppId: string, createTime: number): Promise<void> {
    const notice: Notice = { a: componentAppId, t: createTime };
    await this.publisher.publish(this.channel, JSON.stringify(notice));
  }

  /** The CreateTime of the stored ticket, or null when there is none. */
  async latest(componentAppId: string): Promise<number | null> {
    return (await this.store?.tickets.latest(componentAppId))?.createTime ?? null;
  }

  /** Subscribes now: a caller that must not miss the first notice (`npm start`) awaits this first. */
  listen(): Promise<unknown> {
    return this.ensureSubscribed();
  }

  /**
   * Resolves with the CreateTime of a ticket newer than `newerThan` (null: any ticket) as soon as
   * one is stored, or `null` after `timeoutMs`.
   */
  async wait(componentAppId: string, newerThan: number | null, timeoutMs: number): Promise<number | null> {
    if (!this.subscriber || timeoutMs <= 0) return null;
    const newer = (t: number | null): t is number => t !== null && (newerThan === null || t > newerThan);
    let finish: Waiter = () => undefined;
    const result = new Promise<number | null>((resolve) => {
      // Unref'd: a waiter alone (npm start after its children stopped) does not keep the process up.
      const timer = setTimeout(() => done(null), timeoutMs).unref();
      const set = this.waiters.get(componentAppId) ?? new Set<Waiter>();
      const done = (value: number | null): void => {
        clearTimeout(timer);
        set.delete(finish);
        if (set.size === 0 && this.waiters.get(componentAppId) === set) this.waiters.delete(componentAppId);
        resolve(value);
      };
      finish = (t) => {
        if (newer(t)) done(t);
      };
      set.add(finish);
      this.waiters.set(componentAppId, set);
    });
    // Registered before subscribing and reading: neither a notice nor a save in between is missed.
    await this.ensureSubscribed().catch(() => undefined);
    const stored = await this.latest(componentAppId).catch(() => null);
    if (stored !== null) finish(stored);
    return result;
  }

  private ensureSubscribed(): Promise<void> {
    this.subscription ??= new ChannelSubscription(this.subscriber, this.channel);
    return this.subscription.ensure();
  }
}
