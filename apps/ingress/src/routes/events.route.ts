import { jobIds, type Producer } from '@weixin3rd/queues';
import { isRedisUnavailable } from '@weixin3rd/runtime';
import type { FastifyPluginAsync } from 'fastify';
import { IngressError } from '../errors.js';
import type { ComponentLookup } from '../lookups.js';
import { verifyPush } from '../push-verifier.js';
import { ComponentPath } from './path-params.js';
import { pushRouteSchema, refuseInvalidPath, type PushQuery } from './push-query.js';

export interface EventsRouteOptions {
  components: ComponentLookup;
  tickets: Producer<'tickets'>;
  authorization: Producer<'authorization'>;
  maxSkewSeconds: number;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Turns a Redis failure while storing the job into 503: WeChat retries, nothing is acknowledged.
 * Any other error (a bug) stays itself: a 500 logged with its stack, which WeChat retries too.
 */
export async function durably<T>(store: () => Promise<T>): Promise<T> {
  try {
    return await store();
  } catch (error) {
    if (isRedisUnavailable(error)) throw new IngressError('QUEUE_UNAVAILABLE', 'could not store the push; retry');
    throw error;
  }
}

/** 授权事件接收URL: tickets and authorization changes, answered with the literal `success`. */
export const eventsRoute: FastifyPluginAsync<EventsRouteOptions> = async (app, opts) => {
  app.post<{ Params: ComponentPath; Querystring: PushQuery }>(
    '/wechat/:componentAppId/events',
    pushRouteSchema(ComponentPath),
    async (req, reply) => {
      refuseInvalidPath(req);
      const { componentAppId } = req.params;
      const push = await verifyPush(opts.components, componentAppId, req.query, req.body, opts.maxSkewSeconds);
      const f = push.fields;
      if (f.AppId !== componentAppId) throw new IngressError('APPID_MISMATCH', 'the AppId inside the push is not this component');
      const infoType = text(f.InfoType);
      const createTime = text(f.CreateTime);
      if (!infoType || !/^[0-9]+$/.test(createTime)) throw new IngressError('BODY_INVALID', 'push lacks InfoType or CreateTime');

      await durably(async () => {
        if (infoType === 'component_verify_ticket') {
          const ticket = text(f.ComponentVerifyTicket);
          if (!ticket) throw new IngressError('BODY_INVALID', 'ticket push lacks ComponentVerifyTicket');
          await opts.tickets.add(
            'ticket',
            { componentAppId, ticket, createTime, receivedAt: new Date().toISOString() },
            jobIds.ticket(componentAppId, ticket),
          );
        } else if (infoType === 'authorized' || infoType === 'updateauthorized') {
          const authorizerAppId = text(f.AuthorizerAppid);
          const authCode = text(f.AuthorizationCode);
          if (!authorizerAppId || !authCode)
            throw new IngressError('BODY_INVALID', `${infoType} push lacks AuthorizerAppid or AuthorizationCode`);
          await opts.authorization.add(
            infoType,
            {
              componentAppId,
              authorizerAppId,
              authCode,
              authCodeExpiresAt: text(f.AuthorizationCodeExpiredTime) || '0',
              preAuthCode: text(f.PreAuthCode) || null,
              createTime,
            },
            jobIds.authorizationEvent(infoType, componentAppId, authorizerAppId, createTime),
          );
        } else if (infoType === 'unauthorized') {
          const authorizerAppId = text(f.AuthorizerAppid);
          if (!authorizerAppId) throw new IngressError('BODY_INVALID', 'unauthorized push lacks AuthorizerAppid');
          await opts.authorization.add(
            'unauthorized',
            { componentAppId, authorizerAppId, createTime },
            jobIds.authorizationEvent(infoType, componentAppId, authorizerAppId, createTime),
          );
        } else {
          // Kept for whoever implements it later, and acknowledged so WeChat does not retry.
          req.log.info({ infoType, componentAppId }, 'unhandled InfoType kept');
          await opts.authorization.add(
            'unknown-info-type',
            { componentAppId, infoType, createTime, xml: push.xml },
            jobIds.unknownInfoType(componentAppId, infoType, createTime, push.xml),
          );
        }
      });
      return reply.type('text/plain').send('success');
    },
  );
};
