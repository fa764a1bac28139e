import { openTestRedis, type TestRedis } from '@weixin3rd/testing';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentWorker } from './metrics.js';

// A real BullMQ worker on real Redis: an attempt BullMQ will retry is `retried`, and only the
// attempt that ends the job counts as `failed` (an alert on failed jobs must not fire on retries).
let redis: TestRedis;
beforeAll(() => {
  redis = openTestRedis('runtime-metrics');
});
afterAll(async () => {
  await redis.cleanup();
});

describe('instrumentWorker', () => {
  it('counts completed, retried and failed-for-good attempts apart', async () => {
    const name = 'metrics-outcomes';
    const connection = redis.connect();
    const queue = new Queue(name, { connection, prefix: redis.prefix });
    const worker = new Worker(
      name,
      async (job) => {
        if (job.name === 'ok') return 'done';
        if (job.name === 'fatal') throw new UnrecoverableError('permanent');
        throw new Error('transient');
      },
      { connection, prefix: redis.prefix },
    );
    const registry = new Registry();
    const close = instrumentWorker(registry, worker);
    // Listeners run in the order they were added: once ours hears a job end, the metric has it.
    const ended = new Set<string>();
    const allEnded = new Promise<void>((resolve) => {
      const note = (id: string | undefined) => {
        if (id) ended.add(id);
        if (ended.size === 3) resolve();
      };
      worker.on('completed', (job) => note(job.id));
      worker.on('failed', (job) => note(job?.finishedOn ? job.id : undefined));
    });
    await queue.add('ok', {}, { jobId: 'ok-1' });
    await queue.add('transient', {}, { jobId: 'transient-1', attempts: 3, backoff: { type: 'fixed', delay: 10 } });
    await queue.add('fatal', {}, { jobId: 'fatal-1', attempts: 3 });
    await allEnded;

    const values = (await registry.getSingleMetric('weixin3rd_jobs_total')?.get())?.values ?? [];
    const count = (outcome: string) => values.find((v) => v.labels.outcome === outcome && v.labels.queue === name)?.value ?? 0;
    expect(count('completed')).toBe(1);
    // The transient job: 2 attempts retried, the 3rd failed for good; the unrecoverable one failed at once.
    expect(count('retried')).toBe(2);
    expect(count('failed')).toBe(2);

    await worker.close();
    await close();
    await queue.close();
  });
});
