import { Type, type Static } from 'typebox';
import { AppId, ShopId } from './ids.js';

/**
 * What a message route matches (CONTRACT.md, "Message routes"), declared once: the console
 * validates and documents it, the store keeps it, worker-messages matches with it.
 */

/** Longest accepted content pattern: RE2 runs in linear time, but its compiled program grows with the pattern. */
export const MAX_PATTERN_LENGTH = 512;

export const ContentMatch = Type.Object(
  {
    exact: Type.Optional(Type.String({ maxLength: 2048 })),
    prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    contains: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    regex: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_PATTERN_LENGTH,
        description: 'RE2 syntax: linear-time, no backreferences or lookaround',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1, description: 'exactly one of exact, prefix, contains, regex' },
);
export type ContentMatch = Static<typeof ContentMatch>;

export const RouteMatch = Type.Object(
  {
    componentAppId: Type.Optional(AppId),
    authorizerAppId: Type.Optional(AppId),
    shopId: Type.Optional(ShopId),
    msgType: Type.Optional(Type.String({ minLength: 1, maxLength: 32, examples: ['text'] })),
    event: Type.Optional(Type.String({ minLength: 1, maxLength: 64, examples: ['subscribe'] })),
    eventKey: Type.Optional(Type.String({ maxLength: 256 })),
    content: Type.Optional(ContentMatch),
  },
  { additionalProperties: false, description: 'an absent field matches anything' },
);
export type RouteMatch = Static<typeof RouteMatch>;
