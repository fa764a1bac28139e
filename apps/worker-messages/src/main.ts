import { ComponentTokenService } from '@weixin3rd/credentials';
import { ReplyBus } from '@weixin3rd/queues';
import { bootService } from '@weixin3rd/runtime';
import { Transport } from '@weixin3rd/wechat-api';
import { createMessagesWorker } from './messages.worker.js';

await bootService('worker-messages', async ({ config, logger, store, redis, manage }) => {
  const prefix = config.queue.prefix;
  const connection = redis('worker');
  const transport = new Transport({ baseUrl: config.wechat.apiBase });
  const tokens = new ComponentTokenService({ store, redis: connection, prefix, transport, logger });
  const replies = new ReplyBus(prefix, connection);
  manage(createMessagesWorker({ tokens, transport, replies, connection, prefix, logger }));
});
