import { MessageSequence, Producer, createRedis } from '@weixin3rd/queues';
import { ReplyBus } from '@weixin3rd/handoffs';
import { connectStore, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import type { FastifyInstance } from 'fastify';
import { build } from '../src/build.js';
import type { IngressMetrics } from '../src/ingress-metrics.js';
import { storeLookups } from '../src/lookups.js';

export const COMPONENT = {
  appId: 'wx00000000000000c1',
  appSecret: 'secret-c1',
  token: 'ingresstoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
export const OTHER = {
  appId: 'wx00000000000000c2',
  appSecret: 'secret-c2',
  token: 'othertoken',
  encodingAesKey: 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut',
};
export const AUTHORIZER = 'wx1a2b3c4d5e6f7001';

export interface Ingress {
  app: FastifyInstance;
  url: string;
  store: Store;
  redis: TestRedis;
  db: TestDatabase;
  producers: {
    tickets: Producer<'tickets'>;
    authorization: Producer<'authorization'>;
    messages: Producer<'account-messages'>;
    held: Producer<'account-messages-held'>;
  };
  replies: ReplyBus;
  crypto: WeChatCrypto;
  close(): Promise<void>;
}

export async function startIngress(
  label: string,
  options: Partial<{
    replyBudgetMs: number;
    maxTimestampSkewSeconds: number;
    bodyLimit: number;
    redisUrl: string;
    rateLimitPerSecond: number;
    metrics: IngressMetrics;
  }> = {},
): Promise<Ingress> {
  const db = await openTestDatabase(label);
  const redis = openTestRedis(label);
  const store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 3) });
  await store.components.upsert(COMPONENT);
  await store.components.upsert(OTHER);
  await store.authorizers.setStatus(COMPONENT.appId, AUTHORIZER, 'authorized');
  const connection = createRedis(options.redisUrl ?? redis.url, 'producer');
  const producers = {
    tickets: new Producer('tickets', connection, redis.prefix),
    authorization: new Producer('authorization', connection, redis.prefix),
    messages: new Producer('account-messages', connection, redis.prefix),
    held: new Producer('account-messages-held', connection, redis.prefix),
  };
  if (!options.redisUrl) await producers.tickets.ready();
  const subscriber = createRedis(options.redisUrl ?? redis.url, 'worker');
  const replies = new ReplyBus(redis.prefix, connection, subscriber);
  const lookups = storeLookups(store, { deadlineMs: 1500 });
  const app = await build({
    components: lookups,
    authorizers: lookups,
    producers,
    replies,
    sequence: new MessageSequence(connection, redis.prefix),
    options: {
      bodyLimit: options.bodyLimit ?? 65536,
      replyBudgetMs: options.replyBudgetMs ?? 4000,
      maxTimestampSkewSeconds: options.maxTimestampSkewSeconds ?? 0,
      rateLimitPerSecond: options.rateLimitPerSecond ?? 100000,
    },
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    url,
    store,
    redis,
    db,
    producers,
    replies,
    crypto: new WeChatCrypto({ token: COMPONENT.token, encodingAesKey: COMPONENT.encodingAesKey, receiveId: COMPONENT.appId }),
    async close() {
      await app.close();
      await Promise.all(Object.values(producers).map((p) => p.close()));
      subscriber.disconnect();
      await store.close();
      await db.drop();
      await redis.cleanup();
    },
  };
}

/** Counts every job of a queue, whatever its state. */
export async function jobCount(producer: Pick<Producer<'tickets'>, 'getJobCounts'>): Promise<number> {
  const counts = await producer.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Builds a push as WeChat would send it (override any part to break it). */
export function signedPush(
  crypto: WeChatCrypto,
  inner: string,
  envelope: (encrypt: string) => string = (e) =>
    `<xml><AppId><![CDATA[${COMPONENT.appId}]]></AppId><Encrypt><![CDATA[${e}]]></Encrypt></xml>`,
): { query: string; body: string; encrypt: string; timestamp: string; nonce: string } {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  const parts = crypto.encryptPush(inner, { timestamp, nonce });
  const query = new URLSearchParams({
    signature: parts.signature,
    timestamp,
    nonce,
    encrypt_type: 'aes',
    msg_signature: parts.msgSignature,
  }).toString();
  return { query, body: envelope(parts.encrypt), encrypt: parts.encrypt, timestamp, nonce };
}

export function post(url: string, body: string | Buffer, contentType = 'text/xml'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}
