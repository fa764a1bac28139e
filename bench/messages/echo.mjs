// The bench's downstream service: answers every message with its own text after 20 ms, as a team
// using handleMessages() would, and counts what it handled (to prove nothing was lost or doubled).
import { handleMessages } from '@weixin3rd/events';
import { Redis } from 'ioredis';

const prefix = process.env.QUEUE_PREFIX;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const worker = handleMessages(
  'echo',
  async (msg) => {
    await new Promise((r) => setTimeout(r, 20));
    // Distinct messages (lost = sent - these) and calls (a second call for one message is a duplicate).
    await redis.multi().sadd(`${prefix}:bench:handled`, msg.dedupeKey).incr(`${prefix}:bench:calls`).exec();
    return { type: 'text', content: msg.message.Content ?? '' };
  },
  { connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix, concurrency: Number(process.env.ECHO_CONCURRENCY ?? 64) },
);
await worker.waitUntilReady();
console.log('echo ready');
process.on('SIGTERM', () => {
  void worker.close().then(() => redis.quit().then(() => process.exit(0)));
});
