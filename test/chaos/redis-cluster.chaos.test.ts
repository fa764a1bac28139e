import { loadConfig } from '@weixin3rd/config';
import { openTestDatabase, uniqueName, type TestDatabase } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stackEnv } from '../e2e/processes.js';
import { expectEveryEffectOnce, flowRow, runFlow } from './flow.js';
import { RedisCluster } from './redis-cluster.js';
import { record, type ChaosRow } from './report.js';
import { Stack } from './stack.js';

const API_TOKEN = 'chaos-cluster-console-0123456789';
let db: TestDatabase;
let cluster: RedisCluster;
let stack: Stack;
let prefix: string;
const rows: ChaosRow[] = [];

beforeAll(async () => {
  db = await openTestDatabase('chaos-cluster');
  cluster = await RedisCluster.start();
  // The hash tag puts every key of the service in one slot (CONTRACT.md, QUEUE_PREFIX).
  prefix = `{${uniqueName('cluster')}}`;
  // REDIS_URL names no server at all: only the cluster nodes can serve (REDIS_URL lends credentials only).
  const { env, ...urls } = await stackEnv(db.uri, `redis://127.0.0.1:${await freePort()}`, prefix, {
    REDIS_CLUSTER_NODES: cluster.nodes,
    API_TOKENS: API_TOKEN,
    INGRESS_REPLY_BUDGET_MS: '1000',
  });
  stack = new Stack(env, urls);
  for (const name of ['wechat-sandbox', 'ingress', 'console', 'worker-tickets', 'worker-authorization', 'worker-tokens', 'worker-messages'])
    await stack.start(name);
  await stack.waitForComponentToken();
}, 240_000);

afterAll(async () => {
  record('redis-cluster', { chaos: rows });
  await stack?.stopAll();
  await cluster?.destroy();
  await db?.drop();
});

describe('against a Redis Cluster of three masters', () => {
  it(
    'the end-to-end flow applies every effect once, and every key the service writes lands in its hash tag slot',
    { timeout: 300_000 },
    async () => {
      const startedAt = Date.now();
      const redis = loadConfig({ ...stack.env, SANDBOX_MODE: 'true' }).redis;
      const figures = await runFlow({
        stack,
        db: db.connection,
        redis,
        prefix,
        consoles: [stack.urls.consoleUrl],
        apiToken: API_TOKEN,
        series: 9,
      });
      const tookMs = Date.now() - startedAt;
      const row = flowRow(figures);
      const home = await cluster.masterOf(prefix);
      const byNode = await cluster.keysByNode();
      const ours = [...byNode.values()].flat().filter((k) => k.startsWith(prefix)).length;
      const elsewhere = [...byNode].filter(([port]) => port !== home).flatMap(([, keys]) => keys);
      rows.push({
        ...row,
        case: 'Redis Cluster',
        done: `three masters (redis-server --cluster-enabled yes, redis-cli --cluster create), REDIS_CLUSTER_NODES, QUEUE_PREFIX ${prefix.replace(/-[0-9a-f]+\}$/, '-…}')}; REDIS_URL naming no server; one process of each kind; flow took ${(tookMs / 1000).toFixed(1)} s`,
        checked: `${row.checked}; all ${ours} keys on the tag's master, ${elsewhere.length} on the other two`,
        recoveryMs: null,
      });
      expectEveryEffectOnce(figures);
      expect(ours).toBeGreaterThan(0);
      expect(elsewhere).toEqual([]);
    },
  );
});
