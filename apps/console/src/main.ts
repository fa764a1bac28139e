import { loadConfigOrExit } from '@weixin3rd/config';
import { AuthorizerTokenService, ComponentTokenService } from '@weixin3rd/credentials';
import { EventPublisher } from '@weixin3rd/events';
import { Producer, createRedis } from '@weixin3rd/queues';
import { createLogger, onShutdown, runMain } from '@weixin3rd/runtime';
import { connectStore } from '@weixin3rd/store';
import { Transport } from '@weixin3rd/wechat-api';
import { build } from './build.js';

await runMain('console', async () => {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'console', level: config.logLevel });
  const store = await connectStore(config.mongo.uri, { dataKey: config.dataKey });
  if (config.bootstrapComponent) await store.components.upsert(config.bootstrapComponent);
  if (config.apiTokens.length === 0) logger.warn({}, 'API_TOKENS is empty: every /api request is refused');

  const redis = createRedis(config.redis.url, 'worker', (err) => logger.warn({ err: err.message }, 'redis'));
  const tokens = new ComponentTokenService({
    store,
    redis,
    prefix: config.queue.prefix,
    transport: new Transport({ baseUrl: config.wechat.apiBase }),
    logger,
  });
  const events = new EventPublisher(redis, config.queue.prefix, config.authorizerEventSubscribers);
  const producerConnection = createRedis(config.redis.url, 'producer', (err) => logger.warn({ err: err.message }, 'redis'));
  const authorization = new Producer('authorization', producerConnection, config.queue.prefix);
  const authorizerTokens = new AuthorizerTokenService({
    store,
    components: tokens,
    redis,
    prefix: config.queue.prefix,
    logger,
    onReauthRequired: async (a) => void (await events.publish('reauth_required', a, `reauth-${a.tokenVersion}`)),
  });
  const app = await build({
    store,
    tokens,
    events,
    authorization,
    authorizerTokens,
    redis,
    prefix: config.queue.prefix,
    apiTokens: config.apiTokens,
    logger,
  });
  await app.listen({ host: config.http.host, port: config.http.consolePort });

  onShutdown(
    async () => {
      await app.close();
      await events.close();
      await authorization.close();
      redis.disconnect();
      await store.close();
    },
    { logger },
  );
});
