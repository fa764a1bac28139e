import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stackEnv } from '../e2e/processes.js';
import { RoundRobin, expectEveryEffectOnce, flowRow, runFlow } from './flow.js';
import { completedJobs, describeCompleted, untilEveryProcessWorked, type WorkerKind } from './job-spread.js';
import { record, type ChaosRow } from './report.js';
import { COMPONENT, MessagePushes, Stack, accountId, type PushRecord } from './stack.js';

const API_TOKEN = 'chaos-scale-console-0123456789';
const SERIES = 8;
let db: TestDatabase;
let redis: TestRedis;
let stack: Stack;
let balancer: RoundRobin;
let refreshes: Queue;
let extraMessages: MessagePushes;
const consoles: string[] = [];
const rows: ChaosRow[] = [];

/**
 * Each worker kind, the queue it consumes, and one more job for it: what is fed after the flow
 * if a process of that kind has taken none of the flow's jobs.
 */
const KINDS: WorkerKind[] = [
  {
    kind: 'worker-tickets',
    queue: 'tickets',
    feed: async () => void (await stack.sandbox<PushRecord>('POST', `/sandbox/components/${COMPONENT}/push-ticket`)),
  },
  {
    kind: 'worker-authorization',
    queue: 'authorization',
    feed: async (i) => {
      const a = accountId(SERIES, 100 + i);
      await stack.sandbox('POST', '/sandbox/accounts', { ...a, nickName: `spread ${a.appId}`, kind: 'official' });
      await stack.sandbox('POST', '/sandbox/consent', { componentAppId: COMPONENT, authorizerAppId: a.appId });
    },
  },
  {
    kind: 'worker-tokens',
    queue: 'token-refresh',
    // A token not due: the job completes as `fresh`, without a WeChat call.
    feed: async (i) =>
      void (await refreshes.add(
        'refresh-authorizer-token',
        { componentAppId: COMPONENT, authorizerAppId: accountId(SERIES, 0).appId, reason: 'sweep' },
        { jobId: `spread-${i}-${Date.now()}` },
      )),
  },
  {
    kind: 'worker-messages',
    queue: 'account-messages',
    feed: (i) => extraMessages.push(i),
  },
];

beforeAll(async () => {
  db = await openTestDatabase('chaos-scale');
  redis = openTestRedis('chaos-scale');
  refreshes = new Queue('token-refresh', { connection: redis.connect(), prefix: redis.prefix });
  const { env, ...urls } = await stackEnv(db.uri, redis.url, redis.prefix, { API_TOKENS: API_TOKEN, INGRESS_REPLY_BUDGET_MS: '1000' });
  stack = new Stack(env, urls);
  extraMessages = new MessagePushes(stack, {
    firstMsgId: 6_000_000_000 + SERIES * 100_000 + 50_000,
    account: () => accountId(SERIES, 0).appId,
    label: 'spread',
  });
  await stack.start('wechat-sandbox');
  // Two ingresses behind one address (PUBLIC_BASE_URL, where the sandbox pushes), as a load balancer would put them.
  const ingressPorts = [await freePort(), await freePort()];
  balancer = await RoundRobin.listen(Number(env.INGRESS_PORT), () => ingressPorts);
  for (const port of ingressPorts) await stack.start('ingress', 1, { INGRESS_PORT: String(port) });
  for (const port of [Number(env.CONSOLE_PORT), await freePort()]) {
    await stack.start('console', 1, { CONSOLE_PORT: String(port) });
    consoles.push(`http://127.0.0.1:${port}`);
  }
  // METRICS_PORT=0: each worker serves /metrics on a port of its own, where its jobs are counted.
  for (const { kind } of KINDS) await stack.start(kind, 2, { METRICS_PORT: '0' });
  await stack.waitForComponentToken();
}, 240_000);

afterAll(async () => {
  record('scale-out', { chaos: rows });
  await refreshes?.close();
  await stack?.stopAll();
  await balancer?.close();
  await db?.drop();
  await redis?.cleanup();
});

describe('two processes of every kind at once', () => {
  it(
    'the end-to-end flow (tickets, authorizations, token refreshes, messages) applies every effect once',
    { timeout: 300_000 },
    async () => {
      const startedAt = Date.now();
      const baseline = await completedJobs(stack, KINDS);
      const figures = await runFlow({
        stack,
        db: db.connection,
        redis: { url: redis.url },
        prefix: redis.prefix,
        consoles,
        apiToken: API_TOKEN,
        series: SERIES,
      });
      const tookMs = Date.now() - startedAt;
      // "Two of everything" means nothing if one of each pair idled: every worker process must have run jobs.
      const { completed, fed } = await untilEveryProcessWorked(stack, KINDS, baseline);
      const extra = [...fed].filter(([, n]) => n > 0).map(([kind, n]) => `${n} to ${kind}`);
      const row = flowRow(figures);
      const counts = [...stack.processes].map(([name, list]) => `${list.length} × ${name}`).join(', ');
      rows.push({
        ...row,
        case: 'two of every process',
        done: `${counts}; the sandbox pushes to a round-robin balancer in front of both ingresses; callers alternate between both consoles; flow took ${(tookMs / 1000).toFixed(1)} s`,
        checked: `${row.checked}; jobs completed on its queue by each worker process: ${describeCompleted(completed)} (${extra.length ? `with jobs fed one at a time after the flow: ${extra.join(', ')}` : 'all during the flow'})`,
        recoveryMs: null,
      });
      expectEveryEffectOnce(figures);
      // Two processes of each kind, each with a job done; a failure shows the kind and its counts.
      expect([...completed].filter(([, counts]) => counts.length !== 2 || counts.some((n) => n < 1))).toEqual([]);
    },
  );
});
