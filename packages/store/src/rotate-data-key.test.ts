import { openTestDatabase, type TestDatabase } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStore, keyIdOf, rotateDataKey, type Store } from './index.js';

// Issue 19, item 7: DATA_KEY_PREVIOUS is read, everything is re-sealed while the service writes,
// a stopped rotation resumes, and afterwards the old key can be dropped.
const OLD = Buffer.alloc(32, 21);
const NEW = Buffer.alloc(32, 22);
let db: TestDatabase;
const open: Store[] = [];
const connect = async (dataKey: Buffer, previousDataKeys: Buffer[] = []) => {
  const s = await connectStore(db.uri, { dataKey, previousDataKeys });
  open.push(s);
  return s;
};
beforeAll(async () => {
  db = await openTestDatabase('rotate-data-key');
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await db.drop();
});

const C = (i: number) => `wx00000000000c${String(i).padStart(4, '0')}`;
const A = (i: number) => `wx00000000000a${String(i).padStart(4, '0')}`;
const account = {
  kind: 'official' as const,
  nickName: 'n',
  headImg: null,
  userName: 'gh_r',
  principalName: 'P',
  alias: null,
  qrcodeUrl: null,
  serviceType: 2,
  verifyType: 0,
};

/** Every sealed value in the database, by key id. */
async function keyIds(): Promise<Record<string, number>> {
  const text = JSON.stringify(
    await Promise.all(
      ['components', 'component_tickets', 'component_tokens', 'authorizers'].map((n) => db.connection.collection(n).find({}).toArray()),
    ),
  );
  const ids: Record<string, number> = {};
  for (const m of text.matchAll(/"v1\.([0-9a-f]{8})\./g)) ids[m[1] ?? ''] = (ids[m[1] ?? ''] ?? 0) + 1;
  return ids;
}

describe('DATA_KEY rotation', () => {
  it('reads with DATA_KEY_PREVIOUS, re-seals everything while writes go on, resumes after a stop, then drops the old key', async () => {
    const before = await connect(OLD);
    for (let i = 1; i <= 6; i += 1) {
      await before.components.upsert({
        appId: C(i),
        appSecret: `secret-${i}`,
        token: `tok${i}`,
        encodingAesKey: `${String(i).repeat(43)}`.slice(0, 43),
      });
      await before.components.upsert({ appId: C(i), appSecret: `secret-${i}`, token: `tok${i}`, encodingAesKey: 'B'.repeat(43) });
      await before.tickets.save(C(i), `ticket@@@${i}`, 1_700_000_000 + i);
      await before.componentTokens.save(C(i), `component-token-${i}`, new Date(Date.now() + 7_200_000), 0);
      await before.authorizers.upsertAuthorized({
        componentAppId: C(i),
        appId: A(i),
        refreshToken: `refreshtoken@@@${i}`,
        accessToken: `access-${i}`,
        accessTokenExpiresAt: new Date(Date.now() + 7_200_000),
        funcInfo: [1],
        account,
      });
    }
    expect(Object.keys(await keyIds())).toEqual([keyIdOf(OLD)]);

    // The new key alone cannot open this database; with the old one as previous it reads everything.
    await expect(connectStore(db.uri, { dataKey: NEW })).rejects.toMatchObject({ code: 'DATA_KEY_MISMATCH' });
    const during = await connect(NEW, [OLD]);
    expect((await during.components.get(C(1)))?.previousEncodingAesKey).toBe('1'.repeat(43));
    expect((await during.authorizers.find(C(2), A(2)))?.refreshToken).toBe('refreshtoken@@@2');

    // A run stopped part-way leaves the database readable and not yet marked as rotated.
    const stop = new AbortController();
    const first = await rotateDataKey(during, { signal: stop.signal, onProgress: (p) => (p.resealed >= 5 ? stop.abort() : undefined) });
    expect(first.resealed).toBe(5);
    expect(first.complete).toBe(false);
    expect(first.remaining).toBeGreaterThan(0);
    await expect(connectStore(db.uri, { dataKey: NEW })).rejects.toMatchObject({ code: 'DATA_KEY_MISMATCH' });

    // The service keeps writing (with the new key) while the rotation finishes.
    const writes = (async () => {
      for (let i = 1; i <= 6; i += 1) {
        const version = (await during.authorizers.find(C(i), A(i)))?.tokenVersion ?? -1;
        const tokens = { accessToken: `access-${i}-b`, expiresAt: new Date(Date.now() + 7_200_000), refreshToken: `refreshtoken@@@${i}-b` };
        expect(await during.authorizers.saveTokens(C(i), A(i), version, tokens)).toBe(true);
        await during.tickets.save(C(i), `ticket@@@${i}-b`, 1_800_000_000 + i);
      }
    })();
    const second = await rotateDataKey(during);
    await writes;
    expect(second.complete).toBe(true);
    expect(second.remaining).toBe(0);
    expect(await keyIds()).toEqual({ [keyIdOf(NEW)]: expect.any(Number) });

    // The old key can go: the new key alone reads every value, and the old key alone is refused.
    const after = await connect(NEW);
    for (let i = 1; i <= 6; i += 1) {
      expect(await after.components.get(C(i))).toMatchObject({
        appSecret: `secret-${i}`,
        token: `tok${i}`,
        encodingAesKey: 'B'.repeat(43),
      });
      expect((await after.tickets.latest(C(i)))?.value).toBe(`ticket@@@${i}-b`);
      expect((await after.componentTokens.get(C(i)))?.accessToken).toBe(`component-token-${i}`);
      const a = await after.authorizers.find(C(i), A(i));
      expect([a?.accessToken, a?.refreshToken]).toEqual([`access-${i}-b`, `refreshtoken@@@${i}-b`]);
    }
    await expect(connectStore(db.uri, { dataKey: OLD })).rejects.toMatchObject({ code: 'DATA_KEY_MISMATCH' });
    // Running it again finds nothing to do.
    expect(await rotateDataKey(after)).toMatchObject({ resealed: 0, remaining: 0, complete: true });
  });
});
