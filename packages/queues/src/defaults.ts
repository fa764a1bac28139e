import type { JobsOptions } from 'bullmq';
import type { QueueJobs } from './jobs.js';
import { SERVICE_MESSAGE_JOB_OPTIONS, SERVICE_MESSAGE_STALLED_OPTIONS } from './service-messages.js';

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
  // An acknowledged message must outlive a store outage: 8 attempts from 0.5 s doubling span about
  // a minute (plus mongoose's 10 s buffering per attempt). With 3 (3.5 s), a store down 10 s and
  // slow to come back under load failed a message for good (the chaos suite's store case).
  'account-messages': {
    attempts: 8,
    backoff: { type: 'exponential', delay: 500 },
    removeOnComplete: { age: 3600, count: 200000 },
    removeOnFail: { age: 86400 },
  },
  // Held while the account is learned (about a minute); kept a day when that fails, for inspection.
  'account-messages-held': {
    attempts: 1,
    removeOnComplete: { age: 3600, count: 100000 },
    removeOnFail: { age: 86400 },
  },
  // Completed sends stay a day: their ids absorb re-sends of the same reply (a retried delivery).
  'messages-outbound': {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 86400, count: 200000 },
    removeOnFail: { age: 7 * 86400 },
  },
  'authorizer-events': {
    attempts: 10,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: 7 * 86400 },
    removeOnFail: { age: 30 * 86400 },
  },
  'messages.<service>': SERVICE_MESSAGE_JOB_OPTIONS,
};

/** How a worker notices that another one died holding a job (BullMQ's stalled-job check). */
export interface StalledJobOptions {
  /** How long a job's lock lasts without renewal; a live worker renews it every half of it. */
  lockDuration: number;
  /** How often each worker looks for active jobs whose lock expired and puts them back to wait. */
  stalledInterval: number;
  /** Recoveries of one job before it fails ("job stalled more than allowable limit"). */
  maxStalledCount: number;
}

/**
 * Per queue, chosen for what the queue serves (docs/ARCHITECTURE.md, "At least once"). A worker
 * killed mid-job leaves its jobs active until their lock expires and a live worker's stalled
 * check runs: recovery takes from `lockDuration` up to `lockDuration + 2 × stalledInterval` (a
 * check moves a job only if the check before found it active too; RELIABILITY.md has the measured
 * times). BullMQ's defaults (30 s and 30 s) would apply otherwise. A shorter lock costs a renewal
 * command per active job every `lockDuration / 2`, and a worker whose event loop stalls longer
 * than the lock loses its job to another (the handler runs twice, which every handler tolerates).
 *
 * - `account-messages`: WeChat waits 5 s per delivery and delivers three times over about 15 s; a
 *   message back within ~7 s can still answer a re-delivery with its passive reply.
 * - `authorization`: an operator waits on the result page; an auth code lives 10 minutes.
 * - `tickets`: a ticket comes every 10 minutes and the component token is renewed 20 minutes
 *   before it expires: half a minute is nothing.
 * - `token-refresh`: a token is refreshed 15 minutes before it expires; a refresh holds the
 *   account's Redis lock (15 s) while it calls WeChat, and a longer lock spares renewals for the
 *   many refreshes in flight.
 * - `authorizer-events`: downstream services' handlers may be slow; an event a minute late is fine.
 * - `account-messages-held`: one store read and one add; quick to recover, like `account-messages`.
 * - `messages-outbound`: a send may wait on the account's token lock (15 s) and try WeChat twice (5 s
 *   each). A send run twice after a stall can reach the user twice: its lock is long for that reason.
 * - `messages.<service>`: the downstream services' workers (handleMessages); a handler that dies
 *   holds its account's line until its job is recovered (service-messages.ts).
 *
 * `maxStalledCount` 2 or 3: a job that kills its worker every time (a poison job) fails after a few
 * recoveries instead of taking down every worker in turn, while a single crash or Redis blip never
 * fails a job.
 */
export const STALLED_JOB_OPTIONS: { [Q in keyof QueueJobs]: StalledJobOptions } = {
  'account-messages': { lockDuration: 5000, stalledInterval: 2500, maxStalledCount: 3 },
  authorization: { lockDuration: 10_000, stalledInterval: 5000, maxStalledCount: 2 },
  tickets: { lockDuration: 20_000, stalledInterval: 10_000, maxStalledCount: 2 },
  'token-refresh': { lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 2 },
  'authorizer-events': { lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 2 },
  'account-messages-held': { lockDuration: 5000, stalledInterval: 2500, maxStalledCount: 3 },
  'messages-outbound': { lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 2 },
  'messages.<service>': SERVICE_MESSAGE_STALLED_OPTIONS,
};
