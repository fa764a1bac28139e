import { AuthorizerTokenService, ComponentTokenService } from '@weixin3rd/credentials';
import { EventPublisher } from '@weixin3rd/events';
import { Producer, createRedis } from '@weixin3rd/queues';
import { connectStore, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Transport } from '@weixin3rd/wechat-api';
import type { FastifyInstance } from 'fastify';
import { build, type ConsoleDeps } from '../src/build.js';

export interface ConsoleHarness {
  app: FastifyInstance;
  store: Store;
  redis: TestRedis;
  db: TestDatabase;
  deps: ConsoleDeps;
  close(): Promise<void>;
}

/**
 * A console on a fresh database and queue prefix. WeChat is at `wechatBase` (the sandbox), or
 * unreachable by default: token requests then fail the way they would with no network, after
 * `timeoutMs` (2 s by default) per WeChat call.
 */
export async function openConsole(
  name: string,
  options: { apiTokens?: string[]; wechatBase?: string; timeoutMs?: number; extra?: Partial<ConsoleDeps> } = {},
): Promise<ConsoleHarness> {
  const db = await openTestDatabase(name);
  const redis = openTestRedis(name);
  const store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 9) });
  const connection = redis.connect();
  const tokens = new ComponentTokenService({
    store,
    redis: connection,
    prefix: redis.prefix,
    transport: new Transport({ baseUrl: options.wechatBase ?? 'http://127.0.0.1:9', attempts: 1, timeoutMs: options.timeoutMs ?? 2_000 }),
  });
  const events = new EventPublisher(connection, redis.prefix, []);
  const authorization = new Producer('authorization', createRedis(redis.url, 'producer'), redis.prefix);
  await authorization.ready();
  const authorizerTokens = new AuthorizerTokenService({ store, components: tokens, redis: connection, prefix: redis.prefix });
  const deps: ConsoleDeps = {
    store,
    tokens,
    events,
    authorization,
    authorizerTokens,
    redis: connection,
    prefix: redis.prefix,
    apiTokens: options.apiTokens ?? ['console-test-token-0001'],
    ...options.extra,
  };
  const app = await build(deps);
  return {
    app,
    store,
    redis,
    db,
    deps,
    close: async () => {
      await app.close();
      await events.close();
      await authorization.close();
      await store.close();
      await db.drop();
      await redis.cleanup();
    },
  };
}
