import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCases } from './cases/admin.cases.js';
import type { HostileCase } from './cases/case.js';
import { consoleCases } from './cases/console.cases.js';
import { pageCases } from './cases/pages.cases.js';
import { pushCases } from './cases/push.cases.js';
import { slowCases } from './cases/slow.cases.js';
import { footprint } from './footprint.js';
import { dumpMongo, dumpRedis, findSecrets } from './secret-scan.js';
import { writeSecurityTable, type CaseResult } from './security-table.js';
import { A, ACCOUNT, API_TOKEN, B, SHOP, startStack, type Stack } from './stack.js';
import { envelope, nowSeconds, sealRaw, signedQuery } from './cases/craft.js';

// Issue 19, item 5: generated hostile requests against the ingress, the authorization pages and
// the console. SECURITY.md is written from the results.
let s: Stack;
const used = { state: '' };
const results: CaseResult[] = [];
let slow: Promise<CaseResult[]> = Promise.resolve([]);

const serving = async (): Promise<boolean> =>
  (await fetch(`${s.ingressUrl}/healthz`)).status === 200 && (await fetch(`${s.consoleUrl}/healthz`)).status === 200;
const holds = (c: HostileCase, got: number | 'closed' | 'error') =>
  (Array.isArray(c.expected) ? c.expected : [c.expected]).includes(got as never);

beforeAll(async () => {
  s = await startStack('security');
  // A state used once, for the replay case: its callback enqueues the code and consumes the nonce.
  used.state = s.signer.sign(A.appId, SHOP).value;
  const first = await fetch(`${s.ingressUrl}/authorize/callback?state=${encodeURIComponent(used.state)}&auth_code=queryauthcode@@@first`);
  expect(first.status).toBe(202);
  // Slow clients hold their connections for seconds: they run alongside every other case.
  slow = Promise.all(
    slowCases(s).map(async (c) => {
      const got = await c.send();
      return { c, got, statusHeld: holds(c, got), nothingStored: true, stillServing: await serving() };
    }),
  );
});
afterAll(async () => {
  await writeSecurityTable(results);
  await s.close();
});

describe('hostile requests', () => {
  const groups: [string, () => HostileCase[]][] = [
    ['ingress push routes', () => pushCases(s)],
    ['authorization pages', () => pageCases(s, used)],
    ['console', () => consoleCases(s)],
    ['console /admin and /queues', () => adminCases(s)],
  ];
  for (const [group, cases] of groups) {
    it(`${group}: each gets its expected status, stores nothing, and the apps keep serving`, async () => {
      const failures: string[] = [];
      for (const c of cases()) {
        const before = await footprint(s);
        const got = await c.send().catch(() => 'error' as const);
        const after = await footprint(s);
        const r: CaseResult = {
          c,
          got,
          statusHeld: holds(c, got),
          nothingStored: c.keeps === true || before === after,
          stillServing: await serving(),
        };
        results.push(r);
        if (!r.statusHeld || !r.nothingStored || !r.stillServing)
          failures.push(
            `${c.area} / ${c.name}: got ${got}, expected ${JSON.stringify(c.expected)}${r.nothingStored ? '' : `, stored something:\n  ${before}\n  ${after}`}`,
          );
      }
      expect(failures).toEqual([]);
    });
  }

  it('slow clients are cut off within seconds while everything else was served', async () => {
    const slowResults = await slow;
    results.push(...slowResults);
    expect(slowResults.filter((r) => !r.statusHeld || !r.stillServing).map((r) => `${r.c.name}: ${r.got}`)).toEqual([]);
  });

  it('sends at least 200 cases', () => {
    expect(results.length).toBeGreaterThanOrEqual(200);
  });

  it('leaves no secret in clear in any log line, in MongoDB or in Redis, after hostile and valid traffic (item 6)', async () => {
    // Valid traffic as well, so that tokens are fetched, stored, served and logged about.
    const post = (url: string, inner: string) => {
      const encrypt = sealRaw(A, inner);
      return fetch(`${url}?${signedQuery(A, encrypt)}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: envelope(encrypt, A.appId),
      });
    };
    const ticket = `<xml><AppId>${A.appId}</AppId><CreateTime>${nowSeconds()}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>ticket@@@valid</ComponentVerifyTicket></xml>`;
    expect(await (await post(`${s.ingressUrl}/wechat/${A.appId}/events`, ticket)).text()).toBe('success');
    const message = `<xml><ToUserName>gh_5ec000000001</ToUserName><FromUserName>oValid</FromUserName><CreateTime>${nowSeconds()}</CreateTime><MsgType>text</MsgType><Content>hello</Content><MsgId>424242</MsgId></xml>`;
    expect(await (await post(`${s.ingressUrl}/wechat/${A.appId}/accounts/${ACCOUNT}/messages`, message)).text()).toBe('success');
    expect((await fetch(`${s.ingressUrl}/authorize?component=${A.appId}&shop=${SHOP}`)).status).toBe(200);
    const bearer = { authorization: `Bearer ${API_TOKEN}` };
    // A credential in a query string is not how to authenticate, but it must not be logged either.
    const componentToken = (await (
      await fetch(`${s.consoleUrl}/api/v1/components/${A.appId}/access-token?access_token=${API_TOKEN}`, { headers: bearer })
    ).json()) as { accessToken: string };
    const authorizerToken = (await (
      await fetch(`${s.consoleUrl}/api/v1/authorizers/${ACCOUNT}/access-token`, { headers: bearer })
    ).json()) as {
      accessToken: string;
    };
    expect(componentToken.accessToken).toBeTruthy();
    expect(authorizerToken.accessToken).toBeTruthy();
    const rotatedB = {
      appSecret: 'sec-app-secret-b-rotated-91',
      token: 'secTokenB2nd',
      encodingAesKey: 'SecAesKeyBrotated0123456789abcdefghijklmnop',
    };
    const put = await fetch(`${s.consoleUrl}/api/v1/components/${B.appId}`, {
      method: 'PUT',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify(rotatedB),
    });
    expect(put.status).toBe(200);

    const db = s.db.connection.db;
    if (!db) throw new Error('not connected');
    const places = { logs: s.logs.join('\n'), mongodb: await dumpMongo(db), redis: await dumpRedis(s.probe, s.redis.prefix) };
    expect(s.logs.length).toBeGreaterThan(50);
    expect(places.logs).toContain('?access_token'); // the URL was logged, its value was not
    const hits = findSecrets(places, {
      'app secret A': A.appSecret,
      'app secret B': B.appSecret,
      'app secret B (new)': rotatedB.appSecret,
      'Token A': A.token,
      'Token B': B.token,
      'Token B (new)': rotatedB.token,
      'EncodingAESKey A': A.encodingAesKey,
      'EncodingAESKey B': B.encodingAesKey,
      'EncodingAESKey B (new)': rotatedB.encodingAesKey,
      'component access token': componentToken.accessToken,
      'authorizer access token': authorizerToken.accessToken,
      'authorizer refresh token': 'refreshtoken@@@sec-refresh-3c9a71',
      'console API token': API_TOKEN,
      DATA_KEY: s.dataKey,
    });
    expect(hits).toEqual([]);
  });
});
