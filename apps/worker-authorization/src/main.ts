import { EventPublisher } from '@weixin3rd/events';
import { ALL_COMPONENTS, Producer } from '@weixin3rd/queues';
import { PreAuthSessions } from '@weixin3rd/handoffs';
import { bootService } from '@weixin3rd/runtime';
import { createAuthorizationWorker } from './authorization.worker.js';

await bootService('worker-authorization', async ({ config, logger, store, redis, onClose, manage, metrics, componentTokens }) => {
  const prefix = config.queue.prefix;
  const connection = redis('worker');
  const tokens = componentTokens(connection);
  const events = new EventPublisher(connection, prefix, config.authorizerEventSubscribers);
  onClose(() => events.close());
  const sessions = new PreAuthSessions(connection, prefix);
  const scheduler = new Producer('authorization', redis('worker'), prefix);
  onClose(() => scheduler.close());
  manage(createAuthorizationWorker({ store, tokens, events, sessions, connection, prefix, logger, metrics }));
  // Daily: recover refresh tokens WeChat still holds, notice revocations a lost push missed.
  await scheduler.schedule('reconcile-daily', 24 * 3600_000, 'reconcile', { componentAppId: ALL_COMPONENTS });
  // Hourly: auth-code claims and state nonces would otherwise grow forever (no TTL indexes on FerretDB).
  await scheduler.schedule('purge-claims-hourly', 3600_000, 'purge-claims', {});
});
