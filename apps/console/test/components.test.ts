import { ComponentTokenService } from '@weixin3rd/credentials';
import { connectStore, type Store } from '@weixin3rd/store';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Transport } from '@weixin3rd/wechat-api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/build.js';

const TOKEN = 'console-test-token-0001';
let db: TestDatabase;
let redis: TestRedis;
let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  db = await openTestDatabase('console');
  redis = openTestRedis('console');
  store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 9) });
  // No WeChat is reachable here: a token request for a component without a ticket must fail clearly.
  const tokens = new ComponentTokenService({ store, redis: redis.connect(), prefix: redis.prefix, transport: new Transport({ baseUrl: 'http://127.0.0.1:9', attempts: 1, timeoutMs: 500 }) });
  app = await build({ store, tokens, apiTokens: [TOKEN] });
});
afterAll(async () => {
  await app.close();
  await store.close();
  await db.drop();
  await redis.cleanup();
});

const call = (method: 'GET' | 'PUT', url: string, payload?: object, token = TOKEN) =>
  app.inject({ method, url, ...(payload ? { payload } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} });

const body = { appSecret: 'very-secret-value', token: 'tok123', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };

describe('console components API', () => {
  it('adds several components, never showing a secret', async () => {
    for (const appId of ['wx00000000000c0a01', 'wx00000000000c0a02']) {
      const put = await call('PUT', `/api/v1/components/${appId}`, body);
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ appId, lastError: null, ticketUpdatedAt: null, accessTokenExpiresAt: null });
      for (const secret of [body.appSecret, body.encodingAesKey]) expect(put.body).not.toContain(secret);
    }
    expect(await store.components.listAppIds()).toEqual(expect.arrayContaining(['wx00000000000c0a01', 'wx00000000000c0a02']));
    const get = await call('GET', '/api/v1/components/wx00000000000c0a02');
    expect(get.statusCode).toBe(200);
    expect(get.body).not.toContain(body.appSecret);
  });

  it('validates input and answers 404 for unknown components', async () => {
    expect((await call('PUT', '/api/v1/components/wx00000000000c0a01', { ...body, encodingAesKey: 'short' })).statusCode).toBe(400);
    expect((await call('PUT', '/api/v1/components/not-an-appid', body)).statusCode).toBe(400);
    expect((await call('PUT', '/api/v1/components/wx00000000000c0a01', { appSecret: 'x' })).statusCode).toBe(400);
    expect((await call('GET', '/api/v1/components/wx00000000000c0aff')).json()).toEqual({ error: { code: 'COMPONENT_NOT_FOUND', message: 'no component wx00000000000c0aff' } });
  });

  it('explains why there is no token yet', async () => {
    const res = await call('GET', '/api/v1/components/wx00000000000c0a01/access-token');
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('TICKET_MISSING');
  });

  it('answers 401 without or with a wrong bearer token', async () => {
    expect((await call('GET', '/api/v1/components/wx00000000000c0a01', undefined, '')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/components/wx00000000000c0a01', undefined, 'console-test-token-0002')).statusCode).toBe(401);
  });
});
