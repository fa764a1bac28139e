import { SecretBox, type Store } from '@weixin3rd/store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsole, type ConsoleHarness } from './console-app.js';

// Issue 19, fix 3: every known state of the console's dependencies is a clear status and code.
const TOKEN = 'console-known-errors-token';
const NO_TICKET = 'wx00000000000e0a01';
const WITH_TICKET = 'wx00000000000e0a02';
const OTHER_KEY = 'wx00000000000e0a03';
let h: ConsoleHarness;
let store: Store;
let app: FastifyInstance;

const secrets = { appSecret: 'known-errors-secret', token: 'tok123', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
const account = {
  kind: 'official' as const,
  nickName: 'n',
  headImg: null,
  userName: 'gh_e',
  principalName: 'P',
  alias: null,
  qrcodeUrl: null,
  serviceType: 2,
  verifyType: 0,
};
const authorizer = (componentAppId: string, appId: string) =>
  store.authorizers.upsertAuthorized({
    componentAppId,
    appId,
    refreshToken: 'refreshtoken@@@known',
    accessToken: null,
    accessTokenExpiresAt: null,
    funcInfo: [1],
    account,
  });

beforeAll(async () => {
  // WeChat is unreachable here: whatever needs it fails the way a network outage does.
  h = await openConsole('console-known-errors', { apiTokens: [TOKEN], timeoutMs: 500 });
  ({ app, store } = h);

  await store.components.upsert({ appId: NO_TICKET, ...secrets });
  await authorizer(NO_TICKET, 'wx00000000000f0a01');
  await authorizer(NO_TICKET, 'wx00000000000f0a02');
  await store.authorizers.markUnauthorized(NO_TICKET, 'wx00000000000f0a02');
  await store.components.upsert({ appId: WITH_TICKET, ...secrets });
  await store.tickets.save(WITH_TICKET, 'ticket@@@known', Math.floor(Date.now() / 1000));
  await authorizer(WITH_TICKET, 'wx00000000000f0a03');
  // A component whose secret was sealed with a key that is neither DATA_KEY nor DATA_KEY_PREVIOUS.
  await store.components.upsert({ appId: OTHER_KEY, ...secrets });
  await store.tickets.save(OTHER_KEY, 'ticket@@@foreign', Math.floor(Date.now() / 1000));
  await h.db.connection
    .collection('components')
    .updateOne({ appId: OTHER_KEY }, { $set: { appSecret: new SecretBox(Buffer.alloc(32, 8)).seal('x') } });
});
afterAll(() => h.close());

const call = (method: 'GET' | 'POST', url: string) => app.inject({ method, url, headers: { authorization: `Bearer ${TOKEN}` } });

describe('console: known states answer a clear status and code', () => {
  const cases: [string, 'GET' | 'POST', string, number, string][] = [
    [
      'authorizer token before the component has a ticket',
      'GET',
      '/api/v1/authorizers/wx00000000000f0a01/access-token',
      503,
      'TICKET_MISSING',
    ],
    ['forced refresh before the component has a ticket', 'POST', '/api/v1/authorizers/wx00000000000f0a01/refresh', 503, 'TICKET_MISSING'],
    ['component token before a ticket', 'GET', `/api/v1/components/${NO_TICKET}/access-token`, 503, 'TICKET_MISSING'],
    ['token of an account that revoked', 'GET', '/api/v1/authorizers/wx00000000000f0a02/access-token', 409, 'AUTHORIZER_UNAUTHORIZED'],
    ['token of an unknown account', 'GET', '/api/v1/authorizers/wx00000000000f0aff/access-token', 404, 'AUTHORIZER_NOT_FOUND'],
    ['authorizer token while WeChat is unreachable', 'GET', '/api/v1/authorizers/wx00000000000f0a03/access-token', 502, 'WECHAT_'],
    ['component token while WeChat is unreachable', 'GET', `/api/v1/components/${WITH_TICKET}/access-token`, 502, 'WECHAT_'],
    ['component stored under another DATA_KEY', 'GET', `/api/v1/components/${OTHER_KEY}/access-token`, 503, 'DATA_KEY_MISMATCH'],
  ];
  it.each(cases)('%s', async (_name, method, url, status, code) => {
    const res = await call(method, url);
    expect(res.statusCode).toBe(status);
    expect(res.json<{ error: { code: string } }>().error.code).toMatch(new RegExp(`^${code}`));
    expect(res.body).not.toContain(secrets.appSecret);
  });
});
