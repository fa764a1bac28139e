import {
  COMPONENT_REFRESH_MARGIN_MS,
  LockTimeoutError,
  TicketMissingError,
  tokenAnswer,
  type ComponentTokenService,
} from '@weixin3rd/credentials';
import type { Store } from '@weixin3rd/store';
import { WeChatApiError } from '@weixin3rd/wechat-api';
import type { ApiRoutes } from '../api/api-v1.js';
import { AccessToken, ComponentParams, ComponentSecretsBody, ComponentView, errors } from '../api/schemas.js';
import { HttpError } from '@weixin3rd/runtime';
import { iso, isoOrNull, tokenView } from '../views.js';

export interface ComponentsRoutesOptions {
  store: Pick<Store, 'components' | 'tickets' | 'componentTokens'>;
  tokens: ComponentTokenService;
}

const tags = ['components'];

/** `/api/v1/components/:componentAppId`: configuration (secrets write-only) and the access token. */
export const componentsRoutes: ApiRoutes<ComponentsRoutesOptions> = async (app, { store, tokens }) => {
  const describe = async (appId: string) => {
    const summary = await store.components.summary(appId);
    if (!summary) throw new HttpError(404, 'COMPONENT_NOT_FOUND', `no component ${appId}`);
    const [ticket, token] = await Promise.all([store.tickets.latest(appId), store.componentTokens.get(appId)]);
    return {
      appId: summary.appId,
      createdAt: iso(summary.createdAt),
      updatedAt: iso(summary.updatedAt),
      lastError: summary.lastError ? { ...summary.lastError, at: iso(summary.lastError.at) } : null,
      ticketUpdatedAt: isoOrNull(ticket?.receivedAt),
      accessTokenExpiresAt: isoOrNull(token?.expiresAt),
    };
  };

  app.get(
    '/components/:componentAppId',
    {
      schema: {
        tags,
        summary: 'A component: configuration without secrets, ticket and token freshness',
        params: ComponentParams,
        response: { 200: ComponentView, ...errors(404) },
      },
    },
    async (req) => describe(req.params.componentAppId),
  );

  app.put(
    '/components/:componentAppId',
    {
      schema: {
        tags,
        summary: 'Add or update a component (secrets are write-only)',
        params: ComponentParams,
        body: ComponentSecretsBody,
        response: { 200: ComponentView, ...errors() },
      },
    },
    async (req) => {
      await store.components.upsert({ appId: req.params.componentAppId, ...req.body });
      return describe(req.params.componentAppId);
    },
  );

  app.get(
    '/components/:componentAppId/access-token',
    {
      schema: {
        tags,
        summary: 'The component access token, refreshed once (single-flight) when missing or expired',
        params: ComponentParams,
        response: { 200: AccessToken, ...errors(404, 502, 503) },
      },
    },
    async (req) => {
      const appId = req.params.componentAppId;
      if (!(await store.components.summary(appId))) throw new HttpError(404, 'COMPONENT_NOT_FOUND', `no component ${appId}`);
      const stored = await store.componentTokens.get(appId);
      // Served from the store while valid; worker-tickets keeps it fresh. Missing or expired: one single-flight refresh.
      if (stored && stored.expiresAt.getTime() > Date.now())
        return tokenView(tokenAnswer(stored.accessToken, stored.expiresAt, COMPONENT_REFRESH_MARGIN_MS));
      try {
        const fresh = await tokens.ensure(appId);
        return tokenView(tokenAnswer(fresh.accessToken, fresh.expiresAt, COMPONENT_REFRESH_MARGIN_MS));
      } catch (error) {
        if (error instanceof TicketMissingError) throw new HttpError(503, 'TICKET_MISSING', error.message);
        if (error instanceof LockTimeoutError) throw new HttpError(503, 'REFRESH_BUSY', 'a refresh is in progress; retry');
        if (error instanceof WeChatApiError) throw new HttpError(502, 'WECHAT_ERROR', `WeChat answered ${error.code} ${error.errmsg}`);
        throw error;
      }
    },
  );
};
