import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { build as buildConsole } from '@weixin3rd/console';
import { AuthorizerTokenService, ComponentTokenService } from '@weixin3rd/credentials';
import { EventPublisher } from '@weixin3rd/events';
import { StateSigner, build as buildIngress, storeLookups } from '@weixin3rd/ingress';
import { MessageSequence, Producer, createRedis, openQueueEvents } from '@weixin3rd/queues';
import { PreAuthSessions, ReplyBus } from '@weixin3rd/handoffs';
import { createLogger } from '@weixin3rd/runtime';
import { connectStore, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Transport } from '@weixin3rd/wechat-api';
import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { World, build as buildSandbox, componentForProject } from '@weixin3rd/wechat-sandbox';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { endedAdminSession, signInAdmin, type AdminSession } from './admin-session.js';

/** Two components (A is attacked, B is the "other" one), an authorized account of A, a console token. */
export const A = {
  appId: 'wx5ec0000000000a01',
  appSecret: 'sec-app-secret-a-8f3b1c',
  token: 'secTokenA9x2',
  encodingAesKey: 'SecAesKeyA0123456789abcdefghijklmnopqrstuvw',
};
export const B = {
  appId: 'wx5ec0000000000b02',
  appSecret: 'sec-app-secret-b-77d0e4',
  token: 'secTokenB4k7',
  encodingAesKey: 'SecAesKeyB9876543210zyxwvutsrqponmlkjihgfed',
};
export const ACCOUNT = 'wx5ec00000000acc01';
export const API_TOKEN = 'sec-console-api-token-5b2e9d7c';
export const SHOP = 'shop-sec-1';

export interface Stack {
  ingressUrl: string;
  consoleUrl: string;
  store: Store;
  redis: TestRedis;
  db: TestDatabase;
  /** A raw Redis connection for counting keys. */
  probe: Redis;
  producers: { tickets: Producer<'tickets'>; authorization: Producer<'authorization'>; messages: Producer<'account-messages'> };
  signer: StateSigner;
  crypto: { a: WeChatCrypto; b: WeChatCrypto };
  dataKey: Buffer;
  /** Every log line the ingress, the console and the token services wrote. */
  logs: string[];
  world: World;
  /** A signed-in /admin session, and one signed out before the cases (an ended session). */
  admin: { live: AdminSession; ended: AdminSession };
  close(): Promise<void>;
}

/** The public and internal apps in-process against real Redis and FerretDB, the sandbox playing WeChat. */
export async function startStack(label: string): Promise<Stack> {
  const db = await openTestDatabase(label);
  const redis = openTestRedis(label);
  const dataKey = randomBytes(32);
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ name: 'security', level: 'info', destination });
  const store = await connectStore(db.uri, { dataKey });
  await store.components.upsert(A);
  await store.components.upsert(B);

  const world = new World([componentForProject(A, { publicBaseUrl: 'http://127.0.0.1:9' })]);
  const sandbox = await buildSandbox({ world, onStartPushTicket: () => undefined });
  const sandboxUrl = await sandbox.listen({ host: '127.0.0.1', port: 0 });
  const ticket = world.issueTicket(A.appId);
  await store.tickets.save(A.appId, ticket.value, Math.floor(ticket.issuedAtMs / 1000));

  const connection = createRedis(redis.url, 'producer');
  const producers = {
    tickets: new Producer('tickets', connection, redis.prefix),
    authorization: new Producer('authorization', connection, redis.prefix),
    messages: new Producer('account-messages', connection, redis.prefix),
    held: new Producer('account-messages-held', connection, redis.prefix),
  };
  await producers.tickets.ready();
  const subscriber = createRedis(redis.url, 'worker');
  const tokenRedis = redis.connect();
  const tokens = new ComponentTokenService({
    store,
    redis: tokenRedis,
    prefix: redis.prefix,
    transport: new Transport({ baseUrl: sandboxUrl, attempts: 1 }),
    logger,
  });
  // An authorized account of A with tokens issued the way the worker stores them.
  await store.authorizers.upsertAuthorized({
    componentAppId: A.appId,
    appId: ACCOUNT,
    refreshToken: 'refreshtoken@@@sec-refresh-3c9a71',
    accessToken: 'sec-authorizer-access-token-e41f',
    accessTokenExpiresAt: new Date(Date.now() + 7_200_000),
    funcInfo: [1],
    account: {
      kind: 'official',
      nickName: 'sec',
      headImg: null,
      userName: 'gh_5ec000000001',
      principalName: 'P',
      alias: null,
      qrcodeUrl: null,
      serviceType: 2,
      verifyType: 0,
    },
  });
  await store.authorizers.bindShop(A.appId, ACCOUNT, SHOP);

  const signer = new StateSigner(dataKey);
  const lookups = storeLookups(store, { deadlineMs: 1500 });
  const authorizationEvents = openQueueEvents('authorization', redis.connect(), redis.prefix);
  const ingress = await buildIngress({
    components: lookups,
    authorizers: lookups,
    producers,
    replies: new ReplyBus(redis.prefix, connection, subscriber),
    sequence: new MessageSequence(connection, redis.prefix),
    options: { bodyLimit: 65536, replyBudgetMs: 0, maxTimestampSkewSeconds: 0, rateLimitPerSecond: 100000 },
    logger,
    authorize: {
      store,
      preAuthCode: async (c) => (await tokens.api(c).createPreAuthCode()).pre_auth_code,
      signer,
      authorization: producers.authorization,
      authorizationEvents,
      sessions: new PreAuthSessions(tokenRedis, redis.prefix),
      publicBaseUrl: 'https://shop.example.com',
      mpBase: sandboxUrl,
      openBase: sandboxUrl,
      waitMs: 200,
    },
  });
  const ingressUrl = await ingress.listen({ host: '127.0.0.1', port: 0 });

  const consoleRedis = redis.connect();
  const events = new EventPublisher(consoleRedis, redis.prefix, []);
  const consoleApp: FastifyInstance = await buildConsole({
    store,
    tokens,
    events,
    authorization: producers.authorization,
    authorizerTokens: new AuthorizerTokenService({ store, components: tokens, redis: consoleRedis, prefix: redis.prefix, logger }),
    redis: consoleRedis,
    prefix: redis.prefix,
    apiTokens: [API_TOKEN],
    logger,
  });
  const consoleUrl = await consoleApp.listen({ host: '127.0.0.1', port: 0 });
  const probe = redis.connect();
  const admin = { live: await signInAdmin(consoleUrl, API_TOKEN), ended: await endedAdminSession(consoleUrl, API_TOKEN) };

  return {
    ingressUrl,
    consoleUrl,
    store,
    redis,
    db,
    probe,
    producers,
    signer,
    crypto: {
      a: new WeChatCrypto({ token: A.token, encodingAesKey: A.encodingAesKey, receiveId: A.appId }),
      b: new WeChatCrypto({ token: B.token, encodingAesKey: B.encodingAesKey, receiveId: B.appId }),
    },
    dataKey,
    logs,
    world,
    admin,
    async close() {
      await ingress.close();
      await authorizationEvents.close();
      await consoleApp.close();
      await sandbox.close();
      await events.close();
      await Promise.all(Object.values(producers).map((p) => p.close()));
      subscriber.disconnect();
      await store.close();
      await db.drop();
      await redis.cleanup();
    },
  };
}
