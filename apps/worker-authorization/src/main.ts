import { loadConfigOrExit } from '@weixin3rd/config';
import { ComponentTokenService } from '@weixin3rd/credentials';
import { PreAuthSessions, Producer, createRedis } from '@weixin3rd/queues';
import { createLogger, onShutdown, runMain } from '@weixin3rd/runtime';
import { connectStore } from '@weixin3rd/store';
import { Transport } from '@weixin3rd/wechat-api';
import { createAuthorizationWorker } from './authorization.worker.js';
import { EventPublisher } from '@weixin3rd/events';

await runMain('worker-authorization', async () => {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'worker-authorization', level: config.logLevel });
  const store = await connectStore(config.mongo.uri, { dataKey: config.dataKey });
  if (config.bootstrapComponent) await store.components.upsert(config.bootstrapComponent);

  const connection = createRedis(config.redis.url, 'worker', (err) => logger.warn({ err: err.message }, 'redis'));
  const tokens = new ComponentTokenService({
    store,
    redis: connection,
    prefix: config.queue.prefix,
    transport: new Transport({ baseUrl: config.wechat.apiBase }),
    logger,
  });
  const events = new EventPublisher(connection, config.queue.prefix, config.authorizerEventSubscribers);
  const sessions = new PreAuthSessions(connection, config.queue.prefix);
  const worker = createAuthorizationWorker({ store, tokens, events, sessions, connection, prefix: config.queue.prefix, logger });
  worker.on('failed', (job, err) => logger.warn({ job: job?.name, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
  // Daily: recover refresh tokens WeChat still holds, notice revocations a lost push missed.
  const scheduler = new Producer('authorization', createRedis(config.redis.url, 'worker'), config.queue.prefix);
  await scheduler.queue.upsertJobScheduler(
    'reconcile-daily',
    { every: 24 * 3600_000 },
    { name: 'reconcile', data: { componentAppId: '*' } },
  );
  logger.info({}, 'worker-authorization ready');

  onShutdown(
    async () => {
      await worker.close();
      await scheduler.close();
      await events.close();
      await store.close();
    },
    { logger },
  );
});
