import { openTestRedis, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPublisher, handleMessages, subscribe, type AuthorizerEvent, type AuthorizerSnapshot } from './index.js';

let redis: TestRedis;
beforeAll(() => {
  redis = openTestRedis('events');
});
afterAll(() => redis.cleanup());

const authorizer: AuthorizerSnapshot = {
  componentAppId: 'wx00000000000e0001',
  appId: 'wx00000000000e00a1',
  shopId: 'S1',
  funcInfo: [1, 15],
  nickName: '小鹿咖啡',
  userName: 'gh_1',
  principalName: 'P',
  serviceType: 2,
  verifyType: 0,
};

describe('authorizer-events', () => {
  it('delivers every event to each named subscriber, once per change', async () => {
    const publisher = new EventPublisher(redis.connect(), redis.prefix, ['billing', 'crm']);
    await publisher.publish('authorized', authorizer, 'v1');
    await publisher.publish('authorized', authorizer, 'v1');
    await publisher.publish('shop_bound', authorizer, 'v1');
    const seen: Record<string, AuthorizerEvent[]> = { billing: [], crm: [] };
    const workers = (['billing', 'crm'] as const).map((name) =>
      subscribe(
        async (event) => {
          seen[name]?.push(event);
        },
        { connection: redis.connect(), prefix: redis.prefix, subscriber: name },
      ),
    );
    for (let i = 0; i < 100 && (seen.billing?.length !== 2 || seen.crm?.length !== 2); i++) await new Promise((r) => setTimeout(r, 50));
    for (const name of ['billing', 'crm']) {
      expect(seen[name]?.map((e) => e.type)).toEqual(['authorized', 'shop_bound']);
      expect(seen[name]?.[0]).toMatchObject({
        componentAppId: authorizer.componentAppId,
        authorizerAppId: authorizer.appId,
        shopId: 'S1',
        funcInfo: [1, 15],
        account: { nickName: '小鹿咖啡', userName: 'gh_1', principalName: 'P', serviceType: 2, verifyType: 0 },
      });
    }
    await Promise.all([...workers.map((w) => w.close()), publisher.close()]);
  });

  it.each([
    [
      'subscribe()',
      (connection: string) => subscribe(async () => undefined, { connection, prefix: redis.prefix, subscriber: 'connection-check' }),
    ],
    [
      'handleMessages()',
      (connection: string) => handleMessages('connection-check', async () => undefined, { connection, prefix: redis.prefix }),
    ],
  ])('closes the connection %s opened from a URL when the worker is closed', async (label, open) => {
    // The connection opened from the URL carries this name (ioredis reads it from the query string),
    // so CLIENT LIST tells ours from the other connections of this shared Redis.
    const name = `events-close-${label.replace(/\W/g, '')}-${process.pid}-${Date.now()}`;
    const url = new URL(redis.url);
    url.searchParams.set('connectionName', name);
    const admin = redis.connect();
    const ours = async (): Promise<number> =>
      String(await admin.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${name} `)).length;
    const waitForCount = async (wanted: (n: number) => boolean): Promise<number> => {
      let n = await ours();
      for (let i = 0; i < 100 && !wanted(n); i++) {
        await new Promise((r) => setTimeout(r, 50));
        n = await ours();
      }
      return n;
    };
    expect(await ours()).toBe(0);

    const worker = open(url.toString());
    await worker.waitUntilReady();
    expect(await waitForCount((n) => n >= 1)).toBeGreaterThanOrEqual(1);

    await worker.close();
    expect(await waitForCount((n) => n === 0)).toBe(0);
    await admin.quit();
  });
});
