import type { AuthorizerTokenService, ComponentTokenService } from '@weixin3rd/credentials';
import type { EventPublisher } from '@weixin3rd/events';
import type { Producer } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import type { Redis } from 'ioredis';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { apiV1, routes } from './api/api-v1.js';
import { registerDocs } from './api/docs.js';
import { AuthorizerActions } from './authorizer-actions.js';
import { knownError } from './known-errors.js';
import { authorizerTokensRoutes } from './routes/authorizer-tokens.routes.js';
import { authorizersRoutes } from './routes/authorizers.routes.js';
import { componentsRoutes } from './routes/components.routes.js';
import { messageRoutesRoutes } from './routes/message-routes.routes.js';
import { metricsRoutes } from './routes/metrics.routes.js';

export interface ConsoleDeps {
  store: Pick<Store, 'components' | 'tickets' | 'componentTokens' | 'authorizers' | 'messageRoutes'>;
  events: EventPublisher;
  authorization: Producer<'authorization'>;
  authorizerTokens: AuthorizerTokenService;
  redis: Redis;
  prefix: string;
  tokens: ComponentTokenService;
  apiTokens: readonly string[];
  logger?: FastifyServerOptions['loggerInstance'];
}

/** The internal console app, without listening. */
export async function build(deps: ConsoleDeps): Promise<FastifyInstance> {
  const app = Fastify({ return503OnClosing: true, ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }) });
  app.setErrorHandler((error, req, reply) => {
    const known = knownError(error);
    if (known) return reply.code(known.statusCode).send({ error: { code: known.code, message: known.message } });
    const e = error as { validation?: unknown; statusCode?: number; code?: string; message: string };
    if (e.validation) return reply.code(400).send({ error: { code: 'INVALID_REQUEST', message: e.message } });
    if (e.statusCode && e.statusCode < 500)
      return reply.code(e.statusCode).send({ error: { code: e.code ?? 'BAD_REQUEST', message: e.message } });
    req.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
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
  await apiV1(app, deps.apiTokens, [
    routes(componentsRoutes, { store: deps.store, tokens: deps.tokens }),
    routes(authorizersRoutes, { store: deps.store, actions }),
    routes(authorizerTokensRoutes, { actions }),
    routes(messageRoutesRoutes, { store: deps.store, redis: deps.redis, prefix: deps.prefix }),
  ]);
  // Internal like the rest of the console, scraped without a bearer token as Prometheus does.
  await app.register(metricsRoutes, { store: deps.store, authorizerTokens: deps.authorizerTokens });
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
