import type { MessageRoute } from '@weixin3rd/store';
import type { ApiRoutes } from '../api/api-v1.js';
import { RouteBody, RouteList, RouteListQuery, RouteParams, RouteView } from '../api/message-route.schemas.js';
import { errors } from '../api/schemas.js';
import type { MessageRouteActions } from '../message-route-actions.js';
import { iso } from '../views.js';

export interface MessageRoutesOptions {
  /** The store and the change notice to worker-messages (shared with /admin). */
  routes: MessageRouteActions;
}

const tags = ['message routes'];

const view = (r: MessageRoute) => ({ ...r, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) });

/** `/api/v1/message-routes`: the routing rules of messages to `messages.<service>` queues. */
export const messageRoutesRoutes: ApiRoutes<MessageRoutesOptions> = async (app, { routes }) => {
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
      items: (await routes.list()).filter((r) => !req.query.service || r.service === req.query.service).map(view),
    }),
  );

  app.post(
    '/message-routes',
    { schema: { tags, summary: 'Add a message route', body: RouteBody, response: { 201: RouteView, ...errors() } } },
    async (req, reply) => {
      return reply.code(201).send(view(await routes.create(req.body)));
    },
  );

  app.get(
    '/message-routes/:id',
    { schema: { tags, summary: 'A message route', params: RouteParams, response: { 200: RouteView, ...errors(404) } } },
    async (req) => view(await routes.get(req.params.id)),
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
    async (req) => view(await routes.replace(req.params.id, req.body)),
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
    async (req) => view(await routes.delete(req.params.id)),
  );
};
