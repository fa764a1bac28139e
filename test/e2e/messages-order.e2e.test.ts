import { handleMessages, type ServiceMessageJob } from '@weixin3rd/events';
import { MessageSequence, Producer, accountKey, createRedis, jobIds } from '@weixin3rd/queues';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './processes.js';
import { COMPONENT, startMessagesStack, type MessagesStack } from './messages-stack.js';

const ACCOUNTS = ['wx00000000000e2b01', 'wx00000000000e2b02', 'wx00000000000e2b03', 'wx00000000000e2b04', 'wx00000000000e2b05'];
const HUNG = 'wx00000000000e2b06';
const FLOOD = 'wx00000000000e2b07';
const QUIET = 'wx00000000000e2b08';
const PER_ACCOUNT = 30;
const HANDLER_TIMEOUT_MS = 1500;
/**
 * How long the handler takes for a flood message. "Ahead" counts flood messages started while the
 * quiet account's message crossed the ingress, routing and the handler queue; that crossing takes
 * 50-350 ms on a busy 2-core machine whatever the fairness, so a flood message must take longer
 * than that for the count to measure queueing behind the flood rather than machine speed.
 */
const FLOOD_HANDLER_MS = 250;

let s: MessagesStack;
const workers: Worker[] = [];
/** Per account: messages in the order the handler started them, and how many were in a handler at once. */
const started = new Map<string, string[]>();
const inFlight = new Map<string, number>();
let overlaps = 0;
const hung: (() => void)[] = [];
/** When the handler started each flood message, and the quiet account's message (with its arrival). */
const floodStarts: number[] = [];
let quiet: { receivedAt: number; startedAt: number } | null = null;

beforeAll(async () => {
  // Three worker-messages processes; the ingress waits for no reply (the sends below are sequential per account).
  s = await startMessagesStack('e2e-msg-order', 3, {
    INGRESS_REPLY_BUDGET_MS: '0',
    MESSAGE_HANDLER_TIMEOUT_MS: String(HANDLER_TIMEOUT_MS),
  });
  for (const [i, appid] of [...ACCOUNTS, HUNG, FLOOD, QUIET].entries()) await s.account(appid, `gh_0000000e2b0${i}`, 'official');
  const res = await s.api('POST', '/api/v1/message-routes', { service: 'crm', priority: 1, match: { componentAppId: COMPONENT } });
  expect(res.status).toBe(201);
  const handler = async (msg: ServiceMessageJob) => {
    const acct = msg.authorizerAppId;
    const n = (inFlight.get(acct) ?? 0) + 1;
    inFlight.set(acct, n);
    if (n > 1) overlaps++;
    started.set(acct, [...(started.get(acct) ?? []), msg.message.Content ?? '']);
    if (acct === FLOOD) floodStarts.push(Date.now());
    if (acct === QUIET) quiet = { receivedAt: Date.parse(msg.receivedAt), startedAt: Date.now() };
    if (msg.message.Content === 'hang') await new Promise<void>((resolve) => hung.push(resolve));
    else await new Promise((r) => setTimeout(r, acct === FLOOD ? FLOOD_HANDLER_MS : Math.random() * 20));
    inFlight.set(acct, (inFlight.get(acct) ?? 1) - 1);
    return undefined;
  };
  // Two handler processes' worth of workers, 4 at a time each, on the one queue messages.crm.
  for (let i = 0; i < 2; i++)
    workers.push(handleMessages('crm', handler, { connection: s.redis.url, prefix: s.redis.prefix, concurrency: 4, timeoutMs: 60_000 }));
}, 90_000);

afterAll(async () => {
  hung.forEach((resolve) => resolve());
  await Promise.all(workers.map((w) => w.close()));
  await s.close();
});

