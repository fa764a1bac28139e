import { msgSignature } from '@weixin3rd/wechat-crypto';
import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPONENT, OTHER, jobCount, post, signedPush, startIngress, type Ingress } from './harness.js';

let ing: Ingress;
beforeAll(async () => {
  ing = await startIngress('ingress-events');
});
afterAll(() => ing.close());

const eventsUrl = (appId = COMPONENT.appId) => `${ing.url}/wechat/${appId}/events`;
const ticketXml = (ticket: string, createTime = 1700000000, appId = COMPONENT.appId) =>
  `<xml><AppId><![CDATA[${appId}]]></AppId><CreateTime>${createTime}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[${ticket}]]></ComponentVerifyTicket></xml>`;

async function total(): Promise<number> {
  return (await jobCount(ing.producers.tickets)) + (await jobCount(ing.producers.authorization));
}

describe('POST /wechat/:componentAppId/events', () => {
  it('stores a ticket job and answers the literal success; a retry is processed once', async () => {
    const push = signedPush(ing.crypto, ticketXml('ticket@@@one'));
    const res = await post(`${eventsUrl()}?${push.query}`, push.body);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('success');
    const again = signedPush(ing.crypto, ticketXml('ticket@@@one'));
    expect(await (await post(`${eventsUrl()}?${again.query}`, again.body)).text()).toBe('success');
    const jobs = await ing.producers.tickets.getJobs(['waiting']);
    expect(jobs.map((j) => j.data)).toEqual([
      { componentAppId: COMPONENT.appId, ticket: 'ticket@@@one', createTime: '1700000000', receivedAt: expect.any(String) },
    ]);
  });

  it('routes authorized, updateauthorized, unauthorized and unknown InfoTypes to authorization', async () => {
    const base = `<AppId>${COMPONENT.appId}</AppId><CreateTime>1700000100</CreateTime><AuthorizerAppid>wx1a2b3c4d5e6f7001</AuthorizerAppid>`;
    const bodies = [
      `<xml>${base}<InfoType>authorized</InfoType><AuthorizationCode>queryauthcode@@@c1</AuthorizationCode><AuthorizationCodeExpiredTime>1700003700</AuthorizationCodeExpiredTime><PreAuthCode>preauthcode@@@p</PreAuthCode></xml>`,
      `<xml>${base}<InfoType>updateauthorized</InfoType><AuthorizationCode>queryauthcode@@@c2</AuthorizationCode><AuthorizationCodeExpiredTime>1700003700</AuthorizationCodeExpiredTime><PreAuthCode></PreAuthCode></xml>`,
      `<xml>${base}<InfoType>unauthorized</InfoType></xml>`,
      `<xml><AppId>${COMPONENT.appId}</AppId><CreateTime>1700000200</CreateTime><InfoType>notify_third_fasteregister</InfoType><appid>wx123</appid></xml>`,
    ];
    for (const xml of bodies) {
      const push = signedPush(ing.crypto, xml);
      expect(await (await post(`${eventsUrl()}?${push.query}`, push.body)).text()).toBe('success');
    }
    const jobs = await ing.producers.authorization.getJobs(['waiting']);
    expect(jobs.map((j) => j.name).sort()).toEqual(['authorized', 'unauthorized', 'unknown-info-type', 'updateauthorized']);
    expect(jobs.find((j) => j.name === 'authorized')?.data).toMatchObject({
      authCode: 'queryauthcode@@@c1',
      authCodeExpiresAt: '1700003700',
      preAuthCode: 'preauthcode@@@p',
    });
    expect(jobs.find((j) => j.name === 'updateauthorized')?.data).toMatchObject({ preAuthCode: null });
  });

  it('echoes echostr for a valid signature only', async () => {
    const crypto = ing.crypto;
    const ok = await fetch(
      `${eventsUrl()}?${new URLSearchParams({ signature: crypto.encryptPush('x', { timestamp: '1', nonce: '2' }).signature, timestamp: '1', nonce: '2', echostr: '4375120948345356249' })}`,
    );
    expect(await ok.text()).toBe('4375120948345356249');
    const bad = await fetch(`${eventsUrl()}?signature=${'0'.repeat(40)}&timestamp=1&nonce=2&echostr=x`);
    expect(bad.status).toBe(401);
    expect(
      (await fetch(`${ing.url}/wechat/${COMPONENT.appId}/accounts/wx1a2b3c4d5e6f7001/messages?timestamp=1&nonce=2&echostr=x`)).status,
    ).toBe(401);
  });
});

