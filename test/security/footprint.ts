import { createHash } from 'node:crypto';
import type { Stack } from './stack.js';

/**
 * What a request could have left behind: jobs in every queue, Redis keys, MongoDB documents (and
 * the content of the collections a request could change). Equal before and after = nothing stored.
 */
export async function footprint(s: Stack): Promise<string> {
  const jobs = await Promise.all(Object.entries(s.producers).map(async ([name, p]) => `${name}:${JSON.stringify(await p.getJobCounts())}`));
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await s.probe.scan(cursor, 'MATCH', `${s.redis.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const db = s.db.connection.db;
  if (!db) throw new Error('not connected');
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const counts = await Promise.all(names.map(async (n) => `${n}:${await db.collection(n).countDocuments()}`));
  const changeable = await Promise.all(
    ['components', 'authorizers', 'state_nonces', 'component_tickets', 'component_tokens', 'meta']
      .filter((n) => names.includes(n))
      .map(async (n) => JSON.stringify(await db.collection(n).find({}).toArray())),
  );
  const digest = createHash('sha256').update(changeable.join('\n')).digest('hex').slice(0, 16);
  return `${jobs.join(' ')} | keys:${keys.length}:${createHash('sha256').update(keys.sort().join('\n')).digest('hex').slice(0, 16)} | ${counts.join(',')} | ${digest}`;
}
