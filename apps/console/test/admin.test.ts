import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { routesChangedChannel, serviceQueue } from '@weixin3rd/queues';
import { cookieHeader, csrfOf, formPost, signIn } from './admin-session.js';
import { openConsole, type ConsoleHarness } from './console-app.js';
import { servedRoutes } from './served-routes.js';

const TOKEN = 'admin-test-token-00000001';
const COMPONENT = 'wx00000000000c0b01';
const MP = 'wx00000000000d0b01';
let h: ConsoleHarness;

beforeAll(async () => {
  h = await openConsole('console-admin', {
    apiTokens: [TOKEN],
    extra: {
      publicBaseUrl: 'https://open.example.com',
      // As main.ts wires it: the queues of the services routes name now.
      serviceQueues: async () => (await h.store.messageRoutes.list()).map((r) => serviceQueue(r.service)),
    },
  });
  await h.store.components.upsert({ appId: COMPONENT, appSecret: 'secret-1', token: 'tok123', encodingAesKey: 'a'.repeat(43) });
  await h.store.components.setError(COMPONENT, { code: '61004', message: 'access clientip is not registered' });
  await h.store.authorizers.upsertAuthorized({
    componentAppId: COMPONENT,
    appId: MP,
    refreshToken: 'refreshtoken@@@secret',
    accessToken: 'at_secret',
    accessTokenExpiresAt: new Date(Date.now() + 7_200_000),
    funcInfo: [1, 2, 99],
    account: {
      kind: 'official',
      nickName: '山茶书店',
      headImg: null,
      userName: 'gh_2',
      principalName: '山茶文化',
      alias: null,
      qrcodeUrl: null,
      serviceType: 2,
      verifyType: 0,
    },
  });
  await h.store.authorizers.bindShop(COMPONENT, MP, 'shop-a');
});
afterAll(async () => h.close());

describe('/admin without a sign-in', () => {
  it('answers every /admin, /queues, /docs and /api route with 401 or the sign-in page', async () => {
    const routes = servedRoutes(h.app).filter(
      (r) => /^\/(admin|queues|docs|api)/.test(r.url) && !['/admin/sign-in', '/admin/assets/admin.js'].includes(r.url),
    );
    expect(routes.length).toBeGreaterThan(20);
    for (const { method, url } of routes) {
      // Wildcards are static assets: any file name stands for them (an unknown one is 401 too, before the lookup).
      const concrete = url
        .replace(/:componentAppId/g, COMPONENT)
        .replace(/:appid/g, MP)
        .replace(/:\w+/g, 'x')
        .replace(/\*$/, 'static/js/main.js');
      const res = await h.app.inject({ method: method as 'GET', url: concrete, headers: { accept: 'text/html' } });
      expect(res.statusCode, `${method} ${concrete}`).toBe(401);
      if (method === 'GET' && !concrete.startsWith('/api')) expect(res.body, concrete).toContain('id="sign-in"');
    }
  });

  it('refuses a forged or unknown session cookie', async () => {
    for (const cookie of ['w3_session=forged', `w3_session=${'A'.repeat(43)}`, 'w3_session=']) {
      expect((await h.app.inject({ method: 'GET', url: '/admin', headers: { cookie } })).statusCode).toBe(401);
      expect((await h.app.inject({ method: 'GET', url: '/queues', headers: { cookie } })).statusCode).toBe(401);
    }
  });
});

