import { loadConfigOrExit } from '@weixin3rd/config';
import { ComponentTokenService } from '@weixin3rd/credentials';
import { Producer, createRedis } from '@weixin3rd/queues';
import { createLogger, onShutdown, runMain } from '@weixin3rd/runtime';
import { connectStore } from '@weixin3rd/store';
import { Transport } from '@weixin3rd/wechat-api';
import { ALL_COMPONENTS, createTicketsWorker } from './tickets.worker.js';

await runMain('worker-tickets', async () => {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'worker-tickets', level: config.logLevel });
  const store = await connectStore(config.mongo.uri, { dataKey: config.dataKey });
  if (config.bootstrapComponent) await store.components.upsert(config.bootstrapComponent);

  const onRedisError = (err: Error): void => logger.warn({ err: err.message }, 'redis');
  const connection = createRedis(config.redis.url, 'worker', onRedisError);
  const tokens = new ComponentTokenService({
    store,
    redis: connection,
    prefix: config.queue.prefix,
    transport: new Transport({ baseUrl: config.wechat.apiBase }),
    logger,
  });
  const worker = createTicketsWorker({ store, tokens, connection, prefix: config.queue.prefix, logger });
  worker.on('failed', (job, err) => logger.warn({ job: job?.name, err: err.message }, 'job failed'));

  // Every minute (BullMQ runs a new scheduler's first job at once): a restart never waits for a push.
  const scheduler = new Producer('tickets', createRedis(config.redis.url, 'worker', onRedisError), config.queue.prefix, onRedisError);
  await scheduler.queue.upsertJobScheduler(
    'component-token-check',
    { every: 60_000 },
    { name: 'ensure-component-token', data: { componentAppId: ALL_COMPONENTS, reason: 'schedule' } },
  );
  logger.info({ apiBase: config.wechat.apiBase }, 'worker-tickets ready');

  onShutdown(
    async () => {
      await worker.close();
      await scheduler.close();
      await store.close();
    },
    { logger },
  );
});
