import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZER, COMPONENT, jobCount, post, signedPush, startIngress, type Ingress } from './harness.js';

// Issue 19, fix 1: a path parameter that is not exactly an AppId never reaches a lookup or a key.
let ing: Ingress;
beforeAll(async () => {
  ing = await startIngress('ingress-path-params', { replyBudgetMs: 0 });
});
afterAll(() => ing.close());

const message = (msgId: string) =>
  `<xml><ToUserName><![CDATA[gh_5a0d1e2f3a01]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>${msgId}</MsgId></xml>`;
const ticket = `<xml><AppId>${COMPONENT.appId}</AppId><CreateTime>1700000000</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>t-path</ComponentVerifyTicket></xml>`;
const messages = (component: string, appid: string) => `${ing.url}/wechat/${component}/accounts/${appid}/messages`;
const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
const total = async () =>
  (await jobCount(ing.producers.messages)) + (await jobCount(ing.producers.tickets)) + (await jobCount(ing.producers.authorization));

describe('path parameters', () => {
  it('refuses an encoded slash after a real authorizer AppId, so a replay cannot pass deduplication', async () => {
    const push = signedPush(ing.crypto, message('90001'));
    expect(await (await post(`${messages(COMPONENT.appId, AUTHORIZER)}?${push.query}`, push.body)).text()).toBe('success');
    expect(await jobCount(ing.producers.messages)).toBe(1);
    for (const appid of [`${AUTHORIZER}%2Fx`, `${AUTHORIZER}%2F..%2F${AUTHORIZER}`, `${AUTHORIZER}%2f`]) {
      const res = await post(`${messages(COMPONENT.appId, appid)}?${push.query}`, push.body);
      expect(res.status).toBe(400);
      expect(await code(res)).toBe('PATH_INVALID');
    }
    expect(await jobCount(ing.producers.messages)).toBe(1);
  });

  // Expected status per component path: 400 PATH_INVALID, or 404 when the URL parser resolves
  // '..' to a path no route serves, or 414 past Fastify's parameter length limit.
  const bad: [string, number][] = [
    [`${COMPONENT.appId}%2Fx`, 400],
    ['%2E%2E', 404],
    ['wx' + 'a'.repeat(400), 414],
    ['wx00000000000000g1', 400],
    ['%20wx00000000000000c1', 400],
    ['WX00000000000000C1', 400],
  ];
  it.each(bad)('refuses component %s on every push route before any lookup (%i)', async (component, status) => {
    const before = await total();
    const push = signedPush(ing.crypto, ticket);
    const routes: [string, string][] = [
      ['POST', `${ing.url}/wechat/${component}/events?${push.query}`],
      ['POST', `${messages(component, AUTHORIZER)}?${push.query}`],
      ['GET', `${ing.url}/wechat/${component}/events?signature=a&timestamp=1&nonce=2&echostr=3`],
      ['GET', `${messages(component, AUTHORIZER)}?signature=a&timestamp=1&nonce=2&echostr=3`],
    ];
    for (const [method, url] of routes) {
      const res = method === 'POST' ? await post(url, push.body) : await fetch(url);
      expect(res.status).toBe(status);
      if (status === 400) expect(await code(res)).toBe('PATH_INVALID');
    }
    expect(await total()).toBe(before);
  });

  it('keeps serving valid paths', async () => {
    const push = signedPush(ing.crypto, ticket);
    expect(await (await post(`${ing.url}/wechat/${COMPONENT.appId}/events?${push.query}`, push.body)).text()).toBe('success');
  });
});
