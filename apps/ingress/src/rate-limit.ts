/**
 * A per-source fixed-window counter: a safety net against a runaway client, not a quota. WeChat
 * pushes from many addresses, so the default is far above what it sends.
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
