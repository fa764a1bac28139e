import { Writable } from 'node:stream';
import { ComponentTokenService, TicketNotices } from '@weixin3rd/credentials';
import { openQueueEvents, type QueueEvents } from '@weixin3rd/queues';
import { PreAuthSessions } from '@weixin3rd/handoffs';
import { createLogger } from '@weixin3rd/runtime';
import { Transport } from '@weixin3rd/wechat-api';
import { World, build as buildSandbox, componentForProject } from '@weixin3rd/wechat-sandbox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authorizeRoutes } from '../src/authorize/authorize.routes.js';
import { preAuthCodes } from '../src/authorize/pre-auth-code.js';
import { StateSigner } from '../src/authorize/state.js';
import { COMPONENT, startIngress, type Ingress } from './harness.js';

let ing: Ingress;
let world: World;
let sandbox: FastifyInstance;
let pages: FastifyInstance;
let pagesUrl: string;
let notices: TicketNotices;
let events: QueueEvents;
const signer = new StateSigner(Buffer.alloc(32, 8));
const logLines: Record<string, unknown>[] = [];

/** What WeChat's push and worker-tickets do with a ticket, in one step: issued, stored, announced. */
async function deliverTicket(): Promise<void> {
  const t = world.issueTicket(COMPONENT.appId);
  const createTime = Math.floor(t.issuedAtMs / 1000);
  await ing.store.tickets.save(COMPONENT.appId, t.value, createTime);
  await notices.published(COMPONENT.appId, createTime);
}

