import { connectStore, type Authorizer, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Transport } from '@weixin3rd/wechat-api';
import { World, build, componentForProject } from '@weixin3rd/wechat-sandbox';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerTokenService, AuthorizerUnavailableError, ComponentTokenService, QuotaExhaustedError } from '@weixin3rd/credentials';
import { Registry, countListedWithoutRefreshToken } from '@weixin3rd/runtime';

const C = {
  appId: 'wx00000000000a7a01',
  appSecret: 'ats-secret',
  token: 'atstoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
const ACCOUNTS = ['wx1a2b3c4d5e6f7001', 'wx1a2b3c4d5e6f7002', 'wx1a2b3c4d5e6f7003', 'wx1a2b3c4d5e6f7004', 'wx570bc396a51b8ff8'];
let world: World;
let sandbox: FastifyInstance;
let db: TestDatabase;
let redis: TestRedis;
let store: Store;
let conn: Redis;
let components: ComponentTokenService;
const reauth: Authorizer[] = [];
/** The registry of the process the services run in (console, worker-tokens, worker-messages wire it the same way). */
const metrics = new Registry();

beforeAll(async () => {
  world = new World([componentForProject(C, { publicBaseUrl: 'http://127.0.0.1:9' })]);
  sandbox = await build({ world, onStartPushTicket: () => undefined });
  const transport = new Transport({ baseUrl: await sandbox.listen({ host: '127.0.0.1', port: 0 }), backoffMs: 10 });
  db = await openTestDatabase('authorizer-token');
  redis = openTestRedis('authorizer-token');
  store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 7) });
  conn = redis.connect();
  await store.components.upsert(C);
  const t = world.issueTicket(C.appId);
  await store.tickets.save(C.appId, t.value, Math.floor(t.issuedAtMs / 1000));
  components = new ComponentTokenService({ store, redis: conn, prefix: redis.prefix, transport });
  for (const appId of ACCOUNTS) {
    const code = world.consent(C.appId, appId, [1], null).authCode.value;
    const auth = (await components.api(C.appId).queryAuth(code)).authorization_info;
    await store.authorizers.upsertAuthorized({
      componentAppId: C.appId,
      appId,
      refreshToken: auth.authorizer_refresh_token ?? '',
      accessToken: auth.authorizer_access_token ?? null,
      accessTokenExpiresAt: new Date(Date.now() + 7_200_000),
      funcInfo: [1],
      account: {
        kind: 'official',
        nickName: appId,
        headImg: null,
        userName: 'gh_x',
        principalName: null,
        alias: null,
        qrcodeUrl: null,
        serviceType: 2,
        verifyType: 0,
      },
    });
  }
});
afterAll(async () => {
  await sandbox.close();
  await store.close();
  await db.drop();
  await redis.cleanup();
});

const service = () =>
  new AuthorizerTokenService({
    store,
    components,
    redis: conn,
    prefix: redis.prefix,
    onReauthRequired: async (a) => void reauth.push(a),
    onListedWithoutRefreshToken: countListedWithoutRefreshToken(metrics, 'recovery_61023'),
  });
const refreshCalls = (appId: string) =>
  world.calls.filter(
    (c) => c.api === 'api_authorizer_token' && (c.body as { authorizer_appid?: string }).authorizer_appid === appId && c.errcode === 0,
  ).length;
const expire = (appId: string) =>
  db.connection
    .collection('authorizers')
    .updateOne({ componentAppId: C.appId, appId }, { $set: { accessTokenExpiresAt: new Date(Date.now() - 1000) } });

