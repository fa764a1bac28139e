import type { Redis } from 'ioredis';

/**
 * A fixed one-second window per account, shared by every worker-messages process through Redis:
 * BullMQ's own limiter is queue-wide, and one busy account must not slow the others' sends.
 */
export class AccountRate {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly perSecond: number,
  ) {}

  /** 0 when a send may go now (and counts it), else milliseconds until the next window. */
  async take(authorizerAppId: string, nowMs = Date.now()): Promise<number> {
    const second = Math.floor(nowMs / 1000);
    const key = `${this.prefix}:outbound-rate:${authorizerAppId}:${second}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, 2).exec()) as [[Error | null, number], unknown];
    return count <= this.perSecond ? 0 : (second + 1) * 1000 - nowMs;
  }
}
