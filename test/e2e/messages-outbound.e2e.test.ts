import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { createRedis, type MessageReply, type OutboundMessageJob } from '@weixin3rd/queues';
import { connectStore, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { OutboundSender } from '@weixin3rd/worker-messages';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY, stackEnv, startApp, waitFor, waitForComponentToken, type RunningProcess } from './processes.js';

const C = SANDBOX_DEV_COMPONENT.appId;
const OA = 'wx1a2b3c4d5e6f7001';
const MP = 'wx1a2b3c4d5e6f7002';
const DATA_KEY = Buffer.alloc(32, 7);
let db: TestDatabase;
let redis: TestRedis;
let store: Store;
let sender: OutboundSender;
let sandboxUrl: string;
const running: RunningProcess[] = [];

interface CustomMessage {
  authorizerAppId: string;
  touser: string;
  msgtype: string;
  content: string;
  body: Record<string, unknown>;
}
interface Call {
  api: string;
  errcode: number;
  body: { touser?: string } | string;
}

const sandbox = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${sandboxUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
};
const customMessagesTo = async (touser: string) =>
  (await sandbox<CustomMessage[]>('GET', '/sandbox/custom-messages')).filter((m) => m.touser === touser);
// A faulted call is recorded before its body is parsed: the raw text.
const sendCallsTo = async (touser: string) =>
  (await sandbox<Call[]>('GET', '/sandbox/calls?api=custom_send')).filter(
    (c) => (typeof c.body === 'string' ? (JSON.parse(c.body) as { touser?: string }) : c.body).touser === touser,
  );
/** The outcome recorded on the answered message, once there is one. */
const outcomeOf = (dedupeKey: string) =>
  waitFor(async () => (await store.messages.outboundOf(C, dedupeKey)) ?? undefined, 15_000, `the outcome of ${dedupeKey}`);

/** An authorized account whose user `openid` just wrote to it (the 48 h window is open). */
async function userWrote(appId: string, funcInfo: number[], openid: string): Promise<void> {
  await sandbox('POST', '/sandbox/consent', { componentAppId: C, authorizerAppId: appId, funcInfo });
  await waitFor(async () => ((await store.authorizers.find(C, appId))?.funcInfo.join() === funcInfo.join() ? true : undefined));
  await sandbox('POST', '/sandbox/messages', { componentAppId: C, authorizerAppId: appId, msgType: 'text', content: 'hi', openid });
}

const job = (appId: string, openid: string, key: string, reply: OutboundMessageJob['reply']): OutboundMessageJob => ({
  componentAppId: C,
  authorizerAppId: appId,
  openid,
  dedupeKey: `${C}/${appId}/msg/${key}`,
  reply,
  reason: 'late',
});

beforeAll(async () => {
  db = await openTestDatabase('e2e-outbound');
  redis = openTestRedis('e2e-outbound');
  const stack = await stackEnv(db.uri, redis.url, redis.prefix, { DATA_KEY: DATA_KEY.toString('base64') });
  sandboxUrl = stack.sandboxUrl;
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization', 'worker-messages'])
    running.push(await startApp(name, stack.env, READY[name] as RegExp));
  await waitForComponentToken(sandboxUrl);
  store = await connectStore(db.uri, { dataKey: DATA_KEY });
  sender = new OutboundSender(createRedis(redis.url, 'worker'), redis.prefix);
});

afterAll(async () => {
  await sender.close();
  await Promise.all(running.map((p) => p.stop()));
  await store.close();
  await db.drop();
  await redis.cleanup();
});