describe('order and fairness of messages with 3 worker-messages processes', () => {
  it('hands each account its messages one at a time, in the order they arrived', async () => {
    await Promise.all(
      ACCOUNTS.map(async (appid) => {
        for (let i = 0; i < PER_ACCOUNT; i++) {
          const r = await s.push(appid, { msgType: 'text', content: String(i), openid: `o${appid}` });
          expect(r.outcome).toBe('acknowledged');
        }
      }),
    );
    await waitFor(async () => (ACCOUNTS.every((a) => started.get(a)?.length === PER_ACCOUNT) ? true : undefined), 60_000, 'every message');
    for (const appid of ACCOUNTS) expect(started.get(appid)).toEqual(Array.from({ length: PER_ACCOUNT }, (_, i) => String(i)));
    expect(overlaps).toBe(0);
    // The worker processes really shared the work.
    const routedBy = await Promise.all(s.running.filter((p) => p.name === 'worker-messages').map((p) => p.output.join('').length));
    expect(routedBy).toHaveLength(3);
  });

  it('lets a hung handler hold its account no longer than MESSAGE_HANDLER_TIMEOUT_MS', async () => {
    expect((await s.push(HUNG, { msgType: 'text', content: 'hang', openid: 'oHung', msgId: '990001' })).outcome).toBe('acknowledged');
    expect((await s.push(HUNG, { msgType: 'text', content: 'after', openid: 'oHung' })).outcome).toBe('acknowledged');
    await waitFor(async () => (started.get(HUNG)?.includes('hang') ? true : undefined), 10_000, 'the hung message to start');
    const since = Date.now();
    await waitFor(async () => (started.get(HUNG)?.includes('after') ? true : undefined), 20_000, 'the next message after the bound');
    // The bound, plus at most one sweep period (5 s) to notice.
    expect(Date.now() - since).toBeGreaterThanOrEqual(HANDLER_TIMEOUT_MS - 200);
    // Recorded by the hand-off, alongside releasing the next message.
    const record = await waitFor(async () => {
      const m = await s.message(`${COMPONENT}/${HUNG}/msg/990001`);
      return m?.status === 'timed_out' ? m : undefined;
    });
    expect(record.error).toBe('HANDLER_TIMEOUT');
  });

  it('does not let one account with 10 000 messages delay another by more than a few of its own', async () => {
    // The flood is numbered and enqueued exactly as the ingress does it, without 10 000 HTTP round trips.
    const connection = createRedis(s.redis.url, 'producer');
    const producer = new Producer('account-messages', connection, s.redis.prefix);
    await producer.ready();
    const sequence = new MessageSequence(connection, s.redis.prefix);
    const acct = accountKey(COMPONENT, FLOOD);
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, async (_, j) => {
          const key = `${COMPONENT}/${FLOOD}/msg/${i + j + 1}`;
          const { seq, priority } = await sequence.assign(acct, key);
          const xml = `<xml><ToUserName><![CDATA[gh_0000000e2b06]]></ToUserName><FromUserName><![CDATA[oFlood]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[f${i + j}]]></Content><MsgId>${i + j + 1}</MsgId></xml>`;
          const job = {
            componentAppId: COMPONENT,
            authorizerAppId: FLOOD,
            dedupeKey: key,
            receivedAt: new Date().toISOString(),
            xml,
            awaitingReply: false,
          };
          await producer.add('message', seq === undefined ? job : { ...job, seq }, jobIds.message(key), { priority });
        }),
      );
    }
    await waitFor(async () => ((started.get(FLOOD)?.length ?? 0) >= 8 ? true : undefined), 30_000, 'the flood to be handled');
    expect((await s.push(QUIET, { msgType: 'text', content: 'hello', openid: 'oQuiet' })).outcome).toBe('acknowledged');
    const q = await waitFor(async () => quiet ?? undefined, 30_000, 'the quiet account');
    // The flood's messages that reached the handler between the quiet message's arrival at the ingress and its own turn.
    const ahead = floodStarts.filter((t) => t >= q.receivedAt && t <= q.startedAt).length;
    expect(ahead, `flood messages ahead; the quiet one took ${q.startedAt - q.receivedAt} ms`).toBeLessThanOrEqual(5);
    expect(started.get(FLOOD)?.length).toBeLessThan(10_000);
    await producer.close();
  }, 120_000);
});
