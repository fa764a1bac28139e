import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

// Deletes the lock only if it still holds our value: an expired lock taken over by another
// process must not be released by us.
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

/**
 * Runs `fn` while holding a Redis lock (`SET NX PX` with a random fencing value), waiting up to
 * `waitMs` for another holder to finish. The lock only serialises work; correctness against a
 * holder whose lock expired comes from the compare-and-set saves in the store.
 */
export async function withLock<T>(redis: Redis, key: string, fn: () => Promise<T>, options: { ttlMs?: number; waitMs?: number } = {}): Promise<T> {
  const ttlMs = options.ttlMs ?? 15_000;
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  const value = randomBytes(12).toString('hex');
  for (let delay = 20; ; delay = Math.min(delay * 2, 200)) {
    if ((await redis.set(key, value, 'PX', ttlMs, 'NX')) === 'OK') break;
    if (Date.now() > deadline) throw new LockTimeoutError(`lock ${key} still held after ${options.waitMs ?? 10_000} ms`);
    await sleep(delay);
  }
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE, 1, key, value).catch(() => undefined);
  }
}
