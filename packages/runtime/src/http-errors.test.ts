import { createRedis } from '@weixin3rd/queues';
import { openTestRedis } from '@weixin3rd/testing';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { HttpError, createLogger, handleErrors, isRedisUnavailable } from './index.js';

describe('isRedisUnavailable', () => {
  it('is true for what an unreachable Redis throws, on a fail-fast and on a waiting connection', async () => {
    const producer = createRedis('redis://127.0.0.1:1', 'producer');
    const refused = await producer.get('k').catch((e: unknown) => e);
    producer.disconnect();
    expect(isRedisUnavailable(refused)).toBe(true);

    const closed = createRedis('redis://127.0.0.1:1', 'worker');
    closed.disconnect();
    const afterClose = await closed.get('k').catch((e: unknown) => e);
    expect(isRedisUnavailable(afterClose)).toBe(true);
  });

  it('is false for a refused command and for a bug', async () => {
    const redis = openTestRedis('runtime-http-errors');
    const connection = redis.connect();
    try {
      await connection.set(`${redis.prefix}:s`, 'x');
      const wrongType = await connection.lpush(`${redis.prefix}:s`, 'y').catch((e: unknown) => e);
      expect(isRedisUnavailable(wrongType)).toBe(false);
      expect(isRedisUnavailable(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
    } finally {
      await redis.cleanup();
    }
  });
});

describe('handleErrors', () => {
  const lines: string[] = [];
  const app = async () => {
    const logger: FastifyBaseLogger = createLogger({
      name: 'http-errors',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const a: FastifyInstance = Fastify({ loggerInstance: logger });
    handleErrors(a, { known: (e) => (isRedisUnavailable(e) ? new HttpError(503, 'REDIS_UNAVAILABLE', 'retry') : null) });
    a.get('/refused', async () => {
      throw new HttpError(409, 'TAKEN', 'taken');
    });
    a.get('/redis', async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    });
    a.get('/bug', async () => {
      throw new TypeError('secret detail');
    });
    a.get('/schema', { schema: { querystring: { type: 'object', required: ['q'] } } }, async () => 'ok');
    return a;
  };

  it('answers a refusal, a known error, a schema refusal and a bug each with its status and code, and logs the bug', async () => {
    const a = await app();
    const answer = async (url: string) => {
      const res = await a.inject({ url });
      return [res.statusCode, res.json<{ error: { code: string; message: string } }>().error];
    };
    expect(await answer('/refused')).toEqual([409, { code: 'TAKEN', message: 'taken' }]);
    expect(await answer('/redis')).toEqual([503, { code: 'REDIS_UNAVAILABLE', message: 'retry' }]);
    expect(await answer('/schema')).toMatchObject([400, { code: 'INVALID_REQUEST' }]);
    expect(await answer('/bug')).toEqual([500, { code: 'INTERNAL', message: 'internal error' }]);
    // The bug alone is logged, with its stack.
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; err?: { stack?: string } }).filter((l) => l.err);
    expect(logged.map((l) => l.msg)).toEqual(['unexpected error']);
    expect(logged[0]?.err?.stack).toMatch(/^TypeError: secret detail\n\s+at /);
    await a.close();
  });
});
