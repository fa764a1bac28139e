import type { ReplyBus } from '@weixin3rd/handoffs';
import type { MessageSequence, Producer } from '@weixin3rd/queues';
import { handleErrors } from '@weixin3rd/runtime';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { authorizeRoutes, type AuthorizeOptions } from './authorize/authorize.routes.js';
import { IngressError, type IngressErrorCode } from './errors.js';
import type { IngressMetrics } from './ingress-metrics.js';
import type { AuthorizerLookup, ComponentLookup } from './lookups.js';
import { RateLimiter } from './rate-limit.js';
import { echostrRoute } from './routes/echostr.route.js';
import { eventsRoute } from './routes/events.route.js';
import { messagesRoute } from './routes/messages.route.js';
import { INGRESS_TIMEOUTS as T } from './timeouts.js';

export interface IngressDeps {
  components: ComponentLookup;
  authorizers: AuthorizerLookup;
  producers: {
    tickets: Producer<'tickets'>;
    authorization: Producer<'authorization'>;
    messages: Producer<'account-messages'>;
    held: Producer<'account-messages-held'>;
  };
  replies: ReplyBus;
  /** Numbers each message in its account's line (order and fairness, docs/ARCHITECTURE.md). */
  sequence: MessageSequence;
  options: { bodyLimit: number; replyBudgetMs: number; maxTimestampSkewSeconds: number; rateLimitPerSecond: number };
  logger?: FastifyServerOptions['loggerInstance'];
  /** The process's measurements (METRICS_PORT); left out in tests that do not read them. */
  metrics?: IngressMetrics;
  /** The authorization pages; left out where a test needs only the push routes. */
  authorize?: AuthorizeOptions;
}

/**
 * Refusals that mean "this did not come from WeChat": the only requests the per-address limit
 * counts. WeChat pushes from a small pool of addresses, so a limit on every request would
 * throttle WeChat itself; a correctly signed push is never refused (wechat-protocol.md §11.7).
 */
const UNVERIFIED: ReadonlySet<string> = new Set<IngressErrorCode>([
  'SIGNATURE_MISSING',
  'SIGNATURE_INVALID',
  'TIMESTAMP_STALE',
  'DECRYPT_FAILED',
  'RECEIVE_ID_MISMATCH',
  'BODY_INVALID',
  'QUERY_INVALID',
  'COMPONENT_UNKNOWN',
  'PATH_INVALID',
]);

/** The public ingress app, without listening. */
export async function build(deps: IngressDeps): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: deps.options.bodyLimit,
    requestTimeout: T.requestMs,
    keepAliveTimeout: T.keepAliveMs,
    connectionTimeout: T.idleMs,
    http: { headersTimeout: T.headersMs, requestTimeout: T.requestMs, connectionsCheckingInterval: T.checkEveryMs },
    return503OnClosing: true,
    requestIdHeader: false,
    // A line per push is the biggest cost at WeChat's volumes; refusals and failures are logged
    // (with the request id) where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
  });
  app.removeAllContentTypeParsers();
  // Every body is read as text whatever its Content-Type: WeChat does not document the header for
  // every push kind, and the signature, not the header, says whether a push is genuine.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const tooMany = { error: { code: 'RATE_LIMITED', message: 'too many requests from this address' } };
  // The authorization pages ask WeChat for a pre_auth_code per view: browsers are limited per address.
  const pageLimiter = new RateLimiter(deps.options.rateLimitPerSecond);
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/authorize') && !pageLimiter.allow(req.ip)) return reply.code(429).send(tooMany);
    return undefined;
  });
  // Pushes: only what fails verification counts; past the limit it is answered 429 unlogged.
  const failureLimiter = new RateLimiter(deps.options.rateLimitPerSecond);

  const metrics = deps.metrics;
  if (metrics) {
    app.addHook('onResponse', async (req, reply) => {
      const refused = (req as { refusedWith?: string }).refusedWith;
      metrics.request(req.routeOptions.url ?? 'unmatched', refused ?? String(reply.statusCode), reply.elapsedTime / 1000);
    });
  }

  handleErrors(app, {
    // Schema refusals happen before the handler: nothing was looked up, nothing enqueued.
    validationCode: (part) => (part === 'params' ? 'PATH_INVALID' : part === 'body' ? 'BODY_INVALID' : 'QUERY_INVALID'),
    onRefusal: (refusal, req, reply, from) => {
      if (from === 'route' && refusal instanceof IngressError) {
        metrics?.refused(refusal.code);
        (req as { refusedWith?: string }).refusedWith = refusal.code;
        if (UNVERIFIED.has(refusal.code) && !failureLimiter.allow(req.ip)) return reply.code(429).send(tooMany);
      }
      req.log.warn({ code: refusal.code, url: req.routeOptions.url }, refusal.message);
      return undefined;
    },
  });

  await app.register(eventsRoute, {
    components: deps.components,
    tickets: deps.producers.tickets,
    authorization: deps.producers.authorization,
    maxSkewSeconds: deps.options.maxTimestampSkewSeconds,
  });
  await app.register(messagesRoute, {
    components: deps.components,
    authorizers: deps.authorizers,
    messages: deps.producers.messages,
    held: deps.producers.held,
    replies: deps.replies,
    sequence: deps.sequence,
    replyBudgetMs: deps.options.replyBudgetMs,
    maxSkewSeconds: deps.options.maxTimestampSkewSeconds,
    ...(metrics ? { onReply: (outcome: 'in_time' | 'none' | 'late') => metrics.passiveReply(outcome) } : {}),
  });
  await app.register(echostrRoute, { components: deps.components });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const ready = Object.values(deps.producers).every((p) => p.connected);
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  if (deps.authorize) await app.register(authorizeRoutes, deps.authorize);
  return app;
}