describe('AuthorizerTokenService', () => {
  it('serves a valid token from the store without calling WeChat, also after Redis is flushed', async () => {
    const keys = await conn.keys(`${redis.prefix}:*`);
    if (keys.length > 0) await conn.del(...keys);
    const token = await service().get(C.appId, ACCOUNTS[0] as string);
    expect(token.accessToken).toMatch(/^at_/);
    expect(refreshCalls(ACCOUNTS[0] as string)).toBe(0);
  });

  it('answers 100 concurrent callers for an expired token with exactly one WeChat call', async () => {
    const appId = ACCOUNTS[0] as string;
    await expire(appId);
    const services = [service(), service(), service(), service()];
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => services[i % 4]?.get(C.appId, appId)));
    expect(new Set(tokens.map((t) => t?.accessToken)).size).toBe(1);
    expect(refreshCalls(appId)).toBe(1);
    expect((await store.authorizers.find(C.appId, appId))?.accessToken).toBe(tokens[0]?.accessToken);
  });

  it('never lets a slow, stale refresh overwrite a newer token', async () => {
    const appId = ACCOUNTS[1] as string;
    const stale = (await store.authorizers.find(C.appId, appId)) as Authorizer;
    const newer = await service().ensure(C.appId, appId, { force: true });
    const result = await service().refresh(stale);
    expect(result.accessToken).toBe(newer.accessToken);
    expect((await store.authorizers.find(C.appId, appId))?.accessToken).toBe(newer.accessToken);
  });

  it('saves exactly one of two refreshes that read the same version, whose locks no longer hold', async () => {
    const appId = ACCOUNTS[1] as string;
    const read = (await store.authorizers.find(C.appId, appId)) as Authorizer;
    // refresh() is what runs under the lock; calling it directly twice is two holders at once.
    const [first, second] = await Promise.all([service().refresh(read), service().refresh(read)]);
    expect(first.accessToken).toBe(second.accessToken);
    const after = await store.authorizers.find(C.appId, appId);
    expect(after?.accessToken).toBe(first.accessToken);
    expect(after?.tokenVersion).toBe(read.tokenVersion + 1);
  });

  it('lets the retry of a refresh whose save failed claim the same version again', async () => {
    const appId = ACCOUNTS[1] as string;
    await expire(appId);
    const read = (await store.authorizers.find(C.appId, appId)) as Authorizer;
    const failing = {
      authorizers: Object.create(store.authorizers, {
        saveTokens: { value: async () => Promise.reject(new Error('store unreachable')) },
      }) as Store['authorizers'],
    };
    const broken = new AuthorizerTokenService({ store: failing, components, redis: conn, prefix: redis.prefix });
    await expect(broken.refresh(read)).rejects.toThrow('store unreachable');
    const token = await service().refresh(read);
    const after = await store.authorizers.find(C.appId, appId);
    expect(after?.accessToken).toBe(token.accessToken);
    expect(after?.tokenVersion).toBe(read.tokenVersion + 1);
  });

  it('lets a scheduled refresh that lost the race to a caller make no second WeChat call', async () => {
    const appId = ACCOUNTS[1] as string;
    await expire(appId);
    const calls = refreshCalls(appId);
    const [fromCaller, fromSweep] = await Promise.all([service().get(C.appId, appId), service().refreshIfDue(C.appId, appId, 15 * 60_000)]);
    expect(refreshCalls(appId)).toBe(calls + 1);
    // Whichever ran second found a fresh token and left it alone.
    if (fromSweep) expect(fromSweep.accessToken).toBe(fromCaller.accessToken);
    expect(await service().refreshIfDue(C.appId, appId, 15 * 60_000)).toBeNull();
    expect(refreshCalls(appId)).toBe(calls + 1);
  });

  it('recovers a refresh token through api_get_authorizer_list after 61023', async () => {
    const appId = ACCOUNTS[2] as string;
    await db.connection
      .collection('authorizers')
      .updateOne({ componentAppId: C.appId, appId }, { $set: { refreshToken: store.box.seal('refreshtoken@@@lost') } });
    await expire(appId);
    const listCalls = world.calls.filter((c) => c.api === 'api_get_authorizer_list').length;
    const token = await service().get(C.appId, appId);
    expect(token.accessToken).toMatch(/^at_/);
    expect(world.calls.filter((c) => c.api === 'api_get_authorizer_list').length).toBe(listCalls + 1);
    expect((await store.authorizers.find(C.appId, appId))?.refreshToken).toBe(world.authorizationOf(C.appId, appId)?.refreshToken);
  });

  it('never concludes reauth from a list row without a refresh token after 61023: alerts and keeps the account', async () => {
    const appId = ACCOUNTS[1] as string;
    await db.connection
      .collection('authorizers')
      .updateOne({ componentAppId: C.appId, appId }, { $set: { refreshToken: store.box.seal('refreshtoken@@@lost') } });
    await expire(appId);
    const alerted = async () =>
      (await metrics.getSingleMetric('weixin3rd_authorizer_list_without_refresh_token_total')?.get())?.values.find(
        (v) => v.labels.component === C.appId && v.labels.seen_in === 'recovery_61023',
      )?.value ?? 0;
    expect(await alerted()).toBe(0);
    for (const [i, shown] of (['empty', 'missing'] as const).entries()) {
      world.settings.listRefreshTokens = shown;
      const error = await service()
        .get(C.appId, appId)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthorizerUnavailableError);
      expect((error as AuthorizerUnavailableError).code).toBe('REFRESH_TOKEN_UNLISTED');
      expect((await store.authorizers.find(C.appId, appId))?.status).toBe('authorized');
      // The alert: one more in the counter for each refused refresh that saw such a row.
      expect(await alerted()).toBe(i + 1);
    }
    expect(reauth).toEqual([]);
    // Once the list shows the token again, the account recovers by itself and nothing more is counted.
    world.settings.listRefreshTokens = 'present';
    expect((await service().get(C.appId, appId)).accessToken).toMatch(/^at_/);
    expect(await alerted()).toBe(2);
  });

  it('marks reauth_required when WeChat no longer lists the account', async () => {
    const appId = ACCOUNTS[3] as string;
    world.revoke(C.appId, appId);
    await expire(appId);
    const error = await service()
      .get(C.appId, appId)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizerUnavailableError);
    expect((error as AuthorizerUnavailableError).code).toBe('REAUTH_REQUIRED');
    expect((await store.authorizers.find(C.appId, appId))?.status).toBe('reauth_required');
    expect(reauth.map((a) => a.appId)).toEqual([appId]);
  });

  it('stops refreshing on 45009 and keeps serving tokens that are still valid', async () => {
    const appId = ACCOUNTS[4] as string;
    await expire(appId);
    world.addFault({ api: 'api_authorizer_token', kind: 'errcode', errcode: 45009, remaining: 1 });
    await expect(service().get(C.appId, appId)).rejects.toBeInstanceOf(QuotaExhaustedError);
    const calls = world.calls.filter((c) => c.api === 'api_authorizer_token').length;
    await expect(service().get(C.appId, appId)).rejects.toBeInstanceOf(QuotaExhaustedError);
    expect(world.calls.filter((c) => c.api === 'api_authorizer_token').length).toBe(calls);
    expect((await service().get(C.appId, ACCOUNTS[0] as string)).accessToken).toMatch(/^at_/);
  });
});
