import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { subscribe, type AuthorizerEvent } from '@weixin3rd/events';
import { Producer, subscriberQueue } from '@weixin3rd/queues';
import type { Worker } from 'bullmq';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY, stackEnv, startApp, waitFor, waitForComponentToken, type RunningProcess } from '../e2e/processes.js';

const MP = 'wx1a2b3c4d5e6f7002';

let db: TestDatabase;
let redis: TestRedis;
let browser: Browser;
let sandboxUrl: string;
let ingressUrl: string;
let consoleUrl: string;
let subscriber: Worker;
const received: AuthorizerEvent[] = [];
const running: RunningProcess[] = [];
const API_TOKEN = 'browser-test-console-token';
let authorization: Producer<'authorization'>;
let downstream: Producer<'authorizer-events'>;

interface PushRecord {
  type: string;
  outcome: string;
}
const UNFINISHED = ['waiting', 'active', 'delayed', 'prioritized'] as const;
/** Every job of these names is finished, and each name has one that completed. */
async function finished(queue: Producer<'authorization'>, names: string[]): Promise<boolean> {
  const pending = await queue.getJobs([...UNFINISHED]);
  const completed = new Set((await queue.getJobs(['completed'])).map((j) => j.name));
  return !pending.some((j) => names.includes(j.name)) && names.every((n) => completed.has(n));
}
/** Nothing left for the subscriber to take. */
async function drained(queue: Producer<'authorizer-events'>): Promise<boolean> {
  const counts = await queue.getJobCounts(...UNFINISHED);
  return Object.values(counts).every((n) => n === 0);
}

beforeAll(async () => {
  db = await openTestDatabase('browser-authorize');
  redis = openTestRedis('browser-authorize');
  const stack = await stackEnv(db.uri, redis.url, redis.prefix, { API_TOKENS: API_TOKEN, AUTHORIZER_EVENT_SUBSCRIBERS: 'downstream' });
  ({ sandboxUrl, ingressUrl, consoleUrl } = stack);
  // A downstream service, as README shows it.
  subscriber = subscribe(
    async (event) => {
      received.push(event);
    },
    { connection: redis.connect(), prefix: redis.prefix, subscriber: 'downstream' },
  );
  authorization = new Producer('authorization', redis.connect(), redis.prefix);
  downstream = new Producer('authorizer-events', redis.connect(), redis.prefix, { queueName: subscriberQueue('downstream') });
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization', 'console'])
    running.push(await startApp(name, stack.env, READY[name] as RegExp));
  // The flags keep Chromium off the network this machine does not have; Playwright gives it a fresh profile.
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
  await subscriber?.close();
  await authorization?.close();
  await downstream?.close();
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
    await page.check(`input[name="appid"][value="${MP}"]`);
    await page.click('#confirm');
    await page.waitForURL(/\/authorize\/callback/);
    expect(await page.textContent('#nick-name')).toBe('小鹿咖啡点单');
    expect(await page.textContent('#shop')).toBe('S1');
    expect(await page.locator('#permissions li').count()).toBeGreaterThan(0);
    // Permission sets by name (packages/wechat-api PERMISSION_SETS), not WeChat's numbers.
    expect(await page.textContent('#permissions')).not.toMatch(/^\s*\d/);
    expect(await page.textContent('#permissions li:first-child')).toMatch(/\p{Script=Han}/u);

    const consoleGet = async (path: string) =>
      (await fetch(`${consoleUrl}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json() as Promise<
        Record<string, unknown>
      >;
    expect(await consoleGet(`/api/v1/authorizers/${MP}`)).toMatchObject({ appId: MP, status: 'authorized', shopId: 'S1', kind: 'mini' });
    await waitFor(async () => (received.length > 0 ? true : undefined), 10_000, 'the authorized event');
    // Exactly one event, though the redirect and WeChat's push both carry the code: wait until the
    // push was taken, both jobs finished (a job publishes before it completes) and the subscriber
    // took every event queued by then; a second event would have arrived by that point.
    await waitFor(
      async () => {
        const pushes = (await (await fetch(`${sandboxUrl}/sandbox/pushes?kind=authorization`)).json()) as PushRecord[];
        return pushes.some((p) => p.type === 'authorized' && p.outcome === 'acknowledged') ? true : undefined;
      },
      10_000,
      'the authorized push acknowledged',
    );
    await waitFor(async () => ((await finished(authorization, ['auth-code', 'authorized'])) ? true : undefined), 10_000, 'both jobs');
    await waitFor(async () => ((await drained(downstream)) ? true : undefined), 10_000, 'the subscriber');
    expect(received.filter((e) => e.type === 'authorized').map((e) => [e.authorizerAppId, e.shopId])).toEqual([[MP, 'S1']]);

    // The admin revokes in WeChat: the account is unauthorized and downstream hears it.
    await fetch(`${sandboxUrl}/sandbox/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ componentAppId: SANDBOX_DEV_COMPONENT.appId, authorizerAppId: MP }),
    });
    await waitFor(async () => (received.some((e) => e.type === 'unauthorized') ? true : undefined), 10_000, 'the unauthorized event');
    expect(await consoleGet(`/api/v1/authorizers/${MP}`)).toMatchObject({ status: 'unauthorized', shopId: 'S1' });
    expect(received.filter((e) => e.type === 'unauthorized').map((e) => e.authorizerAppId)).toEqual([MP]);
  });
});