describe('bad input: a clear status, nothing enqueued, still serving', () => {
  const valid = () => signedPush(ing.crypto, ticketXml(`ticket@@@${Math.random()}`));
  const cases: [string, () => Promise<Response>, number, string][] = [
    ['missing signature', async () => post(eventsUrl(), valid().body), 401, 'SIGNATURE_MISSING'],
    [
      'wrong signature',
      async () => {
        const p = valid();
        return post(`${eventsUrl()}?${p.query.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${'a'.repeat(40)}`)}`, p.body);
      },
      401,
      'SIGNATURE_INVALID',
    ],
    [
      'signature over different Encrypt text',
      async () => {
        const p = valid();
        const other = valid();
        return post(`${eventsUrl()}?${p.query}`, other.body);
      },
      401,
      'SIGNATURE_INVALID',
    ],
    [
      'unknown component',
      async () => {
        const p = valid();
        return post(`${eventsUrl('wx0000000000000bad')}?${p.query}`, p.body);
      },
      404,
      'COMPONENT_UNKNOWN',
    ],
    [
      'broken base64',
      async () => {
        const ts = '1700000000';
        const encrypt = '!!!not-base64!!!';
        return post(
          `${eventsUrl()}?timestamp=${ts}&nonce=1&msg_signature=${msgSignature(COMPONENT.token, ts, '1', encrypt)}`,
          `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
        );
      },
      400,
      'DECRYPT_FAILED',
    ],
    [
      'wrong key (same token)',
      async () => {
        const wrongKey = new WeChatCrypto({ token: COMPONENT.token, encodingAesKey: OTHER.encodingAesKey, receiveId: COMPONENT.appId });
        const p = signedPush(wrongKey, ticketXml('t'));
        return post(`${eventsUrl()}?${p.query}`, p.body);
      },
      400,
      'DECRYPT_FAILED',
    ],
    [
      'truncated ciphertext (bad padding or buffer)',
      async () => {
        const p = valid();
        const encrypt = p.encrypt.slice(0, 44);
        return post(
          `${eventsUrl()}?timestamp=${p.timestamp}&nonce=${p.nonce}&msg_signature=${msgSignature(COMPONENT.token, p.timestamp, p.nonce, encrypt)}`,
          `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
        );
      },
      400,
      'DECRYPT_FAILED',
    ],
    [
      'receiveid of another component',
      async () => {
        const foreign = new WeChatCrypto({ token: COMPONENT.token, encodingAesKey: COMPONENT.encodingAesKey, receiveId: OTHER.appId });
        const p = signedPush(foreign, ticketXml('t'));
        return post(`${eventsUrl()}?${p.query}`, p.body);
      },
      400,
      'RECEIVE_ID_MISMATCH',
    ],
    [
      'inner AppId mismatch',
      async () => {
        const p = signedPush(ing.crypto, ticketXml('t', 1700000000, OTHER.appId));
        return post(`${eventsUrl()}?${p.query}`, p.body);
      },
      400,
      'APPID_MISMATCH',
    ],
    ['malformed XML body', async () => post(`${eventsUrl()}?${valid().query}`, '<xml><Encrypt>abc</xml>'), 400, 'BODY_INVALID'],
    ['non-XML body', async () => post(`${eventsUrl()}?${valid().query}`, 'hello'), 400, 'BODY_INVALID'],
    [
      'XXE',
      async () =>
        post(
          `${eventsUrl()}?${valid().query}`,
          '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Encrypt>&x;</Encrypt></xml>',
        ),
      400,
      'BODY_INVALID',
    ],
    [
      'entity expansion',
      async () =>
        post(
          `${eventsUrl()}?${valid().query}`,
          '<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>',
        ),
      400,
      'BODY_INVALID',
    ],
    [
      '10 MiB body',
      async () => post(`${eventsUrl()}?${valid().query}`, Buffer.alloc(10 * 1024 * 1024, 0x61)),
      413,
      'FST_ERR_CTP_BODY_TOO_LARGE',
    ],
    ['empty body', async () => post(`${eventsUrl()}?${valid().query}`, ''), 400, 'BODY_INVALID'],
    [
      'missing Encrypt',
      async () => post(`${eventsUrl()}?${valid().query}`, `<xml><AppId>${COMPONENT.appId}</AppId></xml>`),
      400,
      'BODY_INVALID',
    ],
    [
      'inner XML without InfoType',
      async () => {
        const p = signedPush(ing.crypto, `<xml><AppId>${COMPONENT.appId}</AppId><CreateTime>1</CreateTime></xml>`);
        return post(`${eventsUrl()}?${p.query}`, p.body);
      },
      400,
      'BODY_INVALID',
    ],
  ];

  for (const [name, send, status, code] of cases) {
    it(name, async () => {
      const before = await total();
      const res = await send();
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
      expect(await total()).toBe(before);
    });
  }

  it('keeps serving after all of them', async () => {
    const p = valid();
    expect(await (await post(`${eventsUrl()}?${p.query}`, p.body)).text()).toBe('success');
  });
});

describe('pushes refused only for their own faults', () => {
  it('accepts a correctly signed push whatever its Content-Type', async () => {
    for (const [i, type] of ['application/json', 'application/octet-stream', 'application/x-www-form-urlencoded', 'text/html'].entries()) {
      const push = signedPush(ing.crypto, ticketXml(`ticket@@@type${i}`, 1700000300 + i));
      const res = await post(`${eventsUrl()}?${push.query}`, push.body, type);
      expect(res.status, type).toBe(200);
      expect(await res.text()).toBe('success');
    }
    const bare = signedPush(ing.crypto, ticketXml('ticket@@@notype', 1700000310));
    // No Content-Type header at all.
    const res = await fetch(`${eventsUrl()}?${bare.query}`, { method: 'POST', body: new Blob([bare.body]) });
    expect(await res.text()).toBe('success');
  });

  it('never answers 429 to a correctly signed push; the per-address limit counts failed verifications', async () => {
    const limited = await startIngress('ingress-limit', { rateLimitPerSecond: 5 });
    try {
      const url = `${limited.url}/wechat/${COMPONENT.appId}/events`;
      // WeChat's pool: 30 genuine pushes at once from one address, five times the limit.
      const genuine = await Promise.all(
        Array.from({ length: 30 }, (_, i) => {
          const push = signedPush(limited.crypto, ticketXml(`ticket@@@pool${i}`, 1700000400 + i));
          return post(`${url}?${push.query}`, push.body).then(async (r) => [r.status, await r.text()]);
        }),
      );
      expect(genuine.filter(([status, text]) => status !== 200 || text !== 'success')).toEqual([]);
      // Forged pushes from the same address: 401 until the address passes 5 failures in a second, then 429.
      const statuses: number[] = [];
      while (!statuses.includes(429) && statuses.length < 1000) {
        const push = signedPush(limited.crypto, ticketXml('ticket@@@forged'));
        const forged = `${url}?${push.query.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${'0'.repeat(40)}`)}`;
        statuses.push((await post(forged, push.body)).status);
      }
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
      // The address is over its failure budget now, and a genuine push still goes through.
      const after = signedPush(limited.crypto, ticketXml('ticket@@@after', 1700000500));
      expect(await (await post(`${url}?${after.query}`, after.body)).text()).toBe('success');
    } finally {
      await limited.close();
    }
  });
});
