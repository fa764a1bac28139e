import { RouteTable, routesChangedChannel, subscribeWhenReady, type RouteRule } from '@weixin3rd/queues';
import type { Redis } from 'ioredis';

export interface RouteReloaderDeps {
  /** Reads every rule (the store's `messageRoutes.list`). */
  load: () => Promise<RouteRule[]>;
  defaultService: string | null;
  /** A dedicated connection: it is put in SUBSCRIBE mode. */
  subscriber: Redis;
  prefix: string;
  /** The safety reload when no change notice arrives (a notice lost during a Redis outage). */
  reloadEveryMs: number;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Called after each reload with the table now in force. */
  onReload?: (table: RouteTable) => void;
}

/**
 * Keeps the rules in memory: loaded at start, reloaded when the console announces a change on
 * Redis (within milliseconds) and every `reloadEveryMs` anyway. Routing a message never reads
 * MongoDB.
 */
export class RouteReloader {
  private table: RouteTable;
  private timer: NodeJS.Timeout | null = null;
  private loading: Promise<void> | null = null;
  private again = false;

  constructor(private readonly deps: RouteReloaderDeps) {
    this.table = new RouteTable([], deps.defaultService);
  }

  get current(): RouteTable {
    return this.table;
  }

  async start(): Promise<void> {
    const channel = routesChangedChannel(this.deps.prefix);
    this.deps.subscriber.on('message', (ch: string) => {
      if (ch === channel) void this.reload();
    });
    await subscribeWhenReady(this.deps.subscriber, channel);
    await this.reload();
    this.timer = setInterval(() => void this.reload(), this.deps.reloadEveryMs);
    this.timer.unref();
  }

  /** One load at a time; a notice during a load triggers one more load after it. */
  reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.again = false;
        try {
          const rules = await this.deps.load();
          this.table = new RouteTable(rules, this.deps.defaultService, (rule, problem) =>
            this.deps.logger.warn({ routeId: rule.id, problem }, 'message route left out'),
          );
          this.deps.onReload?.(this.table);
        } catch (error) {
          this.deps.logger.warn({ err: error }, 'message routes: reload failed, keeping the previous rules');
        }
      } while (this.again);
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.deps.subscriber.disconnect();
  }
}
