import { RouteMatch } from '@weixin3rd/config';
import { ServiceName } from '@weixin3rd/queues';
import { Type } from 'typebox';
import { Instant } from './schemas.js';

/** The shapes of `/api/v1/message-routes` (CONTRACT.md, "Message routes"); the match is @weixin3rd/config's. */

const example = { service: 'crm', priority: 10, enabled: true, match: { msgType: 'text', content: { prefix: '订单' } } };

export const RouteBody = Type.Object(
  {
    service: { ...ServiceName, description: 'the queue is messages.<service>', examples: ['crm'] },
    priority: Type.Integer({
      minimum: -1_000_000,
      maximum: 1_000_000,
      description: 'the highest matching priority wins; ties: the oldest',
    }),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    match: Type.Optional(RouteMatch),
  },
  { additionalProperties: false, examples: [example] },
);

const routeExample = {
  id: '6750a1f0c2a3b4d5e6f70812',
  ...example,
  createdAt: '2026-12-01T08:00:00.000Z',
  updatedAt: '2026-12-01T08:00:00.000Z',
};

export const RouteView = Type.Object(
  {
    id: Type.String(),
    service: ServiceName,
    priority: Type.Integer(),
    enabled: Type.Boolean(),
    match: RouteMatch,
    createdAt: Instant,
    updatedAt: Instant,
  },
  { examples: [routeExample] },
);

export const RouteList = Type.Object({ items: Type.Array(RouteView) }, { examples: [{ items: [routeExample] }] });

export const RouteParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{24}$' }) });

export const RouteListQuery = Type.Object({ service: Type.Optional(ServiceName) }, { additionalProperties: false });