describe('no account refused (real processes, the sandbox)', () => {
  it('answers success for an account the store does not hold, learns it with one lookup, then routes its messages', async () => {
    // Authorized at WeChat before this deployment existed: no push ever reached us.
    const unknown = 'wx8e1097c5bc82cde9';
    await sandbox('POST', '/sandbox/consent', { componentAppId: C, authorizerAppId: unknown, push: false });
    expect(await store.authorizers.find(C, unknown)).toBeNull();
    const push = (content: string) =>
      sandbox<{ outcome: string; replyFields: Record<string, string> | null; attempts: { status: number }[] }>(
        'POST',
        '/sandbox/messages',
        {
          componentAppId: C,
          authorizerAppId: unknown,
          msgType: 'text',
          content,
          openid: 'oFlood',
        },
      );
    // A flood: the built-in 全网发布 responder's text case among plain messages.
    const records = await Promise.all([push('TESTCOMPONENT_MSG_TYPE_TEXT'), ...Array.from({ length: 9 }, (_, i) => push(`hello ${i}`))]);
    for (const r of records) expect(r.attempts.map((a) => a.status)).toEqual([200]);
    expect(records.slice(1).map((r) => r.outcome)).toEqual(Array(9).fill('acknowledged'));
    // Kept, learned and routed within the ingress budget: the passive reply came back.
    expect(records[0]).toMatchObject({ outcome: 'replied', replyFields: { Content: 'TESTCOMPONENT_MSG_TYPE_TEXT_callback' } });
    expect(await store.authorizers.find(C, unknown)).toMatchObject({ status: 'authorized', shopId: null, userName: 'gh_3f222ed8d140' });
    const lookups = (await sandbox<{ body: { authorizer_appid?: string } }[]>('GET', '/sandbox/calls?api=api_get_authorizer_info')).filter(
      (c) => c.body.authorizer_appid === unknown,
    );
    expect(lookups).toHaveLength(1);
    const events = new Queue('authorizer-events', { connection: redis.connect(), prefix: redis.prefix });
    const published = (await events.getJobs(['waiting', 'completed', 'delayed'])).filter((j) => j.data.authorizerAppId === unknown);
    expect(published.map((j) => j.data.type)).toEqual(['authorized']);
    await events.close();
  });
});

