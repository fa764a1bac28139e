import { createHash } from 'node:crypto';
import { openTestRedis, type TestRedis } from '@weixin3rd/testing';
import { QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Producer,
  QueueUnavailableError,
  createRedis,
  createWorker,
  jobIds,
  isJobName,
  jobNamesOf,
  openQueues,
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
    // One worker takes jobs in order: had the repeated add stored a job, it would run before this one.
    const after = new Promise((resolve) => events.on('completed', ({ jobId }) => jobId === 'after-repeat' && resolve(jobId)));
    await producer.add('ensure-component-token', { componentAppId: 'wx1', reason: 'schedule' }, 'after-repeat');
    await after;
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

  it('checks the jobs added since the first schemas (held, outbound, learn, purge) against theirs', () => {
    const held = { componentAppId: 'wx1', authorizerAppId: 'wx2', dedupeKey: 'k', receivedAt: 'now', xml: '<xml/>', awaitingReply: false };
    expect(parseJob('account-messages-held', 'message', held)).toEqual(held);
    expect(() => parseJob('account-messages-held', 'message', { ...held, seq: 0 })).toThrow('field seq must be number?');
    expect(parseJob('authorization', 'purge-claims', {})).toEqual({});
    expect(() => parseJob('authorization', 'learn-authorizer', { componentAppId: 'wx1' })).toThrow('field authorizerAppId must be string');
    const send = {
      componentAppId: 'wx1',
      authorizerAppId: 'wx2',
      openid: 'o',
      dedupeKey: 'k',
      reason: 'late',
      reply: { type: 'text', content: 'hi' },
    };
    expect(parseJob('messages-outbound', 'send', send)).toEqual(send);
    expect(() => parseJob('messages-outbound', 'send', { ...send, reply: { type: 'text' } })).toThrow(/field reply/);
    expect(() => parseJob('messages-outbound', 'send', { ...send, reason: 'whim' })).toThrow(/field reason/);
    expect(isJobName('tickets', 'toString')).toBe(false);
    expect(() => parseJob('tickets', 'toString' as never, {})).toThrow('queue tickets has no job named "toString"');
  });

  it('builds the refresh id as the sweep did by hand (ids of jobs already in Redis stay the same)', () => {
    const expiresAt = new Date('2026-01-01T00:00:00.000Z');
    const byHand = (e: string) => `refresh-wx2-${createHash('sha256').update(`wx1/${e}/7`).digest('hex').slice(0, 16)}`;
    expect(jobIds.refresh('wx1', 'wx2', expiresAt, 7)).toBe(byHand(expiresAt.toISOString()));
    expect(jobIds.refresh('wx1', 'wx2', null, 7)).toBe(byHand('missing'));
  });

  it('adds to a copy of a queue under its own name, and waits for a job to finish', async () => {
    const connection = createRedis(redis.url, 'producer');
    const copy = new Producer('tickets', connection, redis.prefix, { queueName: 'tickets.copy' });
    const tickets = new Producer('tickets', connection, redis.prefix);
    await Promise.all([copy.ready(), tickets.ready()]);
    await copy.add('ticket', ticket, 'copied');
    expect(copy.queueName).toBe('tickets.copy');
    expect((await copy.getJob('copied'))?.data).toEqual(ticket);
    expect(await tickets.getJob('copied')).toBeUndefined();

    const events = new QueueEvents('tickets.copy', { connection: redis.connect(), prefix: redis.prefix });
    await events.waitUntilReady();
    // No worker yet: the wait ends with the job still to run.
    expect(await copy.waitFor('copied', events, 50)).toEqual({ status: 'running' });
    expect(await copy.waitFor('never-added', events, 50)).toEqual({ status: 'missing' });
    await copy.add('ticket', { ...ticket, ticket: 'ticket@@@fails' }, 'fails', { attempts: 1 });
    const worker = new Worker(
      'tickets.copy',
      async (job: Job) => {
        if (job.id === 'fails') throw new Error('refused');
        return 'stored';
      },
      { connection: redis.connect(), prefix: redis.prefix },
    );
    expect(await copy.waitFor('copied', events, 10_000)).toEqual({ status: 'completed', value: 'stored' });
    const failed = await copy.waitFor('fails', events, 10_000);
    expect(failed.status).toBe('failed');
    expect(failed.status === 'failed' && (failed.error as Error).message).toBe('refused');
    expect(() => new Producer('messages.<service>', connection, redis.prefix)).toThrow(/queueName/);
    await Promise.all([worker.close(), events.close(), copy.close(), tickets.close()]);
  });

  it('lets the console and the metrics read a queue without its Queue object: counts, oldest waiting, failed jobs, retry', async () => {
    const prefix = `${redis.prefix}:inspect`;
    const producer = new Producer('tickets', createRedis(redis.url, 'producer'), prefix);
    await producer.ready();
    const opened = openQueues(['tickets', 'tickets'], redis.connect(), prefix);
    expect(opened.inspectors.map((q) => q.name)).toEqual(['tickets']);
    expect(opened.forBullBoard.map((q) => q.name)).toEqual(['tickets']);
    const [tickets] = opened.inspectors;
    if (!tickets) throw new Error('no inspector');
    expect(await tickets.waitingCount()).toBe(0);
    expect(await tickets.oldestWaitingSince()).toBeNull();

    const before = Date.now();
    await producer.add('ticket', { ...ticket, componentAppId: 'wxa' }, 'inspect-a');
    const between = Date.now();
    await producer.add('ticket', { ...ticket, componentAppId: 'wxb' }, 'inspect-b');
    expect(await tickets.waitingCount()).toBe(2);
    const since = await tickets.oldestWaitingSince();
    expect(since).toBeGreaterThanOrEqual(before);
    expect(since).toBeLessThanOrEqual(between);

    const worker = createWorker(
      'tickets',
      {
        ticket: async () => {
          throw new UnrecoverableError('nope');
        },
        'ensure-component-token': async () => undefined,
      },
      { connection: redis.connect(), prefix },
    );
    let failures = 0;
    const bothFailed = new Promise<void>((resolve) => worker.on('failed', () => (++failures === 2 ? resolve() : undefined)));
    await bothFailed;
    await worker.close();
    expect(await tickets.waitingCount()).toBe(0);
    expect(await tickets.failedCount()).toBe(2);
    const failed = await tickets.failedJobs(50);
    expect(failed.map((j) => j.id).sort()).toEqual(['inspect-a', 'inspect-b']);
    expect(failed[0]).toMatchObject({ name: 'ticket', failedReason: 'nope', attemptsMade: 1, finishedOn: expect.any(Number) });
    expect(await tickets.failedJobs(1)).toHaveLength(1);

    expect(await tickets.retryFailed('inspect-a')).toBe(true);
    expect(await tickets.retryFailed('inspect-missing')).toBe(false);
    expect(await tickets.failedCount()).toBe(1);
    expect(await tickets.waitingCount()).toBe(1);
    await Promise.all([opened.close(), producer.close()]);
  });
});
