import type { EventPublisher } from '@weixin3rd/events';
import type { Producer } from '@weixin3rd/queues';
import type { Authorizer, Store } from '@weixin3rd/store';
import type { FastifyPluginAsync } from 'fastify';
import { ConsoleError } from '../errors.js';

export interface AuthorizersRoutesOptions {
  store: Pick<Store, 'authorizers' | 'components'>;
  events: EventPublisher;
  authorization: Producer<'authorization'>;
}

const APPID = { type: 'string', pattern: '^wx[0-9a-fA-F]{16}$' } as const;

/** What the API shows of an authorizer: everything but its tokens. */
export function authorizerView(a: Authorizer) {
  return {
    appId: a.appId,
    componentAppId: a.componentAppId,
    status: a.status,
    shopId: a.shopId,
    kind: a.kind,
    nickName: a.nickName,
    headImg: a.headImg,
    userName: a.userName,
    principalName: a.principalName,
    serviceType: a.serviceType,
    verifyType: a.verifyType,
    funcInfo: a.funcInfo,
    accessTokenExpiresAt: a.accessTokenExpiresAt,
    authorizedAt: a.authorizedAt,
    unauthorizedAt: a.unauthorizedAt,
    updatedAt: a.updatedAt,
  };
}

/** `/api/v1/authorizers`: list, detail, explicit (re)binding to a shop; on-demand reconciliation. */
export const authorizersRoutes: FastifyPluginAsync<AuthorizersRoutesOptions> = async (app, { store, events, authorization }) => {
  app.get<{
    Querystring: {
      component?: string;
      shop?: string;
      status?: 'authorized' | 'unauthorized' | 'reauth_required';
      page?: number;
      pageSize?: number;
    };
  }>(
    '/api/v1/authorizers',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            component: APPID,
            shop: { type: 'string', minLength: 1, maxLength: 64 },
            status: { enum: ['authorized', 'unauthorized', 'reauth_required'] },
            page: { type: 'integer', minimum: 1, default: 1 },
            pageSize: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          },
        },
      },
    },
    async (req) => {
      const page = req.query.page ?? 1;
      const pageSize = req.query.pageSize ?? 50;
      const { items, total } = await store.authorizers.list(
        {
          ...(req.query.component ? { componentAppId: req.query.component } : {}),
          ...(req.query.shop ? { shopId: req.query.shop } : {}),
          ...(req.query.status ? { status: req.query.status } : {}),
        },
        page,
        pageSize,
      );
      return { items: items.map(authorizerView), page, pageSize, total };
    },
  );

  const find = async (appId: string, component?: string): Promise<Authorizer> => {
    const a = await store.authorizers.findByAppId(appId, component);
    if (!a) throw new ConsoleError(404, 'AUTHORIZER_NOT_FOUND', `no authorizer ${appId}`);
    return a;
  };

  app.get<{ Params: { appid: string }; Querystring: { component?: string } }>(
    '/api/v1/authorizers/:appid',
    {
      schema: {
        params: { type: 'object', properties: { appid: APPID } },
        querystring: { type: 'object', properties: { component: APPID } },
      },
    },
    async (req) => authorizerView(await find(req.params.appid, req.query.component)),
  );

  app.put<{ Params: { appid: string }; Querystring: { component?: string }; Body: { shopId: string } }>(
    '/api/v1/authorizers/:appid/shop',
    {
      schema: {
        params: { type: 'object', properties: { appid: APPID } },
        querystring: { type: 'object', properties: { component: APPID } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['shopId'],
          properties: { shopId: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' } },
        },
      },
    },
    async (req) => {
      const a = await find(req.params.appid, req.query.component);
      // The console is the explicit rebind the authorization page points operators to.
      const result = await store.authorizers.bindShop(a.componentAppId, a.appId, req.body.shopId, { rebind: true });
      const after = await find(a.appId, a.componentAppId);
      if (result === 'bound') await events.publish('shop_bound', after, `shop-${req.body.shopId}-${Date.now()}`);
      return { ...authorizerView(after), previousShopId: a.shopId };
    },
  );

  app.post<{ Params: { componentAppId: string } }>(
    '/api/v1/components/:componentAppId/reconcile',
    { schema: { params: { type: 'object', properties: { componentAppId: APPID } } } },
    async (req, reply) => {
      if (!(await store.components.summary(req.params.componentAppId)))
        throw new ConsoleError(404, 'COMPONENT_NOT_FOUND', `no component ${req.params.componentAppId}`);
      const jobId = await authorization.add(
        'reconcile',
        { componentAppId: req.params.componentAppId },
        `reconcile-${req.params.componentAppId}-${Date.now()}`,
      );
      return reply.code(202).send({ jobId });
    },
  );
};
