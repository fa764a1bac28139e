import { isWeChatCryptoError } from '@weixin3rd/wechat-crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { IngressError } from '../errors.js';
import type { ComponentLookup } from '../lookups.js';
import { componentCrypto } from '../push-verifier.js';
import { AccountPath, ComponentPath } from './path-params.js';
import { pushQueryField, pushRouteSchema, refuseInvalidPath, type PushQuery } from './push-query.js';

/** URL verification (GET with `echostr`) on both push URLs: check `signature`, echo. */
export const echostrRoute: FastifyPluginAsync<{ components: ComponentLookup }> = async (app, { components }) => {
  const handler = async (req: FastifyRequest<{ Params: { componentAppId: string }; Querystring: PushQuery }>) => {
    refuseInvalidPath(req);
    const { signature, timestamp, nonce, echostr } = req.query;
    if (!signature || !timestamp || !nonce) throw new IngressError('SIGNATURE_MISSING', 'signature, timestamp and nonce are required');
    if (!echostr) throw new IngressError('QUERY_INVALID', 'echostr is required');
    const crypto = await componentCrypto(components, req.params.componentAppId);
    // Malformed (not 40 hex, given twice): it cannot match, and is refused as any wrong signature.
    if (!pushQueryField.signature(signature) || !pushQueryField.nonce(nonce))
      throw new IngressError('SIGNATURE_INVALID', 'signature does not match');
    try {
      return crypto.verifyEchostr({ signature, timestamp, nonce, echostr });
    } catch (error) {
      if (isWeChatCryptoError(error)) throw new IngressError('SIGNATURE_INVALID', 'signature does not match');
      throw error;
    }
  };
  app.get<{ Params: ComponentPath; Querystring: PushQuery }>(
    '/wechat/:componentAppId/events',
    pushRouteSchema(ComponentPath),
    async (req, reply) => reply.type('text/plain').send(await handler(req)),
  );
  app.get<{ Params: AccountPath; Querystring: PushQuery }>(
    '/wechat/:componentAppId/accounts/:appid/messages',
    pushRouteSchema(AccountPath),
    async (req, reply) => reply.type('text/plain').send(await handler(req)),
  );
};
