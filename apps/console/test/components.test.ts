import type { Producer } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import type { TestRedis } from '@weixin3rd/testing';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openConsole, type ConsoleHarness } from './console-app.js';

const TOKEN = 'console-test-token-0001';
let h: ConsoleHarness;
let redis: TestRedis;
let store: Store;
let app: FastifyInstance;
let authorization: Producer<'authorization'>;

beforeAll(async () => {
  // No WeChat is reachable here: a token request for a component without a ticket must fail clearly.
  h = await openConsole('console', { apiTokens: [TOKEN], timeoutMs: 500 });
  ({ app, store, redis } = h);
  authorization = h.deps.authorization;
});
afterAll(() => h.close());

const call = (method: 'GET' | 'PUT' | 'POST', url: string, payload?: object, token = TOKEN) =>
  app.inject({ method, url, ...(payload ? { payload } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} });

const body = { appSecret: 'very-secret-value', token: 'tok123', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
/** A component of the test's own, so that no test depends on another having run first. */
const component = (appId: string) => store.components.upsert({ appId, ...body });

describe('console components API', () => {
  it('adds several components, never showing a secret', async () => {
    for (const appId of ['wx00000000000c0a01', 'wx00000000000c0a02']) {
      const put = await call('PUT', `/api/v1/components/${appId}`, body);
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ appId, lastError: null, ticketUpdatedAt: null, accessTokenExpiresAt: null });
      for (const secret of [body.appSecret, body.encodingAesKey]) expect(put.body).not.toContain(secret);
    }
    expect(await store.components.listAppIds()).toEqual(expect.arrayContaining(['wx00000000000c0a01', 'wx00000000000c0a02']));
    const get = await call('GET', '/api/v1/components/wx00000000000c0a02');
    expect(get.statusCode).toBe(200);
    expect(get.body).not.toContain(body.appSecret);
  });

  it('validates input and answers 404 for unknown components', async () => {
    expect((await call('PUT', '/api/v1/components/wx00000000000c0a01', { ...body, encodingAesKey: 'short' })).statusCode).toBe(400);
    expect((await call('PUT', '/api/v1/components/not-an-appid', body)).statusCode).toBe(400);
    expect((await call('PUT', '/api/v1/components/wx00000000000c0a01', { appSecret: 'x' })).statusCode).toBe(400);
    expect((await call('GET', '/api/v1/components/wx00000000000c0aff')).json()).toEqual({
      error: { code: 'COMPONENT_NOT_FOUND', message: 'no component wx00000000000c0aff' },
    });
  });

  it('explains why there is no token yet', async () => {
    await component('wx00000000000c0a11');
    const res = await call('GET', '/api/v1/components/wx00000000000c0a11/access-token');
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('TICKET_MISSING');
  });

  it('reports in /metrics, without a bearer token, when 45009 stopped authorizer token refreshes', async () => {
    const stopped = (text: string, appId: string) =>
      new RegExp(`^weixin3rd_authorizer_token_refresh_stopped\\{component="${appId}"\\} (\\d)$`, 'm').exec(text)?.[1];
    await component('wx00000000000c0a12');
    await component('wx00000000000c0a13');
    const before = await app.inject({ method: 'GET', url: '/metrics' });
    expect(before.statusCode).toBe(200);
    expect(stopped(before.body, 'wx00000000000c0a12')).toBe('0');
    // What AuthorizerTokenService writes on 45009, until 00:00 Beijing time.
    await redis.connect().set(`${redis.prefix}:quota-exhausted:authorizer-token:wx00000000000c0a12`, '1', 'EX', 60);
    const after = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(stopped(after, 'wx00000000000c0a12')).toBe('1');
    expect(stopped(after, 'wx00000000000c0a13')).toBe('0');
  });

  it('answers 401 without or with a wrong bearer token', async () => {
    expect((await call('GET', '/api/v1/components/wx00000000000c0a01', undefined, '')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/components/wx00000000000c0a01', undefined, 'console-test-token-0002')).statusCode).toBe(401);
  });
});

describe('console authorizers API', () => {
  const account = {
    kind: 'official' as const,
    nickName: '山茶书店',
    headImg: null,
    userName: 'gh_2',
    principalName: 'P',
    alias: null,
    qrcodeUrl: null,
    serviceType: 0,
    verifyType: -1,
  };
  const seed = async (appId: string, componentAppId = 'wx00000000000c0a01') => {
    await store.authorizers.upsertAuthorized({
      componentAppId,
      appId,
      refreshToken: 'refreshtoken@@@secret',
      accessToken: 'at_secret',
      accessTokenExpiresAt: new Date(Date.now() + 7_200_000),
      funcInfo: [1],
      account,
    });
  };

  it('lists with filters and paging, and shows one account without its tokens', async () => {
    await seed('wx00000000000d0a01', 'wx00000000000c0a21');
    await seed('wx00000000000d0a02', 'wx00000000000c0a21');
    await store.authorizers.bindShop('wx00000000000c0a21', 'wx00000000000d0a02', 'S9');
    const all = await call('GET', '/api/v1/authorizers?component=wx00000000000c0a21&pageSize=1');
    expect(all.json()).toMatchObject({ page: 1, pageSize: 1, total: 2 });
    expect(all.json().items).toHaveLength(1);
    const byShop = await call('GET', '/api/v1/authorizers?shop=S9');
    expect(byShop.json().items.map((a: { appId: string }) => a.appId)).toEqual(['wx00000000000d0a02']);
    expect((await call('GET', '/api/v1/authorizers?status=bogus')).statusCode).toBe(400);
    const one = await call('GET', '/api/v1/authorizers/wx00000000000d0a01');
    expect(one.json()).toMatchObject({
      appId: 'wx00000000000d0a01',
      status: 'authorized',
      shopId: null,
      funcInfo: [1],
      nickName: '山茶书店',
    });
    expect(one.body).not.toContain('secret');
    expect((await call('GET', '/api/v1/authorizers/wx00000000000d0aff')).statusCode).toBe(404);
  });

  it('rebinds explicitly and publishes shop_bound', async () => {
    await seed('wx00000000000d0a03');
    await store.authorizers.bindShop('wx00000000000c0a01', 'wx00000000000d0a03', 'S1');
    const res = await call('PUT', '/api/v1/authorizers/wx00000000000d0a03/shop', { shopId: 'S2' });
    expect(res.json()).toMatchObject({ shopId: 'S2', previousShopId: 'S1' });
    const queue = new Queue('authorizer-events', { connection: redis.connect(), prefix: redis.prefix });
    expect((await queue.getJobs(['waiting'])).map((j) => [j.name, j.data.shopId])).toContainEqual(['shop_bound', 'S2']);
    await queue.close();
    expect((await call('PUT', '/api/v1/authorizers/wx00000000000d0a03/shop', { shopId: 'bad shop' })).statusCode).toBe(400);
    // API writes are operator actions too: in the audit log with the token's fingerprint, never the token.
    // Written once the answer is sent (onResponse): wait for it.
    const audit = await vi.waitFor(async () => {
      const recent = await store.audit.recent(5);
      expect(recent.find((e) => e.action === 'PUT /api/v1/authorizers/:appid/shop' && e.ok)).toMatchObject({
        target: 'wx00000000000d0a03',
        actor: expect.stringMatching(/^api · token [0-9a-f]{8}$/) as unknown,
      });
      return recent;
    });
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it('answers token lifetimes a caller can trust: expiresAt no later than refreshAt plus WeChat 5-minute overlap', async () => {
    // WeChat says 2 h, but the service replaces the token 15 (authorizer) or 20 (component)
    // minutes early and the replaced one dies 5 minutes later: caching to WeChat's expiry would
    // hold a dead token for 10-15 minutes of every cycle.
    const wechatExpiry = Date.now() + 7_200_000;
    await component('wx00000000000c0a22');
    await store.authorizers.upsertAuthorized({
      componentAppId: 'wx00000000000c0a22',
      appId: 'wx00000000000d0a09',
      refreshToken: 'refreshtoken@@@secret',
      accessToken: 'at_lifetime',
      accessTokenExpiresAt: new Date(wechatExpiry),
      funcInfo: [1],
      account,
    });
    await store.componentTokens.save('wx00000000000c0a22', 'ct_lifetime', new Date(wechatExpiry), 0);
    for (const [url, window] of [
      ['/api/v1/authorizers/wx00000000000d0a09/access-token', 15 * 60_000],
      ['/api/v1/components/wx00000000000c0a22/access-token', 20 * 60_000],
    ] as const) {
      const res = await call('GET', url);
      expect(res.statusCode).toBe(200);
      const t = res.json<{ accessToken: string; expiresAt: string; refreshAt: string }>();
      expect(t.accessToken).toMatch(/_lifetime$/);
      expect(new Date(t.refreshAt).getTime()).toBe(wechatExpiry - window);
      expect(new Date(t.expiresAt).getTime()).toBe(wechatExpiry - window + 5 * 60_000);
    }
  });

  it('queues a reconciliation on demand', async () => {
    await component('wx00000000000c0a23');
    const res = await call('POST', '/api/v1/components/wx00000000000c0a23/reconcile');
    expect(res.statusCode).toBe(202);
    expect((await authorization.getJobs(['waiting'])).map((j) => j.name)).toContain('reconcile');
    expect((await call('POST', '/api/v1/components/wx00000000000c0aff/reconcile')).statusCode).toBe(404);
  });
});
