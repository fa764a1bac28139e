import { keyDigest } from '@weixin3rd/queues';
import type { Redis } from 'ioredis';

/** A pre_auth_code lives 10 minutes; an authorization started with it may finish a bit later. */
const TTL_SECONDS = 3600;

/**
 * Remembers which shop an authorization page was opened for, by its pre_auth_code. WeChat's
 * `authorized` push carries the same `PreAuthCode`, so whichever of the push and the redirect is
 * processed first binds the right shop.
 */
export class PreAuthSessions {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(componentAppId: string, preAuthCode: string): string {
    return `${this.prefix}:preauth:${keyDigest([componentAppId, preAuthCode], 40)}`;
  }

  async remember(componentAppId: string, preAuthCode: string, shopId: string): Promise<void> {
    await this.redis.set(this.key(componentAppId, preAuthCode), shopId, 'EX', TTL_SECONDS);
  }

  async shopOf(componentAppId: string, preAuthCode: string | null): Promise<string | null> {
    return preAuthCode ? this.redis.get(this.key(componentAppId, preAuthCode)) : null;
  }
}
