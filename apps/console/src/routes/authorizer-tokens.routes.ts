import { AUTHORIZER_REFRESH_WINDOW_MS, tokenAnswer, type ServedToken } from '@weixin3rd/credentials';
import type { ApiRoutes } from '../api/api-v1.js';
import { AccessToken, AuthorizerParams, ComponentQuery, errors } from '../api/schemas.js';
import type { AuthorizerActions } from '../authorizer-actions.js';
import { tokenView } from '../views.js';

export interface AuthorizerTokensRoutesOptions {
  actions: AuthorizerActions;
}

const tags = ['tokens'];

/** WeChat's expiry becomes what a caller may trust (CONTRACT.md, "Token answers"). */
const answer = (t: ServedToken) => tokenAnswer(t.accessToken, t.expiresAt, AUTHORIZER_REFRESH_WINDOW_MS);

/** The token API of the 中控服务器: downstream services ask here, never WeChat. */
export const authorizerTokensRoutes: ApiRoutes<AuthorizerTokensRoutesOptions> = async (app, { actions }) => {
  app.get(
    '/authorizers/:appid/access-token',
    {
      schema: {
        tags,
        summary: "An authorizer's access token; refreshed once (single-flight) when missing or expired",
        description:
          'Cache it until `expiresAt`. A forced refresh by anyone ends it about 5 minutes later: on 40001, 42001 or 40014 from WeChat, GET again; if that answers the refused token, POST …/refresh (one per minute per account; the others get 429 and GET again).',
        params: AuthorizerParams,
        querystring: ComponentQuery,
        response: { 200: AccessToken, ...errors(404, 409, 502, 503) },
      },
    },
    async (req) => {
      return tokenView(answer(await actions.token(req.params.appid, req.query.component)));
    },
  );

  app.post(
    '/authorizers/:appid/refresh',
    {
      schema: {
        tags,
        summary: "Force a refresh of an authorizer's access token now (at most one per account per minute)",
        params: AuthorizerParams,
        querystring: ComponentQuery,
        response: { 200: AccessToken, ...errors(404, 409, 429, 502, 503) },
      },
    },
    async (req) => {
      return tokenView(answer(await actions.forceRefresh(req.params.appid, req.query.component)));
    },
  );
};
