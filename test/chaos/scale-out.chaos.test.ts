import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stackEnv } from '../e2e/processes.js';
import { RoundRobin, flowRow, runFlow } from './flow.js';
import { record, type ChaosRow } from './report.js';
import { Stack } from './stack.js';

const API_TOKEN = 'chaos-scale-console-0123456789';
const KINDS = ['worker-tickets', 'worker-authorization', 'worker-tokens', 'worker-messages'];
let db: TestDatabase;
let redis: TestRedis;
let stack: Stack;
let balancer: RoundRobin;
const consoles: string[] = [];
const rows: ChaosRow[] = [];

beforeAll(async () => {
  db = await openTestDatabase('chaos-scale');
  redis = openTestRedis('chaos-scale');
  const { env, ...urls } = await stackEnv(db.uri, redis.url, redis.prefix, { API_TOKENS: API_TOKEN, INGRESS_REPLY_BUDGET_MS: '1000' });
  stack = new Stack(env, urls);
  await stack.start('wechat-sandbox');
  // Two ingresses behind one address (PUBLIC_BASE_URL, where the sandbox pushes), as a load balancer would put them.
  const ingressPorts = [await freePort(), await freePort()];
  balancer = await RoundRobin.listen(Number(env.INGRESS_PORT), () => ingressPorts);
  for (const port of ingressPorts) await stack.start('ingress', 1, { INGRESS_PORT: String(port) });
  for (const port of [Number(env.CONSOLE_PORT), await freePort()]) {
    await stack.start('console', 1, { CONSOLE_PORT: String(port) });
    consoles.push(`http://127.0.0.1:${port}`);
  }
  for (const name of KINDS) await stack.start(name, 2);
  await stack.waitForComponentToken();
}, 240_000);

afterAll(async () => {
  record('scale-out', { chaos: rows });
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
      const figures = await runFlow({
        stack,
        db: db.connection,
        redis: { url: redis.url },
        prefix: redis.prefix,
        consoles,
        apiToken: API_TOKEN,
        series: 8,
      });
      const row = flowRow(figures);
      const counts = [...stack.processes].map(([name, list]) => `${list.length} × ${name}`).join(', ');
      rows.push({
        case: 'two of every process',
        done: `${counts}; the sandbox pushes to a round-robin balancer in front of both ingresses; callers alternate between both consoles; flow took ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
        load: `${figures.tickets.sent} ticket pushes, ${figures.authorizations.sent} consents (4 at a time), ${figures.refreshes.byWorker + figures.refreshes.byConsole} token refreshes, ${figures.messages.sent} text messages (8 in flight)`,
        checked: row.checked,
        sent: row.sent,
        acknowledged: row.acknowledged,
        processed: row.processed,
        lost: row.lost,
        duplicated: row.duplicated,
        recoveryMs: null,
      });
      expect(figures.tickets.stored).toBe(figures.tickets.sent);
      expect(figures.authorizations.events).toBe(figures.authorizations.acknowledged);
      expect(figures.refreshes.accounts).toBe(figures.refreshes.byWorker + figures.refreshes.byConsole);
      expect(figures.refreshes.tokensPerAccount).toBe(1);
      expect(figures.messages.completed).toBe(figures.messages.acknowledged);
      expect(figures.messages.recorded).toBe(figures.messages.acknowledged);
      expect(row.lost).toBe(0);
      expect(row.duplicated).toBe(0);
    },
  );
});
