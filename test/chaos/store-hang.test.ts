import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { QUEUE, jobIds } from '@weixin3rd/queues';
import { uniqueName } from '@weixin3rd/testing';
import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY, startApp, stackEnv, waitFor, type RunningProcess } from '../e2e/processes.js';
import { FerretDbServer } from './ferretdb-server.js';
import { RedisServer } from './redis-server.js';

// The store hangs (SIGSTOP: connections open, nothing answered), as the shared FerretDB did under
// a load of 500 pushes a second. The ingress must keep answering WeChat within its 5 s: a message
// whose account cannot be confirmed is kept on the held queue and answered `success`; a push whose
// component cannot be looked up is a 503, which WeChat delivers again.
const COMPONENT = SANDBOX_DEV_COMPONENT.appId;
const ACCOUNT = 'wx5a0e1a2b3c4d5e01';
const WECHAT_GIVES_UP_MS = 5_000;
let ferret: FerretDbServer;
let redis: RedisServer;
let ingress: RunningProcess;
let ingressUrl: string;
let prefix: string;

beforeAll(async () => {
  ferret = await FerretDbServer.start();
  redis = await RedisServer.start();
  prefix = uniqueName('chaos-hang');
  const stack = await stackEnv(ferret.uri(uniqueName('chaos-hang')), redis.url, prefix, { INGRESS_REPLY_BUDGET_MS: '1000' });
  ingressUrl = stack.ingressUrl;
  ingress = await startApp('ingress', stack.env, READY.ingress as RegExp, 60_000);
}, 120_000);

afterAll(async () => {
  ferret?.thaw();
  await ingress?.stop();
  await redis?.destroy();
  await ferret?.destroy();
});

const crypto = new WeChatCrypto({
  token: SANDBOX_DEV_COMPONENT.token,
  encodingAesKey: SANDBOX_DEV_COMPONENT.encodingAesKey,
  receiveId: COMPONENT,
});

/** A text message for `account` as WeChat signs and sends it; resolves with the answer and how long it took. */
async function push(componentAppId: string, account: string, msgId: string): Promise<{ status: number; body: string; ms: number }> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = msgId.slice(-9);
  const xml = `<xml><ToUserName><![CDATA[gh_0000hang0000]]></ToUserName><FromUserName><![CDATA[oHang]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hang]]></Content><MsgId>${msgId}</MsgId></xml>`;
  const parts = crypto.encryptPush(xml, { timestamp, nonce });
  const query = `signature=${parts.signature}&timestamp=${timestamp}&nonce=${nonce}&openid=oHang&encrypt_type=aes&msg_signature=${parts.msgSignature}`;
  const startedAt = Date.now();
  const res = await fetch(`${ingressUrl}/wechat/${componentAppId}/accounts/${account}/messages?${query}`, {
    method: 'POST',
    body: `<xml><ToUserName><![CDATA[gh_0000hang0000]]></ToUserName><Encrypt><![CDATA[${parts.encrypt}]]></Encrypt></xml>`,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.text(), ms: Date.now() - startedAt };
}

describe('the store hangs (FerretDB SIGSTOPped)', () => {
  it(
    'answers success for an account it cannot confirm (kept on the held queue) and 503 for a component it cannot look up',
    { timeout: 120_000 },
    async () => {
      // The component is looked up (and cached) while the store answers.
      const before = await push(COMPONENT, ACCOUNT, '7100000000000000001');
      expect(before.status).toBe(200);

      ferret.freeze();
      try {
        // An account never looked up: the store cannot confirm it.
        const msgId = '7100000000000000002';
        const held = await push(COMPONENT, 'wx5a0e1a2b3c4d5e02', msgId);
        expect(held).toMatchObject({ status: 200, body: 'success' });
        expect(held.ms).toBeLessThan(WECHAT_GIVES_UP_MS);
        const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
        const queue = new Queue(QUEUE.heldMessages, { connection, prefix });
        try {
          const job = await queue.getJob(jobIds.message(`${COMPONENT}/wx5a0e1a2b3c4d5e02/msg/${msgId}`));
          expect(job?.data.authorizerAppId).toBe('wx5a0e1a2b3c4d5e02');
        } finally {
          await queue.close();
          connection.disconnect();
        }

        // A component never looked up: nothing can be verified without its key.
        const unknownComponent = await push('wx5a0e1a2b3c4d5eff', ACCOUNT, '7100000000000000003');
        expect(unknownComponent.status).toBe(503);
        expect(JSON.parse(unknownComponent.body)).toMatchObject({ error: { code: 'STORE_UNAVAILABLE' } });
        expect(unknownComponent.ms).toBeLessThan(WECHAT_GIVES_UP_MS);
      } finally {
        ferret.thaw();
      }

      // Answering again, the store says what it knows: that component does not exist (a lookup
      // still pending from the freeze may answer for it first: wait for the store's own answer).
      let n = 4;
      const after = await waitFor(
        async () => {
          const answer = await push('wx5a0e1a2b3c4d5eff', ACCOUNT, String(7100000000000000000n + BigInt(n++)));
          return answer.status === 503 ? undefined : answer;
        },
        30_000,
        'an answer from the store again',
      );
      expect(after.status).toBe(404);
    },
  );
});
