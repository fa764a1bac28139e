import { afterAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents, Worker, UnrecoverableError } from 'bullmq';
import { openTestRedis } from '@weixin3rd/testing';

// A job through real Redis with BullMQ, the way every queue of the project works:
// deterministic jobId dedupes, UnrecoverableError skips retries.
describe('BullMQ against the prepared Redis', () => {
  const redis = openTestRedis('bullmq-roundtrip');
  afterAll(async () => {
    await redis.cleanup();
  });

  it('processes a job once and returns its result; a second add with the same jobId is ignored', async () => {
    const queue = new Queue<{ n: number }>('roundtrip', { connection: redis.connect(), prefix: redis.prefix });
    const events = new QueueEvents('roundtrip', { connection: redis.connect(), prefix: redis.prefix });
    await events.waitUntilReady();
    const seen: number[] = [];
    const worker = new Worker<{ n: number }, number>(
      'roundtrip',
      async (job) => {
        seen.push(job.data.n);
        return job.data.n * 2;
      },
      { connection: redis.connect(), prefix: redis.prefix },
    );

    const job = await queue.add('double', { n: 21 }, { jobId: 'ticket-abc', removeOnComplete: { age: 60 } });
    expect(await job.waitUntilFinished(events, 10_000)).toBe(42);
    const again = await queue.add('double', { n: 99 }, { jobId: 'ticket-abc' });
    expect(again.id).toBe('ticket-abc');
    // One worker takes jobs in order: had the repeated add stored a job, it would run before this one.
    const later = await queue.add('double', { n: 0 }, { jobId: 'after-repeat' });
    await later.waitUntilFinished(events, 10_000);
    // 99, the repeated add, never ran.
    expect(seen).toEqual([21, 0]);

    await worker.close();
    await events.close();
    await queue.close();
  });

  it('does not retry a job that throws UnrecoverableError', async () => {
    const queue = new Queue('unrecoverable', { connection: redis.connect(), prefix: redis.prefix });
    const events = new QueueEvents('unrecoverable', { connection: redis.connect(), prefix: redis.prefix });
    await events.waitUntilReady();
    let attempts = 0;
    const worker = new Worker(
      'unrecoverable',
      async () => {
        attempts += 1;
        throw new UnrecoverableError('bad payload');
      },
      { connection: redis.connect(), prefix: redis.prefix },
    );

    const job = await queue.add('x', {}, { attempts: 5, backoff: { type: 'fixed', delay: 10 } });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow('bad payload');
    expect(attempts).toBe(1);

    await worker.close();
    await events.close();
    await queue.close();
  });
});
