import { LockTimeoutError, TicketMissingError, type ComponentTokenService } from '@weixin3rd/credentials';
import type { Store } from '@weixin3rd/store';
import { WeChatApiError } from '@weixin3rd/wechat-api';
import type { FastifyPluginAsync } from 'fastify';
import { ConsoleError } from '../errors.js';

export interface ComponentsRoutesOptions {
  store: Pick<Store, 'components' | 'tickets' | 'componentTokens'>;
  tokens: ComponentTokenService;
}

const params = {
  type: 'object',
  required: ['componentAppId'],
  properties: { componentAppId: { type: 'string', pattern: '^wx[0-9a-fA-F]{16}$' } },
} as const;

/** `/api/v1/components/:componentAppId`: configuration (secrets write-only) and the access token. */
export const componentsRoutes: FastifyPluginAsync<ComponentsRoutesOptions> = async (app, { store, tokens }) => {
  const describe = async (appId: string) => {
    const summary = await store.components.summary(appId);
    if (!summary) throw new ConsoleError(404, 'COMPONENT_NOT_FOUND', `no component ${appId}`);
    const [ticket, token] = await Promise.all([store.tickets.latest(appId), store.componentTokens.get(appId)]);
    return { ...summary, ticketUpdatedAt: ticket?.receivedAt ?? null, accessTokenExpiresAt: token?.expiresAt ?? null };
  };

  app.get<{ Params: { componentAppId: string } }>('/api/v1/components/:componentAppId', { schema: { params } }, async (req) =>
    describe(req.params.componentAppId),
  );

  app.put<{ Params: { componentAppId: string }; Body: { appSecret: string; token: string; encodingAesKey: string } }>(
    '/api/v1/components/:componentAppId',
    {
      schema: {
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['appSecret', 'token', 'encodingAesKey'],
          properties: {
            appSecret: { type: 'string', minLength: 1, maxLength: 128 },
            token: { type: 'string', pattern: '^[A-Za-z0-9]{3,32}$' },
            encodingAesKey: { type: 'string', pattern: '^[A-Za-z0-9]{43}$' },
          },
        },
      },
    },
    async (req) => {
      await store.components.upsert({ appId: req.params.componentAppId, ...req.body });
      return describe(req.params.componentAppId);
    },
  );

  app.get<{ Params: { componentAppId: string } }>(
    '/api/v1/components/:componentAppId/access-token',
    { schema: { params } },
    async (req) => {
      const appId = req.params.componentAppId;
      if (!(await store.components.summary(appId))) throw new ConsoleError(404, 'COMPONENT_NOT_FOUND', `no component ${appId}`);
      const stored = await store.componentTokens.get(appId);
      // Served from the store while valid; worker-tickets keeps it fresh. Missing or expired: one single-flight refresh.
      if (stored && stored.expiresAt.getTime() > Date.now()) return { accessToken: stored.accessToken, expiresAt: stored.expiresAt };
      try {
        const fresh = await tokens.ensure(appId);
        return { accessToken: fresh.accessToken, expiresAt: fresh.expiresAt };
      } catch (error) {
        if (error instanceof TicketMissingError) throw new ConsoleError(503, 'TICKET_MISSING', error.message);
        if (error instanceof LockTimeoutError) throw new ConsoleError(503, 'REFRESH_BUSY', 'a refresh is in progress; retry');
        if (error instanceof WeChatApiError) throw new ConsoleError(502, 'WECHAT_ERROR', `WeChat answered ${error.code} ${error.errmsg}`);
        throw error;
      }
    },
  );
};
