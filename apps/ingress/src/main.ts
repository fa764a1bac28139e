import { MessageSequence, Producer, openQueueEvents } from '@weixin3rd/queues';
import { PreAuthSessions, ReplyBus } from '@weixin3rd/handoffs';
import { bootService } from '@weixin3rd/runtime';
import { TicketNotices } from '@weixin3rd/credentials';
import { preAuthCodes } from './authorize/pre-auth-code.js';
import { StateSigner } from './authorize/state.js';
import { build } from './build.js';
import { IngressMetrics } from './ingress-metrics.js';
import { storeLookups } from './lookups.js';

await bootService('ingress', async ({ config, logger, store, redis, onClose, metrics, componentTokens }) => {
  const prefix = config.queue.prefix;
  // Producers fail fast in an outage: the push is answered 503 at once and WeChat retries.
  const producerConnection = redis('producer');
  const producers = {
    tickets: new Producer('tickets', producerConnection, prefix),
    authorization: new Producer('authorization', producerConnection, prefix),
    messages: new Producer('account-messages', producerConnection, prefix),
    held: new Producer('account-messages-held', producerConnection, prefix),
  };
  onClose(() => Promise.all(Object.values(producers).map((p) => p.close())));
  await producers.tickets.ready();
  // One SUBSCRIBE connection: the reply bus and the ticket notices each listen to their own channel.
  const subscriber = redis('worker');
  const replies = new ReplyBus(prefix, producerConnection, subscriber);
  // The token owner's lock needs commands that wait for a connection, unlike the producer's.
  const tokenRedis = redis('worker');

  // The authorization callback waits on its job's completion (a blocking reader of its own).
  const authorizationEvents = openQueueEvents('authorization', redis('worker'), prefix);
  onClose(() => authorizationEvents.close());
  const lookups = storeLookups(store, { deadlineMs: config.ingress.storeDeadlineMs });
  const tokens = componentTokens(tokenRedis);
  const tickets = new TicketNotices(prefix, tokenRedis, subscriber, store);
  const app = await build({
    components: lookups,
    authorizers: lookups,
    producers,
    replies,
    sequence: new MessageSequence(producerConnection, prefix),
    options: config.ingress,
    logger,
    metrics: new IngressMetrics(metrics),
    authorize: {
      store,
      preAuthCode: preAuthCodes({
        create: async (componentAppId) => (await tokens.api(componentAppId).createPreAuthCode()).pre_auth_code,
        requestTicket: (componentAppId) => tokens.requestTicketPush(componentAppId),
        latestTicket: (componentAppId) => tickets.latest(componentAppId),
        waitForTicket: (componentAppId, newerThan, ms) => tickets.wait(componentAppId, newerThan, ms),
        waitMs: config.ingress.ticketWaitMs,
        logger,
      }),
      signer: new StateSigner(config.dataKey, undefined, config.dataKeyPrevious),
      authorization: producers.authorization,
      authorizationEvents,
      sessions: new PreAuthSessions(tokenRedis, prefix),
      publicBaseUrl: config.http.publicBaseUrl,
      mpBase: config.wechat.mpBase,
      openBase: config.wechat.openBase,
    },
  });
  onClose(() => app.close());
  await app.listen({ host: config.http.host, port: config.http.ingressPort });
});
