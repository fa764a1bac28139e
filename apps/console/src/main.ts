import { EventPublisher } from '@weixin3rd/events';
import { Producer, serviceQueue, subscriberQueue } from '@weixin3rd/queues';
import { bootService } from '@weixin3rd/runtime';
import { build } from './build.js';

await bootService(
  'console',
  async ({ config, logger, store, redis: connect, onClose, metrics, componentTokens, authorizerTokens: tokenOwner }) => {
    if (config.apiTokens.length === 0) logger.warn({}, 'API_TOKENS is empty: every /api request is refused');
    const prefix = config.queue.prefix;
    const redis = connect('worker');
    const tokens = componentTokens(redis);
    const events = new EventPublisher(redis, prefix, config.authorizerEventSubscribers);
    onClose(() => events.close());
    const authorization = new Producer('authorization', connect('producer'), prefix);
    onClose(() => authorization.close());
    const authorizerTokens = tokenOwner(tokens, redis, async (a) => {
      await events.publish('reauth_required', a, `reauth-${a.tokenVersion}`);
    });
    const app = await build({
      store,
      tokens,
      events,
      authorization,
      authorizerTokens,
      redis,
      prefix,
      apiTokens: config.apiTokens,
      publicBaseUrl: config.http.publicBaseUrl,
      metrics,
      // Downstream copies and message services, so /queues and /admin show their failed jobs too.
      extraQueues: config.authorizerEventSubscribers.map(subscriberQueue),
      serviceQueues: async () => [
        ...(await store.messageRoutes.list()).map((r) => serviceQueue(r.service)),
        ...(config.messages.defaultService ? [serviceQueue(config.messages.defaultService)] : []),
      ],
      logger,
    });
    onClose(() => app.close());
    await app.listen({ host: config.http.host, port: config.http.consolePort });
  },
);
