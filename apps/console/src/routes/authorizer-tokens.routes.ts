import { AuthorizerUnavailableError, LockTimeoutError, QuotaExhaustedError, type AuthorizerTokenService } from '@weixin3rd/credentials';
import type { Store } from '@weixin3rd/store';
import { WeChatApiError } from '@weixin3rd/wechat-api';
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import { ConsoleError } from '../errors.js';

export interface AuthorizerTokensRoutesOptions {
  store: Pick<Store, 'authorizers'>;
  tokens: AuthorizerTokenService;
  redis: Redis;
  /** QUEUE_PREFIX for Redis keys (not `prefix`: Fastify would prefix the routes with it). */
  keyPrefix: string;
  /** One forced refresh per authorizer per this many seconds (default 60). */
  forceEverySeconds?: number;
}

const APPID = { type: 'string', pattern: '^wx[0-9a-fA-F]{16}$' } as const;
const schema = {
  params: { type: 'object', properties: { appid: APPID } },
  querystring: { type: 'object', properties: { component: APPID } },
};

/** Turns the token owner's refusals into answers a caller can act on. */
function explain(error: unknown): never {
  if (error instanceof AuthorizerUnavailableError)
    throw new ConsoleError(error.code === 'AUTHORIZER_NOT_FOUND' ? 404 : 409, error.code, error.message);
  if (error instanceof QuotaExhaustedError) throw new ConsoleError(503, 'QUOTA_EXHAUSTED', error.message);
  if (error instanceof LockTimeoutError) throw new ConsoleError(503, 'REFRESH_BUSY', 'a refresh is in progress; retry');
  if (error instanceof WeChatApiError) throw new ConsoleError(502, 'WECHAT_ERROR', `WeChat answered ${error.code} ${error.errmsg}`);
  throw error;
}

/** The token API of the 中控服务器: downstream services ask here, never WeChat. */
export const authorizerTokensRoutes: FastifyPluginAsync<AuthorizerTokensRoutesOptions> = async (app, opts) => {
  const componentOf = async (appId: string, component?: string): Promise<string> => {
    const a = await opts.store.authorizers.findByAppId(appId, component);
    if (!a) throw new ConsoleError(404, 'AUTHORIZER_NOT_FOUND', `no authorizer ${appId}`);
    return a.componentAppId;
  };

  app.get<{ Params: { appid: string }; Querystring: { component?: string } }>(
    '/api/v1/authorizers/:appid/access-token',
    { schema },
    async (req) => {
      const componentAppId = await componentOf(req.params.appid, req.query.component);
      return opts.tokens.get(componentAppId, req.params.appid).catch(explain);
    },
  );

  app.post<{ Params: { appid: string }; Querystring: { component?: string } }>(
    '/api/v1/authorizers/:appid/refresh',
    { schema },
    async (req) => {
      const componentAppId = await componentOf(req.params.appid, req.query.component);
      const every = opts.forceEverySeconds ?? 60;
      // Callers that saw 40001 may all ask at once: one refresh, the rest get 429 and the new token via GET.
      if (
        (await opts.redis.set(`${opts.keyPrefix}:force-refresh:${componentAppId}:${req.params.appid}`, '1', 'EX', every, 'NX')) !== 'OK'
      ) {
        throw new ConsoleError(429, 'REFRESH_RATE_LIMITED', `at most one forced refresh per ${every} s; GET the access token instead`);
      }
      return opts.tokens.ensure(componentAppId, req.params.appid, { force: true }).catch(explain);
    },
  );
};
