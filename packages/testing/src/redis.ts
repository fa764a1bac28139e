import { Redis } from 'ioredis';
import { uniqueName } from './names.js';
import { testRedisUrl } from './services.js';

/** A queue prefix of its own and a helper that removes every key under it. */
export interface TestRedis {
  readonly prefix: string;
  readonly url: string;
  /** A connection fit for BullMQ workers (`maxRetriesPerRequest: null`). */
  connect(): Redis;
  cleanup(): Promise<void>;
}

export function openTestRedis(label: string): TestRedis {
  const prefix = uniqueName(label);
  const url = testRedisUrl();
  const opened: Redis[] = [];
  return {
    prefix,
    url,
    connect() {
      const r = new Redis(url, { maxRetriesPerRequest: null });
      opened.push(r);
      return r;
    },
    async cleanup() {
      const r = new Redis(url);
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await r.del(...keys);
      } while (cursor !== '0');
      await r.quit();
      await Promise.all(opened.map((c) => c.quit().catch(() => undefined)));
    },
  };
}
