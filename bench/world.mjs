// What every bench sets up the same way: a free port, its own MongoDB database and Redis prefix on
// the services `npm run bench` found, the component it plays, and child processes that die with it.
import { createServer } from 'node:net';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A 32-byte DATA_KEY (base64) that only benches use. */
export const BENCH_DATA_KEY = Buffer.alloc(32, 0xbe).toString('base64');

/** A component as a bench plays it (WeChat's test key; benches never reach WeChat). */
export const benchComponent = (appId) => ({
  appId,
  appSecret: 'bench-secret',
  token: 'benchtoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
});

/** The MongoDB URI of a database of this bench's own. */
export function benchMongoUri(name) {
  const uri = new URL(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/weixin3rd');
  uri.pathname = `/${name}`;
  return uri.toString();
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const children = new Set();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
// Stopped from outside (a timeout, Ctrl-C): 'exit' handlers run only on a normal exit.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

/** Kills the child (SIGKILL) when the bench exits, however it exits. */
export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Deletes every Redis key a bench wrote under its prefix. */
export async function dropKeys(redis, prefix) {
  for (let cursor = '0'; ;) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
}
