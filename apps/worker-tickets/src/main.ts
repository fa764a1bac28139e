import { TicketNotices } from '@weixin3rd/credentials';
import { ALL_COMPONENTS, Producer } from '@weixin3rd/queues';
import { bootService } from '@weixin3rd/runtime';
import { createTicketsWorker } from './tickets.worker.js';

await bootService('worker-tickets', async ({ config, logger, store, redis, onClose, manage, componentTokens }) => {
  const prefix = config.queue.prefix;
  const connection = redis('worker');
  const tokens = componentTokens(connection);
  const scheduler = new Producer('tickets', redis('worker'), prefix);
  onClose(() => scheduler.close());
  manage(createTicketsWorker({ store, tokens, notices: new TicketNotices(prefix, connection), connection, prefix, logger }));
  // Every minute (BullMQ runs a new scheduler's first job at once): a restart never waits for a push.
  await scheduler.schedule('component-token-check', 60_000, 'ensure-component-token', {
    componentAppId: ALL_COMPONENTS,
    reason: 'schedule',
  });
  return { apiBase: config.wechat.apiBase };
});
