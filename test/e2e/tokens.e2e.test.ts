import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY, stackEnv, startApp, waitFor, waitForComponentToken, type RunningProcess } from './processes.js';

const C = SANDBOX_DEV_COMPONENT.appId;
const OA = 'wx1a2b3c4d5e6f7004';
const API_TOKEN = 'e2e-tokens-console-0123456789';
const PROJECT = ['ingress', 'worker-tickets', 'worker-authorization', 'worker-tokens', 'console'];
let db: TestDatabase;
let redis: TestRedis;
let env: NodeJS.ProcessEnv;
let sandboxUrl: string;
let consoleUrl: string;
const running: RunningProcess[] = [];

const startProject = async () => {
  for (const name of PROJECT) running.push(await startApp(name, env, READY[name] as RegExp));
};
const token = async () =>
  (
    await fetch(`${consoleUrl}/api/v1/authorizers/${OA}/access-token`, { headers: { authorization: `Bearer ${API_TOKEN}` } })
  ).json() as Promise<{ accessToken: string; expiresAt: string; refreshAt: string }>;
const refreshCalls = async () =>
  (
    (await (await fetch(`${sandboxUrl}/sandbox/calls?api=api_authorizer_token`)).json()) as {
      errcode: number;
      body: { authorizer_appid: string };
    }[]
  ).filter((c) => c.errcode === 0 && c.body.authorizer_appid === OA).length;

beforeAll(async () => {
  db = await openTestDatabase('e2e-tokens');
  redis = openTestRedis('e2e-tokens');
  const stack = await stackEnv(db.uri, redis.url, redis.prefix, { API_TOKENS: API_TOKEN });
  ({ env, sandboxUrl, consoleUrl } = stack);
  running.push(await startApp('wechat-sandbox', env, READY['wechat-sandbox'] as RegExp));
  await startProject();
  await waitForComponentToken(sandboxUrl);
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await db.drop();
  await redis.cleanup();
});

describe('authorizer tokens through real processes', () => {
  it('answers 100 concurrent callers for an expired token with one WeChat call, and survives restarts and a Redis flush', async () => {
    await fetch(`${sandboxUrl}/sandbox/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ componentAppId: C, authorizerAppId: OA }),
    });
    const first = await waitFor(
      async () => {
        const res = await fetch(`${consoleUrl}/api/v1/authorizers/${OA}/access-token`, {
          headers: { authorization: `Bearer ${API_TOKEN}` },
        });
        return res.status === 200 ? ((await res.json()) as { accessToken: string }) : undefined;
      },
      15_000,
      'the authorizer',
    );
    expect(first.accessToken).toMatch(/^at_/);

    await db.connection.collection('authorizers').updateOne({ appId: OA }, { $set: { accessTokenExpiresAt: new Date(Date.now() - 1000) } });
    const before = await refreshCalls();
    const answers = await Promise.all(Array.from({ length: 100 }, () => token()));
    expect(new Set(answers.map((a) => a.accessToken)).size).toBe(1);
    // Replaced 15 min before WeChat's 2 h, usable 5 min beyond that (CONTRACT.md, Token answers).
    expect(new Date(answers[0]?.refreshAt ?? 0).getTime()).toBeGreaterThan(Date.now() + 6_000_000);
    expect(new Date(answers[0]?.expiresAt ?? 0).getTime() - new Date(answers[0]?.refreshAt ?? 0).getTime()).toBe(300_000);
    expect((await refreshCalls()) - before).toBe(1);

    // Every process of the project restarts and Redis loses our keys: the same token, no call.
    const project = running.splice(1);
    await Promise.all(project.map((p) => p.stop()));
    await redis.cleanup();
    await startProject();
    const after = await token();
    expect(after.accessToken).toBe(answers[0]?.accessToken);
    expect((await refreshCalls()) - before).toBe(1);
  });

  it('limits forced refreshes per authorizer and refuses unknown accounts', async () => {
    const headers = { authorization: `Bearer ${API_TOKEN}` };
    const forced = await fetch(`${consoleUrl}/api/v1/authorizers/${OA}/refresh`, { method: 'POST', headers });
    expect(forced.status).toBe(200);
    expect((await fetch(`${consoleUrl}/api/v1/authorizers/${OA}/refresh`, { method: 'POST', headers })).status).toBe(429);
    expect((await fetch(`${consoleUrl}/api/v1/authorizers/wx0000000000000bad/access-token`, { headers })).status).toBe(404);
    expect((await fetch(`${consoleUrl}/api/v1/authorizers/${OA}/access-token`)).status).toBe(401);
  });
});
