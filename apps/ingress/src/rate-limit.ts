/**
 * A per-source fixed-window counter: a safety net against a runaway client, not a quota. Never
 * applied to pushes that verify: WeChat sends from a small pool of addresses.
 */
export class RateLimiter {
  private window = 0;
  private counts = new Map<string, number>();

  constructor(private readonly perSecond: number) {}

  allow(source: string): boolean {
    const now = Math.floor(Date.now() / 1000);
    if (now !== this.window) {
      this.window = now;
      this.counts = new Map();
    }
    const n = (this.counts.get(source) ?? 0) + 1;
    this.counts.set(source, n);
    return n <= this.perSecond;
  }
}
