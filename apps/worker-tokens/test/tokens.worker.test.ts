import { AuthorizerTokenService, ComponentTokenService } from '@weixin3rd/credentials';
import { Producer, createRedis } from '@weixin3rd/queues';
import { connectStore, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Transport } from '@weixin3rd/wechat-api';
import { World, build, componentForProject } from '@weixin3rd/wechat-sandbox';
import type { Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenSweep, createTokensWorker } from '../src/index.js';

const C = {
  appId: 'wx00000000000a7c01',
  appSecret: 'tok-secret',
  token: 'toktoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
const N = 40;
const appIdOf = (i: number) => `wx00000000000b${i.toString(16).padStart(4, '0')}`;
let world: World;
let sandbox: FastifyInstance;
let db: TestDatabase;
let redis: TestRedis;
let store: Store;
let transport: Transport;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** An account WeChat knows as authorized, stored with the given token expiry. */
async function authorize(appId: string, accessTokenExpiresAt: Date | null): Promise<void> {
  const userName = `gh_${appId.slice(-12)}`;
  world.upsertAccount({ appId, userName, nickName: `店铺 ${appId}`, kind: 'official' });
  const { authorization } = world.consent(C.appId, appId, [1], null);
  await store.authorizers.upsertAuthorized({
    componentAppId: C.appId,
    appId,
    refreshToken: authorization.refreshToken,
    accessToken: null,
    accessTokenExpiresAt,
    funcInfo: [1],
    account: {
      kind: 'official',
      nickName: `店铺 ${appId}`,
      headImg: null,
      userName,
      principalName: null,
      alias: null,
      qrcodeUrl: null,
      serviceType: 2,
      verifyType: 0,
    },
  });
}

/** What one worker-tokens process holds: its Redis connection, token service and producer. */
async function services(): Promise<{ connection: Redis; tokens: AuthorizerTokenService; producer: Producer<'token-refresh'> }> {
  const connection = redis.connect();
  const components = new ComponentTokenService({ store, redis: connection, prefix: redis.prefix, transport });
  const tokens = new AuthorizerTokenService({ store, components, redis: connection, prefix: redis.prefix, logger: silent });
  const producer = new Producer('token-refresh', createRedis(redis.url, 'worker'), redis.prefix);
  // Producer.add fails at once while Redis is still connecting.
  await producer.ready();
  return { connection, tokens, producer };
}

beforeAll(async () => {
  world = new World([componentForProject(C, { publicBaseUrl: 'http://127.0.0.1:9' })]);
  sandbox = await build({ world, onStartPushTicket: () => undefined });
  transport = new Transport({ baseUrl: await sandbox.listen({ host: '127.0.0.1', port: 0 }), backoffMs: 10 });
  db = await openTestDatabase('worker-tokens');
  redis = openTestRedis('worker-tokens');
  store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 2) });
  await store.components.upsert(C);
  const t = world.issueTicket(C.appId);
  await store.tickets.save(C.appId, t.value, Math.floor(t.issuedAtMs / 1000));
  // Tokens issued together, all expired now (or never stored): the fleet after an outage.
  for (let i = 0; i < N; i++) await authorize(appIdOf(i), i % 2 === 0 ? new Date(Date.now() - 1000) : null);
});
afterAll(async () => {
  await sandbox.close();
  await store.close();
  await db.drop();
  await redis.cleanup();
});

