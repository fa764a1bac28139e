import type { World } from '../world/world.js';
import type { Pusher } from './pusher.js';

/**
 * Pushes a component_verify_ticket to every component with an authorization-event URL every
 * `ticketIntervalSeconds` (re-read each round, so the control API can change it), except to
 * components whose pushes are paused.
 */
export class TicketSchedule {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  /** Rounds finished since start: what a test waits for instead of the clock. */
  rounds = 0;

  constructor(
    private readonly world: World,
    private readonly pusher: Pusher,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(firstDelayMs = 2000): void {
    this.stopped = false;
    this.schedule(firstDelayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Pushes to every eligible component now. */
  async pushAll(): Promise<void> {
    const due = [...this.world.components.values()].filter((c) => c.authEventUrl && !c.ticketPushPaused);
    await Promise.all(due.map((c) => this.pusher.pushTicket(c.appId).catch(this.onError)));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const interval = this.world.settings.ticketIntervalSeconds;
      const round = interval > 0 ? this.pushAll() : Promise.resolve();
      void round.finally(() => {
        this.rounds += 1;
        this.schedule(Math.max(1, this.world.settings.ticketIntervalSeconds || 5) * 1000);
      });
    }, delayMs);
    this.timer.unref();
  }
}
