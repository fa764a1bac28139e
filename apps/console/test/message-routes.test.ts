import { routesChangedChannel } from '@weixin3rd/queues';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsole, type ConsoleHarness } from './console-app.js';

const TOKEN = 'console-test-token-0001';
let h: ConsoleHarness;
beforeAll(async () => {
  h = await openConsole('console-message-routes');
});
afterAll(async () => h.close());

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  h.app.inject({ method, url, ...(payload ? { payload } : {}), headers: { authorization: `Bearer ${TOKEN}` } });

describe('/api/v1/message-routes', () => {
  it('creates, lists in decision order, replaces and deletes routes, announcing each change', async () => {
    const listener = h.redis.connect();
    const notices: string[] = [];
    listener.on('message', (_channel: string, message: string) => notices.push(message));
    await listener.subscribe(routesChangedChannel(h.redis.prefix));

    const created = await call('POST', '/api/v1/message-routes', {
      service: 'crm',
      priority: 10,
      match: { authorizerAppId: 'wx00000000000d0a01', msgType: 'text', content: { prefix: '订单' } },
    });
    expect(created.statusCode).toBe(201);
    const route = created.json<{ id: string }>();
    expect(route).toMatchObject({ service: 'crm', priority: 10, enabled: true, match: { content: { prefix: '订单' } } });
    const high = (await call('POST', '/api/v1/message-routes', { service: 'support', priority: 50, enabled: false })).json<{
      id: string;
    }>();
    const list = (await call('GET', '/api/v1/message-routes')).json<{ items: { id: string }[] }>();
    expect(list.items.map((r) => r.id)).toEqual([high.id, route.id]);
    expect((await call('GET', '/api/v1/message-routes?service=crm')).json<{ items: unknown[] }>().items).toHaveLength(1);
    expect((await call('GET', `/api/v1/message-routes/${route.id}`)).json()).toMatchObject({ id: route.id, service: 'crm' });

    const replaced = await call('PUT', `/api/v1/message-routes/${route.id}`, {
      service: 'crm',
      priority: 60,
      match: { event: 'subscribe' },
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ priority: 60, match: { event: 'subscribe' } });
    expect((await call('DELETE', `/api/v1/message-routes/${high.id}`)).statusCode).toBe(200);
    expect((await call('DELETE', `/api/v1/message-routes/${high.id}`)).json()).toMatchObject({
      error: { code: 'MESSAGE_ROUTE_NOT_FOUND' },
    });
    expect((await call('GET', '/api/v1/message-routes')).json<{ items: { id: string }[] }>().items.map((r) => r.id)).toEqual([route.id]);
    for (let i = 0; i < 50 && notices.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
    expect(notices).toHaveLength(4);
  });

  it('refuses invalid routes with 400 naming the field, and unknown ids with 404', async () => {
    const bad = async (body: object, field: RegExp) => {
      const res = await call('POST', '/api/v1/message-routes', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json<{ error: { code: string; message: string } }>().error.message).toMatch(field);
    };
    await bad({ service: 'CRM!', priority: 1 }, /service/);
    await bad({ service: 'crm' }, /priority/);
    await bad({ service: 'crm', priority: 1, match: { authorizerAppId: 'nope' } }, /authorizerAppId/);
    await bad({ service: 'crm', priority: 1, match: { content: { prefix: 'a', contains: 'b' } } }, /content/);
    await bad({ service: 'crm', priority: 1, match: { content: { regex: '(a' } } }, /regex/);
    // Backreferences and lookaround are what make a regex blow up: RE2 does not have them.
    await bad({ service: 'crm', priority: 1, match: { content: { regex: '(a+)+\\1' } } }, /regex/);
    await bad({ service: 'crm', priority: 1, match: { content: { regex: '(?=a)a' } } }, /regex/);
    expect(
      (await call('POST', '/api/v1/message-routes', { service: 'crm', priority: 1, match: { content: { regex: '^(a+)+$' } } })).statusCode,
    ).toBe(201);
    expect((await call('GET', '/api/v1/message-routes/0123456789abcdef01234567')).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/message-routes/not-an-id')).statusCode).toBe(400);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/message-routes' })).statusCode).toBe(401);
  });
});
