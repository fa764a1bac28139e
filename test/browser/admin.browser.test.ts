import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Queue } from 'bullmq';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY, stackEnv, startApp, waitFor, waitForComponentToken, type RunningProcess } from '../e2e/processes.js';

const OA = 'wx1a2b3c4d5e6f7001';
const COMPONENT = SANDBOX_DEV_COMPONENT.appId;
const API_TOKEN = 'browser-admin-console-token';
// Every page of the console, signed in and out, as the operator sees it (issue 17: each screenshot looked at).
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

let db: TestDatabase;
let redis: TestRedis;
let browser: Browser;
let sandboxUrl: string;
let consoleUrl: string;
const running: RunningProcess[] = [];

const json = async <T>(url: string, init: RequestInit = {}): Promise<T> => (await (await fetch(url, init)).json()) as T;
const post = (url: string, body: object) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const bearer = { headers: { authorization: `Bearer ${API_TOKEN}` } };
interface RouteView {
  id: string;
  service: string;
  priority: number;
  enabled: boolean;
  match: Record<string, unknown>;
}
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${consoleUrl}${path}`, { ...init, headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' } });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  db = await openTestDatabase('browser-admin');
  redis = openTestRedis('browser-admin');
  const stack = await stackEnv(db.uri, redis.url, redis.prefix, { API_TOKENS: API_TOKEN });
  ({ sandboxUrl, consoleUrl } = stack);
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization', 'worker-tokens', 'console'])
    running.push(await startApp(name, stack.env, READY[name] as RegExp));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(running.map((p) => p.stop()));
  await db.drop();
  await redis.cleanup();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}admin-${name}.png`, fullPage: true });