describe('sign-in', () => {
  it('refuses a wrong token and a sign-in form without its CSRF token', async () => {
    const form = await h.app.inject({ method: 'GET', url: '/admin/sign-in' });
    const cookie = cookieHeader(form.headers['set-cookie']);
    const post = (fields: Record<string, string>, c = cookie) => formPost(h.app, '/admin/sign-in', c, fields);
    expect((await post({ _csrf: csrfOf(form.body), token: 'wrong-token-0000000000' })).statusCode).toBe(401);
    expect((await post({ token: TOKEN })).statusCode).toBe(403);
    expect((await post({ _csrf: csrfOf(form.body), token: TOKEN }, '')).statusCode).toBe(403);
    expect((await post({ _csrf: 'x'.repeat(43), token: TOKEN })).statusCode).toBe(403);
  });

  it('sets an HttpOnly, SameSite=Strict, expiring session cookie and signs out', async () => {
    const form = await h.app.inject({ method: 'GET', url: '/admin/sign-in' });
    const res = await formPost(h.app, '/admin/sign-in', cookieHeader(form.headers['set-cookie']), {
      _csrf: csrfOf(form.body),
      name: '小王',
      token: TOKEN,
      next: '/admin/authorizers',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/authorizers');
    const session = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('w3_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Strict/i);
    expect(session).toMatch(/Max-Age=28800/);
    expect(session).not.toContain(TOKEN);
    const cookie = session.split(';')[0]!;
    const page = await h.app.inject({ method: 'GET', url: '/admin', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(TOKEN);
    const out = await formPost(h.app, '/admin/sign-out', cookie, { _csrf: csrfOf(page.body) });
    expect(out.statusCode).toBe(303);
    expect((await h.app.inject({ method: 'GET', url: '/admin', headers: { cookie } })).statusCode).toBe(401);
    const audit = await h.store.audit.recent(10);
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['signin', 'signout']));
    expect(audit.find((e) => e.action === 'signin' && e.ok)?.actor).toMatch(/^小王 · token [0-9a-f]{8}$/);
  });
});

describe('signed in', () => {
  it('shows components with the configuration error and what to do', async () => {
    const { cookie } = await signIn(h.app, TOKEN);
    const page = await h.app.inject({ method: 'GET', url: '/admin', headers: { cookie } });
    expect(page.body).toContain('61004');
    expect(page.body).toContain('白名单');
    expect(page.body).toContain('id="ticket-age"');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
  });

  it('finds an account by shop, name or appid, with permission sets by name and the shop links', async () => {
    const { cookie } = await signIn(h.app, TOKEN);
    for (const q of ['shop-a', '山茶', MP]) {
      const page = await h.app.inject({ method: 'GET', url: `/admin/authorizers?q=${encodeURIComponent(q)}`, headers: { cookie } });
      expect(page.body, q).toContain(`data-appid="${MP}"`);
      expect(page.body).toContain('消息管理');
      expect(page.body).toContain('用户管理');
      expect(page.body).toContain('权限集 99');
      expect(page.body).toContain(`https://open.example.com/authorize?component=${COMPONENT}&amp;shop=shop-a&amp;mode=h5`);
    }
    const none = await h.app.inject({ method: 'GET', url: '/admin/authorizers?q=nobody', headers: { cookie } });
    expect(none.body).not.toContain(`data-appid="${MP}"`);
  });

  it('refuses an action without the CSRF token or from another site, and audits the one that passes', async () => {
    const { cookie, csrf } = await signIn(h.app, TOKEN, 'auditor');
    const url = `/admin/authorizers/${MP}/shop`;
    expect((await formPost(h.app, url, cookie, { shopId: 'shop-b' })).statusCode).toBe(403);
    expect((await formPost(h.app, url, cookie, { shopId: 'shop-b', _csrf: 'forged' })).statusCode).toBe(403);
    expect((await formPost(h.app, url, cookie, { shopId: 'shop-b', _csrf: csrf }, { origin: 'https://evil.example' })).statusCode).toBe(
      403,
    );
    expect((await h.store.authorizers.findByAppId(MP))?.shopId).toBe('shop-a');

    const ok = await formPost(
      h.app,
      url,
      cookie,
      { shopId: 'shop-b', _csrf: csrf },
      { referer: 'http://localhost/admin/authorizers?q=shop-a' },
    );
    expect(ok.statusCode).toBe(303);
    // Not back to the list of shop-a, where the account no longer is: to the account itself.
    expect(ok.headers.location).toBe(`/admin/authorizers?q=${MP}`);
    expect((await h.store.authorizers.findByAppId(MP))?.shopId).toBe('shop-b');
    const next = await h.app.inject({ method: 'GET', url: ok.headers.location, headers: { cookie } });
    expect(next.body).toContain(`data-appid="${MP}"`);
    expect(next.body).toContain('shop-a → shop-b');
    const [entry] = await h.store.audit.recent(1);
    expect(entry).toMatchObject({ action: 'authorizer.rebind', target: MP, ok: true });
    expect(entry?.actor).toMatch(/^auditor · token /);
    const audit = await h.app.inject({ method: 'GET', url: '/admin/audit', headers: { cookie } });
    expect(audit.body).toContain('authorizer.rebind');
  });

  it('refuses a path parameter that is not an AppId, a shown queue, a job id or a route id: 400 before any lookup or audit entry', async () => {
    const { cookie, csrf } = await signIn(h.app, TOKEN);
    const shop = (await h.store.authorizers.findByAppId(MP))?.shopId;
    const audited = async () => (await h.store.audit.recent(50)).map((e) => `${e.action} ${e.target}`);
    const before = await audited();
    for (const url of [
      '/admin/authorizers/not-an-appid/shop',
      `/admin/authorizers/${MP}%2Fx/shop`,
      `/admin/authorizers/${MP}x/refresh`,
      '/admin/authorizers/%3Cscript%3E/refresh',
      `/admin/components/${COMPONENT.slice(0, -1)}/reconcile`,
      '/admin/components/..%2F..%2Fx/reconcile',
      '/admin/jobs/no-such-queue/failing-1/retry',
      '/admin/jobs/messages.Bad%20Service/failing-1/retry',
      '/admin/jobs/tickets/a%2Fb/retry',
      '/admin/jobs/tickets/a%20b/retry',
      '/admin/message-routes/not-a-route-id',
      '/admin/message-routes/6750a1f0c2a3b4d5e6f7081/enabled',
      '/admin/message-routes/%24where/delete',
    ]) {
      const res = await formPost(h.app, url, cookie, { _csrf: csrf, shopId: 'shop-z', enabled: '1' });
      expect(res.statusCode, url).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code, url).toBe('INVALID_REQUEST');
      // Without the CSRF token the CSRF refusal answers first, as for any form.
      expect((await formPost(h.app, url, cookie, { shopId: 'shop-z' })).statusCode, url).toBe(403);
    }
    expect(await audited()).toEqual(before);
    expect((await h.store.authorizers.findByAppId(MP))?.shopId).toBe(shop);
    // A well-formed queue and job id is looked up: not there, said on the page and audited.
    const missing = await formPost(h.app, '/admin/jobs/messages.crm/no-such-job/retry', cookie, { _csrf: csrf });
    expect(missing.statusCode).toBe(303);
    expect((await h.store.audit.recent(1))[0]).toMatchObject({ action: 'job.retry', target: 'messages.crm/no-such-job', ok: false });
  });

  it("checks the rebind form's fields with its schema: a bad shop or component is said on the page and changes nothing", async () => {
    const { cookie, csrf } = await signIn(h.app, TOKEN);
    const shop = (await h.store.authorizers.findByAppId(MP))?.shopId;
    for (const [fields, said] of [
      [{ shopId: 'bad shop!' }, 'INVALID_REQUEST: shop: 1-64'],
      [{ shopId: 's'.repeat(65) }, 'INVALID_REQUEST: shop: 1-64'],
      [{ shopId: 'shop-z', component: 'not-a-component' }, 'INVALID_REQUEST'],
    ] as const) {
      const res = await formPost(h.app, `/admin/authorizers/${MP}/shop`, cookie, { _csrf: csrf, ...fields });
      expect(res.statusCode).toBe(303);
      const page = await h.app.inject({ method: 'GET', url: '/admin/authorizers', headers: { cookie } });
      expect(page.body).toContain('class="flash bad"');
      expect(page.body).toContain(said);
      expect((await h.store.audit.recent(1))[0]).toMatchObject({ action: 'authorizer.rebind', target: MP, ok: false });
      expect((await h.store.audit.recent(1))[0]?.detail).toContain('INVALID_REQUEST');
    }
    expect((await h.store.authorizers.findByAppId(MP))?.shopId).toBe(shop);
  });

  it('lists a failed job with its reason and retries it', async () => {
    const { cookie, csrf } = await signIn(h.app, TOKEN);
    const queue = new Queue('tickets', { connection: h.redis.connect(), prefix: h.redis.prefix });
    await queue.add('ticket', { componentAppId: COMPONENT }, { jobId: 'failing-1', attempts: 1 });
    const failed = new Promise<void>((resolve) => {
      const worker = new Worker(
        'tickets',
        async () => {
          throw new Error('WeChat answered 61004 access clientip is not registered');
        },
        { connection: h.redis.connect(), prefix: h.redis.prefix },
      );
      worker.on('failed', () => void worker.close().then(resolve));
    });
    await failed;
    const page = await h.app.inject({ method: 'GET', url: '/admin/jobs', headers: { cookie } });
    expect(page.body).toContain('failing-1');
    expect(page.body).toContain('61004 access clientip is not registered');
    const res = await formPost(h.app, '/admin/jobs/tickets/failing-1/retry', cookie, { _csrf: csrf });
    expect(res.statusCode).toBe(303);
    expect(await (await queue.getJob('failing-1'))?.getState()).toBe('waiting');
    expect((await h.store.audit.recent(1))[0]).toMatchObject({ action: 'job.retry', target: 'tickets/failing-1', ok: true });
    await queue.close();
  });

  it('opens /queues and /docs with the session', async () => {
    const { cookie } = await signIn(h.app, TOKEN);
    const queues = await h.app.inject({ method: 'GET', url: '/queues', headers: { cookie } });
    expect(queues.statusCode).toBe(200);
    expect(queues.body).not.toMatch(/(src|href)="https?:\/\//);
    const api = await h.app.inject({ method: 'GET', url: '/queues/api/queues', headers: { cookie } });
    expect(api.statusCode).toBe(200);
    expect(api.body).toContain('token-refresh');
    expect((await h.app.inject({ method: 'GET', url: '/docs/json', headers: { cookie } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/docs/json', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
  });
});

describe('message routes on /admin', () => {
  const routeFields = (fields: Record<string, string>) => ({
    service: 'crm',
    priority: '10',
    enabled: '1',
    authorizerAppId: '',
    shopId: '',
    componentAppId: '',
    msgType: '',
    event: '',
    eventKey: '',
    contentKind: 'prefix',
    content: '',
    ...fields,
  });
  const apiRoutes = async () =>
    (
      (await h.app.inject({ method: 'GET', url: '/api/v1/message-routes', headers: { authorization: `Bearer ${TOKEN}` } })).json() as {
        items: { id: string; service: string; priority: number; enabled: boolean; match: Record<string, unknown> }[];
      }
    ).items;

  it('adds, edits, disables, enables and deletes a route, each audited and announced to the workers', async () => {
    const { cookie, csrf } = await signIn(h.app, TOKEN, '路由员');
    const notices: string[] = [];
    const listener = h.redis.connect();
    await listener.subscribe(routesChangedChannel(h.redis.prefix));
    listener.on('message', (_channel, message: string) => void notices.push(message));

    const empty = await h.app.inject({ method: 'GET', url: '/admin/message-routes', headers: { cookie } });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('还没有路由');
    expect(empty.body).toContain('id="route-form"');

    const add = await formPost(
      h.app,
      '/admin/message-routes',
      cookie,
      { _csrf: csrf, ...routeFields({ shopId: 'shop-a', msgType: 'text', content: '订单' }) },
      { referer: 'http://localhost/admin/message-routes' },
    );
    expect(add.statusCode).toBe(303);
    expect(add.headers.location).toBe('/admin/message-routes');
    const [route] = await apiRoutes();
    expect(route).toMatchObject({
      service: 'crm',
      priority: 10,
      enabled: true,
      match: { shopId: 'shop-a', msgType: 'text', content: { prefix: '订单' } },
    });
    const listed = await h.app.inject({ method: 'GET', url: '/admin/message-routes', headers: { cookie } });
    expect(listed.body).toContain('已添加 · added');
    expect(listed.body).toContain(`data-id="${route?.id}"`);
    expect(listed.body).toContain('内容开头是');

    const editPage = await h.app.inject({ method: 'GET', url: `/admin/message-routes?edit=${route?.id}`, headers: { cookie } });
    expect(editPage.body).toContain(`action="/admin/message-routes/${route?.id}"`);
    expect(editPage.body).toContain('value="shop-a"');
    const edit = await formPost(
      h.app,
      `/admin/message-routes/${route?.id}`,
      cookie,
      { _csrf: csrf, ...routeFields({ service: 'vip', priority: '20', contentKind: 'regex', content: '^VIP\\d+$' }) },
      { referer: `http://localhost/admin/message-routes?edit=${route?.id}` },
    );
    expect(edit.headers.location).toBe('/admin/message-routes');
    expect((await apiRoutes())[0]).toMatchObject({
      service: 'vip',
      priority: 20,
      enabled: true,
      match: { content: { regex: '^VIP\\d+$' } },
    });

    await formPost(h.app, `/admin/message-routes/${route?.id}/enabled`, cookie, { _csrf: csrf, enabled: '0' });
    expect((await apiRoutes())[0]).toMatchObject({ service: 'vip', priority: 20, enabled: false });
    const disabled = await h.app.inject({ method: 'GET', url: '/admin/message-routes', headers: { cookie } });
    expect(disabled.body).toContain('已停用');
    await formPost(h.app, `/admin/message-routes/${route?.id}/enabled`, cookie, { _csrf: csrf, enabled: '1' });
    expect((await apiRoutes())[0]?.enabled).toBe(true);
    await formPost(h.app, `/admin/message-routes/${route?.id}/delete`, cookie, { _csrf: csrf });
    expect(await apiRoutes()).toEqual([]);

    const audit = (await h.store.audit.recent(10)).filter((e) => e.action.startsWith('route.'));
    expect(audit.map((e) => e.action).reverse()).toEqual(['route.add', 'route.edit', 'route.disable', 'route.enable', 'route.delete']);
    expect(audit.every((e) => e.ok && e.actor.startsWith('路由员 · token '))).toBe(true);
    expect(audit.find((e) => e.action === 'route.edit')?.detail).toContain('crm · priority 10');
    await vi.waitFor(() => expect(notices).toHaveLength(5), { timeout: 5_000 });
    await listener.quit();
  });

  it('shows the queue of a service on /queues and /admin/jobs once a route names it, without a restart', async () => {
    const { cookie } = await signIn(h.app, TOKEN);
    const board = async () => (await h.app.inject({ method: 'GET', url: '/queues/api/queues', headers: { cookie } })).body;
    expect(await board()).not.toContain('messages.late-crm');
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/message-routes',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { service: 'late-crm', priority: 5, enabled: true, match: { msgType: 'text' } },
    });
    expect(created.statusCode).toBe(201);
    // Read again at most once a second: poll until the board has it.
    await vi.waitFor(async () => expect(await board()).toContain('messages.late-crm'), { timeout: 5_000, interval: 200 });
    const jobs = await h.app.inject({ method: 'GET', url: '/admin/jobs', headers: { cookie } });
    expect(jobs.body).toContain('messages.late-crm');
    const { id } = created.json<{ id: string }>();
    await h.app.inject({ method: 'DELETE', url: `/api/v1/message-routes/${id}`, headers: { authorization: `Bearer ${TOKEN}` } });
  });

  it('refuses an invalid route with the field named, and a form without the CSRF token', async () => {
    const { cookie, csrf } = await signIn(h.app, TOKEN);
    for (const [fields, problem] of [
      [{ service: 'Bad Service' }, '/service'],
      [{ priority: 'high' }, '/priority'],
      [{ contentKind: 'regex', content: '(a)\\1' }, 'regex'],
      [{ authorizerAppId: 'not-an-appid' }, '/match/authorizerAppId'],
    ] as const) {
      const res = await formPost(h.app, '/admin/message-routes', cookie, { _csrf: csrf, ...routeFields(fields) });
      expect(res.statusCode).toBe(303);
      const page = await h.app.inject({ method: 'GET', url: '/admin/message-routes', headers: { cookie } });
      expect(page.body).toContain('class="flash bad"');
      expect(page.body).toContain(problem);
      // The form comes back with what was typed, to correct rather than type again; once only.
      const [name, typed] = Object.entries(fields).at(-1) ?? ['', ''];
      expect(page.body).toContain(`name="${name}" value="${typed}"`);
      const again = await h.app.inject({ method: 'GET', url: '/admin/message-routes', headers: { cookie } });
      expect(again.body).not.toContain(`value="${typed}"`);
    }
    expect((await formPost(h.app, '/admin/message-routes', cookie, routeFields({}))).statusCode).toBe(403);
    expect(await apiRoutes()).toEqual([]);
    // Tried and refused: audited as failed, with the reason (the refused CSRF post left nothing).
    const refused = await h.store.audit.recent(4);
    expect(refused.map((e) => [e.action, e.ok])).toEqual(Array.from({ length: 4 }, () => ['route.add', false]));
    expect(refused[0]?.detail).toContain('INVALID_REQUEST');
  });
});
