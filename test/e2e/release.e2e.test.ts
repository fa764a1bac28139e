import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY, stackEnv, startApp, waitFor, type RunningProcess } from './processes.js';

let db: TestDatabase;
let redis: TestRedis;
let sandboxUrl: string;
const running: RunningProcess[] = [];

beforeAll(async () => {
  db = await openTestDatabase('e2e-release');
  redis = openTestRedis('e2e-release');
  const stack = await stackEnv(db.uri, redis.url, redis.prefix);
  sandboxUrl = stack.sandboxUrl;
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization', 'worker-messages']) {
    running.push(await startApp(name, stack.env, READY[name] as RegExp));
  }
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await db.drop();
  await redis.cleanup();
});

describe('全网发布 through real processes', () => {
  it('passes every case of the release test run by the sandbox', async () => {
    // worker-tickets asks for a ticket at start; wait for the component token before the test.
    await waitFor(async () => {
      const calls = (await (await fetch(`${sandboxUrl}/sandbox/calls?api=api_component_token`)).json()) as { errcode: number }[];
      return calls.some((c) => c.errcode === 0) ? true : undefined;
    }, 15_000, 'the component token');
    const res = await fetch(`${sandboxUrl}/sandbox/release-test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ componentAppId: SANDBOX_DEV_COMPONENT.appId, group: 2 }),
    });
    const report = (await res.json()) as { passed: boolean; cases: { name: string; passed: boolean; reason: string | null }[] };
    expect(report.cases.filter((c) => !c.passed)).toEqual([]);
    expect(report.cases).toHaveLength(7);
    expect(report.passed).toBe(true);
  });
});
