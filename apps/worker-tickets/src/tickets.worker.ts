import { LockTimeoutError, TicketMissingError, type ComponentTokenService, type TicketNotices } from '@weixin3rd/credentials';
import { ALL_COMPONENTS, QUEUE, createWorker, type EnsureComponentTokenJob, type TicketJob } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import { WeChatApiError } from '@weixin3rd/wechat-api';
import { UnrecoverableError, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';

export interface TicketsWorkerDeps {
  store: Pick<Store, 'tickets' | 'components'>;
  tokens: ComponentTokenService;
  /** Wakes authorization pages (and `npm start`) waiting for a ticket. */
  notices: TicketNotices;
  connection: Redis;
  prefix: string;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * Retries help only with transient failures. A configuration error (wrong secret, IP not
 * allowed) is recorded on the component and fails the job for good: no retry storm.
 */
function classify(error: unknown): never {
  if (error instanceof WeChatApiError && error.kind === 'config')
    throw new UnrecoverableError(`${error.message} (fix the component's configuration)`);
  throw error;
}

/** Processes `tickets`: store each ticket durably, then make sure the component token is fresh. */
export function createTicketsWorker(deps: TicketsWorkerDeps): Worker {
  const ensure = async (componentAppId: string): Promise<void> => {
    try {
      await deps.tokens.ensure(componentAppId);
    } catch (error) {
      // Waiting for a ticket or for another process's refresh is normal: the schedule retries.
      if (error instanceof TicketMissingError || error instanceof LockTimeoutError) {
        deps.logger.warn({ componentAppId, err: error }, 'component token not refreshed yet');
        return;
      }
      classify(error);
    }
  };

  return createWorker(
    QUEUE.tickets,
    {
      ticket: async (job: TicketJob) => {
        const result = await deps.store.tickets.save(job.componentAppId, job.ticket, Number(job.createTime), new Date(job.receivedAt));
        deps.logger.info({ componentAppId: job.componentAppId, result }, 'component_verify_ticket');
        // Published before the token refresh: a waiting page's retry joins that refresh (single-flight)
        // rather than waiting behind it. A lost notice only costs the waiter its timeout.
        if (result === 'stored')
          await deps.notices
            .published(job.componentAppId, Number(job.createTime))
            .catch((err: unknown) => deps.logger.warn({ err }, 'ticket notice not published'));
        await ensure(job.componentAppId);
        return result;
      },
      'ensure-component-token': async (job: EnsureComponentTokenJob) => {
        const appIds = job.componentAppId === ALL_COMPONENTS ? await deps.store.components.listAppIds() : [job.componentAppId];
        for (const appId of appIds) {
          await deps.tokens.checkTicket(appId);
          await ensure(appId);
        }
      },
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 4 },
  );
}
