import { loadConfigOrExit } from '@weixin3rd/config';
import { ComponentTokenService } from '@weixin3rd/credentials';
import { ReplyBus, createRedis } from '@weixin3rd/queues';
import { createLogger, onShutdown, runMain } from '@weixin3rd/runtime';
import { connectStore } from '@weixin3rd/store';
import { Transport } from '@weixin3rd/wechat-api';
import { createMessagesWorker } from './messages.worker.js';

await runMain('worker-messages', async () => {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'worker-messages', level: config.logLevel });
  const store = await connectStore(config.mongo.uri, { dataKey: config.dataKey });
  const connection = createRedis(config.redis.url, 'worker', (err) => logger.warn({ err: err.message }, 'redis'));
  const transport = new Transport({ baseUrl: config.wechat.apiBase });
  const tokens = new ComponentTokenService({ store, redis: connection, prefix: config.queue.prefix, transport, logger });
  const replies = new ReplyBus(config.queue.prefix, connection);
  const worker = createMessagesWorker({ tokens, transport, replies, connection, prefix: config.queue.prefix, logger });
  worker.on('failed', (job, err) => logger.warn({ job: job?.name, err: err.message }, 'job failed'));
  logger.info({}, 'worker-messages ready');

  onShutdown(
    async () => {
      await worker.close();
      await store.close();
    },
    { logger },
  );
});
