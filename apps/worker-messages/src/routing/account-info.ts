import type { Store } from '@weixin3rd/store';

export interface AccountInfo {
  shopId: string | null;
  kind: 'official' | 'mini' | null;
}

/**
 * The account facts a message carries (shop, official account or mini program), cached for
 * `ttlMs`: a rebinding shows within that time, and a busy account costs one read per period.
 */
export class AccountInfoCache {
  private readonly entries = new Map<string, { value: Promise<AccountInfo>; until: number }>();

  constructor(
    private readonly store: Pick<Store, 'authorizerFacts'>,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 50_000,
  ) {}

  get(componentAppId: string, authorizerAppId: string): Promise<AccountInfo> {
    const key = `${componentAppId}/${authorizerAppId}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    // Batched with this process's other misses of the moment: one query for many accounts.
    const value = this.store.authorizerFacts.load(componentAppId, authorizerAppId).then(
      (a) => ({ shopId: a?.shopId ?? null, kind: a?.kind ?? null }),
      (error: unknown) => {
        this.entries.delete(key);
        throw error;
      },
    );
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: now + this.ttlMs });
    return value;
  }
}
