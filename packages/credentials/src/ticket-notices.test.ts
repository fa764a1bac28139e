import { connectStore, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketNotices } from './index.js';

const C = 'wx00000000000a1c01';
let db: TestDatabase;
let redis: TestRedis;
let store: Store;
let waiter: TicketNotices;
let publisher: TicketNotices;

beforeAll(async () => {
  db = await openTestDatabase('ticket-notices');
  redis = openTestRedis('ticket-notices');
  store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 6) });
  waiter = new TicketNotices(redis.prefix, redis.connect(), redis.connect(), store);
  publisher = new TicketNotices(redis.prefix, redis.connect());
});
afterAll(async () => {
  await store.close();
  await db.drop();
  await redis.cleanup();
});

describe('TicketNotices', () => {
  it('wakes a waiter when a newer ticket is announced, ignoring older ones and other components', async () => {
    await store.tickets.save(C, 'ticket@@@one', 1000);
    const waiting = waiter.wait(C, 1000, 20_000);
    // The waiter is subscribed once its store read is done; announce after that.
    await waiter.wait(C, null, 20_000);
    await publisher.published('wx00000000000a1c02', 2000);
    await publisher.published(C, 999);
    await store.tickets.save(C, 'ticket@@@two', 1001);
    console.log('latest before publish', await waiter.latest(C));
    await publisher.published(C, 1001);
    expect(await waiting).toBe(1001);
  });

  it('answers at once from the store when the newer ticket was saved before the wait', async () => {
    expect(await waiter.wait(C, 1000, 20_000)).toBe(1001);
    expect(await waiter.latest(C)).toBe(1001);
  });

  it('gives up with null after the timeout', async () => {
    expect(await waiter.wait(C, 1001, 200)).toBeNull();
  });
});
