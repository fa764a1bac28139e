import { createWorker } from '@weixin3rd/queues';
import { parseXml, textReply } from '@weixin3rd/wechat-xml';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZER, COMPONENT, jobCount, post, signedPush, startIngress, type Ingress } from './harness.js';

let ing: Ingress;
let worker: Worker;
const handled: string[] = [];
beforeAll(async () => {
  ing = await startIngress('ingress-messages', { replyBudgetMs: 4000 });
  // Plays worker-messages: "ping" gets a passive reply, "slow" answers late, anything else none.
  worker = createWorker(
    'account-messages',
    {
      message: async (data) => {
        handled.push(data.dedupeKey);
        const f = parseXml(data.xml);
        if (f.Content === 'slow') await new Promise((r) => setTimeout(r, 600));
        const reply =
          f.Content === 'ping' || f.Content === 'slow'
            ? textReply({
                toUser: String(f.FromUserName),
                fromUser: String(f.ToUserName),
                createTime: 1,
                content: `pong:${String(f.Content)}`,
              })
            : null;
        await ing.replies.offer(data.dedupeKey, reply);
      },
    },
    { connection: ing.redis.connect(), prefix: ing.redis.prefix },
  );
});
afterAll(async () => {
  await worker.close();
  await ing.close();
});

const url = (appid = AUTHORIZER) => `${ing.url}/wechat/${COMPONENT.appId}/accounts/${appid}/messages`;
const message = (content: string, msgId: string) =>
  `<xml><ToUserName><![CDATA[gh_5a0d1e2f3a01]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
const envelope = (e: string) => `<xml><ToUserName><![CDATA[gh_5a0d1e2f3a01]]></ToUserName><Encrypt><![CDATA[${e}]]></Encrypt></xml>`;

describe('POST /wechat/:componentAppId/accounts/:appid/messages', () => {
  it('answers an encrypted passive reply produced by the worker', async () => {
    const push = signedPush(ing.crypto, message('ping', '10001'), envelope);
    const res = await post(`${url()}?${push.query}&openid=oUser`, push.body);
    expect(res.status).toBe(200);
    const outer = parseXml(await res.text());
    const inner = ing.crypto.decryptPush({
      encrypt: String(outer.Encrypt),
      msgSignature: String(outer.MsgSignature),
      timestamp: String(outer.TimeStamp),
      nonce: String(outer.Nonce),
    });
    expect(parseXml(inner.message)).toMatchObject({ ToUserName: 'oUser', FromUserName: 'gh_5a0d1e2f3a01', Content: 'pong:ping' });
    expect(outer.Nonce).toBe(push.nonce);
  });

  it('answers success as soon as the worker says there is no reply, well inside the budget', async () => {
    const push = signedPush(ing.crypto, message('hello', '10002'), envelope);
    const started = Date.now();
    const res = await post(`${url()}?${push.query}`, push.body);
    expect(await res.text()).toBe('success');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('processes a duplicate delivery once and gives it the same reply', async () => {
    const first = signedPush(ing.crypto, message('slow', '10003'), envelope);
    const second = signedPush(ing.crypto, message('slow', '10003'), envelope);
    const [a, b] = await Promise.all([post(`${url()}?${first.query}`, first.body), post(`${url()}?${second.query}`, second.body)]);
    for (const res of [a, b]) {
      const outer = parseXml(await res.text());
      const inner = ing.crypto.decryptPush({
        encrypt: String(outer.Encrypt),
        msgSignature: String(outer.MsgSignature),
        timestamp: String(outer.TimeStamp),
        nonce: String(outer.Nonce),
      });
      expect(parseXml(inner.message).Content).toBe('pong:slow');
    }
    expect(handled.filter((k) => k.endsWith('/msg/10003'))).toHaveLength(1);
  });

  it('dedupes events by FromUserName + CreateTime + Event', async () => {
    const event =
      '<xml><ToUserName>gh_5a0d1e2f3a01</ToUserName><FromUserName>oUser</FromUserName><CreateTime>1700000500</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>';
    for (let i = 0; i < 2; i++) {
      const push = signedPush(ing.crypto, event, envelope);
      expect(await (await post(`${url()}?${push.query}`, push.body)).text()).toBe('success');
    }
    expect(handled.filter((k) => k.endsWith('/evt/oUser/1700000500/subscribe'))).toHaveLength(1);
  });

  it('answers success for an account the store does not hold and keeps the message on the held queue', async () => {
    const before = await jobCount(ing.producers.messages);
    const push = signedPush(ing.crypto, message('ping', '10009'), envelope);
    const res = await post(`${url('wx9999999999999999')}?${push.query}`, push.body);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('success');
    expect(await jobCount(ing.producers.messages)).toBe(before);
    const held = await ing.producers.held.getJobs(['waiting', 'delayed', 'active']);
    expect(held.map((j) => j.data.dedupeKey)).toEqual([`${COMPONENT.appId}/wx9999999999999999/msg/10009`]);
  });
});

describe('configuration and outages', () => {
  it('rejects stale timestamps when a skew is configured', async () => {
    const strict = await startIngress('ingress-skew', { maxTimestampSkewSeconds: 60 });
    try {
      const inner = `<xml><AppId>${COMPONENT.appId}</AppId><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>t</ComponentVerifyTicket></xml>`;
      const parts = strict.crypto.encryptPush(inner, { timestamp: '1000', nonce: '1' });
      const res = await post(
        `${strict.url}/wechat/${COMPONENT.appId}/events?timestamp=1000&nonce=1&msg_signature=${parts.msgSignature}`,
        `<xml><Encrypt><![CDATA[${parts.encrypt}]]></Encrypt></xml>`,
      );
      expect(res.status).toBe(401);
      const fresh = signedPush(strict.crypto, inner);
      expect((await post(`${strict.url}/wechat/${COMPONENT.appId}/events?${fresh.query}`, fresh.body)).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('answers 503 at once when Redis is unreachable, and readyz says so', async () => {
    const down = await startIngress('ingress-down', { redisUrl: 'redis://127.0.0.1:1' });
    try {
      const push = signedPush(
        down.crypto,
        `<xml><AppId>${COMPONENT.appId}</AppId><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>t</ComponentVerifyTicket></xml>`,
      );
      const res = await post(`${down.url}/wechat/${COMPONENT.appId}/events?${push.query}`, push.body);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('QUEUE_UNAVAILABLE');
      expect((await fetch(`${down.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
    } finally {
      await down.close();
    }
  });
});
