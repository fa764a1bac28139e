import { openTestDatabase, type TestDatabase } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStore, type AuthorizedInput, type Store } from './index.js';

let db: TestDatabase;
let store: Store;
beforeAll(async () => {
  db = await openTestDatabase('authorizers');
  store = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 4) });
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

const C = 'wx00000000000000a1';
const input = (appId: string, refreshToken = 'refreshtoken@@@r1'): AuthorizedInput => ({
  componentAppId: C,
  appId,
  refreshToken,
  accessToken: 'at_1',
  accessTokenExpiresAt: new Date(Date.now() + 7_200_000),
  funcInfo: [1, 2],
  account: {
    kind: 'official',
    nickName: '小鹿咖啡',
    headImg: null,
    userName: 'gh_1',
    principalName: 'P',
    alias: null,
    qrcodeUrl: null,
    serviceType: 2,
    verifyType: 0,
  },
});

describe('authorizers', () => {
  it('stores the refresh and access tokens sealed and returns the previous state on re-authorization', async () => {
    const first = await store.authorizers.upsertAuthorized(input('wx00000000000000b1'));
    expect(first.previous).toBeNull();
    expect(first.current).toMatchObject({
      status: 'authorized',
      refreshToken: 'refreshtoken@@@r1',
      accessToken: 'at_1',
      funcInfo: [1, 2],
      tokenVersion: 1,
      nickName: '小鹿咖啡',
    });
    const second = await store.authorizers.upsertAuthorized({ ...input('wx00000000000000b1', 'refreshtoken@@@r2'), funcInfo: [1] });
    expect(second.previous?.funcInfo).toEqual([1, 2]);
    expect(second.current).toMatchObject({ refreshToken: 'refreshtoken@@@r2', tokenVersion: 2 });
    const raw = JSON.stringify(await db.connection.collection('authorizers').findOne({ appId: 'wx00000000000000b1' }));
    expect(raw).not.toContain('refreshtoken@@@r2');
    expect(raw).not.toContain('at_1');
  });

  it('binds an account to one shop at a time; rebinding is explicit', async () => {
    await store.authorizers.upsertAuthorized(input('wx00000000000000b2'));
    expect(await store.authorizers.bindShop(C, 'wx00000000000000b2', 'S1')).toBe('bound');
    expect(await store.authorizers.bindShop(C, 'wx00000000000000b2', 'S1')).toBe('unchanged');
    expect(await store.authorizers.bindShop(C, 'wx00000000000000b2', 'S2')).toBe('already_bound');
    expect(await store.authorizers.bindShop(C, 'wx00000000000000b2', 'S2', { rebind: true })).toBe('bound');
    expect((await store.authorizers.find(C, 'wx00000000000000b2'))?.shopId).toBe('S2');
  });

  it('drops tokens on unauthorized and keeps the shop for history', async () => {
    await store.authorizers.upsertAuthorized(input('wx00000000000000b3'));
    await store.authorizers.bindShop(C, 'wx00000000000000b3', 'S3');
    const after = await store.authorizers.markUnauthorized(C, 'wx00000000000000b3');
    expect(after).toMatchObject({ status: 'unauthorized', refreshToken: null, accessToken: null, shopId: 'S3' });
  });

  it('lets exactly one of ten concurrent claimers exchange a code; the owner may retry', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.authCodes.claim(C, 'queryauthcode@@@x', `owner-${i}`)));
    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    const winner = `owner-${results.indexOf('won')}`;
    expect(await store.authCodes.claim(C, 'queryauthcode@@@x', winner)).toBe('won');
    await store.authCodes.finish(C, 'queryauthcode@@@x', { status: 'done', outcome: 'bound', authorizerAppId: 'wx1' });
    expect(await store.authCodes.claim(C, 'queryauthcode@@@x', winner)).toBe('lost');
    expect(await store.authCodes.outcome(C, 'queryauthcode@@@x')).toEqual({
      status: 'done',
      outcome: 'bound',
      authorizerAppId: 'wx1',
      createdAt: expect.any(Date),
    });
  });

  it("lets the owner of a claim that failed for good try again (an operator's retry), no one else", async () => {
    const code = 'queryauthcode@@@failed';
    expect(await store.authCodes.claim(C, code, 'job-1')).toBe('won');
    await store.authCodes.finish(C, code, { status: 'failed', outcome: 'api_query_auth answered 61004', authorizerAppId: null });
    expect(await store.authCodes.claim(C, code, 'job-2')).toBe('lost');
    expect(await store.authCodes.claim(C, code, 'job-1')).toBe('won');
    expect(await store.authCodes.outcome(C, code)).toMatchObject({ status: 'processing', outcome: null });
    expect(await store.authCodes.claim(C, code, 'job-2')).toBe('lost');
  });

  it('streams the accounts due for a refresh, soonest first, in batches, up to the limit', async () => {
    const E = 'wx00000000000000e9';
    const due = (appId: string, inMs: number | null) =>
      store.authorizers.upsertAuthorized({
        ...input(appId),
        componentAppId: E,
        accessTokenExpiresAt: inMs === null ? null : new Date(Date.now() + inMs),
      });
    for (let i = 0; i < 5; i++) await due(`wx00000000000000c${i}`, (5 - i) * 60_000);
    await due('wx00000000000000d1', 3 * 3_600_000); // not due
    await due('wx00000000000000d2', 30_000);
    await store.authorizers.markUnauthorized(E, 'wx00000000000000d2'); // revoked: never refreshed
    const horizon = new Date(Date.now() + 15 * 60_000);
    const batches = [];
    for await (const batch of store.authorizers.expiringBatches(horizon, 100, 2)) batches.push(batch.filter((a) => a.componentAppId === E));
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(batches.flat().map((a) => a.appId)).toEqual([
      'wx00000000000000c4',
      'wx00000000000000c3',
      'wx00000000000000c2',
      'wx00000000000000c1',
      'wx00000000000000c0',
    ]);
    expect(batches.flat()[0]).toMatchObject({ tokenVersion: 1, accessTokenExpiresAt: expect.any(Date) });
    const limited = [];
    for await (const batch of store.authorizers.expiringBatches(horizon, 3, 1000)) limited.push(...batch);
    expect(limited).toHaveLength(3);
  });
});
