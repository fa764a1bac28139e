import { Registry } from '@weixin3rd/runtime';
import Fastify, { type RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeRoutes } from '../src/authorize/authorize.routes.js';
import { IngressMetrics } from '../src/ingress-metrics.js';
import { echostrRoute } from '../src/routes/echostr.route.js';
import { eventsRoute } from '../src/routes/events.route.js';
import { messagesRoute } from '../src/routes/messages.route.js';
import { COMPONENT, jobCount, post, signedPush, startIngress, type Ingress } from './harness.js';

// Issue 15, item 1: every ingress route declares what it takes; a push keeps every answer it had.
let ing: Ingress;
const registry = new Registry();
beforeAll(async () => {
  ing = await startIngress('ingress-query-schemas', { metrics: new IngressMetrics(registry) });
});
afterAll(() => ing.close());

const ticketXml = (ticket: string) =>
  `<xml><AppId>${COMPONENT.appId}</AppId><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>${ticket}</ComponentVerifyTicket></xml>`;
const eventsUrl = () => `${ing.url}/wechat/${COMPONENT.appId}/events`;
const failures = async (kind: string) =>
  (await registry.getSingleMetric('weixin3rd_ingress_verification_failures_total')?.get())?.values.find((v) => v.labels.kind === kind)
    ?.value ?? 0;

describe('declared schemas', () => {
  it('declares the query of every push route and authorization page, and the path of every push route', async () => {
    const app = Fastify();
    const routes: RouteOptions[] = [];
    app.addHook('onRoute', (r) => void routes.push(r));
    for (const plugin of [eventsRoute, messagesRoute, echostrRoute, authorizeRoutes]) await app.register(plugin as never, {});
    await app.ready();
    const served = routes.filter((r) => r.method !== 'HEAD');
    expect(served.map((r) => `${String(r.method)} ${r.url}`).sort()).toEqual([
      'GET /authorize',
      'GET /authorize/callback',
      'GET /wechat/:componentAppId/accounts/:appid/messages',
      'GET /wechat/:componentAppId/events',
      'POST /wechat/:componentAppId/accounts/:appid/messages',
      'POST /wechat/:componentAppId/events',
    ]);
    for (const r of served) {
      const schema = r.schema as { querystring?: { properties?: object }; params?: object } | undefined;
      expect(schema?.querystring?.properties, r.url).toBeDefined();
      if (r.url.startsWith('/wechat')) {
        expect(Object.keys(schema?.querystring?.properties ?? {})).toEqual(
          expect.arrayContaining(['msg_signature', 'signature', 'timestamp', 'nonce', 'encrypt_type', 'openid']),
        );
        expect(schema?.params, r.url).toBeDefined();
      }
    }
    await app.close();
  });
});

describe('a push query the schema refuses keeps its answer', () => {
  const valid = () => signedPush(ing.crypto, ticketXml(`ticket@@@${Math.random()}`));
  const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  it('answers each malformed field with the code and status it always had, counted the same', async () => {
    const before = await jobCount(ing.producers.tickets);
    const cases: [string, (q: URLSearchParams) => void, number, string][] = [
      ['msg_signature given twice', (q) => q.append('msg_signature', '0'.repeat(40)), 401, 'SIGNATURE_INVALID'],
      ['msg_signature not hex', (q) => q.set('msg_signature', 'z'.repeat(40)), 401, 'SIGNATURE_INVALID'],
      ['msg_signature of 41 characters', (q) => q.set('msg_signature', `${q.get('msg_signature') ?? ''}0`), 401, 'SIGNATURE_INVALID'],
      ['nonce given twice', (q) => q.append('nonce', '1'), 401, 'SIGNATURE_INVALID'],
      ['timestamp given twice', (q) => q.append('timestamp', '1'), 400, 'QUERY_INVALID'],
      ['timestamp not digits', (q) => q.set('timestamp', '17e8'), 400, 'QUERY_INVALID'],
      ['no nonce', (q) => q.delete('nonce'), 401, 'SIGNATURE_MISSING'],
    ];
    for (const [name, change, status, expected] of cases) {
      const p = valid();
      const q = new URLSearchParams(p.query);
      change(q);
      const invalid = await failures('signature_invalid');
      const res = await post(`${eventsUrl()}?${q}`, p.body);
      expect(res.status, name).toBe(status);
      expect(await code(res), name).toBe(expected);
      expect(await failures('signature_invalid'), name).toBe(invalid + (expected === 'SIGNATURE_INVALID' ? 1 : 0));
    }
    // The path is still refused at once, before the query is looked at.
    const p = valid();
    const res = await post(`${ing.url}/wechat/${COMPONENT.appId}%2Fx/events?msg_signature=x&timestamp=y`, p.body);
    expect(res.status).toBe(400);
    expect(await code(res)).toBe('PATH_INVALID');
    expect(await jobCount(ing.producers.tickets)).toBe(before);
  });

  it('never refuses a correctly signed push for a field it does not use, given twice or odd', async () => {
    for (const extra of ['encrypt_type=aes&encrypt_type=aes', 'openid=oUser&openid=oOther', 'openid=', 'encrypt_type=AES&x=1&x=2']) {
      const p = valid();
      const res = await post(`${eventsUrl()}?${p.query}&${extra}`, p.body);
      expect(await res.text(), extra).toBe('success');
    }
  });

  it('answers the echostr check as before: a malformed signature does not match, a good one echoes', async () => {
    const parts = ing.crypto.encryptPush('<xml/>', { timestamp: '1700000000', nonce: '7' });
    const url = (query: string) => fetch(`${eventsUrl()}?${query}`);
    const good = await url(`signature=${parts.signature}&timestamp=1700000000&nonce=7&echostr=hello&openid=a&openid=b`);
    expect(await good.text()).toBe('hello');
    for (const query of [
      `signature=${parts.signature}&signature=${parts.signature}&timestamp=1700000000&nonce=7&echostr=hello`,
      `signature=${'Z'.repeat(40)}&timestamp=1700000000&nonce=7&echostr=hello`,
      `signature=${parts.signature}&timestamp=1700000000&nonce=7&nonce=8&echostr=hello`,
    ]) {
      const res = await url(query);
      expect(res.status, query).toBe(401);
      expect(await code(res), query).toBe('SIGNATURE_INVALID');
    }
  });
});
