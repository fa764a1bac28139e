import { connectStore, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Transport, WeChatApiError } from '@weixin3rd/wechat-api';
import { World, build, componentForProject } from '@weixin3rd/wechat-sandbox';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ComponentTokenService, TicketMissingError } from '@weixin3rd/credentials';

const C = {
  appId: 'wx00000000000c7e01',
  appSecret: 'cts-secret',
  token: 'ctstoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
let world: World;
let sandbox: FastifyInstance;
let db: TestDatabase;
let redis: TestRedis;
let store: Store;
let conn: Redis;
let transport: Transport;

beforeAll(async () => {
  world = new World([componentForProject(C, { publicBaseUrl: 'http://127.0.0.1:9' })]);
  sandbox = await build({ world, onStartPushTicket: () => undefined });
  transport = new Transport({ baseUrl: await sandbox.listen({ host: '127.0.0.1', port: 0 }), timeoutMs: 1000, backoffMs: 10 });
  db = await openTestDatabase('component-token');
  redis = openTestRedis('component-token');
  store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 5) });
  conn = redis.connect();
});
afterAll(async () => {
  await sandbox.close();
  await store.close();
  await db.drop();
  await redis.cleanup();
});
beforeEach(async () => {
  world.reset();
  await Promise.all(['components', 'component_tickets', 'component_tokens'].map((c) => db.connection.collection(c).deleteMany({})));
  const keys = await conn.keys(`${redis.prefix}:*`);
  if (keys.length > 0) await conn.del(...keys);
  await store.components.upsert(C);
});

const service = () => new ComponentTokenService({ store, redis: conn, prefix: redis.prefix, transport });
const calls = (api: string) => world.calls.filter((c) => c.api === api);
const pushTicket = async () => {
  const t = world.issueTicket(C.appId);
  await store.tickets.save(C.appId, t.value, Math.floor(t.issuedAtMs / 1000));
  return t.value;
};

describe('ComponentTokenService', () => {
  it('lets four racing workers make exactly one api_component_token call, with the stored ticket', async () => {
    const ticket = await pushTicket();
    const tokens = await Promise.all([service(), service(), service(), service()].map((s) => s.ensure(C.appId)));
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(calls('api_component_token')).toHaveLength(1);
    expect(calls('api_component_token')[0]?.body).toMatchObject({ component_verify_ticket: ticket });
    expect(tokens[0]?.version).toBe(1);
  });

  it('serves a fresh stored token without calling WeChat, also after Redis is flushed', async () => {
    await pushTicket();
    const first = await service().ensure(C.appId);
    const keys = await conn.keys(`${redis.prefix}:*`);
    if (keys.length > 0) await conn.del(...keys);
    expect((await service().ensure(C.appId)).accessToken).toBe(first.accessToken);
    expect(calls('api_component_token')).toHaveLength(1);
  });

  it('refreshes a token WeChat refused, once, and not again when another worker already did', async () => {
    await pushTicket();
    const first = await service().ensure(C.appId);
    const [a, b] = await Promise.all([
      service().ensure(C.appId, { failedToken: first.accessToken }),
      service().ensure(C.appId, { failedToken: first.accessToken }),
    ]);
    expect(a.accessToken).toBe(b.accessToken);
    expect(a.accessToken).not.toBe(first.accessToken);
    expect(calls('api_component_token')).toHaveLength(2);
    expect(a.version).toBe(2);
  });

  it('lets API calls reuse a token read moments ago, and renew it through the store after a 40001', async () => {
    await pushTicket();
    const s = service();
    const api = s.api(C.appId);
    await api.createPreAuthCode();
    const first = (await s.current(C.appId))?.accessToken;
    // Another worker refreshes: WeChat keeps the old token working for ~5 minutes, so this process
    // may go on using the one it holds without reading the store for every call.
    const second = (await service().ensure(C.appId, { force: true })).accessToken;
    await api.createPreAuthCode();
    world.addFault({ api: 'api_create_preauthcode', kind: 'errcode', errcode: 40001, remaining: 1 });
    await api.createPreAuthCode();
    const used = calls('api_create_preauthcode').map((c) => [c.query.component_access_token, c.errcode]);
    expect(used).toEqual([
      [first, 0],
      [first, 0],
      [first, 40001],
      [second, 0],
    ]);
    expect(calls('api_component_token')).toHaveLength(2);
  });

  it('asks WeChat to push a ticket (once per 10 minutes) when none was ever received', async () => {
    await expect(service().ensure(C.appId)).rejects.toBeInstanceOf(TicketMissingError);
    await expect(service().ensure(C.appId)).rejects.toBeInstanceOf(TicketMissingError);
    expect(calls('api_start_push_ticket')).toHaveLength(1);
    expect(calls('api_component_token')).toHaveLength(0);
    expect((await service().checkTicket(C.appId)).stale).toBe(true);
  });

  it('surfaces a wrong app secret on the component without a retry storm', async () => {
    await pushTicket();
    await store.components.upsert({ ...C, appSecret: 'wrong' });
    const error = await service()
      .ensure(C.appId)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatApiError);
    expect((error as WeChatApiError).code).toBe(40125);
    expect(calls('api_component_token')).toHaveLength(1);
    expect((await store.components.summary(C.appId))?.lastError).toMatchObject({ code: '40125', message: 'invalid appsecret' });
  });

  it('shows a configuration refusal met by any component call (61004 on api_query_auth), and clears it once calls go through', async () => {
    await pushTicket();
    const tokens = service();
    world.addFault({ api: 'api_query_auth', kind: 'errcode', errcode: 61004, remaining: 1 });
    const error = await tokens
      .api(C.appId)
      .queryAuth('some-code')
      .catch((e: unknown) => e);
    expect((error as WeChatApiError).code).toBe(61004);
    expect((await store.components.summary(C.appId))?.lastError).toMatchObject({ code: '61004' });
    // A refusal that is not about configuration leaves the record as it is.
    await tokens
      .api(C.appId)
      .queryAuth('unknown-code')
      .catch(() => undefined);
    expect((await store.components.summary(C.appId))?.lastError).toMatchObject({ code: '61004' });
    await tokens.api(C.appId).createPreAuthCode();
    expect((await store.components.summary(C.appId))?.lastError).toBeNull();
  });

  it('handles 61006 by asking for a push, and recovers from -1 and 5xx', async () => {
    await store.tickets.save(C.appId, 'ticket@@@forged', Math.floor(Date.now() / 1000));
    await expect(service().ensure(C.appId)).rejects.toMatchObject({ code: 61006 });
    expect(calls('api_start_push_ticket')).toHaveLength(1);
    await pushTicket();
    world.addFault({ api: 'api_component_token', kind: 'busy', remaining: 1 });
    world.addFault({ api: 'api_component_token', kind: 'http5xx', status: 500, remaining: 1 });
    expect((await service().ensure(C.appId)).accessToken).toMatch(/^ct_/);
  });

  it('refreshes when the token nears expiry (20 min margin)', async () => {
    await pushTicket();
    await service().ensure(C.appId);
    await db.connection
      .collection('component_tokens')
      .updateOne({ appId: C.appId }, { $set: { expiresAt: new Date(Date.now() + 19 * 60_000) } });
    expect((await service().ensure(C.appId)).version).toBe(2);
    expect(calls('api_component_token')).toHaveLength(2);
  });
});
