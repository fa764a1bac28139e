import { once } from 'node:events';
import { openTestRedis, type TestRedis } from '@weixin3rd/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplyBus } from './index.js';

let redis: TestRedis;
let worker: ReplyBus;
let ingress: ReplyBus;
let ingressPublisher: Redis;
beforeAll(() => {
  redis = openTestRedis('reply-bus');
  worker = new ReplyBus(redis.prefix, redis.connect());
  ingressPublisher = redis.connect();
  ingress = new ReplyBus(redis.prefix, ingressPublisher, redis.connect());
});
afterAll(() => redis.cleanup());

describe('ReplyBus: passive or late, decided once', () => {
  it('wakes the waiting request with the offered reply, and answers every redelivery the same', async () => {
    await ingress.listen();
    const waiting = ingress.wait('k1', 5000);
    // Offer only once the wait has read "nothing stored yet", so the reply can only come by the
    // publish: its GET is sent once pending promise jobs have run (setImmediate), and a PING on the
    // same connection is answered after it (Redis answers a connection in order).
    await new Promise((r) => setImmediate(r));
    await ingressPublisher.ping();
    expect(await worker.offer('k1', '<xml>r1</xml>')).toBe(true);
    expect(await waiting).toBe('<xml>r1</xml>');
    expect(await ingress.wait('k1', 5000)).toBe('<xml>r1</xml>');
    expect(await worker.offer('k1', '<xml>other</xml>')).toBe(false);
    expect(await ingress.wait('k1', 5000)).toBe('<xml>r1</xml>');
  });

  it('claims a message as late when the budget runs out: the worker then loses, and redeliveries answer success', async () => {
    expect(await ingress.wait('k2', 50)).toBeUndefined();
    expect(await worker.offer('k2', '<xml>too late</xml>')).toBe(false);
    expect(await ingress.wait('k2', 5000)).toBeUndefined();
  });

  it('gives the reply to a request whose budget ran out just after the worker offered it', async () => {
    expect(await worker.offer('k3', '<xml>r3</xml>')).toBe(true);
    expect(await ingress.wait('k3', 0)).toBe('<xml>r3</xml>');
    expect(await worker.offer('k4', null)).toBe(true);
    expect(await ingress.wait('k4', 5000)).toBeNull();
  });
});

describe('ReplyBus on a connection that is not ready yet', () => {
  it('subscribes once the connection is ready: the ready check survives and the first wait gets its reply', async () => {
    // A new ingress: the first message arrives while the subscriber's socket is up but ioredis's
    // ready check (INFO) is still in flight. A SUBSCRIBE sent then fails the check and drops the connection.
    const subscriber = redis.connect();
    const errors: string[] = [];
    subscriber.on('error', (error: Error) => errors.push(error.message));
    await once(subscriber, 'connect');
    expect(subscriber.status).toBe('connect');
    const fresh = new ReplyBus(redis.prefix, redis.connect(), subscriber);
    const waiting = fresh.wait('k-fresh', 20_000);
    await fresh.listen();
    expect(await worker.offer('k-fresh', '<xml>first</xml>')).toBe(true);
    expect(await waiting).toBe('<xml>first</xml>');
    expect(errors).toEqual([]);
    expect(subscriber.status).toBe('ready');
  });
});
