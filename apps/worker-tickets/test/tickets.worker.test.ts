import { ComponentTokenService, TicketNotices } from '@weixin3rd/credentials';
import { Producer, createRedis } from '@weixin3rd/queues';
import { connectStore, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Transport } from '@weixin3rd/wechat-api';
import { World, build, componentForProject } from '@weixin3rd/wechat-sandbox';
import type { Job, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicketsWorker } from '../src/index.js';

const C = {
  appId: 'wx00000000000a7d01',
  appSecret: 'tickets-secret',
  token: 'tt',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
const C2 = { ...C, appId: 'wx00000000000a7d02' };
const C3 = { ...C, appId: 'wx00000000000a7d03' };
const silent = { info: () => undefined, warn: () => undefined };
let world: World;
let sandbox: FastifyInstance;
let db: TestDatabase;
let redis: TestRedis;
let store: Store;
let worker: Worker;
let producer: Producer<'tickets'>;
let notices: TicketNotices;

/** The job's outcome, from the worker's own events (registered before the job is added). */
function settled(jobId: string): Promise<{ value?: unknown; error?: Error }> {
  return new Promise((resolve) => {
    worker.on('completed', (job: Job, value: unknown) => job.id === jobId && resolve({ value }));
    worker.on('failed', (job: Job | undefined, error: Error) => job?.id === jobId && resolve({ error }));
  });
}

const pushed = (t: { value: string; issuedAtMs: number }) => ({
  componentAppId: C.appId,
  ticket: t.value,
  createTime: String(Math.floor(t.issuedAtMs / 1000)),
  receivedAt: new Date().toISOString(),
});

/** A ticket WeChat issued, already stored (as worker-tickets would have). */
async function saveTicket(appId: string): Promise<void> {
  const t = world.issueTicket(appId);
  await store.tickets.save(appId, t.value, Math.floor(t.issuedAtMs / 1000));
}

beforeAll(async () => {
  world = new World([C, C2, C3].map((c) => componentForProject(c, { publicBaseUrl: 'http://127.0.0.1:9' })));
  sandbox = await build({ world, onStartPushTicket: () => undefined });
  const transport = new Transport({ baseUrl: await sandbox.listen({ host: '127.0.0.1', port: 0 }), backoffMs: 10 });
  db = await openTestDatabase('worker-tickets');
  redis = openTestRedis('worker-tickets');
  store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 3) });
  for (const c of [C, C2, C3]) await store.components.upsert(c);
  const connection = redis.connect();
  const tokens = new ComponentTokenService({ store, redis: connection, prefix: redis.prefix, transport });
  notices = new TicketNotices(redis.prefix, connection, redis.connect(), store);
  worker = createTicketsWorker({ store, tokens, notices, connection, prefix: redis.prefix, logger: silent });
  producer = new Producer('tickets', createRedis(redis.url, 'producer'), redis.prefix);
  await producer.ready();
});
afterAll(async () => {
  await worker.close();
  await producer.close();
  await sandbox.close();
  await store.close();
  await db.drop();
  await redis.cleanup();
});

describe('worker-tickets', () => {
  it('stores a pushed ticket, tells waiters, and makes the component token from it; the same ticket again is a duplicate', async () => {
    await notices.listen();
    const ticket = world.issueTicket(C.appId);
    const job = pushed(ticket);
    const waiting = notices.wait(C.appId, null, 10_000);
    const first = settled('t-1');
    await producer.add('ticket', job, 't-1');
    expect(await first).toEqual({ value: 'stored' });
    expect(await waiting).toBe(Number(job.createTime));
    expect(await store.tickets.latest(C.appId)).toMatchObject({ value: ticket.value, createTime: Number(job.createTime) });
    const token = await store.componentTokens.get(C.appId);
    expect(token?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);

    const again = settled('t-2');
    await producer.add('ticket', job, 't-2');
    expect(await again).toEqual({ value: 'duplicate' });
    expect(world.calls.filter((c) => c.api === 'api_component_token' && c.errcode === 0)).toHaveLength(1);
  });

  it('checks a component on the schedule, leaving a fresh token alone', async () => {
    await saveTicket(C2.appId);
    await store.componentTokens.save(C2.appId, 'fresh-token', new Date(Date.now() + 7_000_000), 0);
    const before = world.calls.filter((c) => c.api === 'api_component_token').length;
    const done = settled('check-1');
    await producer.add('ensure-component-token', { componentAppId: C2.appId, reason: 'schedule' }, 'check-1');
    expect(await done).toEqual({ value: undefined });
    expect(world.calls.filter((c) => c.api === 'api_component_token')).toHaveLength(before);
  });

  it('fails a configuration error for good (a wrong secret): no retry storm', async () => {
    await saveTicket(C3.appId);
    world.addFault({ api: 'api_component_token', kind: 'errcode', errcode: 40013, remaining: 1 });
    const done = settled('check-2');
    await producer.add('ensure-component-token', { componentAppId: C3.appId, reason: 'schedule' }, 'check-2', { attempts: 3 });
    const { error } = await done;
    expect(error?.name).toBe('UnrecoverableError');
    expect(error?.message).toMatch(/40013.*fix the component's configuration/);
  });
});
