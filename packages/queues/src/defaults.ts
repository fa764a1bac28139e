import type { JobsOptions } from 'bullmq';
import type { QueueJobs } from './jobs.js';

/**
 * WeChat re-sends a push for about 15 s and auth codes live an hour: completed jobs are kept an
 * hour so their ids keep absorbing duplicates. Failed jobs stay a week for inspection.
 */
export const DEFAULT_JOB_OPTIONS: { [Q in keyof QueueJobs]: JobsOptions } = {
  tickets: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 3600, count: 10000 },
    removeOnFail: { age: 7 * 86400 },
  },
  authorization: {
    attempts: 6,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 3600, count: 100000 },
    removeOnFail: { age: 7 * 86400 },
  },
  'token-refresh': {
    attempts: 5,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: 600, count: 200000 },
    removeOnFail: { age: 86400 },
  },
  'account-messages': {
    attempts: 3,
    backoff: { type: 'exponential', delay: 500 },
    removeOnComplete: { age: 3600, count: 200000 },
    removeOnFail: { age: 86400 },
  },
  'authorizer-events': {
    attempts: 10,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: 7 * 86400 },
    removeOnFail: { age: 30 * 86400 },
  },
};
