import { EventPublisher } from '@weixin3rd/events';
import { Producer } from '@weixin3rd/queues';
import { bootService } from '@weixin3rd/runtime';
import { createTokensWorker } from './tokens.worker.js';

await bootService('worker-tokens', async ({ config, logger, store, redis, onClose, manage, componentTokens, authorizerTokens }) => {
  const prefix = config.queue.prefix;
  const connection = redis('worker');
  const components = componentTokens(connection);
  const events = new EventPublisher(connection, prefix, config.authorizerEventSubscribers);
  onClose(() => events.close());
  const tokens = authorizerTokens(components, connection, async (a) => {
    await events.publish('reauth_required', a, `reauth-${a.tokenVersion}`);
  });
  const producer = new Producer('token-refresh', redis('worker'), prefix);
  onClose(() => producer.close());
  const { refreshPerSecond, concurrency } = config.tokens;
  manage(createTokensWorker({ store, tokens, producer, connection, prefix, refreshPerSecond, concurrency, logger }));
  await producer.schedule('token-sweep', 60_000, 'sweep', {});
  return { refreshPerSecond, concurrency };
});
