import { SANDBOX_DEV_COMPONENT, loadConfig } from '@weixin3rd/config';
import { connectStore } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpMongo, dumpRedis, findSecrets } from '../security/secret-scan.js';
import { READY, stackEnv, startApp, waitForComponentToken, type RunningProcess } from './processes.js';

let db: TestDatabase;
let redis: TestRedis;
let sandboxUrl: string;
let ingressUrl: string;
const running: RunningProcess[] = [];

beforeAll(async () => {
  db = await openTestDatabase('e2e-release');
  redis = openTestRedis('e2e-release');
  const stack = await stackEnv(db.uri, redis.url, redis.prefix);
  ({ sandboxUrl, ingressUrl } = stack);
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization', 'worker-messages']) {
    running.push(await startApp(name, stack.env, READY[name] as RegExp));
  }
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await db.drop();
  await redis.cleanup();
});

describe('one-scan authorization through real processes', () => {
  it('binds a shop account: our page, the consent page of WeChat, the callback, the result', async () => {
    await waitForComponentToken(sandboxUrl);
    const page = await (await fetch(`${ingressUrl}/authorize?shop=S1`)).text();
    const link = /id="authorize" href="([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
    expect(link).toMatch(/\/cgi-bin\/componentloginpage\?component_appid=wx/);
    // As a browser does after the click: the Referer is our page.
    const consent = await (await fetch(link ?? '', { headers: { referer: `${ingressUrl}/authorize?shop=S1` } })).text();
    expect(consent).toContain('data-appid="wx1a2b3c4d5e6f7001"');
    const form = new URLSearchParams();
    for (const [, name, value] of consent.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      form.set(name ?? '', (value ?? '').replaceAll('&amp;', '&'));
    form.set('appid', 'wx1a2b3c4d5e6f7001');
    form.append('func_wx1a2b3c4d5e6f7001', '1');
    form.append('func_wx1a2b3c4d5e6f7001', '15');
    const confirmed = await fetch(`${sandboxUrl}/cgi-bin/componentloginpage/confirm`, { method: 'POST', body: form, redirect: 'manual' });
    expect(confirmed.status).toBe(302);
    const callback = confirmed.headers.get('location') ?? '';
    expect(callback.startsWith(`${ingressUrl}/authorize/callback?state=`)).toBe(true);
    const result = await fetch(callback);
    const html = await result.text();
    expect(result.status).toBe(200);
    expect(html).toContain('<strong id="nick-name">小鹿咖啡</strong>');
    expect(html).toContain('<strong id="shop">S1</strong>');
    // The same link again is a replay.
    expect((await fetch(callback)).status).toBe(400);
  });

  /** Opens our page for a shop and returns the consent link and the callback URL it carries. */
  async function startFor(shop: string): Promise<{ link: string; callback: string }> {
    const page = await (await fetch(`${ingressUrl}/authorize?shop=${shop}`)).text();
    const link = (/id="authorize" href="([^"]+)"/.exec(page)?.[1] ?? '').replaceAll('&amp;', '&');
    return { link, callback: new URL(link).searchParams.get('redirect_uri') ?? '' };
  }

  it('shows a clear page for an invalid code and for an account bound to another shop', async () => {
    const forged = await startFor('S2');
    const invalid = await fetch(`${forged.callback}&auth_code=queryauthcode@@@forged&expires_in=600`);
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('授权码无效或已过期');

    const second = await startFor('S2');
    const consent = await (await fetch(second.link, { headers: { referer: `${ingressUrl}/authorize?shop=S2` } })).text();
    const form = new URLSearchParams();
    for (const [, name, value] of consent.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      form.set(name ?? '', (value ?? '').replaceAll('&amp;', '&'));
    form.set('appid', 'wx1a2b3c4d5e6f7001');
    form.append('func_wx1a2b3c4d5e6f7001', '1');
    const confirmed = await fetch(`${sandboxUrl}/cgi-bin/componentloginpage/confirm`, { method: 'POST', body: form, redirect: 'manual' });
    const result = await fetch(confirmed.headers.get('location') ?? '');
    expect(result.status).toBe(409);
    expect(await result.text()).toContain('已经绑定到另一家店铺（S1）');
  });
});

describe('全网发布 through real processes', () => {
  it('passes every case of the release test run by the sandbox', async () => {
    await waitForComponentToken(sandboxUrl);
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

describe('secrets after the end-to-end run (issue 19, item 6)', () => {
  it('leaves no secret in clear in any log line of any process, in MongoDB or in Redis', async () => {
    // The sandbox-mode DATA_KEY, as every process of this stack derived it.
    const { dataKey } = loadConfig({ SANDBOX_MODE: 'true' });
    const store = await connectStore(db.uri, { dataKey });
    try {
      const component = SANDBOX_DEV_COMPONENT.appId;
      const token = await store.componentTokens.get(component);
      const account = await store.authorizers.find(component, 'wx1a2b3c4d5e6f7001');
      expect(token?.accessToken).toBeTruthy();
      expect(account?.refreshToken).toBeTruthy();
      const mongo = db.connection.db;
      if (!mongo) throw new Error('not connected');
      const logs = running.map((p) => p.output.join('')).join('\n');
      expect(logs.split('\n').length).toBeGreaterThan(20);
      const hits = findSecrets(
        { logs, mongodb: await dumpMongo(mongo), redis: await dumpRedis(redis.connect(), redis.prefix) },
        {
          'app secret': SANDBOX_DEV_COMPONENT.appSecret,
          Token: SANDBOX_DEV_COMPONENT.token,
          EncodingAESKey: SANDBOX_DEV_COMPONENT.encodingAesKey,
          'component access token': token?.accessToken ?? '',
          'authorizer access token': account?.accessToken ?? '',
          'authorizer refresh token': account?.refreshToken ?? '',
          DATA_KEY: dataKey,
        },
      );
      expect(hits).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
