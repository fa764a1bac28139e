import { AppId } from '@weixin3rd/config';
import type { FastifyPluginAsync } from 'fastify';
import { MessagePermissionError, type MessageFields, type Pusher } from '../push/pusher.js';
import { runReleaseTest } from '../release/release-runner.js';
import type { World } from '../world/world.js';
import { HttpError } from '@weixin3rd/runtime';

// AppIds: the project's one pattern (packages/config), so the control API never refuses an id the
// project accepts (COMPONENT_APPID, the ingress's paths); every id WeChat issues matches it.

/** Control API that makes WeChat act: push a ticket, consent or revoke as an account, send a message, run 全网发布. */
export const outboundRoutes: FastifyPluginAsync<{ world: World; pusher: Pusher }> = async (app, { world, pusher }) => {
  const requireComponent = (appId: string) => {
    const component = world.components.get(appId);
    if (!component) throw new HttpError(404, 'COMPONENT_NOT_FOUND', `no component ${appId}`);
    return component;
  };
  const requireAccount = (appId: string) => {
    const account = world.accounts.get(appId);
    if (!account) throw new HttpError(404, 'ACCOUNT_NOT_FOUND', `no account ${appId}`);
    return account;
  };

  app.post<{ Params: { appId: string } }>('/sandbox/components/:appId/push-ticket', async (req) => {
    requireComponent(req.params.appId);
    return pusher.pushTicket(req.params.appId);
  });

  app.post<{ Body: { componentAppId: string; authorizerAppId: string; funcInfo?: number[]; preAuthCode?: string; push?: boolean } }>(
    '/sandbox/consent',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['componentAppId', 'authorizerAppId'],
          properties: {
            componentAppId: AppId,
            authorizerAppId: AppId,
            // Empty: the admin granted no API permission set (api_query_auth then has no token fields).
            funcInfo: { type: 'array', items: { type: 'integer' } },
            preAuthCode: { type: 'string' },
            // false: the account authorized before the project existed (no push reaches it).
            push: { type: 'boolean' },
          },
        },
      },
    },
    async (req) => {
      requireComponent(req.body.componentAppId);
      const account = requireAccount(req.body.authorizerAppId);
      const result = world.consent(
        req.body.componentAppId,
        account.appId,
        req.body.funcInfo ?? account.funcInfo,
        req.body.preAuthCode ?? null,
      );
      if (req.body.push === false) return { authCode: result.authCode.value, infoType: result.infoType, push: null };
      const push = await pusher.pushAuthorizationEvent(req.body.componentAppId, {
        infoType: result.infoType,
        authorizerAppId: account.appId,
        authCode: result.authCode.value,
        authCodeExpiresAtMs: result.authCode.expiresAtMs,
        preAuthCode: req.body.preAuthCode ?? null,
      });
      return { authCode: result.authCode.value, infoType: result.infoType, push };
    },
  );

  app.post<{ Body: { componentAppId: string; authorizerAppId: string } }>(
    '/sandbox/revoke',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['componentAppId', 'authorizerAppId'],
          properties: { componentAppId: AppId, authorizerAppId: AppId },
        },
      },
    },
    async (req) => {
      requireComponent(req.body.componentAppId);
      if (world.authorizationOf(req.body.componentAppId, req.body.authorizerAppId)?.status !== 'authorized') {
        throw new HttpError(409, 'NOT_AUTHORIZED', `${req.body.authorizerAppId} has not authorized ${req.body.componentAppId}`);
      }
      world.revoke(req.body.componentAppId, req.body.authorizerAppId);
      return {
        push: await pusher.pushAuthorizationEvent(req.body.componentAppId, {
          infoType: 'unauthorized',
          authorizerAppId: req.body.authorizerAppId,
        }),
      };
    },
  );

  app.post<{ Body: MessageFields & { componentAppId: string; authorizerAppId: string } }>(
    '/sandbox/messages',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['componentAppId', 'authorizerAppId', 'msgType'],
          properties: {
            componentAppId: AppId,
            authorizerAppId: AppId,
            openid: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
            msgType: { enum: ['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link', 'event'] },
            content: { type: 'string' },
            event: { type: 'string' },
            eventKey: { type: 'string' },
            msgId: { type: 'string', pattern: '^[0-9]{1,24}$' },
            extra: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    },
    async (req) => {
      const { componentAppId, authorizerAppId, ...message } = req.body;
      requireComponent(componentAppId);
      requireAccount(authorizerAppId);
      if (message.msgType === 'event' && !message.event) throw new HttpError(400, 'EVENT_REQUIRED', 'msgType event needs event');
      try {
        return await pusher.pushMessage(componentAppId, authorizerAppId, message);
      } catch (error) {
        if (error instanceof MessagePermissionError) throw new HttpError(409, 'NO_MESSAGE_PERMISSION', error.message);
        throw error;
      }
    },
  );

  app.get<{ Querystring: { kind?: string } }>('/sandbox/pushes', async (req) =>
    pusher.log.records.filter((r) => !req.query.kind || r.kind === req.query.kind),
  );
  app.delete('/sandbox/pushes', async () => {
    pusher.log.clear();
    return { cleared: true };
  });

  app.post<{ Body: { componentAppId: string; group?: number; apiReplyWaitMs?: number } }>(
    '/sandbox/release-test',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['componentAppId'],
          properties: {
            componentAppId: AppId,
            group: { type: 'integer', minimum: 1, maximum: 5 },
            apiReplyWaitMs: { type: 'integer', minimum: 100, maximum: 60000 },
          },
        },
      },
    },
    async (req) => {
      requireComponent(req.body.componentAppId);
      return runReleaseTest(world, pusher, req.body);
    },
  );

  app.post('/sandbox/reset', async () => {
    world.reset();
    pusher.log.clear();
    return { reset: true };
  });
};
