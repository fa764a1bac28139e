import { handleMessages, type ServiceMessageJob } from '@weixin3rd/events';
import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY, stackEnv, startApp, waitFor, waitForComponentToken, type RunningProcess } from './processes.js';
import { matching, parsePrometheus, sum, type Sample } from './prometheus-text.js';

// Issue 17, item 4: every process serves its own Prometheus text; after a flow through all of them
// each metric the README names is there with a plausible value.
const C = SANDBOX_DEV_COMPONENT.appId;
const OA = 'wx1a2b3c4d5e6f7001';
const API_TOKEN = 'e2e-metrics-console-token-0001';
const BUDGET_MS = 1000;
const WORKERS = ['worker-tickets', 'worker-authorization', 'worker-tokens', 'worker-messages'] as const;

let db: TestDatabase;
let redis: TestRedis;
let sandboxUrl: string;
let consoleUrl: string;
let ingressUrl: string;
let service: Worker | undefined;
const running: RunningProcess[] = [];
/** Where each process serves /metrics. */
const scrapeUrl: Record<string, string> = {};

const json = { 'content-type': 'application/json' };
const api = (method: string, path: string, body?: object) =>
  fetch(`${consoleUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, ...(body ? json : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

async function scrape(process: string): Promise<Sample[]> {
  const res = await fetch(scrapeUrl[process] ?? '');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheus(await res.text());
}

/** Scrapes until `name{labels}` adds up to more than 0 (jobs finish after the answer that started them). */
const counted = (process: string, name: string, labels: Record<string, string> = {}, timeoutMs = 20_000) =>
  waitFor(
    async () => {
      const n = sum(await scrape(process), name, labels);
      return n > 0 ? n : undefined;
    },
    timeoutMs,
    `${process} ${name}${JSON.stringify(labels)} > 0`,
  );

beforeAll(async () => {
  db = await openTestDatabase('e2e-metrics');
  redis = openTestRedis('e2e-metrics');
  const stack = await stackEnv(db.uri, redis.url, redis.prefix, {
    API_TOKENS: API_TOKEN,
    INGRESS_REPLY_BUDGET_MS: String(BUDGET_MS),
    MESSAGE_ROUTES_RELOAD_SECONDS: '3600',
  });
  ({ sandboxUrl, consoleUrl, ingressUrl } = stack);
  running.push(await startApp('wechat-sandbox', stack.env, READY['wechat-sandbox'] as RegExp));
  running.push(await startApp('console', stack.env, READY.console as RegExp));
  scrapeUrl.console = `${consoleUrl}/metrics`;
  // METRICS_PORT=0: each takes a free port of its own and names it in its ready line.
  for (const name of ['ingress', ...WORKERS]) {
    const p = await startApp(name, { ...stack.env, METRICS_PORT: '0' }, new RegExp(`"metricsPort":\\d+.*"msg":"${name} ready"`));
    running.push(p);
    scrapeUrl[name] = `http://127.0.0.1:${/"metricsPort":(\d+)/.exec(p.output.join(''))?.[1]}/metrics`;
  }
  // A downstream message service: replies at once, or after the ingress has stopped waiting.
  service = handleMessages(
    'crm',
    async (msg: ServiceMessageJob) => {
      if (msg.message.Content === 'slow') await new Promise((r) => setTimeout(r, BUDGET_MS + 500));
      return { type: 'text', content: `收到：${msg.message.Content ?? ''}` };
    },
    { connection: redis.url, prefix: redis.prefix },
  );
}, 120_000);

afterAll(async () => {
  await service?.close();
  await Promise.all(running.map((p) => p.stop()));
  await db?.drop();
  await redis?.cleanup();
});

