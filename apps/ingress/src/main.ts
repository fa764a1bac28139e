import { loadConfigOrExit } from '@weixin3rd/config';
import { PreAuthSessions, Producer, ReplyBus, createRedis } from '@weixin3rd/queues';
import { createLogger, onShutdown, runMain } from '@weixin3rd/runtime';
import { connectStore } from '@weixin3rd/store';
import { ComponentTokenService } from '@weixin3rd/credentials';
import { Transport } from '@weixin3rd/wechat-api';
import { StateSigner } from './authorize/state.js';
import { build } from './build.js';
import { storeLookups } from './lookups.js';

await runMain('ingress', async () => {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'ingress', level: config.logLevel });
  const store = await connectStore(config.mongo.uri, { dataKey: config.dataKey });
  if (config.bootstrapComponent) await store.components.upsert(config.bootstrapComponent);

  const onRedisError = (err: Error): void => logger.warn({ err: err.message }, 'redis');
  const producerConnection = createRedis(config.redis.url, 'producer', onRedisError);
  const producers = {
    tickets: new Producer('tickets', producerConnection, config.queue.prefix, onRedisError),
    authorization: new Producer('authorization', producerConnection, config.queue.prefix, onRedisError),
    messages: new Producer('account-messages', producerConnection, config.queue.prefix, onRedisError),
  };
  await producers.tickets.ready();
  const subscriber = createRedis(config.redis.url, 'worker', onRedisError);
  const replies = new ReplyBus(config.queue.prefix, producerConnection, subscriber);
  // The token owner's lock needs commands that wait for a connection, unlike the producer's.
  const tokenRedis = createRedis(config.redis.url, 'worker', onRedisError);

  const lookups = storeLookups(store);
  const tokens = new ComponentTokenService({
    store,
    redis: tokenRedis,
    prefix: config.queue.prefix,
    transport: new Transport({ baseUrl: config.wechat.apiBase }),
    logger,
  });
  const app = await build({
    components: lookups,
    authorizers: lookups,
    producers,
    replies,
    options: config.ingress,
    logger,
    authorize: {
      store,
      preAuthCode: async (componentAppId) => (await tokens.api(componentAppId).createPreAuthCode()).pre_auth_code,
      signer: new StateSigner(config.dataKey),
      authorization: producers.authorization,
      sessions: new PreAuthSessions(tokenRedis, config.queue.prefix),
      publicBaseUrl: config.http.publicBaseUrl,
      mpBase: config.wechat.mpBase,
    },
  });
  await app.listen({ host: config.http.host, port: config.http.ingressPort });

  onShutdown(
    async () => {
      await app.close();
      await Promise.all(Object.values(producers).map((p) => p.close()));
      subscriber.disconnect();
      tokenRedis.disconnect();
      await store.close();
    },
    { logger },
  );
});
