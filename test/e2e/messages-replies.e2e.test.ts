import { handleMessages, type MessageReply, type ServiceMessageJob } from '@weixin3rd/events';
import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { parseXml } from '@weixin3rd/wechat-xml';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './processes.js';
import { COMPONENT, startMessagesStack, type MessagesStack } from './messages-stack.js';

const OA = 'wx00000000000e1a01';
const MINI = 'wx00000000000e1a02';
const OTHER = 'wx00000000000e1a03';
const BUDGET_MS = 1500;

let s: MessagesStack;
const workers: Worker[] = [];
const seen: { service: string; msg: ServiceMessageJob }[] = [];

const article = { title: '新品', description: '秋季新品', picUrl: 'http://img.example/1.png', url: 'http://shop.example/1' };
const replies: Record<string, MessageReply> = {
  text: { type: 'text', content: '你好，已收到' },
  image: { type: 'image', mediaId: 'media-image-1' },
  voice: { type: 'voice', mediaId: 'media-voice-1' },
  video: { type: 'video', mediaId: 'media-video-1', title: '视频', description: '介绍' },
  music: {
    type: 'music',
    title: '歌',
    musicUrl: 'http://m.example/1.mp3',
    hqMusicUrl: 'http://m.example/1hq.mp3',
    thumbMediaId: 'thumb-1',
  },
  news: { type: 'news', articles: [article, { ...article, title: '第二篇' }] },
  kf: { type: 'transfer_customer_service' },
};

