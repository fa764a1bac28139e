import { AppId } from '@weixin3rd/config';
import { Type, type Static } from 'typebox';

/**
 * Path parameters of the push routes, checked by Fastify before the handler runs: no lookup,
 * cache key or dedupe key is ever built from a value that is not exactly an AppId (an encoded
 * slash such as `wx…%2Fx` would otherwise reach them decoded).
 */
export const ComponentPath = Type.Object({ componentAppId: AppId }, { additionalProperties: false });
export const AccountPath = Type.Object({ componentAppId: AppId, appid: AppId }, { additionalProperties: false });

export type ComponentPath = Static<typeof ComponentPath>;
export type AccountPath = Static<typeof AccountPath>;