beforeAll(async () => {
  ing = await startIngress('ingress-authorize');
  world = new World([componentForProject(COMPONENT, { publicBaseUrl: 'http://127.0.0.1:9' })]);
  notices = new TicketNotices(ing.redis.prefix, ing.redis.connect(), ing.redis.connect(), ing.store);
  // Pushed a moment after the request, as WeChat does.
  sandbox = await buildSandbox({ world, onStartPushTicket: () => void setTimeout(() => void deliverTicket(), 50) });
  const sandboxUrl = await sandbox.listen({ host: '127.0.0.1', port: 0 });
  await deliverTicket();
  const tokenRedis = ing.redis.connect();
  const tokens = new ComponentTokenService({
    store: ing.store,
    redis: tokenRedis,
    prefix: ing.redis.prefix,
    transport: new Transport({ baseUrl: sandboxUrl, attempts: 1 }),
  });
  events = openQueueEvents('authorization', ing.redis.connect(), ing.redis.prefix);
  await events.waitUntilReady();
  const { default: Fastify } = await import('fastify');
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  pages = Fastify({ loggerInstance: createLogger({ name: 'ingress', destination }) as FastifyBaseLogger });
  await pages.register(authorizeRoutes, {
    store: ing.store,
    preAuthCode: preAuthCodes({
      create: async (c) => (await tokens.api(c).createPreAuthCode()).pre_auth_code,
      requestTicket: (c) => tokens.requestTicketPush(c),
      latestTicket: (c) => notices.latest(c),
      waitForTicket: (c, newerThan, ms) => notices.wait(c, newerThan, ms),
      waitMs: 2000,
      logger: pages.log,
    }),
    signer,
    authorization: ing.producers.authorization,
    authorizationEvents: events,
    sessions: new PreAuthSessions(ing.redis.connect(), ing.redis.prefix),
    publicBaseUrl: 'https://shop.example.com',
    mpBase: sandboxUrl,
    openBase: sandboxUrl,
    waitMs: 300,
  });
  pagesUrl = await pages.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await pages.close();
  await events.close();
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
  });

  it('links H5 to the current open.weixin.qq.com bindcomponent page, which the sandbox serves', async () => {
    const h5 = await get(`/authorize?component=${COMPONENT.appId}&shop=S1&mode=h5`);
    const href = (/id="authorize" href="([^"]+)"/.exec(h5.html)?.[1] ?? '').replaceAll('&amp;', '&');
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/wxaopen\/safe\/bindcomponent\?action=bindcomponent&no_scan=1&.+#wechat_redirect$/);
    const link = new URL(href);
    expect(link.searchParams.get('pre_auth_code')).toMatch(/^preauthcode@@@/);
    world.upsertComponent({ appId: COMPONENT.appId, authDomain: 'shop.example.com' });
    const consent = await fetch(link, { headers: { referer: 'https://shop.example.com/authorize' } });
    expect(await consent.text()).toContain('id="confirm"');
  });

  it('answers readable error pages that say what to do', async () => {
    const noShop = await get(`/authorize?component=${COMPONENT.appId}`);
    expect(noShop).toMatchObject({ status: 400, html: expect.stringContaining('缺少店铺编号') });
    expect(noShop.html).toContain('请回到店铺后台，重新打开授权页');
    expect(await get(`/authorize?component=wx0000000000000bad&shop=S1`)).toMatchObject({
      status: 404,
      html: expect.stringContaining('未知的第三方平台'),
    });
    expect(await get(`/authorize?shop=S1`)).toMatchObject({ status: 400, html: expect.stringContaining('component') });
  });

  it("checks the link's query with its schema: the shop first, a component that is not an AppId unlooked-up, WeChat's parameters before WeChat sees them", async () => {
    const lookups = vi.spyOn(ing.store.components, 'summary');
    try {
      for (const component of ['..%2F..%2Fx', 'wx0000000000000bad%00', `${COMPONENT.appId}x`]) {
        expect(await get(`/authorize?component=${component}&shop=S1`), component).toMatchObject({
          status: 404,
          html: expect.stringContaining('未知的第三方平台'),
        });
      }
      expect(lookups).not.toHaveBeenCalled();
      // The shop is checked first, as it always was.
      expect(await get(`/authorize?component=..%2Fx&shop=%3Cb%3E`)).toMatchObject({
        status: 400,
        html: expect.stringContaining('缺少店铺编号'),
      });
      for (const bad of [
        'auth_type=abc',
        'auth_type=1%202',
        `biz_appid=${COMPONENT.appId}%2Fx`,
        'biz_appid=gh_123',
        'category_id_list=1,2',
        'category_id_list=1%7C',
      ]) {
        expect(await get(`/authorize?component=${COMPONENT.appId}&shop=S1&${bad}`), bad).toMatchObject({
          status: 400,
          html: expect.stringContaining('重复或无效的参数'),
        });
      }
      expect(lookups).not.toHaveBeenCalled();
    } finally {
      lookups.mockRestore();
    }
    // What links in the wild write still opens the page: any mode (h5 or else the PC page), permission sets by id.
    for (const good of ['mode=PC', 'mode=', 'auth_type=6&category_id_list=1%7C2%7C99', `biz_appid=wx1a2b3c4d5e6f7001`]) {
      expect((await get(`/authorize?component=${COMPONENT.appId}&shop=S1&${good}`)).status, good).toBe(200);
    }
  });

  it('refuses a state longer than any it signs as malformed, without verifying it', async () => {
    const verify = vi.spyOn(signer, 'verify');
    try {
      const res = await get(`/authorize/callback?state=${'a'.repeat(1025)}.${'b'.repeat(43)}&auth_code=queryauthcode@@@long`);
      expect(res.status).toBe(400);
      expect(logLines.filter((l) => l.problem === 'STATE_INVALID').at(-1)?.err).toMatchObject({ message: 'state malformed' });
      expect(verify).not.toHaveBeenCalled();
    } finally {
      verify.mockRestore();
    }
  });

  it('keeps the outage message for WeChat timeouts, 5xx and -1, with the errcode in the log line', async () => {
    for (const fault of [{ kind: 'http5xx', status: 502 }, { kind: 'busy' }] as const) {
      world.addFault({ api: 'api_create_preauthcode', ...fault, remaining: 1 });
      const res = await fetch(`${pagesUrl}/authorize?component=${COMPONENT.appId}&shop=S1`);
      expect(res.status).toBe(502);
      const html = await res.text();
      expect(html).toContain('暂时无法连接微信');
      expect(html).toContain('<meta http-equiv="refresh" content="30">');
    }
    const logged = logLines.filter((l) => l.problem === 'WECHAT_UNREACHABLE').map((l) => l.errcode);
    expect(logged.slice(-2)).toEqual([-3, -1]);
  });

  it('tells the shop owner to contact support, with the errcode, when WeChat refuses the configuration', async () => {
    world.addFault({ api: 'api_create_preauthcode', kind: 'errcode', errcode: 61004, remaining: 1 });
    const page = await get(`/authorize?component=${COMPONENT.appId}&shop=S1`);
    expect(page.status).toBe(503);
    expect(page.html).toContain('店铺这边无需任何操作。请联系平台客服，并告知错误码 61004');
    expect(logLines.findLast((l) => l.problem)).toMatchObject({
      problem: 'PLATFORM_MISCONFIGURED',
      errcode: 61004,
      componentAppId: COMPONENT.appId,
      shop: 'S1',
    });
  });
});

