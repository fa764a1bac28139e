import { loadConfigOrExit } from '@weixin3rd/config';
import { AuthorizerTokenService, ComponentTokenService } from '@weixin3rd/credentials';
import { EventPublisher } from '@weixin3rd/events';
import { Producer, createRedis } from '@weixin3rd/queues';
import { createLogger, onShutdown, runMain } from '@weixin3rd/runtime';
import { connectStore } from '@weixin3rd/store';
import { Transport } from '@weixin3rd/wechat-api';
import { createTokensWorker } from './tokens.worker.js';

await runMain('worker-tokens', async () => {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'worker-tokens', level: config.logLevel });
  const store = await connectStore(config.mongo.uri, { dataKey: config.dataKey });
  const connection = createRedis(config.redis.url, 'worker', (err) => logger.warn({ err: err.message }, 'redis'));
  const components = new ComponentTokenService({
    store,
    redis: connection,
    prefix: config.queue.prefix,
    transport: new Transport({ baseUrl: config.wechat.apiBase }),
    logger,
  });
  const events = new EventPublisher(connection, config.queue.prefix, config.authorizerEventSubscribers);
  const tokens = new AuthorizerTokenService({
    store,
    components,
    redis: connection,
    prefix: config.queue.prefix,
    logger,
    onReauthRequired: async (a) => void (await events.publish('reauth_required', a, `reauth-${a.tokenVersion}`)),
  });
  const producer = new Producer('token-refresh', createRedis(config.redis.url, 'worker'), config.queue.prefix);
  const worker = createTokensWorker({
    store,
    tokens,
    producer,
    connection,
    prefix: config.queue.prefix,
    refreshPerSecond: config.tokens.refreshPerSecond,
    concurrency: config.tokens.concurrency,
    logger,
  });
  worker.on('failed', (job, err) => logger.warn({ job: job?.name, err: err.message }, 'job failed'));
  await producer.queue.upsertJobScheduler('token-sweep', { every: 60_000 }, { name: 'sweep', data: {} });
  logger.info({ refreshPerSecond: config.tokens.refreshPerSecond }, 'worker-tokens ready');

  onShutdown(
    async () => {
      await worker.close();
      await producer.close();
      await events.close();
      await store.close();
    },
    { logger },
  );
});
