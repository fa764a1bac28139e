import { openTestDatabase, type TestDatabase } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox, StoreError, connectStore, type Store } from './index.js';

const KEY = Buffer.alloc(32, 1);
let db: TestDatabase;
let store: Store;
beforeAll(async () => {
  db = await openTestDatabase('store');
  store = await connectStore(db.uri, { dataKey: KEY });
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

const component = { appId: 'wx0000000000000001', appSecret: 'secret-1', token: 'tok1', encodingAesKey: 'A'.repeat(43) };

describe('SecretBox', () => {
  it('seals with AES-256-GCM and detects tampering and wrong keys', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('刷新令牌');
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(box.open(sealed)).toBe('刷新令牌');
    const parts = sealed.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(expect.objectContaining({ code: 'SECRET_CORRUPT' }));
    expect(() => new SecretBox(Buffer.alloc(32, 2)).open(sealed)).toThrow(expect.objectContaining({ code: 'DATA_KEY_MISMATCH' }));
    expect(new SecretBox(Buffer.alloc(32, 2), [KEY]).open(sealed)).toBe('刷新令牌');
  });
});

describe('store', () => {
  it('refuses to start with another DATA_KEY and changes nothing', async () => {
    await store.components.upsert(component);
    const error = await connectStore(db.uri, { dataKey: Buffer.alloc(32, 9) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('DATA_KEY_MISMATCH');
    expect((await store.components.get(component.appId))?.appSecret).toBe('secret-1');
  });

  it('tells onCommand every command it sends, with the collection', async () => {
    const seen: string[] = [];
    const counted = await connectStore(db.uri, { dataKey: KEY, onCommand: (command, collection) => seen.push(`${command} ${collection}`) });
    try {
      seen.length = 0;
      await counted.components.get(component.appId);
      expect(seen).toEqual(['find components']);
    } finally {
      await counted.close();
    }
  });

  it('keeps component secrets sealed at rest and the previous AES key on rotation', async () => {
    await store.components.upsert(component);
    await store.components.upsert({ ...component, encodingAesKey: 'B'.repeat(43) });
    expect(await store.components.get(component.appId)).toEqual({
      ...component,
      encodingAesKey: 'B'.repeat(43),
      previousEncodingAesKey: 'A'.repeat(43),
    });
    const raw = JSON.stringify(await db.connection.collection('components').findOne({ appId: component.appId }));
    for (const secret of ['secret-1', 'tok1', 'A'.repeat(43), 'B'.repeat(43)]) expect(raw).not.toContain(secret);
    expect(await store.components.summary(component.appId)).not.toHaveProperty('appSecret');
  });

  it('stores a ticket unless a newer one is stored', async () => {
    const appId = 'wx0000000000000002';
    expect(await store.tickets.save(appId, 't2', 200)).toBe('stored');
    expect(await store.tickets.save(appId, 't2', 200)).toBe('duplicate');
    expect(await store.tickets.save(appId, 't1', 100)).toBe('stale');
    expect(await store.tickets.save(appId, 't3', 300)).toBe('stored');
    expect(await store.tickets.latest(appId)).toMatchObject({ value: 't3', createTime: 300 });
    const raw = JSON.stringify(await db.connection.collection('component_tickets').findOne({ appId }));
    expect(raw).not.toContain('"t3"');
    expect(raw).toContain('"createTime":200');
  });

  it('keeps the newest ticket when saves race', async () => {
    const appId = 'wx0000000000000003';
    await Promise.all([5, 3, 9, 1, 7].map((n) => store.tickets.save(appId, `t${n}`, n)));
    expect((await store.tickets.latest(appId))?.value).toBe('t9');
  });

  it('saves the component token by compare-and-set on its version', async () => {
    const appId = 'wx0000000000000004';
    const expires = new Date(Date.now() + 7_200_000);
    expect(await store.componentTokens.save(appId, 'a', expires, 0)).toBe(true);
    expect(await store.componentTokens.save(appId, 'stale', expires, 0)).toBe(false);
    expect(await store.componentTokens.save(appId, 'b', expires, 1)).toBe(true);
    expect(await store.componentTokens.save(appId, 'slow-old', expires, 1)).toBe(false);
    expect(await store.componentTokens.get(appId)).toMatchObject({ accessToken: 'b', version: 2 });
  });
});
