import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY, stackEnv, startApp, waitForComponentToken, type RunningProcess } from '../e2e/processes.js';

let db: TestDatabase;
let redis: TestRedis;
let browser: Browser;
let sandboxUrl: string;
let ingressUrl: string;
const running: RunningProcess[] = [];

beforeAll(async () => {
  db = await openTestDatabase('browser-authorize');
  redis = openTestRedis('browser-authorize');
  const stack = await stackEnv(db.uri, redis.url, redis.prefix);
  ({ sandboxUrl, ingressUrl } = stack);
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization']) running.push(await startApp(name, stack.env, READY[name] as RegExp));
  // The flags keep Chromium off the network this machine does not have; Playwright gives it a fresh profile.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(running.map((p) => p.stop()));
  await db.drop();
  await redis.cleanup();
});

describe('authorization in a real browser', () => {
  it('opens /authorize, clicks, consents on the sandbox page and lands on the result page', async () => {
    await waitForComponentToken(sandboxUrl);
    const page = await browser.newPage();
    await page.goto(`${ingressUrl}/authorize?shop=S1`);
    expect(await page.textContent('h1')).toBe('绑定公众号或小程序');
    await page.click('#authorize');
    // The sandbox checked the Referer (our domain) before showing the account picker.
    await page.waitForSelector('#confirm');
    await page.check('input[name="appid"][value="wx1a2b3c4d5e6f7002"]');
    await page.click('#confirm');
    await page.waitForURL(/\/authorize\/callback/);
    expect(await page.textContent('#nick-name')).toBe('小鹿咖啡点单');
    expect(await page.textContent('#shop')).toBe('S1');
    expect(await page.locator('#permissions li').count()).toBeGreaterThan(0);
  });
});
