import { openTestRedis, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountRate } from '../src/outbound/account-rate.js';

let redis: TestRedis;
beforeAll(() => {
  redis = openTestRedis('account-rate');
});
afterAll(() => redis.cleanup());

describe('AccountRate: sends per account per second, shared through Redis', () => {
  it('lets perSecond sends go in a second, delays the next to the following second, per account', async () => {
    // Two processes' limiters on their own connections share the window.
    const a = new AccountRate(redis.connect(), redis.prefix, 2);
    const b = new AccountRate(redis.connect(), redis.prefix, 2);
    const second = 1_700_000_000_000;
    expect(await a.take('wx00000000000a0001', second + 100)).toBe(0);
    expect(await b.take('wx00000000000a0001', second + 200)).toBe(0);
    expect(await a.take('wx00000000000a0001', second + 250)).toBe(750);
    expect(await b.take('wx00000000000a0002', second + 300)).toBe(0);
    expect(await b.take('wx00000000000a0001', second + 1_000)).toBe(0);
  });

  it('keeps a window no longer than needed', async () => {
    const connection = redis.connect();
    const rate = new AccountRate(connection, redis.prefix, 1);
    await rate.take('wx00000000000a0003', 1_700_000_005_000);
    const ttl = await connection.ttl(`${redis.prefix}:outbound-rate:wx00000000000a0003:1700000005`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2);
  });
});
