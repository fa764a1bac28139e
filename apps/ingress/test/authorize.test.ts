import { ComponentTokenService } from '@weixin3rd/credentials';
import { PreAuthSessions } from '@weixin3rd/queues';
import { Transport } from '@weixin3rd/wechat-api';
import { World, build as buildSandbox, componentForProject } from '@weixin3rd/wechat-sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeRoutes } from '../src/authorize/authorize.routes.js';
import { StateSigner } from '../src/authorize/state.js';
import { COMPONENT, startIngress, type Ingress } from './harness.js';

let ing: Ingress;
let world: World;
let sandbox: FastifyInstance;
let pages: FastifyInstance;
let pagesUrl: string;
const signer = new StateSigner(Buffer.alloc(32, 8));

beforeAll(async () => {
  ing = await startIngress('ingress-authorize');
  world = new World([componentForProject(COMPONENT, { publicBaseUrl: 'http://127.0.0.1:9' })]);
  sandbox = await buildSandbox({ world, onStartPushTicket: () => undefined });
  const sandboxUrl = await sandbox.listen({ host: '127.0.0.1', port: 0 });
  const t = world.issueTicket(COMPONENT.appId);
  await ing.store.tickets.save(COMPONENT.appId, t.value, Math.floor(t.issuedAtMs / 1000));
  const tokens = new ComponentTokenService({
    store: ing.store,
    redis: ing.redis.connect(),
    prefix: ing.redis.prefix,
    transport: new Transport({ baseUrl: sandboxUrl, attempts: 1 }),
  });
  const { default: Fastify } = await import('fastify');
  pages = Fastify();
  await pages.register(authorizeRoutes, {
    store: ing.store,
    preAuthCode: async (c) => (await tokens.api(c).createPreAuthCode()).pre_auth_code,
    signer,
    authorization: ing.producers.authorization,
    sessions: new PreAuthSessions(ing.redis.connect(), ing.redis.prefix),
    publicBaseUrl: 'https://shop.example.com',
    mpBase: sandboxUrl,
    waitMs: 300,
  });
  pagesUrl = await pages.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await pages.close();
  await sandbox.close();
  await ing.close();
});

const get = async (path: string) => {
  const res = await fetch(`${pagesUrl}${path}`);
  return { status: res.status, html: await res.text() };
};

describe('GET /authorize', () => {
  it('renders the PC and H5 links with a fresh pre_auth_code and a signed state', async () => {
    const pc = await get(`/authorize?component=${COMPONENT.appId}&shop=S1&auth_type=1&biz_appid=wx1a2b3c4d5e6f7001`);
    expect(pc.status).toBe(200);
    const link = new URL((/id="authorize" href="([^"]+)"/.exec(pc.html)?.[1] ?? '').replaceAll('&amp;', '&'));
    expect(link.pathname).toBe('/cgi-bin/componentloginpage');
    expect(link.searchParams.get('pre_auth_code')).toMatch(/^preauthcode@@@/);
    expect(link.searchParams.get('auth_type')).toBe('1');
    expect(link.searchParams.get('biz_appid')).toBe('wx1a2b3c4d5e6f7001');
    const redirect = new URL(link.searchParams.get('redirect_uri') ?? '');
    expect(redirect.origin + redirect.pathname).toBe('https://shop.example.com/authorize/callback');
    const sessions = new PreAuthSessions(ing.redis.connect(), ing.redis.prefix);
    expect(await sessions.shopOf(COMPONENT.appId, link.searchParams.get('pre_auth_code'))).toBe('S1');
    const state = signer.verify(redirect.searchParams.get('state') ?? '');
    expect(state).toMatchObject({ componentAppId: COMPONENT.appId, shopId: 'S1' });
    expect(pc.html).toContain('绑定公众号或小程序');
    const h5 = await get(`/authorize?component=${COMPONENT.appId}&shop=S1&mode=h5`);
    expect(h5.html).toMatch(/\/safe\/bindcomponent\?action=bindcomponent&amp;no_scan=1&amp;.*#wechat_redirect/);
  });

  it('answers readable error pages', async () => {
    expect(await get(`/authorize?component=${COMPONENT.appId}`)).toMatchObject({ status: 400, html: expect.stringContaining('shop') });
    expect(await get(`/authorize?component=wx0000000000000bad&shop=S1`)).toMatchObject({
      status: 404,
      html: expect.stringContaining('未知的第三方平台'),
    });
    expect(await get(`/authorize?shop=S1`)).toMatchObject({ status: 400, html: expect.stringContaining('component') });
    world.addFault({ api: 'api_create_preauthcode', kind: 'http5xx', status: 502, remaining: 1 });
    expect(await get(`/authorize?component=${COMPONENT.appId}&shop=S1`)).toMatchObject({
      status: 502,
      html: expect.stringContaining('暂时无法连接微信'),
    });
  });
});

describe('GET /authorize/callback', () => {
  const valid = () => encodeURIComponent(signer.sign(COMPONENT.appId, 'S1').value);

  it('refuses forged, tampered, expired and replayed states, and a missing code; nothing enqueued', async () => {
    const before = (await ing.producers.authorization.queue.getJobCounts()).waiting;
    expect((await get(`/authorize/callback?state=forged&auth_code=x`)).status).toBe(400);
    const [payload] = decodeURIComponent(valid()).split('.');
    expect((await get(`/authorize/callback?state=${payload}.${'A'.repeat(43)}&auth_code=x`)).status).toBe(400);
    const expired = encodeURIComponent(signer.sign(COMPONENT.appId, 'S1', Date.now() - 31 * 60_000).value);
    expect((await get(`/authorize/callback?state=${expired}&auth_code=x`)).html).toContain('已过期');
    expect((await get(`/authorize/callback?state=${valid()}`)).html).toContain('未返回授权码');
    expect((await ing.producers.authorization.queue.getJobCounts()).waiting).toBe(before);
    const once = valid();
    await get(`/authorize/callback?state=${once}&auth_code=queryauthcode@@@x`);
    expect((await get(`/authorize/callback?state=${once}&auth_code=queryauthcode@@@x`)).html).toContain('已使用过');
  });

  it('enqueues the code bound to the shop and says so while the exchange is pending', async () => {
    const res = await get(`/authorize/callback?state=${valid()}&auth_code=queryauthcode@@@pending`);
    expect(res.status).toBe(202);
    const jobs = await ing.producers.authorization.queue.getJobs(['waiting']);
    expect(jobs.find((j) => j.data.authCode === 'queryauthcode@@@pending')?.data).toEqual({
      componentAppId: COMPONENT.appId,
      authCode: 'queryauthcode@@@pending',
      shopId: 'S1',
      preAuthCode: null,
    });
  });
});
