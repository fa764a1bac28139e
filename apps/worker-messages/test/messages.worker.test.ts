import { ReplyBus } from '@weixin3rd/handoffs';
import { MessageSequence, Producer, RouteTable, accountKey, createRedis, jobIds, type SequencedMessage } from '@weixin3rd/queues';
import { connectStore, type MessageDoc, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import type { Job, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessagesWorker } from '../src/messages.worker.js';
import { OutboundSender } from '../src/outbound/outbound-sender.js';
import { AccountInfoCache } from '../src/routing/account-info.js';

const COMPONENT = 'wx00000000000a7e01';
const silent = { info: () => undefined, warn: () => undefined };
let db: TestDatabase;
// The raw record, from the test database's own connection (the store has no reader for it).
const stored = (id: string) => db.connection.collection<MessageDoc>('messages').findOne({ _id: id });
let redis: TestRedis;
let store: Store;
let worker: Worker;
let producer: Producer<'account-messages'>;
let sequence: MessageSequence;
let replies: ReplyBus;
let closers: (() => Promise<unknown>)[] = [];
/** What the line was asked to release to a service (the LineKeeper's part, tested on its own). */
const released: SequencedMessage[] = [];

const xml = (from: string, body: string) =>
  `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>1700000000</CreateTime>${body}</xml>`;

/** Enqueues a message as the ingress does (numbered in its account's line) and resolves with the job's return value. */
async function deliver(appId: string, msgId: string, body: string): Promise<{ key: string; value: unknown }> {
  const key = `${COMPONENT}/${appId}/${msgId}`;
  const { seq, priority } = await sequence.assign(accountKey(COMPONENT, appId), key);
  const done = new Promise<unknown>((resolve) =>
    worker.on('completed', (job: Job, value: unknown) => job.id === jobIds.message(key) && resolve(value)),
  );
  const job = {
    componentAppId: COMPONENT,
    authorizerAppId: appId,
    dedupeKey: key,
    receivedAt: new Date().toISOString(),
    xml: xml('oUser', body),
    awaitingReply: true,
  };
  await producer.add('message', seq === undefined ? job : { ...job, seq }, jobIds.message(key), { priority });
  return { key, value: await done };
}

beforeAll(async () => {
  db = await openTestDatabase('worker-messages');
  redis = openTestRedis('worker-messages');
  store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 4) });
  const connection = redis.connect();
  sequence = new MessageSequence(connection, redis.prefix);
  replies = new ReplyBus(redis.prefix, connection, redis.connect());
  producer = new Producer('account-messages', createRedis(redis.url, 'producer'), redis.prefix);
  await producer.ready();
  const authorization = new Producer('authorization', createRedis(redis.url, 'producer'), redis.prefix);
  const outbound = new OutboundSender(createRedis(redis.url, 'producer'), redis.prefix);
  const routes = new RouteTable([
    { id: 'r-text', service: 'crm', priority: 1, enabled: true, match: { msgType: 'text' }, createdAt: new Date() },
  ]);
  worker = createMessagesWorker({
    release: { store, authorization, outbound },
    replies,
    connection,
    prefix: redis.prefix,
    store,
    routes: { current: routes },
    sequence,
    line: { release: async (next) => void released.push(next) },
    accounts: new AccountInfoCache(store),
    logger: silent,
  });
  closers = [() => worker.close(), () => producer.close(), () => authorization.close(), () => outbound.close()];
});
afterAll(async () => {
  for (const close of closers) await close();
  await store.close();
  await db.drop();
  await redis.cleanup();
});

describe('worker-messages: account-messages', () => {
  it('routes a matching message to its service through the line, and records it queued', async () => {
    const { key, value } = await deliver(
      'wx00000000000b7e01',
      '1001',
      '<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content><MsgId>1001</MsgId>',
    );
    expect(value).toBe('queued');
    // First in its account's line: released at once.
    expect(released.filter((m) => m.job.dedupeKey === key)).toMatchObject([
      { jobId: jobIds.serviceMessage(key), service: 'crm', routeId: 'r-text' },
    ]);
    expect(await stored(key)).toMatchObject({
      status: 'queued',
      service: 'crm',
      routeId: 'r-text',
      msgType: 'text',
      openid: 'oUser',
    });
  });

  it('records a message no rule takes as unrouted and tells the waiting ingress there is no reply', async () => {
    const { key, value } = await deliver(
      'wx00000000000b7e02',
      'evt',
      '<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>',
    );
    expect(value).toBe('unrouted');
    expect(await replies.wait(key, 1_000)).toBeNull();
    expect(await stored(key)).toMatchObject({ status: 'unrouted', service: null, event: 'subscribe' });
    expect(released.filter((m) => m.job.dedupeKey === key)).toEqual([]);
  });
});
