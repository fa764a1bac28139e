import { ReplyBus } from '@weixin3rd/handoffs';
import { MessageSequence, Producer } from '@weixin3rd/queues';
import { bootService } from '@weixin3rd/runtime';
import { Transport } from '@weixin3rd/wechat-api';
import { createHeldWorker } from './held/held.worker.js';
import { LineKeeper } from './line/line-keeper.js';
import { ReplyDelivery } from './line/reply-delivery.js';
import { createMessagesWorker } from './messages.worker.js';
import { OutboundSender } from './outbound/outbound-sender.js';
import { createOutboundWorker } from './outbound/outbound.worker.js';
import { AccountInfoCache } from './routing/account-info.js';
import { RouteReloader } from './routing/route-reloader.js';

await bootService('worker-messages', async ({ config, logger, store, redis, manage, onClose, componentTokens, authorizerTokens }) => {
  const prefix = config.queue.prefix;
  const connection = redis('worker');
  const components = componentTokens(connection);
  const tokens = authorizerTokens(components, connection);
  const outbound = new OutboundSender(redis('worker'), prefix);
  const authorization = new Producer('authorization', redis('worker'), prefix);
  const accountMessages = new Producer('account-messages', redis('worker'), prefix);
  onClose(() => Promise.all([outbound.close(), authorization.close(), accountMessages.close()]));
  const replies = new ReplyBus(prefix, connection);
  const sequence = new MessageSequence(connection, prefix);
  const delivery = new ReplyDelivery({ replies, outbound, store, logger });
  const line = new LineKeeper({
    connection,
    eventsConnection: () => redis('worker'),
    prefix,
    sequence,
    handlerTimeoutMs: config.messages.handlerTimeoutMs,
    onFinished: (message, outcome) => delivery.finished(message, outcome),
    logger,
  });
  onClose(() => line.close());
  const routes = new RouteReloader({
    load: () => store.messageRoutes.list(),
    defaultService: config.messages.defaultService,
    subscriber: redis('worker'),
    prefix,
    reloadEveryMs: config.messages.routesReloadSeconds * 1000,
    logger,
    onReload: (table) => void line.follow(table.services),
  });
  onClose(() => routes.close());
  await routes.start();
  await line.follow(routes.current.services);
  line.start();
  manage(
    createMessagesWorker({
      release: { store, authorization, outbound },
      replies,
      connection,
      prefix,
      store,
      routes,
      sequence,
      line,
      accounts: new AccountInfoCache(store),
      concurrency: config.messages.concurrency,
      logger,
    }),
  );
  manage(
    createOutboundWorker({
      store,
      tokens,
      // One retry inside a job; the job's own attempts (with backoff) bound the rest.
      transport: new Transport({ baseUrl: config.wechat.apiBase, attempts: 2 }),
      outcomes: store.messages,
      connection,
      prefix,
      perAccountPerSecond: config.messages.outboundPerAccountPerSecond,
      logger,
    }),
  );
  manage(createHeldWorker({ store, accountMessages, authorization, connection, prefix, logger }));
  return { routes: routes.current.size };
});
