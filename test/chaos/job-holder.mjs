// Takes one job of the queue named in argv and never finishes it: the stalled-recovery test kills
// this process with SIGKILL while it holds the job, as a crash mid-job would.
import { STALLED_JOB_OPTIONS } from '@weixin3rd/queues';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [queue, url, prefix] = process.argv.slice(2);
const connection = new Redis(url, { maxRetriesPerRequest: null });
new Worker(
  queue,
  async (job) => {
    process.stdout.write(`taken ${job.id}\n`);
    await new Promise(() => undefined);
  },
  { connection, prefix, ...STALLED_JOB_OPTIONS[queue] },
);
