import { patternProblem, routesChangedChannel } from '@weixin3rd/queues';
import type { MessageRoute, MessageRouteInput, Store } from '@weixin3rd/store';
import type { Static } from 'typebox';
import { Value } from 'typebox/value';
import type { Redis } from 'ioredis';
import { RouteBody } from './api/message-route.schemas.js';
import { HttpError } from '@weixin3rd/runtime';

export type RouteBodyInput = Static<typeof RouteBody>;

export interface MessageRouteActionsDeps {
  store: Pick<Store, 'messageRoutes'>;
  /** Announces every change: worker-messages reloads the rules at once. */
  redis: Redis;
  prefix: string;
}

/**
 * Changes to the message routes, the same from `/api/v1/message-routes` and from `/admin`: the
 * RE2 check of a regex, the store, and the notice that makes every worker-messages reload.
 */
export class MessageRouteActions {
  constructor(private readonly deps: MessageRouteActionsDeps) {}

  list(): Promise<MessageRoute[]> {
    return this.deps.store.messageRoutes.list();
  }

  async get(id: string): Promise<MessageRoute> {
    return this.found(await this.deps.store.messageRoutes.get(id), id);
  }

  async create(body: RouteBodyInput): Promise<MessageRoute> {
    const route = await this.deps.store.messageRoutes.create(input(body));
    await this.changed();
    return route;
  }

  async replace(id: string, body: RouteBodyInput): Promise<MessageRoute> {
    const route = this.found(await this.deps.store.messageRoutes.replace(id, input(body)), id);
    await this.changed();
    return route;
  }

  /** Disables (or enables again) a route without touching the rest of it. */
  async setEnabled(id: string, enabled: boolean): Promise<MessageRoute> {
    const { service, priority, match } = await this.get(id);
    return this.replace(id, { service, priority, enabled, match });
  }

  /** Deletes a route; answers the deleted one. */
  async delete(id: string): Promise<MessageRoute> {
    const route = await this.get(id);
    if (!(await this.deps.store.messageRoutes.delete(id))) throw notFound(id);
    await this.changed();
    return route;
  }

  private found(route: MessageRoute | null, id: string): MessageRoute {
    if (!route) throw notFound(id);
    return route;
  }

  private async changed(): Promise<void> {
    // Workers also reload on their own every MESSAGE_ROUTES_RELOAD_SECONDS: a lost notice only delays.
    await this.deps.redis.publish(routesChangedChannel(this.deps.prefix), String(Date.now())).catch(() => 0);
  }
}

const notFound = (id: string) => new HttpError(404, 'MESSAGE_ROUTE_NOT_FOUND', `no message route ${id}`);

function input(body: RouteBodyInput): MessageRouteInput {
  const regex = body.match?.content?.regex;
  const problem = regex === undefined ? null : patternProblem(regex);
  if (problem) throw new HttpError(400, 'INVALID_REQUEST', `body/match/content/regex ${problem}`);
  return { service: body.service, priority: body.priority, enabled: body.enabled ?? true, match: body.match ?? {} };
}

/**
 * The admin form's route, checked against the API's own schema (RouteBody): the same rules and
 * the same field names in the refusal as `/api/v1/message-routes`.
 */
export function checkRouteBody(body: unknown): RouteBodyInput {
  if (Value.Check(RouteBody, body)) return body;
  const [first] = Value.Errors(RouteBody, body);
  throw new HttpError(400, 'INVALID_REQUEST', `body${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`);
}