describe('GET /authorize through a ticket gap', () => {
  const open = () => fetch(`${pagesUrl}/authorize?component=${COMPONENT.appId}&shop=S1`);
  const errcodes = (api: string, since: number) => world.calls.filter((c) => c.api === api && c.seq > since).map((c) => c.errcode);
  /** The stored token and ticket are ones WeChat no longer knows, as after a restart of the sandbox. */
  async function forgetCredentials(): Promise<number> {
    world.invalidateTokens('component');
    const unknown = ((await notices.latest(COMPONENT.appId)) ?? 0) + 1;
    await ing.store.tickets.save(COMPONENT.appId, `ticket@@@not-known-to-wechat-${unknown}`, unknown);
    // WeChat's next ticket is newer than the unknown one.
    world.clock.advance(Math.max(0, unknown + 2 - world.clock.nowSeconds()));
    // The rate limit of api_start_push_ticket is per component: a new case starts without it.
    await ing.redis.connect().del(`${ing.redis.prefix}:start-push-ticket:${COMPONENT.appId}`);
    return world.calls.at(-1)?.seq ?? 0;
  }

  it('asks for a ticket, waits for it within the request and answers the link', async () => {
    const since = await forgetCredentials();
    const res = await open();
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/id="authorize" href="[^"]+pre_auth_code=preauthcode%40%40%40/);
    // The refused token, then the token renewed from the ticket that came while the page waited.
    expect(errcodes('api_create_preauthcode', since)).toEqual([40001, 40001, 0]);
    expect(errcodes('api_component_token', since)).toEqual([61006, 0]);
    expect(errcodes('api_start_push_ticket', since)).toEqual([0]);
    expect(logLines.findLast((l) => l.msg === 'authorize: waiting for a component_verify_ticket')).toMatchObject({
      errcode: 61006,
      startPushRequested: false,
    });
  });

  it('answers "getting ready" (202, refreshing, not 5xx) while no ticket comes, and the link once one does', async () => {
    await forgetCredentials();
    world.upsertComponent({ appId: COMPONENT.appId, ticketPushPaused: true });
    const res = await open();
    expect(res.status).toBe(202);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('授权服务正在准备中');
    expect(html).toContain('Getting ready');
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    expect(html).not.toContain('id="authorize"');
    expect(logLines.findLast((l) => l.problem)).toMatchObject({ problem: 'PREPARING', errcode: 61006, status: 202 });

    world.upsertComponent({ appId: COMPONENT.appId, ticketPushPaused: false });
    await deliverTicket();
    const again = await open();
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('id="authorize"');
  });
});

describe('GET /authorize/callback', () => {
  const valid = () => encodeURIComponent(signer.sign(COMPONENT.appId, 'S1').value);

  it('refuses forged, tampered, expired and replayed states, and a missing code; nothing enqueued', async () => {
    const before = (await ing.producers.authorization.getJobCounts()).waiting;
    expect((await get(`/authorize/callback?state=forged&auth_code=x`)).status).toBe(400);
    const [payload] = decodeURIComponent(valid()).split('.');
    expect((await get(`/authorize/callback?state=${payload}.${'A'.repeat(43)}&auth_code=x`)).status).toBe(400);
    const expired = encodeURIComponent(signer.sign(COMPONENT.appId, 'S1', Date.now() - 31 * 60_000).value);
    expect((await get(`/authorize/callback?state=${expired}&auth_code=x`)).html).toContain('已过期');
    expect((await get(`/authorize/callback?state=${valid()}`)).html).toContain('未返回授权码');
    expect((await ing.producers.authorization.getJobCounts()).waiting).toBe(before);
    const once = valid();
    await get(`/authorize/callback?state=${once}&auth_code=queryauthcode@@@x`);
    expect((await get(`/authorize/callback?state=${once}&auth_code=queryauthcode@@@x`)).html).toContain('已使用过');
  });

  it('enqueues the code bound to the shop and says so while the exchange is pending', async () => {
    const res = await get(`/authorize/callback?state=${valid()}&auth_code=queryauthcode@@@pending`);
    expect(res.status).toBe(202);
    const jobs = await ing.producers.authorization.getJobs(['waiting']);
    expect(jobs.find((j) => 'authCode' in j.data && j.data.authCode === 'queryauthcode@@@pending')?.data).toEqual({
      componentAppId: COMPONENT.appId,
      authCode: 'queryauthcode@@@pending',
      shopId: 'S1',
      preAuthCode: null,
    });
  });
});
