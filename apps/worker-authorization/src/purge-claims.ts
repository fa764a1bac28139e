import type { Store } from '@weixin3rd/store';

/**
 * A claim must outlive every retry of the push and redirect carrying its code (codes live
 * 600 s, completed jobs an hour): a day is ample.
 */
export const AUTH_CODE_CLAIM_KEEP_MS = 24 * 3600_000;
/** A state nonce must outlive its state (30 min): after that the state is refused as expired anyway. */
export const STATE_NONCE_KEEP_MS = 2 * 3600_000;

/** The scheduled purge (FerretDB has no TTL indexes): what it removed. */
export async function purgeClaims(
  store: Pick<Store, 'authCodes' | 'stateNonces'>,
  now = Date.now(),
): Promise<{ authCodes: number; stateNonces: number }> {
  const authCodes = await store.authCodes.purgeOlderThan(new Date(now - AUTH_CODE_CLAIM_KEEP_MS));
  const stateNonces = await store.stateNonces.purgeOlderThan(new Date(now - STATE_NONCE_KEEP_MS));
  return { authCodes, stateNonces };
}
