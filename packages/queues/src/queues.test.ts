import { openTestRedis, type TestRedis } from '@weixin3rd/testing';
import { QueueEvents, UnrecoverableError, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Producer,
  QueueUnavailableError,
  createRedis,
  createWorker,
  jobIds,
  jobNamesOf,
  parseJob,
  subscriberQueue,
  type TicketJob,
} from './index.js';

let redis: TestRedis;
beforeAll(() => {
  redis = openTestRedis('queues');
});
afterAll(() => redis.cleanup());

const ticket: TicketJob = { componentAppId: 'wx1', ticket: 'ticket@@@a', createTime: '1700000000', receivedAt: new Date().toISOString() };

describe('queues', () => {
  it('round-trips a typed job through a validating worker, once per deterministic id', async () => {
    const producer = new Producer('tickets', createRedis(redis.url, 'producer'), redis.prefix);
    const seen: TicketJob[] = [];
    const worker = createWorker(
      'tickets',
      {
        ticket: async (data) => {
          seen.push(data);
        },
        'ensure-component-token': async () => undefined,
      },
      { connection: redis.connect(), prefix: redis.prefix },
    );
    const events = new QueueEvents('tickets', { connection: redis.connect(), prefix: redis.prefix });
    await events.waitUntilReady();
    await producer.ready();
    const id = jobIds.ticket('wx1', ticket.ticket);
    const done = new Promise((resolve) => events.on('completed', resolve));
    expect(await producer.add('ticket', ticket, id)).toBe(id);
    await done;
    expect(await producer.add('ticket', ticket, id)).toBe(id);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([ticket]);
    await Promise.all([worker.close(), events.close(), producer.close()]);
  });

  it('fails a malformed payload without retrying', async () => {
    const producer = new Producer('tickets', createRedis(redis.url, 'producer'), redis.prefix);
    const worker = createWorker(
      'tickets',
      { ticket: async () => undefined, 'ensure-component-token': async () => undefined },
      { connection: redis.connect(), prefix: redis.prefix },
    );
    await producer.ready();
    const failed = new Promise<[Job | undefined, Error]>((resolve) => worker.on('failed', (job, err) => resolve([job, err])));
    await producer.add('ticket', { ...ticket, ticket: '' }, 'bad-1', { attempts: 5 });
    const [job, err] = await failed;
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err.message).toBe('tickets/ticket: field ticket must be string');
    expect(job?.attemptsMade).toBe(1);
    await Promise.all([worker.close(), producer.close()]);
  });

  it('refuses to start a worker with a missing handler', () => {
    expect(() =>
      createWorker('tickets', { ticket: async () => undefined } as never, {
        connection: redis.connect(),
        prefix: redis.prefix,
        autorun: false,
      }),
    ).toThrow('worker for tickets has no handler for ensure-component-token');
  });

  it('rejects at once when Redis is unreachable instead of queueing the command', async () => {
    const producer = new Producer('tickets', createRedis('redis://127.0.0.1:1', 'producer'), redis.prefix);
    await new Promise((r) => setTimeout(r, 100));
    await expect(producer.add('ticket', ticket, 'x-1')).rejects.toBeInstanceOf(QueueUnavailableError);
    await producer.close();
  });

  it('validates every job name and names the subscriber queues', () => {
    expect(jobNamesOf('authorization')).toEqual([
      'authorized',
      'updateauthorized',
      'unauthorized',
      'unknown-info-type',
      'auth-code',
      'reconcile',
      'purge-claims',
      'learn-authorizer',
    ]);
    expect(() => parseJob('authorization', 'unauthorized', { componentAppId: 'wx1', authorizerAppId: 'wx2' })).toThrow(/createTime/);
    expect(() => parseJob('tickets', 'nope' as never, {})).toThrow(UnrecoverableError);
    expect(subscriberQueue('billing')).toBe('authorizer-events.billing');
    expect(jobIds.ticket('wx1', 'a:b')).not.toContain(':');
  });
});
