import { patternProblem, routesChangedChannel } from '@weixin3rd/queues';
import type { MessageRoute, MessageRouteInput, Store } from '@weixin3rd/store';
import type { Static } from 'typebox';
import type { Redis } from 'ioredis';
import type { ApiRoutes } from '../api/api-v1.js';
import { RouteBody, RouteList, RouteListQuery, RouteParams, RouteView } from '../api/message-route.schemas.js';
import { errors } from '../api/schemas.js';
import { ConsoleError } from '../errors.js';
import { iso } from '../views.js';

export interface MessageRoutesOptions {
  store: Pick<Store, 'messageRoutes'>;
  /** Announces every change: worker-messages reloads the rules at once. */
  redis: Redis;
  prefix: string;
}

const tags = ['message routes'];

const view = (r: MessageRoute) => ({ ...r, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) });

function input(body: Static<typeof RouteBody>): MessageRouteInput {
  const regex = body.match?.content?.regex;
  const problem = regex === undefined ? null : patternProblem(regex);
  if (problem) throw new ConsoleError(400, 'INVALID_REQUEST', `body/match/content/regex ${problem}`);
  return { service: body.service, priority: body.priority, enabled: body.enabled ?? true, match: body.match ?? {} };
}

/** `/api/v1/message-routes`: the routing rules of messages to `messages.<service>` queues. */
export const messageRoutesRoutes: ApiRoutes<MessageRoutesOptions> = async (app, { store, redis, prefix }) => {
  const changed = async (): Promise<void> => {
    // Workers also reload on their own every MESSAGE_ROUTES_RELOAD_SECONDS: a lost notice only delays.
    await redis.publish(routesChangedChannel(prefix), String(Date.now())).catch(() => 0);
  };
  const found = (route: MessageRoute | null, id: string): MessageRoute => {
    if (!route) throw new ConsoleError(404, 'MESSAGE_ROUTE_NOT_FOUND', `no message route ${id}`);
    return route;
  };

  app.get(
    '/message-routes',
    {
      schema: {
        tags,
        summary: 'Every message route, in decision order (highest priority first, ties: the oldest)',
        querystring: RouteListQuery,
        response: { 200: RouteList, ...errors() },
      },
    },
    async (req) => ({
      items: (await store.messageRoutes.list()).filter((r) => !req.query.service || r.service === req.query.service).map(view),
    }),
  );

  app.post(
    '/message-routes',
    { schema: { tags, summary: 'Add a message route', body: RouteBody, response: { 201: RouteView, ...errors() } } },
    async (req, reply) => {
      const route = await store.messageRoutes.create(input(req.body));
      await changed();
      return reply.code(201).send(view(route));
    },
  );

  app.get(
    '/message-routes/:id',
    { schema: { tags, summary: 'A message route', params: RouteParams, response: { 200: RouteView, ...errors(404) } } },
    async (req) => view(found(await store.messageRoutes.get(req.params.id), req.params.id)),
  );

  app.put(
    '/message-routes/:id',
    {
      schema: {
        tags,
        summary: 'Replace a message route',
        params: RouteParams,
        body: RouteBody,
        response: { 200: RouteView, ...errors(404) },
      },
    },
    async (req) => {
      const route = found(await store.messageRoutes.replace(req.params.id, input(req.body)), req.params.id);
      await changed();
      return view(route);
    },
  );

  app.delete(
    '/message-routes/:id',
    {
      schema: {
        tags,
        summary: 'Delete a message route; answers the deleted route',
        params: RouteParams,
        response: { 200: RouteView, ...errors(404) },
      },
    },
    async (req) => {
      const route = found(await store.messageRoutes.get(req.params.id), req.params.id);
      if (!(await store.messageRoutes.delete(req.params.id)))
        throw new ConsoleError(404, 'MESSAGE_ROUTE_NOT_FOUND', `no message route ${req.params.id}`);
      await changed();
      return view(route);
    },
  );
};
