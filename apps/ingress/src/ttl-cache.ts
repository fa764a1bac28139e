/**
 * A small read-through cache so the push path does not hit MongoDB per request. Misses are
 * cached for a shorter time than hits: a component or authorizer added a moment ago must not
 * stay unknown for long. Concurrent misses share one load.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V | null; until: number }>();
  private readonly loading = new Map<string, Promise<V | null>>();

  constructor(
    private readonly load: (key: string) => Promise<V | null>,
    private readonly hitMs = 30_000,
    private readonly missMs = 1_000,
    private readonly maxEntries = 100_000,
  ) {}

  async get(key: string): Promise<V | null> {
    const entry = this.entries.get(key);
    if (entry && entry.until > Date.now()) return entry.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const promise = this.load(key)
      .then((value) => {
        if (this.entries.size >= this.maxEntries) this.entries.clear();
        this.entries.set(key, { value, until: Date.now() + (value === null ? this.missMs : this.hitMs) });
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, promise);
    return promise;
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }
}