describe('the operator console in a real browser', () => {
  it('signs in, retries a failed job, finds an account by shop, rebinds it, forces a refresh, adds, edits and disables a message route, reads the audit log, opens /queues and /docs, signs out', async () => {
    await waitForComponentToken(sandboxUrl);
    // WeChat refuses the code exchange once (61004, the IP allow-list): the authorization job fails for good.
    await post(`${sandboxUrl}/sandbox/faults`, { api: 'api_query_auth', kind: 'errcode', errcode: 61004, remaining: 1 });
    await post(`${sandboxUrl}/sandbox/consent`, { componentAppId: COMPONENT, authorizerAppId: OA });
    const authorization = new Queue('authorization', { connection: redis.connect(), prefix: redis.prefix });
    await waitFor(async () => ((await authorization.getFailedCount()) > 0 ? true : undefined), 20_000, 'the failed authorization job');
    await authorization.close();

    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    // Not signed in: the sign-in page, not the console.
    const first = await page.goto(`${consoleUrl}/admin`);
    expect(first?.status()).toBe(401);
    await shot(page, '01-sign-in');
    await page.fill('input[name="name"]', '值班运维');
    await page.fill('input[name="token"]', API_TOKEN);
    await page.click('#sign-in button[type="submit"]');
    await page.waitForSelector('section.component');
    expect(await page.textContent('h1')).toContain('组件');
    expect(await page.textContent('#ticket-age')).toMatch(/前|ago|just now/);
    await shot(page, '02-components');

    // The failed job, its reason, and a retry once the allow-list is fixed (the fault was used up).
    await page.click('a[href="/admin/jobs"]');
    const failed = page.locator('section.queue[data-queue="authorization"] tr.failed-job').first();
    expect(await failed.locator('.reason').textContent()).toContain('61004');
    await shot(page, '03-failed-jobs');
    await failed.locator('button.retry').click();
    await page.waitForSelector('#flash');
    expect(await page.textContent('#flash')).toContain('retried');
    await waitFor(async () => ((await api(`/api/v1/authorizers/${OA}`)).status === 200 ? true : undefined), 20_000, 'the authorizer');
    await shot(page, '04-job-retried');

    // Bound to a shop (as the authorization page would), then found by that shop and rebound.
    expect((await api(`/api/v1/authorizers/${OA}/shop`, { method: 'PUT', body: JSON.stringify({ shopId: 'shop-1001' }) })).status).toBe(
      200,
    );
    await page.click('a[href="/admin/authorizers"]');
    await page.fill('#search input[name="q"]', 'shop-1001');
    await page.click('#search button[type="submit"]');
    const row = page.locator(`tr.authorizer[data-appid="${OA}"]`);
    await row.waitFor();
    expect(await page.locator('tr.authorizer').count()).toBe(1);
    expect(await row.locator('.perms').textContent()).toContain('消息管理');
    expect(await row.locator('.copy-pc').getAttribute('data-copy')).toContain('shop=shop-1001&mode=pc');
    await shot(page, '05-authorizer-found');
    page.once('dialog', (d) => void d.accept());
    await row.locator('input[name="shopId"]').fill('shop-2002');
    await row.locator('button.rebind').click();
    await page.waitForSelector('#flash');
    expect(await page.textContent('#flash')).toContain('shop-1001 → shop-2002');
    // The page shows the account it rebound, not the list of its old shop (now without it).
    expect(await row.locator('td.shop').textContent()).toBe('shop-2002');
    expect(await json<{ shopId: string }>(`${consoleUrl}/api/v1/authorizers/${OA}`, bearer)).toMatchObject({
      shopId: 'shop-2002',
    });
    await shot(page, '06-rebound');

    const before = await json<{ accessToken: string }>(`${consoleUrl}/api/v1/authorizers/${OA}/access-token`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    await page.fill('#search input[name="q"]', 'shop-2002');
    await page.click('#search button[type="submit"]');
    await row.locator('button.force-refresh').click();
    await page.waitForSelector('#flash');
    expect(await page.textContent('#flash')).toContain('refreshed');
    const after = await json<{ accessToken: string }>(`${consoleUrl}/api/v1/authorizers/${OA}/access-token`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(await row.locator('.refresh').textContent()).toContain('ok');
    await shot(page, '07-refreshed');

    // Message routes: add one, edit it, disable it; the API sees each change.
    const routes = async () => (await json<{ items: RouteView[] }>(`${consoleUrl}/api/v1/message-routes`, bearer)).items;
    await page.click('a[href="/admin/message-routes"]');
    await page.waitForSelector('#route-form');
    await shot(page, '08-routes-empty');
    await page.fill('#route-form input[name="service"]', 'crm');
    await page.fill('#route-form input[name="priority"]', '10');
    await page.fill('#route-form input[name="authorizerAppId"]', OA);
    await page.fill('#route-form input[name="msgType"]', 'text');
    await page.selectOption('#route-form select[name="contentKind"]', 'prefix');
    await page.fill('#route-form input[name="content"]', '订单');
    await page.click('#add-route');
    await page.waitForSelector('#flash');
    expect(await page.textContent('#flash')).toContain('added');
    const route = page.locator('tr.message-route[data-service="crm"]');
    expect(await route.locator('.match').textContent()).toContain('订单');
    const [added] = await routes();
    expect(added).toMatchObject({
      service: 'crm',
      priority: 10,
      enabled: true,
      match: { authorizerAppId: OA, msgType: 'text', content: { prefix: '订单' } },
    });
    await shot(page, '09-route-added');

    await route.locator('a.edit').click();
    await page.waitForSelector('#save-route');
    expect(await page.inputValue('#route-form input[name="content"]')).toBe('订单');
    await page.fill('#route-form input[name="service"]', 'crm-vip');
    await page.fill('#route-form input[name="priority"]', '20');
    await shot(page, '10-route-editing');
    await page.click('#save-route');
    await page.waitForSelector('#flash');
    expect(await page.textContent('#flash')).toContain('saved');
    expect(page.url()).toBe(`${consoleUrl}/admin/message-routes`);
    expect((await routes())[0]).toMatchObject({ id: added?.id, service: 'crm-vip', priority: 20, enabled: true });

    const edited = page.locator('tr.message-route[data-service="crm-vip"]');
    await edited.locator('button.disable').click();
    await page.waitForSelector('#flash');
    expect(await page.textContent('#flash')).toContain('disabled');
    await page.waitForSelector('tr.message-route.disabled[data-service="crm-vip"]');
    expect((await routes())[0]).toMatchObject({ id: added?.id, service: 'crm-vip', enabled: false });
    await shot(page, '11-route-disabled');

    await page.click('a[href="/admin/audit"]');
    const audit = await page.textContent('#audit');
    for (const action of ['signin', 'job.retry', 'authorizer.rebind', 'authorizer.refresh', 'route.add', 'route.edit', 'route.disable'])
      expect(audit).toContain(action);
    expect(audit).toContain('值班运维');
    await shot(page, '12-audit');

    await page.goto(`${consoleUrl}/queues`);
    await page.waitForSelector('text=authorization');
    // The overview, not its loading state: the queues' cards with their counts.
    await page.waitForFunction("!document.body.innerText.includes('Loading...') && document.body.innerText.includes('token-refresh')");
    await shot(page, '13-queues');

    await page.goto(`${consoleUrl}/docs`);
    await page.waitForSelector('.swagger-ui .opblock');
    expect(await page.locator('.opblock').count()).toBeGreaterThan(8);
    await shot(page, '14-docs');

    // Signed out: the console is closed again.
    await page.goto(`${consoleUrl}/admin`);
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in');
    await shot(page, '15-signed-out');
    expect((await page.goto(`${consoleUrl}/queues`))?.status()).toBe(401);
    expect((await page.goto(`${consoleUrl}/admin/message-routes`))?.status()).toBe(401);
  });
});
