import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, waitFor } from '../e2e/processes.js';
import { record, type ChaosRow } from './report.js';
import { COMPONENT, Stack } from './stack.js';

const OA = 'wx1a2b3c4d5e6f7004';
const API_TOKEN = 'chaos-faults-console-0123456789';
let db: TestDatabase;
let redis: TestRedis;
let stack: Stack;
const rows: ChaosRow[] = [];

beforeAll(async () => {
  db = await openTestDatabase('chaos-faults');
  redis = openTestRedis('chaos-faults');
  const { env, ...urls } = await stackEnv(db.uri, redis.url, redis.prefix, { API_TOKENS: API_TOKEN });
  stack = new Stack(env, urls);
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization', 'console']) await stack.start(name);
  await stack.waitForComponentToken();
  await stack.sandbox('POST', '/sandbox/consent', { componentAppId: COMPONENT, authorizerAppId: OA });
  await waitFor(async () => ((await token()).status === 200 ? true : undefined), 60_000, 'the account authorized');
}, 180_000);

afterAll(async () => {
  record('wechat-faults', { chaos: rows });
  await stack.stopAll();
  await db.drop();
  await redis.cleanup();
});

async function token(): Promise<{ status: number; accessToken?: string }> {
  const res = await fetch(`${stack.urls.consoleUrl}/api/v1/authorizers/${OA}/access-token`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  const body = (await res.json()) as { accessToken?: string };
  return { status: res.status, accessToken: body.accessToken };
}

// Only this account is refreshed in this stack (no worker-tokens runs), and a faulted call is
// recorded before its body is read: count every call of the API.
const refreshCalls = () => stack.calls('api_authorizer_token');

/**
 * The token expires, WeChat misbehaves as `fault` says, 20 callers ask the console at once and
 * then keep asking until they are served. Counts WeChat's calls: bounded while faulting, and one
 * successful refresh in all.
 */
async function scenario(
  name: string,
  fault: Record<string, unknown>,
  options: { clear?: () => Promise<void>; maxFaultedCalls: number },
): Promise<void> {
  await db.connection.collection('authorizers').updateOne({ appId: OA }, { $set: { accessTokenExpiresAt: new Date(Date.now() - 1000) } });
  const before = (await refreshCalls()).length;
  const componentBefore = (await stack.calls('api_component_token')).length;
  await stack.sandbox('POST', '/sandbox/faults', { api: 'api_authorizer_token', ...fault });
  const statuses = new Map<number, number>();
  const first = await Promise.all(Array.from({ length: 20 }, () => token()));
  for (const a of first) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  const clearedAt = Date.now();
  if (options.clear) await options.clear();
  const served = await waitFor(
    async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => token()));
      return answers.every((a) => a.status === 200) ? answers : undefined;
    },
    120_000,
    `${name}: every caller served`,
  );
  const recoveryMs = Date.now() - clearedAt;
  await stack.sandbox('DELETE', '/sandbox/faults');
  const calls = (await refreshCalls()).slice(before);
  const succeeded = calls.filter((c) => c.errcode === 0).length;
  const faulted = calls.length - succeeded;
  const renewals = (await stack.calls('api_component_token')).length - componentBefore;
  const answered = [...statuses].map(([s, n]) => `${n} × ${s}`).join(', ');
  rows.push({
    case: `WeChat fault: ${name}`,
    done: `api_authorizer_token answers ${JSON.stringify(fault)} while the account's token is expired`,
    load: `20 console callers at once, then 20 at a time until served; first answers ${answered}`,
    checked: `WeChat calls bounded (${faulted} faulted, ${succeeded} succeeded, ${renewals} component token renewals); all served one token after`,
    sent: 20,
    acknowledged: served.length,
    processed: served.filter((a) => a.accessToken === served[0]?.accessToken).length,
    lost: 0,
    duplicated: Math.max(0, succeeded - 1),
    recoveryMs,
  });
  expect(succeeded).toBe(1);
  expect(faulted).toBeLessThanOrEqual(options.maxFaultedCalls);
  expect(new Set(served.map((a) => a.accessToken)).size).toBe(1);
}

describe('WeChat faults from the sandbox', () => {
  it('-1 (system busy) twice: retried inside one refresh', async () => {
    await scenario('-1 burst', { kind: 'busy', remaining: 2 }, { maxFaultedCalls: 2 });
  });
  it('HTTP 502 twice: retried inside one refresh', async () => {
    await scenario('HTTP 5xx', { kind: 'http5xx', status: 502, remaining: 2 }, { maxFaultedCalls: 2 });
  });
  it('an answer later than the 5 s timeout: abandoned and retried', async () => {
    await scenario('latency past the timeout', { kind: 'timeout', delayMs: 6000, remaining: 1 }, { maxFaultedCalls: 1 });
  });
  it('a 40001 storm (component token refused): renewed and retried, bounded', async () => {
    await scenario('40001 storm', { kind: 'errcode', errcode: 40001, remaining: 5 }, { maxFaultedCalls: 5 });
  });
  it('45009 (daily quota used up): no retries until the quota resets', async () => {
    await scenario(
      '45009',
      { kind: 'errcode', errcode: 45009, remaining: null },
      {
        // 00:00 Beijing time: the quota comes back (the flag the token service keeps expires).
        clear: async () => {
          await stack.sandbox('DELETE', '/sandbox/faults');
          const connection = redis.connect();
          await connection.del(`${redis.prefix}:quota-exhausted:authorizer-token:${COMPONENT}`);
        },
        maxFaultedCalls: 1,
      },
    );
  });
});
