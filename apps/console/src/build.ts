import cookie from '@fastify/cookie';
import type { AuthorizerTokenService, ComponentTokenService } from '@weixin3rd/credentials';
import type { EventPublisher } from '@weixin3rd/events';
import { QUEUE, openQueues, type Producer } from '@weixin3rd/queues';
import type { Registry } from '@weixin3rd/runtime';
import type { Store } from '@weixin3rd/store';
import type { Redis } from 'ioredis';
import { handleErrors } from '@weixin3rd/runtime';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { adminRoutes } from './admin/admin.routes.js';
import { requireSession } from './admin/guard.js';
import { queuesDashboard } from './admin/queues-dashboard.js';
import { SessionStore } from './admin/session.js';
import { apiV1, routes } from './api/api-v1.js';
import { registerDocs } from './api/docs.js';
import { AuthorizerActions } from './authorizer-actions.js';
import { knownError } from './known-errors.js';
import { MessageRouteActions } from './message-route-actions.js';
import { authorizerTokensRoutes } from './routes/authorizer-tokens.routes.js';
import { authorizersRoutes } from './routes/authorizers.routes.js';
import { componentsRoutes } from './routes/components.routes.js';
import { messageRoutesRoutes } from './routes/message-routes.routes.js';
import { metricsRoutes } from './routes/metrics.routes.js';

export interface ConsoleDeps {
  store: Pick<Store, 'components' | 'tickets' | 'componentTokens' | 'authorizers' | 'messageRoutes' | 'audit'>;
  events: EventPublisher;
  authorization: Producer<'authorization'>;
  authorizerTokens: AuthorizerTokenService;
  redis: Redis;
  prefix: string;
  tokens: ComponentTokenService;
  apiTokens: readonly string[];
  /** PUBLIC_BASE_URL: the ingress, where shops open /authorize (links the admin page copies). */
  publicBaseUrl?: string;
  /** The process registry (WeChat calls, Node's own): served on /metrics after the console's gauges. */
  metrics?: Registry;
  /** Queues shown on /admin and /queues beyond the service's own (subscriber copies). */
  extraQueues?: readonly string[];
  /**
   * The `messages.<service>` queues there are now (the routes' services, the default service):
   * read again, at most once a second, when /admin/jobs or /queues is asked for, so a route added
   * since the start (here or through another console) shows its queue without a restart.
   */
  serviceQueues?: () => Promise<readonly string[]>;
  logger?: FastifyServerOptions['loggerInstance'];
}

/**
 * Runs `discover` at most once a second (bull-board polls its API every few seconds) and hands
 * the caller that ran it what it found; a failed read (the store away) finds nothing this time.
 */
function discoverEverySecond<T>(discover: () => Promise<T[]>): () => Promise<T[]> {
  let last = 0;
  let running: Promise<T[]> | null = null;
  return async () => {
    // A caller during a run waits for it (its page then lists what the run added) and adds nothing itself.
    if (running) return running.then(() => []);
    if (Date.now() - last < 1000) return [];
    last = Date.now();
    running = discover().catch(() => []);
    try {
      return await running;
    } finally {
      running = null;
    }
  };
}

/** The internal console app, without listening. */
export async function build(deps: ConsoleDeps): Promise<FastifyInstance> {
  const app = Fastify({ return503OnClosing: true, ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }) });
  handleErrors(app, { known: knownError });
  await app.register(cookie);
  app.decorateRequest('operator', null);
  const sessions = new SessionStore(deps.redis, deps.prefix);
  // /docs and everything under it (UI, assets, the document): a signed-in operator or an API token.
  const docsGuard = requireSession(sessions, { allowBearer: deps.apiTokens });
  app.addHook('onRequest', async (req, reply) => {
    if (req.url === '/docs' || req.url.startsWith('/docs/') || req.url.startsWith('/docs?')) return docsGuard(req, reply);
  });
  await registerDocs(app);

  const actions = new AuthorizerActions({
    store: deps.store,
    events: deps.events,
    authorization: deps.authorization,
    tokens: deps.authorizerTokens,
    redis: deps.redis,
    keyPrefix: deps.prefix,
  });
  const messageRoutes = new MessageRouteActions({ store: deps.store, redis: deps.redis, prefix: deps.prefix });
  await apiV1(
    app,
    deps.apiTokens,
    [
      routes(componentsRoutes, { store: deps.store, tokens: deps.tokens }),
      routes(authorizersRoutes, { store: deps.store, actions }),
      routes(authorizerTokensRoutes, { actions }),
      routes(messageRoutesRoutes, { routes: messageRoutes }),
    ],
    (entry) => deps.store.audit.record(entry),
  );

  const queues = openQueues([...Object.values(QUEUE), ...(deps.extraQueues ?? [])], deps.redis, deps.prefix);
  app.addHook('onClose', () => queues.close());
  const discoverQueues = discoverEverySecond(async () => queues.add((await deps.serviceQueues?.()) ?? []));
  app.addHook('onRequest', async (req) => {
    if (req.url === '/admin/jobs' || req.url.startsWith('/admin/jobs?')) await discoverQueues();
  });
  await app.register(async (scope) =>
    adminRoutes(scope, {
      store: deps.store,
      sessions,
      apiTokens: deps.apiTokens,
      actions,
      messageRoutes,
      authorizerTokens: deps.authorizerTokens,
      queues: queues.inspectors,
      publicBaseUrl: deps.publicBaseUrl ?? 'http://localhost:3000',
    }),
  );
  await queuesDashboard(app, queues.forBullBoard, sessions, discoverQueues);

  // Internal like the rest of the console, scraped without a bearer token as Prometheus does.
  await app.register(metricsRoutes, {
    store: deps.store,
    authorizerTokens: deps.authorizerTokens,
    ...(deps.metrics ? { registry: deps.metrics } : {}),
  });
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
