import formbody from '@fastify/formbody';
import { handleErrors } from '@weixin3rd/runtime';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { componentApiRoutes } from './api/component-api.routes.js';
import { consentRoutes } from './consent/consent.routes.js';
import { outboundRoutes } from './control/outbound.routes.js';
import { worldRoutes } from './control/world.routes.js';
import { Pusher } from './push/pusher.js';
import type { World } from './world/world.js';

export interface SandboxDeps {
  world: World;
  pusher?: Pusher;
  logger?: FastifyServerOptions['loggerInstance'];
  /** Called when api_start_push_ticket asks for a push. */
  onStartPushTicket?: (componentAppId: string) => void;
}

/** The sandbox HTTP app, without listening: WeChat's APIs, consent pages and the control API. */
export async function build(deps: SandboxDeps): Promise<FastifyInstance> {
  const pusher = deps.pusher ?? new Pusher(deps.world);
  const app = Fastify({ bodyLimit: 1024 * 1024, ...(deps.logger ? { loggerInstance: deps.logger } : {}) });

  // A test tool: a 500 shows its error, the message a test needs to see what went wrong.
  handleErrors(app, { exposeInternalMessage: true });

  await app.register(componentApiRoutes, {
    world: deps.world,
    onStartPushTicket: deps.onStartPushTicket ?? ((appId) => void pusher.pushTicket(appId).catch(() => undefined)),
  });
  await app.register(async (scope) => {
    await scope.register(formbody);
    await scope.register(consentRoutes, { world: deps.world, pusher });
  });
  await app.register(worldRoutes, { world: deps.world });
  await app.register(outboundRoutes, { world: deps.world, pusher });
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
