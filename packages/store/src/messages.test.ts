import { openTestDatabase, type TestDatabase } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStore, type MessageDoc, type Store } from './index.js';

let db: TestDatabase;
// The raw record, from the test database's own connection (the store has no reader for it).
const stored = (id: string) => db.connection.collection<MessageDoc>('messages').findOne({ _id: id });
let store: Store;
beforeAll(async () => {
  db = await openTestDatabase('store-messages');
  store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 3) });
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

describe('message routes', () => {
  it('lists by priority, then the oldest first; replaces and deletes by id', async () => {
    const low = await store.messageRoutes.create({ service: 'crm', priority: 1, enabled: true, match: {} });
    const first = await store.messageRoutes.create({ service: 'a', priority: 10, enabled: true, match: { msgType: 'text' } });
    const second = await store.messageRoutes.create({ service: 'b', priority: 10, enabled: false, match: { content: { prefix: 'hi' } } });
    expect((await store.messageRoutes.list()).map((r) => r.id)).toEqual([first.id, second.id, low.id]);
    const replaced = await store.messageRoutes.replace(low.id, {
      service: 'crm',
      priority: 20,
      enabled: true,
      match: { event: 'subscribe' },
    });
    expect(replaced).toMatchObject({ id: low.id, priority: 20, match: { event: 'subscribe' } });
    expect((await store.messageRoutes.list())[0]?.id).toBe(low.id);
    expect(await store.messageRoutes.delete(second.id)).toBe(true);
    expect(await store.messageRoutes.delete(second.id)).toBe(false);
    expect(await store.messageRoutes.get('not-an-id')).toBeNull();
    expect(
      await store.messageRoutes.replace('65f000000000000000000000', { service: 'x', priority: 0, enabled: true, match: {} }),
    ).toBeNull();
  });
});

describe('messages', () => {
  const key = 'wx00000000000000c1/wx00000000000000a1/msg/1001';
  const base = {
    _id: key,
    componentAppId: 'wx00000000000000c1',
    authorizerAppId: 'wx00000000000000a1',
    shopId: null,
    openid: 'o1',
    msgType: 'text',
    event: null,
    seq: 1,
    routeId: 'r1',
    service: 'crm',
    receivedAt: new Date(),
  };

  it('records once, finishes, and keeps the outbound outcome whatever the order of writes', async () => {
    await store.messages.record({ ...base, status: 'queued' });
    await store.messages.finish(key, { status: 'handled', reply: { type: 'text', delivery: 'outbound' } });
    await store.messages.record({ ...base, status: 'queued' });
    const at = new Date();
    await store.messages.recordOutbound(base.componentAppId, key, {
      status: 'failed',
      errcode: 45015,
      errmsg: 'out of window',
      attempts: 1,
      at,
    });
    expect(await stored(key)).toMatchObject({
      status: 'handled',
      reply: { type: 'text', delivery: 'outbound' },
      outbound: { status: 'failed', errcode: 45015, attempts: 1 },
    });
    expect(await store.messages.outboundOf(base.componentAppId, key)).toMatchObject({ status: 'failed', errcode: 45015 });
    expect(await store.messages.outboundOf(base.componentAppId, `${key}-other`)).toBeNull();

    const early = 'wx00000000000000c1/wx00000000000000a1/msg/1002';
    await store.messages.recordOutbound(base.componentAppId, early, { status: 'sent', errcode: 0, errmsg: 'ok', attempts: 2, at });
    expect(await stored(early)).toMatchObject({ authorizerAppId: 'wx00000000000000a1', outbound: { status: 'sent' } });
  });
});
