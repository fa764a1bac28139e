import { uniqueName } from '@weixin3rd/testing';
import { Queue } from 'bullmq';
import mongoose, { type Connection } from 'mongoose';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, waitFor } from '../e2e/processes.js';
import { FerretDbServer } from './ferretdb-server.js';
import { RedisServer } from './redis-server.js';
import { record, type ChaosRow } from './report.js';
import { COMPONENT, MessagePushes, completionsPerMessage, Stack, accountId, acknowledged, drive, type PushRecord } from './stack.js';

const OA = 'wx1a2b3c4d5e6f7001';
const API_TOKEN = 'chaos-store-console-0123456789';
let ferret: FerretDbServer;
let redis: RedisServer;
let db: Connection;
let stack: Stack;
let prefix: string;
const rows: ChaosRow[] = [];

beforeAll(async () => {
  // Its own FerretDB (killed below) and its own Redis: nothing shared is touched.
  ferret = await FerretDbServer.start();
  redis = await RedisServer.start();
  prefix = uniqueName('chaos-store');
  const uri = ferret.uri(uniqueName('chaos-store'));
  const { env, ...urls } = await stackEnv(uri, redis.url, prefix, { INGRESS_REPLY_BUDGET_MS: '1000', API_TOKENS: API_TOKEN });
  stack = new Stack(env, urls);
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization', 'worker-messages', 'console'])
    await stack.start(name);
  await stack.waitForComponentToken();
  db = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 30_000 }).asPromise();
  await stack.sandbox('POST', '/sandbox/consent', { componentAppId: COMPONENT, authorizerAppId: OA });
  await waitFor(
    async () => ((await db.collection('authorizers').countDocuments({ appId: OA, status: 'authorized' })) === 1 ? true : undefined),
    60_000,
    'the account authorized',
  );
}, 180_000);

afterAll(async () => {
  record('store-restart', { chaos: rows });
  await stack?.stopAll();
  await db?.close();
  await redis?.destroy();
  await ferret?.destroy();
});

/** The console's answer for one authorizer: a store read on every call. */
async function consoleStatus(): Promise<{ status: number; code?: string; ms: number }> {
  const startedAt = Date.now();
  const res = await fetch(`${stack.urls.consoleUrl}/api/v1/authorizers/${OA}`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { error?: { code?: string } };
  return { status: res.status, code: body.error?.code, ms: Date.now() - startedAt };
}

describe('the store (FerretDB) killed and restarted under load', () => {
  it(
    'loses nothing acknowledged: messages and authorizations retry and finish; the console answers 503 STORE_UNAVAILABLE meanwhile',
    { timeout: 300_000 },
    async () => {
      const total = 200;
      const pushes = new MessagePushes(stack, { firstMsgId: 9_000_000_000, account: () => OA, label: 'store' });
      const acked = () => pushes.acked.size;
      const consents = Array.from({ length: 12 }, (_, i) => accountId(5, i));
      for (const a of consents) await stack.sandbox('POST', '/sandbox/accounts', { ...a, nickName: `store ${a.appId}`, kind: 'official' });
      const ackedConsents: string[] = [];
      const consoleAnswers = new Map<string, number>();
      let slowestConsoleMs = 0;
      let ackedWhileDown = 0;
      let recoveryMs: number | null = null;
      let downMs = 0;
      let faulting = true;
      const chaos = (async () => {
        await waitFor(async () => (acked() >= 40 ? true : undefined), 120_000, '40 acknowledged');
        const killedAt = Date.now();
        const ackedBefore = acked();
        await ferret.kill();
        // Down while the console is asked a few times and the load goes on.
        for (let i = 0; i < 3; i++) {
          const answer = await consoleStatus();
          const key = `${answer.status} ${answer.code ?? ''}`.trim();
          consoleAnswers.set(key, (consoleAnswers.get(key) ?? 0) + 1);
          slowestConsoleMs = Math.max(slowestConsoleMs, answer.ms);
        }
        await waitFor(async () => (Date.now() - killedAt >= 10_000 ? true : undefined), 30_000, 'ten seconds down');
        downMs = Date.now() - killedAt;
        ackedWhileDown = acked() - ackedBefore;
        const restartedAt = Date.now();
        await ferret.restart();
        await waitFor(async () => ((await consoleStatus()).status === 200 ? true : undefined), 120_000, 'the console served again');
        recoveryMs = Date.now() - restartedAt;
        const ackedAfter = acked();
        await waitFor(async () => (acked() > ackedAfter + 30 ? true : undefined), 120_000, 'load after the restart');
        faulting = false;
      })();
      const messages = pushes.run(total, 6, () => faulting);
      // Authorizations alongside, one at a time across the outage.
      const authorizations = drive(consents.length, 1, async (i) => {
        await waitFor(async () => (acked() >= 30 + i * 10 || !faulting ? true : undefined), 240_000, 'pacing');
        const a = consents[i] as { appId: string };
        const { push } = await stack.sandbox<{ push: PushRecord }>('POST', '/sandbox/consent', {
          componentAppId: COMPONENT,
          authorizerAppId: a.appId,
        });
        if (acknowledged(push)) ackedConsents.push(a.appId);
      });
      const sent = await messages;
      await Promise.all([chaos, authorizations]);

      const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
      const queue = new Queue('account-messages', { connection, prefix });
      const perMsg = await completionsPerMessage(queue, pushes.acked);
      const failed = await queue.getJobCounts('failed');
      await queue.close();
      connection.disconnect();
      // The effect in the store: one `messages` record per acknowledged MsgId.
      const recorded = await db
        .collection<{ _id: string }>('messages')
        .find({ authorizerAppId: OA })
        .project<{ _id: string }>({ _id: 1 })
        .toArray();
      const recordedIds = new Set(recorded.map((r) => r._id.split('/msg/')[1] ?? ''));
      await waitFor(
        async () =>
          (await db.collection('authorizers').countDocuments({ appId: { $in: ackedConsents }, status: 'authorized' })) ===
          ackedConsents.length
            ? true
            : undefined,
        120_000,
        'every acknowledged authorization stored',
      );
      const duplicated = [...perMsg.values()].reduce((n, c) => n + c - 1, 0);
      const processed = [...pushes.acked].filter((id) => perMsg.has(id) && recordedIds.has(id)).length;
      const answers = [...consoleAnswers].map(([k, n]) => `${n} × ${k}`).join(', ');
      rows.push({
        case: 'store killed and restarted',
        done: `SIGKILL of the store (a FerretDB of the test's own, SQLite) after 40 acknowledged; down ${(downMs / 1000).toFixed(1)} s (${ackedWhileDown} messages acknowledged meanwhile), then restarted on its data; the console answered ${answers} meanwhile (slowest ${slowestConsoleMs} ms)`,
        load: `text messages from the sandbox, 6 in flight, and ${consents.length} authorizations one at a time across the outage; not acknowledged after 3 deliveries: ${pushes.unacknowledged}`,
        checked: `every acknowledged MsgId completed once and recorded in the store (${failed.failed ?? 0} failed jobs); every acknowledged authorization stored (${ackedConsents.length}); console 503 STORE_UNAVAILABLE, never 500, while down`,
        sent: sent + consents.length,
        acknowledged: acked() + ackedConsents.length,
        processed: processed + ackedConsents.length,
        lost: acked() - processed,
        duplicated,
        recoveryMs,
      });
      expect([...consoleAnswers.keys()]).toEqual(['503 STORE_UNAVAILABLE']);
      expect(processed).toBe(acked());
      expect(duplicated).toBe(0);
      expect(failed.failed ?? 0).toBe(0);
    },
  );
});
