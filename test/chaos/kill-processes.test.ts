import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, waitFor } from '../e2e/processes.js';
import { record, type ChaosRow } from './report.js';
import { COMPONENT, MessagePushes, completionsPerMessage, Stack, accountId, acknowledged, drive, type PushRecord } from './stack.js';

let db: TestDatabase;
let redis: TestRedis;
let stack: Stack;
const rows: ChaosRow[] = [];
const queues: Queue[] = [];
const queue = (name: string): Queue => {
  const q = new Queue(name, { connection: redis.connect(), prefix: redis.prefix });
  queues.push(q);
  return q;
};

beforeAll(async () => {
  db = await openTestDatabase('chaos-kill');
  redis = openTestRedis('chaos-kill');
  const { env, ...urls } = await stackEnv(db.uri, redis.url, redis.prefix, { INGRESS_REPLY_BUDGET_MS: '1000' });
  stack = new Stack(env, urls);
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization', 'worker-messages']) await stack.start(name);
  await stack.waitForComponentToken();
}, 180_000);

afterAll(async () => {
  record('kill-processes', { chaos: rows });
  await Promise.all(queues.map((q) => q.close()));
  await stack.stopAll();
  await db.drop();
  await redis.cleanup();
});

/** Resolves once `count()` reaches `n`. */
const reach = async (count: () => number, n: number): Promise<void> => {
  await waitFor(async () => (count() >= n ? true : undefined), 120_000, `${n} acknowledged`);
};

describe('kill -9 of each process type mid-work, then restart', () => {
  it('worker-authorization killed mid-batch: every acknowledged authorization applied once', { timeout: 240_000 }, async () => {
    const total = 16;
    const accounts = Array.from({ length: total }, (_, i) => accountId(1, i));
    for (const a of accounts) await stack.sandbox('POST', '/sandbox/accounts', { ...a, nickName: `chaos ${a.appId}`, kind: 'official' });
    let acked = 0;
    const ackedIds: string[] = [];
    let restartedAt = 0;
    const chaos = (async () => {
      await reach(() => acked, 4);
      await stack.kill('worker-authorization');
      await stack.start('worker-authorization');
      restartedAt = Date.now();
    })();
    await drive(total, 4, async (i) => {
      const a = accounts[i] as { appId: string };
      const { push } = await stack.sandbox<{ push: PushRecord }>('POST', '/sandbox/consent', {
        componentAppId: COMPONENT,
        authorizerAppId: a.appId,
      });
      if (acknowledged(push)) {
        acked += 1;
        ackedIds.push(a.appId);
      }
    });
    await chaos;
    const authorizers = db.connection.collection('authorizers');
    await waitFor(
      async () =>
        (await authorizers.countDocuments({ appId: { $in: ackedIds }, status: 'authorized' })) === ackedIds.length ? true : undefined,
      120_000,
      'every acknowledged authorization stored',
    );
    const recoveryMs = Date.now() - restartedAt;
    const stored = await authorizers.find({ appId: { $in: ackedIds } }).toArray();
    expect(stored.every((a) => a.refreshToken !== null)).toBe(true);
    // One `authorized` event per account: nothing consumes authorizer-events here, so every job waits.
    const events = await queue('authorizer-events').getJobs(['waiting', 'prioritized', 'completed', 'active', 'delayed', 'failed']);
    const perAccount = new Map<string, number>();
    for (const e of events)
      if (e.name === 'authorized')
        perAccount.set(String(e.data.authorizerAppId), (perAccount.get(String(e.data.authorizerAppId)) ?? 0) + 1);
    const duplicated = [...perAccount.values()].reduce((n, c) => n + c - 1, 0);
    const processed = ackedIds.filter((id) => perAccount.has(id)).length;
    rows.push({
      case: 'kill -9 worker-authorization',
      done: 'SIGKILL of worker-authorization after 4 consents acknowledged, restarted at once',
      load: `${total} consents (authorized pushes), 4 at a time`,
      checked: 'every acknowledged account stored with its refresh token; one `authorized` event each',
      sent: total,
      acknowledged: acked,
      processed,
      lost: acked - processed,
      duplicated,
      recoveryMs,
    });
    expect(acked).toBe(total);
    expect(processed).toBe(acked);
    expect(duplicated).toBe(0);
  });

  it(
    'worker-messages, then the ingress, killed under message load: every acknowledged push processed once',
    { timeout: 240_000 },
    async () => {
      const appId = accountId(1, 0).appId;
      const total = 240;
      const pushes = new MessagePushes(stack, { firstMsgId: 7_000_000_000, account: () => appId, label: 'chaos' });
      const acked = () => pushes.acked.size;
      const messages = queue('account-messages');
      const completedCount = async () => (await messages.getJobCounts('completed')).completed ?? 0;
      const recovery: Record<string, number> = {};
      let faulting = true;
      const chaos = (async () => {
        await reach(acked, 60);
        const before = await completedCount();
        const killedAt = Date.now();
        await stack.kill('worker-messages');
        await stack.start('worker-messages');
        await waitFor(async () => ((await completedCount()) > before ? true : undefined), 60_000, 'messages processed again');
        recovery['worker-messages'] = Date.now() - killedAt;
        await reach(acked, 140);
        const ackedBefore = acked();
        const ingressKilledAt = Date.now();
        await stack.kill('ingress');
        await stack.start('ingress');
        await reach(acked, ackedBefore + 1);
        recovery.ingress = Date.now() - ingressKilledAt;
        // Some load after the last recovery too.
        await reach(acked, acked() + 20);
        faulting = false;
      })();
      const sent = await pushes.run(total, 8, () => faulting);
      await chaos;
      const perMsg = await completionsPerMessage(messages, pushes.acked);
      const duplicated = [...perMsg.values()].reduce((n, c) => n + c - 1, 0);
      const processed = [...pushes.acked].filter((id) => perMsg.has(id)).length;
      const base = { sent, acknowledged: acked(), processed, lost: acked() - processed, duplicated };
      const load = `text messages from the sandbox, 8 in flight; not acknowledged after 3 deliveries: ${pushes.unacknowledged}`;
      const checked = 'every acknowledged MsgId completed on account-messages, one job each';
      rows.push(
        {
          case: 'kill -9 worker-messages',
          done: 'SIGKILL of worker-messages after 60 acknowledged, restarted',
          load,
          checked,
          ...base,
          recoveryMs: recovery['worker-messages'] ?? null,
        },
        {
          case: 'kill -9 ingress',
          done: 'SIGKILL of the ingress mid-request after 140 acknowledged, restarted',
          load,
          checked,
          ...base,
          recoveryMs: recovery.ingress ?? null,
        },
      );
      expect(recovery.ingress).toBeDefined();
      expect(processed).toBe(acked());
      expect(duplicated).toBe(0);
    },
  );
});
