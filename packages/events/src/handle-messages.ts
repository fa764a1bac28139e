import {
  SERVICE_MESSAGE_JOB,
  SERVICE_MESSAGE_STALLED_OPTIONS,
  isMessageReply,
  isServiceMessageJob,
  replyProblem,
  serviceQueue,
  type MessageReply,
  type ServiceMessageJob,
} from '@weixin3rd/queues';
import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ConsumerWorker } from './consumer-worker.js';

export interface HandleMessagesOptions {
  /** Redis URL (the worker opens a connection and `close()` quits it) or your connection (`maxRetriesPerRequest: null`; yours to close). */
  connection: string | Redis;
  /** QUEUE_PREFIX of the weixin3rd deployment (default `weixin3rd`). */
  prefix?: string;
  /**
   * Messages handled at once by this process. Messages of one account still come one at a time
   * and in order (worker-messages releases the next only when this one finished), so any value is safe.
   */
  concurrency?: number;
  /**
   * A handler still running after this fails for good, so its account's line moves on (keep it
   * under worker-messages' MESSAGE_HANDLER_TIMEOUT_MS; default 25 s).
   */
  timeoutMs?: number;
}

/** What a handler returns: the reply to the user, or nothing. */
export type MessageHandler = (message: ServiceMessageJob, job: Job) => Promise<MessageReply | undefined | void>;

/**
 * Consumes the messages that routing rules send to `service` (queue `messages.<service>`).
 * The payload is validated before `handler` sees it; the reply it returns is checked and sent
 * by weixin3rd: passively when it is ready within WeChat's deadline, otherwise through the
 * customer-service API. A handler that throws is retried (3 attempts in all). Returns the
 * BullMQ worker: `await worker.close()` on exit.
 */
export function handleMessages(service: string, handler: MessageHandler, options: HandleMessagesOptions): Worker {
  const timeoutMs = options.timeoutMs ?? 25_000;
  return new ConsumerWorker(
    serviceQueue(service),
    async (job: Job) => {
      if (job.name !== SERVICE_MESSAGE_JOB)
        throw new UnrecoverableError(`messages.${service}: unknown job name ${JSON.stringify(job.name)}`);
      if (!isServiceMessageJob(job.data)) throw new UnrecoverableError(`messages.${service}: payload is not a message`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new UnrecoverableError(`HANDLER_TIMEOUT: no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const reply = await Promise.race([handler(job.data, job), timeout]);
        if (reply === undefined || reply === null) return null;
        if (!isMessageReply(reply)) throw new UnrecoverableError(`REPLY_INVALID: ${replyProblem(reply)}`);
        return reply;
      } finally {
        clearTimeout(timer);
      }
    },
    options.connection,
    { prefix: options.prefix ?? 'weixin3rd', concurrency: options.concurrency ?? 8, ...SERVICE_MESSAGE_STALLED_OPTIONS },
  );
}