describe('late replies through /cgi-bin/message/custom/send (real processes, the sandbox)', () => {
  it('sends every reply type of an official account once, and records each outcome', async () => {
    await userWrote(OA, [1], 'oLate');
    const article = { title: 'A', description: 'd', picUrl: 'http://p/a.png', url: 'http://a' };
    const replies: MessageReply[] = [
      { type: 'text', content: '您好' },
      { type: 'image', mediaId: 'IMG1' },
      { type: 'voice', mediaId: 'VOICE1' },
      { type: 'video', mediaId: 'VIDEO1', title: 't', description: 'd' },
      { type: 'music', title: 'm', musicUrl: 'http://m', hqMusicUrl: 'http://hq', thumbMediaId: 'THUMB1' },
      { type: 'news', articles: [article, { ...article, title: 'B' }] },
    ];
    // Each enqueued twice, as a retried delivery would: sent once.
    for (const [i, reply] of replies.entries()) for (let n = 0; n < 2; n++) await sender.send(job(OA, 'oLate', `late-${i}`, reply));
    const sent = await waitFor(async () => {
      const got = await customMessagesTo('oLate');
      return got.length >= replies.length ? got : undefined;
    });
    expect(sent.map((m) => m.msgtype).sort()).toEqual(['image', 'music', 'news', 'text', 'video', 'voice']);
    expect(sent.find((m) => m.msgtype === 'text')?.body).toEqual({ touser: 'oLate', msgtype: 'text', text: { content: '您好' } });
    expect(sent.find((m) => m.msgtype === 'music')?.body.music).toEqual({
      title: 'm',
      musicurl: 'http://m',
      hqmusicurl: 'http://hq',
      thumb_media_id: 'THUMB1',
    });
    // Customer-service news takes one article: the first.
    expect(sent.find((m) => m.msgtype === 'news')?.body.news).toEqual({
      articles: [{ title: 'A', description: 'd', url: 'http://a', picurl: 'http://p/a.png' }],
    });
    for (let i = 0; i < replies.length; i++)
      expect(await outcomeOf(`${C}/${OA}/msg/late-${i}`)).toMatchObject({ status: 'sent', errcode: 0 });
    expect(await sendCallsTo('oLate')).toHaveLength(replies.length);

    // transfer_customer_service has no API form: recorded as skipped, nothing sent.
    await sender.send(job(OA, 'oLate', 'late-transfer', { type: 'transfer_customer_service' }));
    expect(await outcomeOf(`${C}/${OA}/msg/late-transfer`)).toMatchObject({ status: 'skipped', errcode: null });
    expect(await sendCallsTo('oLate')).toHaveLength(replies.length);
  });

  it('retries -1 and a 5xx, then sends once', async () => {
    await userWrote(OA, [1], 'oRetry');
    await sandbox('POST', '/sandbox/faults', { api: 'custom_send', kind: 'busy', remaining: 2 });
    await sandbox('POST', '/sandbox/faults', { api: 'custom_send', kind: 'http5xx', status: 502, remaining: 1 });
    await sender.send(job(OA, 'oRetry', 'retry-1', { type: 'text', content: 'after retries' }));
    expect(await outcomeOf(`${C}/${OA}/msg/retry-1`)).toMatchObject({ status: 'sent' });
    expect((await sendCallsTo('oRetry')).map((c) => c.errcode)).toEqual([-1, -1, -502, 0]);
    expect(await customMessagesTo('oRetry')).toHaveLength(1);
  });

  it('records 45015 outside the 48 h window on the message and does not retry it', async () => {
    await userWrote(OA, [1], 'oOld');
    // WeChat's answer for a user whose last message is over 48 h old (the sandbox's window rule
    // itself is tested in its own suite).
    await sandbox('POST', '/sandbox/faults', { api: 'custom_send', kind: 'errcode', errcode: 45015, remaining: 1 });
    await sender.send(job(OA, 'oOld', 'old-1', { type: 'text', content: 'too late' }));
    expect(await outcomeOf(`${C}/${OA}/msg/old-1`)).toMatchObject({ status: 'failed', errcode: 45015 });
    // The stale token is refused once (42001 expired, or 40001 superseded) and refreshed; then WeChat
    // refuses the send itself, and that is not tried again.
    const sends = (await sendCallsTo('oOld')).map((c) => c.errcode);
    expect(sends.filter((e) => e !== 42001 && e !== 40001)).toEqual([45015]);
    expect(await customMessagesTo('oOld')).toEqual([]);
  });

  it('sends a mini program reply by the customer-service API: news as a link card, voice not at all', async () => {
    await userWrote(MP, [19], 'oMini');
    await sender.send({ ...job(MP, 'oMini', 'mini-1', { type: 'text', content: '小程序客服' }), reason: 'mini-program' });
    await sender.send({
      ...job(MP, 'oMini', 'mini-2', { type: 'news', articles: [{ title: 'T', description: 'D', picUrl: 'http://p', url: 'http://u' }] }),
      reason: 'mini-program',
    });
    await sender.send({ ...job(MP, 'oMini', 'mini-3', { type: 'voice', mediaId: 'V' }), reason: 'mini-program' });
    expect(await outcomeOf(`${C}/${MP}/msg/mini-1`)).toMatchObject({ status: 'sent' });
    expect(await outcomeOf(`${C}/${MP}/msg/mini-2`)).toMatchObject({ status: 'sent' });
    expect(await outcomeOf(`${C}/${MP}/msg/mini-3`)).toMatchObject({ status: 'skipped' });
    const sent = await customMessagesTo('oMini');
    expect(sent.map((m) => m.msgtype).sort()).toEqual(['link', 'text']);
    expect(sent.find((m) => m.msgtype === 'link')?.body.link).toEqual({
      title: 'T',
      description: 'D',
      url: 'http://u',
      thumb_url: 'http://p',
    });
  });
});
