import { SANDBOX_DEV_COMPONENT, loadConfig } from '@weixin3rd/config';
import { connectStore, type MessageDoc, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { READY, stackEnv, startApp, type RunningProcess } from './processes.js';

export const COMPONENT = SANDBOX_DEV_COMPONENT.appId;
export const API_TOKEN = 'e2e-messages-token-0001';

/** Processes of one isolated stack for the message path, and the store they share. */
export interface MessagesStack {
  db: TestDatabase;
  redis: TestRedis;
  store: Store;
  sandboxUrl: string;
  consoleUrl: string;
  ingressUrl: string;
  running: RunningProcess[];
  /** Adds an account to the sandbox (WeChat) and to our store, as if it had authorized the component. */
  account(appId: string, userName: string, kind: 'official' | 'mini', shopId?: string): Promise<void>;
  /** Pushes a user's message through the sandbox and returns its push record. */
  push(authorizerAppId: string, message: Record<string, unknown>): Promise<PushRecord>;
  api(method: string, path: string, body?: object): Promise<Response>;
  /** The stored record of a message, read from the test database (the store has no reader for it). */
  message(dedupeKey: string): Promise<MessageDoc | null>;
  close(): Promise<void>;
}

export interface PushRecord {
  outcome: string;
  failure: string | null;
  replyFields: Record<string, unknown> | null;
  plaintext: string;
  attempts: { body: string; durationMs: number }[];
}

export async function startMessagesStack(label: string, workers: number, extra: NodeJS.ProcessEnv): Promise<MessagesStack> {
  const db = await openTestDatabase(label);
  const redis = openTestRedis(label);
  const stack = await stackEnv(db.uri, redis.url, redis.prefix, { API_TOKENS: API_TOKEN, LOG_LEVEL: 'warn', ...extra });
  const running: RunningProcess[] = [];
  const quiet = { ...stack.env, LOG_LEVEL: 'info' };
  for (const name of ['wechat-sandbox', 'ingress', 'console']) running.push(await startApp(name, quiet, READY[name] as RegExp));
  for (let i = 0; i < workers; i++) running.push(await startApp('worker-messages', quiet, READY['worker-messages'] as RegExp));
  const store = await connectStore(db.uri, { dataKey: loadConfig({ SANDBOX_MODE: 'true' }).dataKey });
  const json = { 'content-type': 'application/json' };
  return {
    db,
    redis,
    store,
    running,
    ...stack,
    message: (dedupeKey) => db.connection.collection<MessageDoc>('messages').findOne({ _id: dedupeKey }),
    async account(appId, userName, kind, shopId) {
      const res = await fetch(`${stack.sandboxUrl}/sandbox/accounts`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ appId, userName, nickName: appId, kind }),
      });
      if (res.status !== 201 && res.status !== 409) throw new Error(`sandbox account ${appId}: ${res.status}`);
      // WeChat's side of the authorization (its `authorized` push waits in our queue: no worker-authorization here).
      const consent = await fetch(`${stack.sandboxUrl}/sandbox/consent`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ componentAppId: COMPONENT, authorizerAppId: appId }),
      });
      if (consent.status !== 200) throw new Error(`sandbox consent ${appId}: ${consent.status}`);
      await store.authorizers.upsertAuthorized({
        componentAppId: COMPONENT,
        appId,
        refreshToken: `refresh-${appId}`,
        accessToken: null,
        accessTokenExpiresAt: null,
        funcInfo: kind === 'official' ? [1] : [19],
        account: {
          kind,
          nickName: appId,
          headImg: null,
          userName,
          principalName: null,
          alias: null,
          qrcodeUrl: null,
          serviceType: 2,
          verifyType: 0,
        },
      });
      if (shopId) await store.authorizers.bindShop(COMPONENT, appId, shopId);
    },
    async push(authorizerAppId, message) {
      const res = await fetch(`${stack.sandboxUrl}/sandbox/messages`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ componentAppId: COMPONENT, authorizerAppId, ...message }),
      });
      if (res.status !== 200) throw new Error(`sandbox push: ${res.status} ${await res.text()}`);
      return (await res.json()) as PushRecord;
    },
    api(method, path, body) {
      return fetch(`${stack.consoleUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_TOKEN}`, ...(body ? json : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    },
    async close() {
      await Promise.all(running.map((p) => p.stop()));
      await store.close();
      await db.drop();
      await redis.cleanup();
    },
  };
}
