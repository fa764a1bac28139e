import { ComponentTokenService } from '@weixin3rd/credentials';
import { MessageSequence, ReplyBus } from '@weixin3rd/queues';
import { bootService } from '@weixin3rd/runtime';
import { Transport } from '@weixin3rd/wechat-api';
import { LineKeeper } from './line/line-keeper.js';
import { ReplyDelivery } from './line/reply-delivery.js';
import { createMessagesWorker } from './messages.worker.js';
import { AccountInfoCache } from './routing/account-info.js';
import { RouteReloader } from './routing/route-reloader.js';

await bootService('worker-messages', async ({ config, logger, store, redis, manage, onClose }) => {
  const prefix = config.queue.prefix;
  const connection = redis('worker');
  const transport = new Transport({ baseUrl: config.wechat.apiBase });
  const tokens = new ComponentTokenService({ store, redis: connection, prefix, transport, logger });
  const replies = new ReplyBus(prefix, connection);
  const sequence = new MessageSequence(connection, prefix);
  const delivery = new ReplyDelivery({ replies, outbound: null, store, logger });
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
      tokens,
      transport,
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
  return { routes: routes.current.size };
});
