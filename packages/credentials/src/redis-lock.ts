import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

// Deletes the lock only if it still holds our value: an expired lock taken over by another
// process must not be released by us.
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

export interface LockOptions<T> {
  ttlMs?: number;
  waitMs?: number;
  /**
   * Asked between attempts while another holder works: a result ends the wait without taking the
   * lock. Waiters for what the holder is producing then leave as soon as it exists, instead of
   * queueing for the lock one by one only to find it done.
   */
  settled?: () => Promise<T | undefined>;
}

/**
 * Runs `fn` while holding a Redis lock (`SET NX PX` with a random fencing value), waiting up to
 * `waitMs` for another holder to finish. The lock only serialises work; correctness against a
 * holder whose lock expired comes from the compare-and-set saves in the store.
 */
export async function withLock<T>(redis: Redis, key: string, fn: () => Promise<T>, options: LockOptions<T> = {}): Promise<T> {
  const ttlMs = options.ttlMs ?? 15_000;
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  const value = randomBytes(12).toString('hex');
  for (let delay = 20; ; delay = Math.min(delay * 2, 200)) {
    if ((await redis.set(key, value, 'PX', ttlMs, 'NX')) === 'OK') break;
    if (Date.now() > deadline) throw new LockTimeoutError(`lock ${key} still held after ${options.waitMs ?? 10_000} ms`);
    await sleep(delay);
    const done = await options.settled?.();
    if (done !== undefined) return done;
  }
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE, 1, key, value).catch(() => undefined);
  }
}