describe('Prometheus metrics from every process after an end-to-end flow', () => {
  it('counts requests, verification failures, passive replies, jobs and WeChat calls where they happen', async () => {
    await waitForComponentToken(sandboxUrl);
    // WeChat's side of an authorization: the `authorized` push goes through the ingress to worker-authorization.
    await fetch(`${sandboxUrl}/sandbox/consent`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ componentAppId: C, authorizerAppId: OA }),
    });
    await waitFor(
      async () => ((await api('GET', `/api/v1/authorizers/${OA}`)).status === 200 ? true : undefined),
      20_000,
      'the authorizer',
    );
    expect((await api('POST', '/api/v1/message-routes', { service: 'crm', priority: 1, match: { authorizerAppId: OA } })).status).toBe(201);

    const push = async (content: string) => {
      const res = await fetch(`${sandboxUrl}/sandbox/messages`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ componentAppId: C, authorizerAppId: OA, msgType: 'text', content, openid: 'oMetrics' }),
      });
      return ((await res.json()) as { outcome: string }).outcome;
    };
    // The route reaches the workers through a Redis notice: the first reply may still find none.
    await waitFor(async () => ((await push('hello')) === 'replied' ? true : undefined), 20_000, 'a passive reply');
    expect(await push('slow')).toBe('acknowledged');
    // A push that did not come from WeChat.
    const now = Math.floor(Date.now() / 1000);
    const forged = await fetch(`${ingressUrl}/wechat/${C}/events?timestamp=${now}&nonce=n1&msg_signature=${'0'.repeat(40)}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<xml><AppId><![CDATA[x]]></AppId><Encrypt><![CDATA[aGVsbG8=]]></Encrypt></xml>',
    });
    expect(forged.status).toBe(401);
    // The console's own WeChat call: a forced refresh.
    expect((await api('POST', `/api/v1/authorizers/${OA}/refresh`)).status).toBe(200);

    // ingress
    const ingress = await scrape('ingress');
    const messagesRoute = '/wechat/:componentAppId/accounts/:appid/messages';
    expect(sum(ingress, 'weixin3rd_ingress_requests_total', { route: '/wechat/:componentAppId/events', outcome: '200' })).toBeGreaterThan(
      0,
    );
    expect(sum(ingress, 'weixin3rd_ingress_requests_total', { route: messagesRoute, outcome: '200' })).toBeGreaterThanOrEqual(2);
    expect(sum(ingress, 'weixin3rd_ingress_requests_total', { outcome: 'SIGNATURE_INVALID' })).toBe(1);
    expect(sum(ingress, 'weixin3rd_ingress_request_duration_seconds_count', { route: messagesRoute })).toBeGreaterThanOrEqual(2);
    // The late push waited the whole budget: it sits above the 1 s bucket.
    const within1s = sum(ingress, 'weixin3rd_ingress_request_duration_seconds_bucket', { route: messagesRoute, le: '1' });
    const all = sum(ingress, 'weixin3rd_ingress_request_duration_seconds_bucket', { route: messagesRoute, le: '+Inf' });
    expect(all - within1s).toBeGreaterThanOrEqual(1);
    expect(sum(ingress, 'weixin3rd_ingress_verification_failures_total', { kind: 'signature_invalid' })).toBe(1);
    expect(sum(ingress, 'weixin3rd_ingress_passive_replies_total', { outcome: 'in_time' })).toBeGreaterThanOrEqual(1);
    // At least the slow one (on a loaded machine a quick one can be late too).
    expect(sum(ingress, 'weixin3rd_ingress_passive_replies_total', { outcome: 'late' })).toBeGreaterThanOrEqual(1);
    expect(matching(ingress, 'weixin3rd_ingress_passive_replies_total', { outcome: 'none' })).toHaveLength(1);
    expect(sum(ingress, 'weixin3rd_process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const s of ingress) expect(s.labels.process ?? 'ingress').toBe('ingress');

    // workers: jobs by queue and outcome, processing time, WeChat calls by API and errcode, queue depth
    const jobs = { queue: 'tickets', outcome: 'completed' };
    expect(await counted('worker-tickets', 'weixin3rd_jobs_total', jobs)).toBeGreaterThan(0);
    expect(await counted('worker-tickets', 'weixin3rd_wechat_calls_total', { api: 'api_component_token', errcode: '0' })).toBeGreaterThan(
      0,
    );
    expect(await counted('worker-authorization', 'weixin3rd_jobs_total', { queue: 'authorization', outcome: 'completed' })).toBeGreaterThan(
      0,
    );
    expect(await counted('worker-authorization', 'weixin3rd_wechat_calls_total', { api: 'api_query_auth', errcode: '0' })).toBe(1);
    // The token sweep's first run comes at the start of worker-tokens.
    expect(await counted('worker-tokens', 'weixin3rd_jobs_total', { queue: 'token-refresh', outcome: 'completed' })).toBeGreaterThan(0);
    expect(
      await counted('worker-messages', 'weixin3rd_jobs_total', { queue: 'account-messages', outcome: 'completed' }),
    ).toBeGreaterThanOrEqual(2);
    // The late reply leaves by the customer-service API.
    expect(
      await counted('worker-messages', 'weixin3rd_jobs_total', { queue: 'messages-outbound', outcome: 'completed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await counted('worker-messages', 'weixin3rd_wechat_calls_total', { errcode: '0' })).toBeGreaterThan(0);
    for (const name of WORKERS) {
      const samples = await scrape(name);
      const queue = {
        'worker-tickets': 'tickets',
        'worker-authorization': 'authorization',
        'worker-tokens': 'token-refresh',
        'worker-messages': 'account-messages',
      }[name];
      expect(sum(samples, 'weixin3rd_job_duration_seconds_count', { queue })).toBeGreaterThan(0);
      expect(matching(samples, 'weixin3rd_queue_waiting_jobs', { queue })).toHaveLength(1);
      const oldest = matching(samples, 'weixin3rd_queue_oldest_waiting_seconds', { queue });
      expect(oldest).toHaveLength(1);
      expect(oldest[0]?.value).toBeGreaterThanOrEqual(0);
      expect(oldest[0]?.value).toBeLessThan(3600);
      expect(matching(samples, 'weixin3rd_process_cpu_seconds_total')[0]?.labels.process).toBe(name);
    }
    const messages = await scrape('worker-messages');
    const sent = matching(messages, 'weixin3rd_wechat_calls_total', { errcode: '0' }).map((s) => s.labels.api);
    expect(sent).toContain('custom_send');

    // console: its gauges, then the process registry (its own WeChat calls)
    const consoleSamples = await scrape('console');
    expect(sum(consoleSamples, 'weixin3rd_component_ticket_age_seconds', { component: C })).toBeGreaterThanOrEqual(0);
    expect(matching(consoleSamples, 'weixin3rd_component_ticket_age_seconds', { component: C })).toHaveLength(1);
    expect(sum(consoleSamples, 'weixin3rd_wechat_calls_total', { api: 'api_authorizer_token', errcode: '0' })).toBe(1);
    expect(sum(consoleSamples, 'weixin3rd_wechat_call_duration_seconds_count', { api: 'api_authorizer_token' })).toBe(1);
  });
});
