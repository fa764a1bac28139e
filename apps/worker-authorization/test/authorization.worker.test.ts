import { ComponentTokenService } from '@weixin3rd/credentials';
import { ALL_COMPONENTS, Producer, createRedis, jobIds, subscriberQueue, type JobData, type JobName } from '@weixin3rd/queues';
import { PreAuthSessions } from '@weixin3rd/handoffs';
import { connectStore, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Transport } from '@weixin3rd/wechat-api';
import { World, build, componentForProject } from '@weixin3rd/wechat-sandbox';
import { Queue, QueueEvents, type Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPublisher } from '@weixin3rd/events';
import { Registry } from '@weixin3rd/runtime';
import { createAuthorizationWorker } from '../src/index.js';

const C = {
  appId: 'wx00000000000a7401',
  appSecret: 'auth-secret',
  token: 'authtoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
const OA = 'wx1a2b3c4d5e6f7001';
const MP = 'wx1a2b3c4d5e6f7002';
let world: World;
let sandbox: FastifyInstance;
let db: TestDatabase;
let redis: TestRedis;
let store: Store;
let worker: Worker;
let producer: Producer<'authorization'>;
let queueEvents: QueueEvents;
let events: EventPublisher;
let sessions: PreAuthSessions;
const metrics = new Registry();
const silent = { info: () => undefined, warn: () => undefined };

beforeAll(async () => {
  world = new World([componentForProject(C, { publicBaseUrl: 'http://127.0.0.1:9' })]);
  sandbox = await build({ world, onStartPushTicket: () => undefined });
  const transport = new Transport({ baseUrl: await sandbox.listen({ host: '127.0.0.1', port: 0 }), backoffMs: 10 });
  db = await openTestDatabase('worker-authorization');
  redis = openTestRedis('worker-authorization');
  store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 6) });
  await store.components.upsert(C);
  const t = world.issueTicket(C.appId);
  await store.tickets.save(C.appId, t.value, Math.floor(t.issuedAtMs / 1000));
  const connection = redis.connect();
  const tokens = new ComponentTokenService({ store, redis: connection, prefix: redis.prefix, transport });
  events = new EventPublisher(connection, redis.prefix, ['billing']);
  sessions = new PreAuthSessions(connection, redis.prefix);
  worker = createAuthorizationWorker({ store, tokens, events, sessions, connection, prefix: redis.prefix, logger: silent, metrics });
  producer = new Producer('authorization', createRedis(redis.url, 'producer'), redis.prefix);
  await producer.ready();
  queueEvents = new QueueEvents('authorization', { connection: redis.connect(), prefix: redis.prefix });
  await queueEvents.waitUntilReady();
});
afterAll(async () => {
  await worker.close();
  await queueEvents.close();
  await producer.close();
  await events.close();
  await sandbox.close();
  await store.close();
  await db.drop();
  await redis.cleanup();
});

async function run<N extends JobName<'authorization'>>(name: N, data: JobData<'authorization', N>, jobId: string): Promise<unknown> {
  await producer.add(name, data, jobId, { attempts: 3, backoff: { type: 'fixed', delay: 50 } });
  const job = await producer.getJob(jobId);
  return job?.waitUntilFinished(queueEvents, 20_000);
}

/** Unix seconds, as WeChat's CreateTime. */
const now = () => Math.floor(Date.now() / 1000);
const push = (
  infoType: 'authorized' | 'updateauthorized',
  appId: string,
  code: string,
  preAuthCode: string | null = null,
  createTime = now(),
) =>
  run(
    infoType,
    {
      componentAppId: C.appId,
      authorizerAppId: appId,
      authCode: code,
      authCodeExpiresAt: '0',
      preAuthCode,
      createTime: String(createTime),
    },
    jobIds.authorizationEvent(infoType, C.appId, appId, code),
  );
const redirect = (code: string, shopId: string) =>
  run('auth-code', { componentAppId: C.appId, authCode: code, shopId, preAuthCode: null }, jobIds.authCode(C.appId, code));
