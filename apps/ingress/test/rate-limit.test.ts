import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter } from '../src/rate-limit.js';

afterEach(() => void vi.useRealTimers());

describe('RateLimiter: a fixed one-second window per source', () => {
  it('allows perSecond requests a second per source, each source on its own, and starts again in the next second', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00.100Z'));
    const limiter = new RateLimiter(3);
    expect([1, 2, 3, 4, 5].map(() => limiter.allow('203.0.113.1'))).toEqual([true, true, true, false, false]);
    expect(limiter.allow('203.0.113.2')).toBe(true);
    vi.setSystemTime(new Date('2026-01-01T00:00:00.999Z'));
    expect(limiter.allow('203.0.113.1')).toBe(false);
    vi.setSystemTime(new Date('2026-01-01T00:00:01.000Z'));
    expect([1, 2, 3, 4].map(() => limiter.allow('203.0.113.1'))).toEqual([true, true, true, false]);
  });
});
