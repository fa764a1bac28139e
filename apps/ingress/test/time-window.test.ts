import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZER, COMPONENT, jobCount, post, type Ingress, signedPush, startIngress } from './harness.js';

// Issue 19, fix 4: times WeChat would never send are refused, so no push can pin the newest ticket.
let ing: Ingress;
beforeAll(async () => {
  ing = await startIngress('ingress-time-window', { replyBudgetMs: 0 });
});
afterAll(() => ing.close());

const now = () => Math.floor(Date.now() / 1000);
const ticket = (createTime: string) =>
  `<xml><AppId>${COMPONENT.appId}</AppId><CreateTime>${createTime}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>t-${createTime}</ComponentVerifyTicket></xml>`;
const message = (createTime: string) =>
  `<xml><ToUserName>gh_5a0d1e2f3a01</ToUserName><FromUserName>oUser</FromUserName><CreateTime>${createTime}</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>`;
const events = () => `${ing.url}/wechat/${COMPONENT.appId}/events`;
const messages = () => `${ing.url}/wechat/${COMPONENT.appId}/accounts/${AUTHORIZER}/messages`;
const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
const total = async () => (await jobCount(ing.producers.tickets)) + (await jobCount(ing.producers.messages));

/** A push signed with a chosen query timestamp (the harness signs with the current time). */
function pushAt(inner: string, timestamp: string) {
  const parts = ing.crypto.encryptPush(inner, { timestamp, nonce: '77' });
  const query = new URLSearchParams({ timestamp, nonce: '77', msg_signature: parts.msgSignature, encrypt_type: 'aes' });
  return { query: query.toString(), body: `<xml><Encrypt><![CDATA[${parts.encrypt}]]></Encrypt></xml>` };
}

describe('CreateTime and timestamp windows', () => {
  const badCreateTimes: [string, string][] = [
    ['40 digits', '1'.repeat(40)],
    ['an hour ahead', String(now() + 3600)],
    ['year 2286', '9999999999'],
    ['zero', '0'],
    ['before 2012', '1000000000'],
    ['negative', '-1'],
    ['fractional', `${now()}.5`],
  ];
  it.each(badCreateTimes)('refuses a ticket whose CreateTime is %s, storing nothing', async (_name, createTime) => {
    const before = await total();
    const push = signedPush(ing.crypto, ticket(createTime));
    const res = await post(`${events()}?${push.query}`, push.body);
    expect(res.status).toBe(400);
    expect(await code(res)).toBe('BODY_INVALID');
    expect(await total()).toBe(before);
  });

  it('refuses a message or event whose CreateTime is in the future', async () => {
    const before = await total();
    const push = signedPush(ing.crypto, message(String(now() + 86_400)));
    const res = await post(`${messages()}?${push.query}`, push.body);
    expect(res.status).toBe(400);
    expect(await total()).toBe(before);
  });

  it.each([
    ['a day ahead', String(now() + 86_400)],
    ['20 digits', '9'.repeat(20)],
    ['zero', '0'],
  ])('refuses a push whose query timestamp is %s, even with no skew configured', async (_name, timestamp) => {
    const before = await total();
    const push = pushAt(ticket(String(now())), timestamp);
    const res = await post(`${events()}?${push.query}`, push.body);
    expect(res.status).toBe(400);
    expect(await code(res)).toBe('QUERY_INVALID');
    expect(await total()).toBe(before);
  });

  it('accepts what WeChat sends: now, a few minutes ahead, and days old', async () => {
    for (const createTime of [now(), now() + 300, now() - 3 * 86_400]) {
      const push = signedPush(ing.crypto, ticket(String(createTime)));
      expect(await (await post(`${events()}?${push.query}`, push.body)).text()).toBe('success');
    }
  });
});