beforeAll(async () => {
  s = await startMessagesStack('e2e-msg-replies', 1, { INGRESS_REPLY_BUDGET_MS: String(BUDGET_MS), MESSAGE_ROUTES_RELOAD_SECONDS: '3600' });
  await s.account(OA, 'gh_0000000e1a01', 'official', 'shop-1');
  await s.account(MINI, 'gh_0000000e1a02', 'mini');
  await s.account(OTHER, 'gh_0000000e1a03', 'official');
  const handler = (service: string) => async (msg: ServiceMessageJob) => {
    seen.push({ service, msg });
    const content = msg.message.Content ?? '';
    if (content === 'slow') await new Promise((r) => setTimeout(r, BUDGET_MS + 500));
    if (service === 'vip') return { type: 'text', content: `vip:${content}` } satisfies MessageReply;
    return replies[content.replace(/^(slow|again-\d+)$/, 'text')];
  };
  for (const service of ['crm', 'vip'])
    workers.push(handleMessages(service, handler(service), { connection: s.redis.url, prefix: s.redis.prefix, concurrency: 4 }));
  for (const appid of [OA, MINI]) {
    const res = await s.api('POST', '/api/v1/message-routes', { service: 'crm', priority: 1, match: { authorizerAppId: appid } });
    expect(res.status).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await s.close();
});

const handledOnce = (content: string) => seen.filter((x) => x.msg.message.Content === content);

describe('messages through real processes: routes and replies', () => {
  it('answers every reply type passively, encrypted, To/From swapped', async () => {
    for (const [content, reply] of Object.entries(replies)) {
      const record = await waitFor(async () => {
        const r = await s.push(OA, { msgType: 'text', content, openid: 'oUserA' });
        return r.outcome === 'replied' ? r : undefined;
      });
      const fields = record.replyFields as Record<string, unknown>;
      expect(fields).toMatchObject({ ToUserName: 'oUserA', FromUserName: 'gh_0000000e1a01' });
      expect(fields.MsgType).toBe(reply.type);
      if (reply.type === 'text') expect(fields.Content).toBe('你好，已收到');
      if (reply.type === 'image') expect(fields.Image).toEqual({ MediaId: 'media-image-1' });
      if (reply.type === 'news')
        expect(fields).toMatchObject({ ArticleCount: '2', Articles: { item: [{ Title: '新品' }, { Title: '第二篇' }] } });
      if (reply.type === 'music') expect(fields.Music).toMatchObject({ ThumbMediaId: 'thumb-1', HQMusicUrl: 'http://m.example/1hq.mp3' });
    }
    const message = handledOnce('text')[0]?.msg;
    expect(message).toMatchObject({
      componentAppId: COMPONENT,
      authorizerAppId: OA,
      shopId: 'shop-1',
      message: { MsgType: 'text', FromUserName: 'oUserA' },
    });
    expect(message?.xml).toContain('<Content><![CDATA[text]]></Content>');
    const stored = await s.message(message?.dedupeKey ?? '');
    expect(stored).toMatchObject({ status: 'handled', service: 'crm', reply: { type: 'text', delivery: 'passive' } });
  });

  it('gives a mini program only transfer_customer_service passively; other replies leave by the customer-service path', async () => {
    const kf = await s.push(MINI, { msgType: 'text', content: 'kf', openid: 'oMini' });
    expect(kf.outcome).toBe('replied');
    expect(kf.replyFields).toMatchObject({ MsgType: 'transfer_customer_service', ToUserName: 'oMini' });
    const text = await s.push(MINI, { msgType: 'text', content: 'text', openid: 'oMini' });
    expect(text.outcome).toBe('acknowledged');
    const key = handledOnce('text').find((x) => x.msg.authorizerAppId === MINI)?.msg.dedupeKey ?? '';
    const stored = await waitFor(async () => {
      const m = await s.message(key);
      return m?.reply ? m : undefined;
    });
    expect(stored.reply?.delivery).not.toBe('passive');
  });

  it('answers success at once when no rule matches, and records the message', async () => {
    const record = await s.push(OTHER, { msgType: 'text', content: 'hello', openid: 'oOther', msgId: '777001' });
    expect(record.outcome).toBe('acknowledged');
    expect(record.attempts[0]?.durationMs).toBeLessThan(BUDGET_MS);
    const stored = await waitFor(async () => (await s.message(`${COMPONENT}/${OTHER}/msg/777001`)) ?? undefined);
    expect(stored).toMatchObject({ status: 'unrouted', service: null, openid: 'oOther' });
  });

  it('sends a reply ready after the budget by the customer-service path, and answers success in time', async () => {
    const record = await s.push(OA, { msgType: 'text', content: 'slow', openid: 'oSlow' });
    expect(record.outcome).toBe('acknowledged');
    const key = (await waitFor(async () => handledOnce('slow')[0])).msg.dedupeKey;
    const stored = await waitFor(async () => {
      const m = await s.message(key);
      return m?.reply ? m : undefined;
    });
    expect(stored).toMatchObject({ status: 'handled', reply: { type: 'text' } });
    expect(stored.reply?.delivery).not.toBe('passive');
  });

  it('reloads the rules within moments of a change: a higher-priority route takes over', async () => {
    const before = await s.push(OA, { msgType: 'text', content: 'vip 1', openid: 'oVip' });
    expect(before.outcome).toBe('acknowledged'); // crm has no reply for it
    const created = await s.api('POST', '/api/v1/message-routes', { service: 'vip', priority: 10, match: { content: { prefix: 'vip' } } });
    expect(created.status).toBe(201);
    const routed = await waitFor(
      async () => {
        const r = await s.push(OA, { msgType: 'text', content: 'vip 2', openid: 'oVip' });
        return r.outcome === 'replied' ? r : undefined;
      },
      5_000,
      'the vip route to take effect',
    );
    expect(routed.replyFields).toMatchObject({ Content: 'vip:vip 2' });
    const id = (await created.json()) as { id: string };
    expect((await s.api('DELETE', `/api/v1/message-routes/${id.id}`)).status).toBe(200);
    await waitFor(
      async () => {
        const r = await s.push(OA, { msgType: 'text', content: 'vip 3', openid: 'oVip' });
        return r.outcome === 'acknowledged' ? r : undefined;
      },
      5_000,
      'the vip route to be gone',
    );
  });

  it('routes a message delivered three times once, and answers each delivery with the same reply', async () => {
    const crypto = new WeChatCrypto({
      token: SANDBOX_DEV_COMPONENT.token,
      encodingAesKey: SANDBOX_DEV_COMPONENT.encodingAesKey,
      receiveId: COMPONENT,
    });
    const inner = `<xml><ToUserName><![CDATA[gh_0000000e1a01]]></ToUserName><FromUserName><![CDATA[oTwice]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[again-1]]></Content><MsgId>888001</MsgId></xml>`;
    const contents: string[] = [];
    for (let delivery = 0; delivery < 3; delivery++) {
      // WeChat re-sends the same ciphertext; only the query is re-signed here for each request.
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = String(1000 + delivery);
      const parts = crypto.encryptPush(inner, { timestamp, nonce });
      const query = new URLSearchParams({
        timestamp,
        nonce,
        encrypt_type: 'aes',
        msg_signature: parts.msgSignature,
        signature: parts.signature,
      });
      const res = await fetch(`${s.ingressUrl}/wechat/${COMPONENT}/accounts/${OA}/messages?${query.toString()}&openid=oTwice`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: `<xml><ToUserName><![CDATA[gh_0000000e1a01]]></ToUserName><Encrypt><![CDATA[${parts.encrypt}]]></Encrypt></xml>`,
      });
      const outer = parseXml(await res.text());
      const reply = crypto.decryptPush({
        encrypt: String(outer.Encrypt),
        msgSignature: String(outer.MsgSignature),
        timestamp: String(outer.TimeStamp),
        nonce: String(outer.Nonce),
      });
      contents.push(String(parseXml(reply.message).Content));
    }
    expect(contents).toEqual(['你好，已收到', '你好，已收到', '你好，已收到']);
    expect(handledOnce('again-1')).toHaveLength(1);
  });
});
