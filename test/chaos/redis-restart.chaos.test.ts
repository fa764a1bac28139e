import { openTestDatabase, uniqueName, type TestDatabase } from '@weixin3rd/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, waitFor } from '../e2e/processes.js';
import { RedisServer } from './redis-server.js';
import { record, type ChaosRow } from './report.js';
import { COMPONENT, MessagePushes, completionsPerMessage, Stack } from './stack.js';

const OA = 'wx1a2b3c4d5e6f7003';
let db: TestDatabase;
let redis: RedisServer;
let stack: Stack;
let prefix: string;
const rows: ChaosRow[] = [];

beforeAll(async () => {
  db = await openTestDatabase('chaos-redis');
  redis = await RedisServer.start();
  prefix = uniqueName('chaos-redis');
  const { env, ...urls } = await stackEnv(db.uri, redis.url, prefix, { INGRESS_REPLY_BUDGET_MS: '1000' });
  stack = new Stack(env, urls);
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization', 'worker-messages']) await stack.start(name);
  await stack.waitForComponentToken();
  await stack.sandbox('POST', '/sandbox/consent', { componentAppId: COMPONENT, authorizerAppId: OA });
  await waitFor(
    async () =>
      (await db.connection.collection('authorizers').countDocuments({ appId: OA, status: 'authorized' })) === 1 ? true : undefined,
    60_000,
    'the account authorized',
  );
}, 180_000);

afterAll(async () => {
  record('redis-restart', { chaos: rows });
  await stack.stopAll();
  await redis.destroy();
  await db.drop();
});

describe('Redis (AOF) killed and restarted under load', () => {
  it(
    'answers 503 at once while Redis is down, keeps every acknowledged push, and the workers reconnect',
    { timeout: 300_000 },
    async () => {
      const total = 300;
      const refusals: number[] = [];
      const pushes = new MessagePushes(stack, {
        firstMsgId: 8_000_000_000,
        account: () => OA,
        label: 'redis',
        // Every 503 a delivery met (WeChat's re-deliveries included), by how long it took.
        onPush: (push) => {
          for (const a of push.attempts) if (a.status === 503) refusals.push(a.durationMs);
        },
      });
      const acked = () => pushes.acked.size;
      let recoveryMs: number | null = null;
      let faulting = true;
      const chaos = (async () => {
        await waitFor(async () => (acked() >= 80 ? true : undefined), 120_000, '80 acknowledged');
        await redis.kill();
        // Down until pushes have met a 503 a few times (WeChat's re-deliveries included).
        await waitFor(async () => (refusals.length >= 10 ? true : undefined), 120_000, 'pushes refused while Redis is down');
        const ackedBefore = acked();
        const restartedAt = Date.now();
        await redis.restart();
        await waitFor(async () => (acked() > ackedBefore ? true : undefined), 120_000, 'pushes acknowledged again');
        recoveryMs = Date.now() - restartedAt;
        // Some load after the recovery too.
        await waitFor(async () => (acked() > ackedBefore + 40 ? true : undefined), 120_000, 'load after the restart');
        faulting = false;
      })();
      const sent = await pushes.run(total, 8, () => faulting);
      await chaos;
      const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
      const messages = new Queue('account-messages', { connection, prefix });
      const perMsg = await completionsPerMessage(messages, pushes.acked);
      await messages.close();
      connection.disconnect();
      const duplicated = [...perMsg.values()].reduce((n, c) => n + c - 1, 0);
      const processed = [...pushes.acked].filter((id) => perMsg.has(id)).length;
      const slowest503 = Math.max(...refusals);
      rows.push({
        case: 'Redis killed and restarted',
        done: `SIGKILL of redis-server (AOF, everysec) after 80 acknowledged; restarted from its AOF after ${refusals.length} answers 503 (slowest ${slowest503} ms)`,
        load: `text messages from the sandbox, 8 in flight`,
        checked:
          'ingress 503 at once while down; every acknowledged MsgId completed once after the restart; workers reconnected by themselves',
        sent,
        acknowledged: acked(),
        processed,
        lost: acked() - processed,
        duplicated,
        recoveryMs,
      });
      expect(refusals.length).toBeGreaterThanOrEqual(10);
      // No hang: a 503 inside WeChat's 5 s wait, so WeChat re-delivers instead of timing out.
      expect(slowest503).toBeLessThan(4000);
      expect(processed).toBe(acked());
      expect(duplicated).toBe(0);
    },
  );
});
