import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';

type Db = NonNullable<Connection['db']>;

/** Every document of every collection, as text. */
export async function dumpMongo(db: Db): Promise<string> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  const parts = await Promise.all(names.map(async (n) => `${n}: ${JSON.stringify(await db.collection(n).find({}).toArray())}`));
  return parts.join('\n');
}

/** Every key under `prefix` with its value, whatever its type, as text. */
export async function dumpRedis(redis: Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? await redis.hgetall(key)
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : type === 'set'
                ? await redis.smembers(key)
                : type === 'zset'
                  ? await redis.zrange(key, 0, -1, 'WITHSCORES')
                  : type === 'stream'
                    ? await redis.xrange(key, '-', '+')
                    : null;
      out.push(`${key} (${type}): ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return out.join('\n');
}

/** The clear forms a secret could take: the text itself, and for binary keys base64, base64url and hex. */
export function clearForms(secret: string | Buffer): string[] {
  return typeof secret === 'string' ? [secret] : [secret.toString('base64'), secret.toString('base64url'), secret.toString('hex')];
}

/** Where any secret appears in clear: `name in place` for each hit. */
export function findSecrets(places: Record<string, string>, secrets: Record<string, string | Buffer>): string[] {
  const hits: string[] = [];
  for (const [name, secret] of Object.entries(secrets))
    for (const form of clearForms(secret))
      for (const [place, text] of Object.entries(places)) if (form.length >= 8 && text.includes(form)) hits.push(`${name} in ${place}`);
  return hits;
}
