import Fastify, { type FastifyInstance } from 'fastify';
import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { parseXml, type XmlNode } from '@weixin3rd/wechat-xml';
import { build } from '../src/build.js';
import { Pusher } from '../src/push/pusher.js';
import { componentForProject } from '../src/world/default-component.js';
import { World } from '../src/world/world.js';

export const COMPONENT = {
  appId: 'wx0000000000c0ffee',
  appSecret: 'c0ffee-secret-0001',
  token: 'sandboxtest',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
export const OA = 'wx1a2b3c4d5e6f7001';
export const MP = 'wx1a2b3c4d5e6f7002';

export interface Sandbox {
  world: World;
  pusher: Pusher;
  url: string;
  app: FastifyInstance;
  /** POSTs a JSON body (or raw text) to a WeChat API and returns the parsed answer. */
  call(path: string, body?: unknown, query?: Record<string, string>): Promise<Record<string, unknown>>;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

export async function startSandbox(projectBaseUrl = 'http://127.0.0.1:9'): Promise<Sandbox> {
  const world = new World([componentForProject(COMPONENT, { publicBaseUrl: projectBaseUrl })]);
  const pusher = new Pusher(world);
  const app = await build({ world, pusher });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    world,
    pusher,
    url,
    app,
    async call(path, body, query = {}) {
      const target = new URL(path, url);
      for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body ?? {}),
      });
      return (await res.json()) as Record<string, unknown>;
    },
    async control(method, path, body) {
      const res = await fetch(new URL(path, url), {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      return { status: res.status, json: await res.json() };
    },
    close: () => app.close(),
  };
}

/** A push as the fake project saw it. */
export interface ReceivedPush {
  path: string;
  query: Record<string, string>;
  outer: XmlNode;
  message: XmlNode;
  plaintext: string;
}

export type Answer = (push: ReceivedPush, crypto: WeChatCrypto) => Promise<string | null> | string | null;

/** A stand-in for the project's ingress: verifies and decrypts pushes, answers as `answer` says (null = hang). */
export async function startFakeProject(answer: Answer): Promise<{ url: string; received: ReceivedPush[]; close(): Promise<void> }> {
  const crypto = new WeChatCrypto({ token: COMPONENT.token, encodingAesKey: COMPONENT.encodingAesKey, receiveId: COMPONENT.appId });
  const received: ReceivedPush[] = [];
  const app = Fastify({ forceCloseConnections: true });
  app.addContentTypeParser('text/xml', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/*', async (req, reply) => {
    const query = req.query as Record<string, string>;
    const outer = parseXml(req.body as string);
    const { message } = crypto.decryptPush({
      msgSignature: query.msg_signature ?? '',
      timestamp: query.timestamp ?? '',
      nonce: query.nonce ?? '',
      encrypt: String(outer.Encrypt),
    });
    const push: ReceivedPush = { path: req.url.split('?')[0] ?? '', query, outer, message: parseXml(message), plaintext: message };
    received.push(push);
    const text = await answer(push, crypto);
    if (text === null) return new Promise(() => undefined);
    return reply.type('text/plain').send(text);
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, received, close: () => app.close() };
}