describe('worker-tokens', () => {
  it('refreshes a fleet of expired tokens exactly once each with four workers sweeping at once', async () => {
    const workers: Worker[] = [];
    const producers: Producer<'token-refresh'>[] = [];
    for (let w = 0; w < 4; w++) {
      const { connection, tokens, producer } = await services();
      producers.push(producer);
      workers.push(
        createTokensWorker({
          store,
          tokens,
          producer,
          connection,
          prefix: redis.prefix,
          refreshPerSecond: 1000,
          concurrency: 50,
          logger: silent,
        }),
      );
    }
    await Promise.all(producers.map((p, i) => p.add('sweep', {}, `sweep-${i}`)));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const expiring = [];
      for await (const batch of store.authorizers.expiringBatches(new Date(Date.now() + 60 * 60_000), N, N)) expiring.push(...batch);
      if (expiring.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The second sweep finishes, then whatever it queued (nothing, if every token was saved once) runs.
    const sweptAgain = new Promise<void>((resolve) => {
      for (const w of workers) w.on('completed', (job) => job.id === 'sweep-again' && resolve());
    });
    await Promise.all(producers.map((p) => p.add('sweep', {}, 'sweep-again')));
    await sweptAgain;
    await vi.waitFor(
      async () =>
        expect(await producers[0]!.getJobCounts('waiting', 'prioritized', 'delayed', 'active')).toMatchObject({
          waiting: 0,
          prioritized: 0,
          delayed: 0,
          active: 0,
        }),
      { timeout: 10_000, interval: 50 },
    );
    const calls = world.calls.filter((c) => c.api === 'api_authorizer_token' && c.errcode === 0);
    const perAuthorizer = new Map<string, number>();
    for (const c of calls) {
      const appId = (c.body as { authorizer_appid: string }).authorizer_appid;
      perAuthorizer.set(appId, (perAuthorizer.get(appId) ?? 0) + 1);
    }
    expect(perAuthorizer.size).toBe(N);
    expect([...perAuthorizer.values()].every((n) => n === 1)).toBe(true);
    const sample = await store.authorizers.find(C.appId, appIdOf(7));
    expect(sample?.accessTokenExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 7_000_000);
    await Promise.all([...workers.map((w) => w.close()), ...producers.map((p) => p.close())]);
  });

  it('queues again, at the next sweep, a refresh that failed for good (45009 until the quota reset)', async () => {
    const appId = appIdOf(N + 1);
    await authorize(appId, new Date(Date.now() - 1000));
    const { connection, tokens, producer } = await services();
    const worker = createTokensWorker({
      store,
      tokens,
      producer,
      connection,
      prefix: redis.prefix,
      refreshPerSecond: 1000,
      concurrency: 50,
      logger: silent,
    });
    const settled = async (jobId: string) => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        // The state first, then the job: read the other way round, a job finishing in between
        // looks completed with the return value it had while active (null).
        const state = await producer.getJobState(jobId);
        if (state === 'completed' || state === 'failed') return { state, value: (await producer.getJob(jobId))?.returnvalue as unknown };
      }
      throw new Error(`${jobId} did not settle`);
    };
    const successes = () =>
      world.calls.filter(
        (c) => c.api === 'api_authorizer_token' && c.errcode === 0 && (c.body as { authorizer_appid: string }).authorizer_appid === appId,
      ).length;

    world.addFault({ api: 'api_authorizer_token', kind: 'errcode', errcode: 45009, remaining: 1 });
    await producer.add('sweep', {}, 'sweep-quota-1');
    expect(await settled('sweep-quota-1')).toMatchObject({ state: 'completed', value: { requeued: 0 } });
    const [refreshId] = (await producer.getJobIds(['failed', 'completed', 'active', 'wait', 'prioritized'])).filter((id) =>
      id.startsWith(`refresh-${appId}-`),
    );
    expect(refreshId).toBeDefined();
    expect((await settled(refreshId as string)).state).toBe('failed');

    // While the quota is used up, sweeps leave the component alone.
    await producer.add('sweep', {}, 'sweep-quota-2');
    expect(await settled('sweep-quota-2')).toMatchObject({ state: 'completed', value: { enqueued: 0, requeued: 0 } });

    // 00:00 Beijing: the quota flag expires; the next sweep must not be blocked by the failed job's id.
    await connection.del(`${redis.prefix}:quota-exhausted:authorizer-token:${C.appId}`);
    await producer.add('sweep', {}, 'sweep-quota-3');
    expect(await settled('sweep-quota-3')).toMatchObject({ state: 'completed', value: { enqueued: 1, requeued: 1 } });
    expect(await settled(refreshId as string)).toMatchObject({ state: 'completed', value: 'refreshed' });
    expect(successes()).toBe(1);
    const refreshed = await store.authorizers.find(C.appId, appId);
    expect(refreshed?.accessTokenExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 7_000_000);
    await worker.close();
    await producer.close();
  });

  it('skips the scan while more refreshes wait than the rate limit lets through in a minute', async () => {
    const appId = appIdOf(N + 2);
    await authorize(appId, new Date(Date.now() - 1000));
    const { tokens, producer } = await services();
    // No worker runs here: 60 queued refreshes are a minute's work at 1 per second.
    const sweep = createTokenSweep({ store, tokens, producer, refreshPerSecond: 1, logger: silent });
    const data = { componentAppId: C.appId, authorizerAppId: appIdOf(0), reason: 'sweep' as const };
    await producer.addBulk(
      Array.from({ length: 60 }, (_, i) => ({
        name: 'refresh-authorizer-token' as const,
        data,
        jobId: `backlog-${i}`,
        opts: { priority: 1 + i },
      })),
    );
    expect(await sweep()).toEqual({ enqueued: 0, requeued: 0, backlog: 60, skipped: true });
    await producer.remove('backlog-0');
    expect(await sweep()).toEqual({ enqueued: 1, requeued: 0, backlog: 59, skipped: false });
    const queued = (await producer.getJobIds(['prioritized', 'wait'])).filter((id) => id.startsWith(`refresh-${appId}-`));
    expect(queued).toHaveLength(1);
    for (const id of await producer.getJobIds(['prioritized', 'wait'])) await producer.remove(id);
    await producer.close();
  });
});