const eventsOf = async (queue = 'authorizer-events') =>
  (await new Queue(queue, { connection: redis.connect(), prefix: redis.prefix }).getJobs(['waiting'], 0, -1, true)).map(
    (j) => j.data as { type: string; authorizerAppId: string; shopId: string | null; funcInfo: number[] },
  );
const queryAuthCalls = () => world.calls.filter((c) => c.api === 'api_query_auth').length;

describe('worker-authorization', () => {
  it('exchanges the code once whether the redirect or the push comes first, binds the shop, publishes events', async () => {
    const code = world.consent(C.appId, OA, [1, 2], null).authCode.value;
    expect(await redirect(code, 'S1')).toBe('bound');
    expect(await push('authorized', OA, code)).toBe('duplicate');
    expect(queryAuthCalls()).toBe(1);
    const authorizer = await store.authorizers.find(C.appId, OA);
    expect(authorizer).toMatchObject({
      status: 'authorized',
      shopId: 'S1',
      funcInfo: [1, 2],
      nickName: '小鹿咖啡',
      userName: 'gh_5a0d1e2f3a01',
      kind: 'official',
      refreshToken: world.authorizationOf(C.appId, OA)?.refreshToken,
    });
    expect(authorizer?.accessTokenExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 7_000_000);
    expect((await eventsOf()).map((e) => [e.type, e.authorizerAppId, e.shopId])).toEqual([['authorized', OA, 'S1']]);
    expect((await eventsOf(subscriberQueue('billing'))).map((e) => [e.type, e.shopId])).toEqual([['authorized', 'S1']]);
    expect(await store.authCodes.outcome(C.appId, code)).toMatchObject({ status: 'done', outcome: 'bound', authorizerAppId: OA });
  });

  it('publishes the same one event when the job runs again after a crash between its store write and its completion', async () => {
    const appId = 'wx1a2b3c4d5e6f70c1';
    world.upsertAccount({ appId, userName: 'gh_5a0d1e2f30c1', nickName: 'crash', kind: 'official' });
    const code = world.consent(C.appId, appId, [1], null).authCode.value;
    const jobId = jobIds.authorizationEvent('authorized', C.appId, appId, code);
    // The first run, up to its kill -9: claimed, decided its event, stored the account, published.
    expect(await store.authCodes.claim(C.appId, code, `job-${jobId}`)).toBe('won');
    expect(await store.authCodes.decideEventType(C.appId, code, 'authorized')).toBe('authorized');
    const refreshToken = world.authorizationOf(C.appId, appId)?.refreshToken ?? '';
    const { current } = await store.authorizers.upsertAuthorized({
      componentAppId: C.appId,
      appId,
      refreshToken,
      accessToken: null,
      accessTokenExpiresAt: null,
      funcInfo: [1],
      account: {
        kind: 'official',
        nickName: 'crash',
        headImg: null,
        userName: 'gh_5a0d1e2f30c1',
        principalName: null,
        alias: null,
        qrcodeUrl: null,
        serviceType: 2,
        verifyType: 0,
      },
    });
    await events.publish('authorized', current, `authorized-code-${code}`);
    // The stalled job runs again from the start, under the same id: the account now reads authorized.
    expect(await push('authorized', appId, code)).toBe('authorized');
    const mine = (await eventsOf()).filter((e) => e.authorizerAppId === appId);
    expect(mine.map((e) => e.type)).toEqual(['authorized']);
    expect(await store.authCodes.outcome(C.appId, code)).toMatchObject({ status: 'done', authorizerAppId: appId });
  });

  it('binds the shop named by the pre_auth_code of our page when the push comes first', async () => {
    await sessions.remember(C.appId, 'preauthcode@@@page', 'S5');
    const code = world.consent(C.appId, 'wx14550af28c71a144', [1], 'preauthcode@@@page').authCode.value;
    expect(await push('authorized', 'wx14550af28c71a144', code, 'preauthcode@@@page')).toBe('bound');
    expect((await eventsOf()).at(-1)).toMatchObject({ type: 'authorized', authorizerAppId: 'wx14550af28c71a144', shopId: 'S5' });
    expect(await redirect(code, 'S5')).toBe('bound');
    expect((await eventsOf()).filter((e) => e.authorizerAppId === 'wx14550af28c71a144')).toHaveLength(1);
    world.revoke(C.appId, 'wx14550af28c71a144');
    await run('unauthorized', { componentAppId: C.appId, authorizerAppId: 'wx14550af28c71a144', createTime: String(now()) }, 'u-3');
  });

  it('binds the shop of a redirect that arrives after the push did the work', async () => {
    const code = world.consent(C.appId, 'wx1a2b3c4d5e6f7003', [1], null).authCode.value;
    expect(await push('authorized', 'wx1a2b3c4d5e6f7003', code)).toBe('authorized');
    expect(await redirect(code, 'S7')).toBe('bound');
    expect((await store.authorizers.find(C.appId, 'wx1a2b3c4d5e6f7003'))?.shopId).toBe('S7');
    expect((await eventsOf()).at(-1)).toMatchObject({ type: 'shop_bound', shopId: 'S7' });
  });

  it('creates an authorizer unbound from a push alone, and refuses a second shop', async () => {
    const code = world.consent(C.appId, MP, [17, 19], null).authCode.value;
    expect(await push('authorized', MP, code)).toBe('authorized');
    expect((await store.authorizers.find(C.appId, MP))?.shopId).toBeNull();
    await store.authorizers.bindShop(C.appId, MP, 'S2');
    const again = world.consent(C.appId, MP, [19], null).authCode.value;
    expect(await redirect(again, 'S3')).toBe('already_bound');
    expect(await store.authorizers.find(C.appId, MP)).toMatchObject({
      shopId: 'S2',
      funcInfo: [19],
      refreshToken: world.authorizationOf(C.appId, MP)?.refreshToken,
    });
  });

  it('stores the new refresh token and permissions on updateauthorized', async () => {
    const { authCode, infoType } = world.consent(C.appId, OA, [1], null);
    expect(infoType).toBe('updateauthorized');
    await push('updateauthorized', OA, authCode.value);
    const authorizer = await store.authorizers.find(C.appId, OA);
    expect(authorizer?.funcInfo).toEqual([1]);
    expect(authorizer?.refreshToken).toBe(world.authorizationOf(C.appId, OA)?.refreshToken);
    expect((await eventsOf()).at(-1)).toMatchObject({ type: 'updateauthorized', funcInfo: [1], shopId: 'S1' });
  });

  it('marks unauthorized, drops tokens, keeps the shop; ignores accounts never seen', async () => {
    world.revoke(C.appId, OA);
    expect(await run('unauthorized', { componentAppId: C.appId, authorizerAppId: OA, createTime: String(now()) }, 'u-1')).toBe(
      'unauthorized',
    );
    expect(await store.authorizers.find(C.appId, OA)).toMatchObject({
      status: 'unauthorized',
      refreshToken: null,
      accessToken: null,
      shopId: 'S1',
    });
    expect((await eventsOf()).at(-1)).toMatchObject({ type: 'unauthorized', authorizerAppId: OA });
    expect(await run('unauthorized', { componentAppId: C.appId, authorizerAppId: 'wx9999999999999999', createTime: '1' }, 'u-2')).toBe(
      'unknown',
    );
  });

  it('answers the typed outcome invalid_code for an invalid or expired code, and retries WeChat errors', async () => {
    expect(await redirect('queryauthcode@@@forged', 'S9')).toBe('invalid_code');
    expect(await store.authCodes.outcome(C.appId, 'queryauthcode@@@forged')).toMatchObject({ status: 'failed', outcome: 'invalid_code' });
    const code = world.consent(C.appId, 'wx1a2b3c4d5e6f7004', [1], null).authCode.value;
    world.addFault({ api: 'api_get_authorizer_info', kind: 'busy', remaining: 3 });
    expect(await redirect(code, 'S4')).toBe('bound');
  });

  it('reconciles with api_get_authorizer_list: restores lost refresh tokens, notices missed revocations', async () => {
    const appId = 'wx1a2b3c4d5e6f7004';
    await store.authorizers.setStatus(C.appId, appId, 'reauth_required');
    await db.connection.collection('authorizers').updateOne({ componentAppId: C.appId, appId }, { $set: { refreshToken: null } });
    world.revoke(C.appId, MP); // no push: the revocation was missed
    const result = (await run('reconcile', { componentAppId: ALL_COMPONENTS }, 'reconcile-1')) as Record<
      string,
      { listed: number; restored: number; revoked: number }
    >;
    expect(result[C.appId]).toMatchObject({ restored: 1, revoked: 1 });
    expect(await store.authorizers.find(C.appId, appId)).toMatchObject({
      status: 'authorized',
      refreshToken: world.authorizationOf(C.appId, appId)?.refreshToken,
    });
    expect((await store.authorizers.find(C.appId, MP))?.status).toBe('unauthorized');
    expect((await eventsOf()).at(-1)).toMatchObject({ type: 'unauthorized', authorizerAppId: MP });
  });

  it('keeps stored refresh tokens when api_get_authorizer_list rows have none (missing or empty)', async () => {
    const appId = 'wx1a2b3c4d5e6f7004';
    const stored = (await store.authorizers.find(C.appId, appId))?.refreshToken;
    expect(stored).toBe(world.authorizationOf(C.appId, appId)?.refreshToken);
    // The alert is a counter in the process registry, by component and where it was seen.
    const alerted = async () =>
      (await metrics.getSingleMetric('weixin3rd_authorizer_list_without_refresh_token_total')?.get())?.values.find(
        (v) => v.labels.component === C.appId && v.labels.seen_in === 'reconcile',
      )?.value ?? 0;
    let counted = await alerted();
    for (const shown of ['missing', 'empty'] as const) {
      world.settings.listRefreshTokens = shown;
      const result = (await run('reconcile', { componentAppId: C.appId }, `reconcile-${shown}`)) as Record<string, object>;
      expect(result[C.appId]).toMatchObject({ restored: 0, revoked: 0 });
      const rows = (result[C.appId] as { withoutRefreshToken: number }).withoutRefreshToken;
      expect(rows).toBeGreaterThanOrEqual(1);
      expect(await alerted()).toBe(counted + rows);
      counted += rows;
      expect(await store.authorizers.find(C.appId, appId)).toMatchObject({ status: 'authorized', refreshToken: stored });
    }
    world.settings.listRefreshTokens = 'present';
    // Rows with their token again: nothing more to count.
    await run('reconcile', { componentAppId: C.appId }, 'reconcile-present');
    expect(await alerted()).toBe(counted);
  });

  it('applies authorization pushes in CreateTime order: a late unauthorized or an older updateauthorized changes nothing', async () => {
    const X = 'wx9252c5e0bb1836fc';
    const t0 = now();
    expect(await push('authorized', X, world.consent(C.appId, X, [1, 2], null).authCode.value, null, t0 - 100)).toBe('authorized');
    // Revoked at t0-50 (that push comes late), authorized again at t0.
    world.revoke(C.appId, X);
    expect(await push('authorized', X, world.consent(C.appId, X, [1, 2, 3], null).authCode.value, null, t0)).toBe('authorized');
    expect(await run('unauthorized', { componentAppId: C.appId, authorizerAppId: X, createTime: String(t0 - 50) }, 'u-late')).toBe('stale');
    expect(await store.authorizers.find(C.appId, X)).toMatchObject({ status: 'authorized', funcInfo: [1, 2, 3], lastChangeAt: t0 });
    // Two updates at t0+10 ([1]) and t0+20 ([1, 2, 3, 4]) arrive newest first: the older one is ignored.
    const older = world.consent(C.appId, X, [1], null).authCode.value;
    const newer = world.consent(C.appId, X, [1, 2, 3, 4], null).authCode.value;
    expect(await push('updateauthorized', X, newer, null, t0 + 20)).toBe('authorized');
    const calls = queryAuthCalls();
    const published = (await eventsOf()).length;
    expect(await push('updateauthorized', X, older, null, t0 + 10)).toBe('stale');
    expect(queryAuthCalls()).toBe(calls);
    expect((await eventsOf()).length).toBe(published);
    expect(await store.authorizers.find(C.appId, X)).toMatchObject({ status: 'authorized', funcInfo: [1, 2, 3, 4], lastChangeAt: t0 + 20 });
    // A newer unauthorized still applies.
    world.revoke(C.appId, X);
    expect(await run('unauthorized', { componentAppId: C.appId, authorizerAppId: X, createTime: String(t0 + 30) }, 'u-new')).toBe(
      'unauthorized',
    );
  });

  it('authorizes an account whose api_get_authorizer_info lacks optional fields', async () => {
    const X = 'wx00000000000c7b01';
    world.upsertAccount({
      appId: X,
      userName: 'gh_00000000c7b1',
      nickName: '视频号小店',
      kind: 'official',
      omitInfo: ['service_type_info', 'verify_type_info', 'head_img', 'business_info'],
    });
    expect(await redirect(world.consent(C.appId, X, [1], null).authCode.value, 'S11')).toBe('bound');
    expect(await store.authorizers.find(C.appId, X)).toMatchObject({
      status: 'authorized',
      nickName: '视频号小店',
      serviceType: null,
      verifyType: null,
      headImg: null,
      shopId: 'S11',
    });
  });

  it('finishes an authorization whose api_query_auth answer was lost: the retry gets 61009, api_get_authorizer_info confirms', async () => {
    const X = 'wxc39235c15087f6f3';
    world.settings.authCodeReuse = false;
    try {
      const code = world.consent(C.appId, X, [19], null).authCode.value;
      // WeChat uses the code up, but its answer never arrives (the client times out after 5 s).
      world.addFault({ api: 'api_query_auth', kind: 'lost-answer', delayMs: 6000, remaining: 1 });
      expect(await push('authorized', X, code)).toBe('authorized');
      expect(
        world.calls
          .filter((c) => c.api === 'api_query_auth' && c.body && (c.body as { authorization_code?: string }).authorization_code === code)
          .map((c) => c.errcode),
      ).toEqual([-408, 61009]);
      expect(await store.authorizers.find(C.appId, X)).toMatchObject({
        status: 'authorized',
        funcInfo: [19],
        refreshToken: world.authorizationOf(C.appId, X)?.refreshToken,
        kind: 'mini',
      });
      expect((await eventsOf()).at(-1)).toMatchObject({ type: 'authorized', authorizerAppId: X });
    } finally {
      world.settings.authCodeReuse = true;
    }
  });

  it('purges auth-code claims and state nonces too old to matter', async () => {
    await store.authCodes.claim(C.appId, 'queryauthcode@@@old', 'job-old');
    await store.authCodes.claim(C.appId, 'queryauthcode@@@new', 'job-new');
    await db.connection
      .collection('auth_codes')
      .updateOne({ owner: 'job-old' }, { $set: { createdAt: new Date(Date.now() - 2 * 86_400_000) } });
    expect(await store.stateNonces.consume('nonce-old')).toBe(true);
    expect(await store.stateNonces.consume('nonce-new')).toBe(true);
    await db.connection
      .collection<{ _id: string }>('state_nonces')
      .updateOne({ _id: 'nonce-old' }, { $set: { usedAt: new Date(Date.now() - 3 * 3_600_000) } });
    expect(await run('purge-claims', {}, 'purge-1')).toEqual({ authCodes: 1, stateNonces: 1 });
    expect(await store.authCodes.outcome(C.appId, 'queryauthcode@@@old')).toBeNull();
    expect(await store.authCodes.outcome(C.appId, 'queryauthcode@@@new')).not.toBeNull();
    expect(await store.stateNonces.consume('nonce-old')).toBe(true);
    expect(await store.stateNonces.consume('nonce-new')).toBe(false);
  });
});
