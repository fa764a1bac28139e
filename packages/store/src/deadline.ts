import { StoreError } from './errors.js';

/**
 * Resolves as `promise` does, or rejects with STORE_TIMEOUT once `ms` passed without an answer: a
 * hung database answers nothing, and the driver has no deadline of its own. The query itself goes
 * on; only the caller stops waiting.
 */
export async function withinStoreDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StoreError('STORE_TIMEOUT', `${what} got no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
