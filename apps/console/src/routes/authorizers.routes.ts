import type { Authorizer, Store } from '@weixin3rd/store';
import type { ApiRoutes } from '../api/api-v1.js';
import {
  Accepted,
  AuthorizerListQuery,
  AuthorizerPage,
  AuthorizerParams,
  AuthorizerView,
  ComponentParams,
  ComponentQuery,
  errors,
  ReboundAuthorizer,
  ShopBody,
} from '../api/schemas.js';
import type { AuthorizerActions } from '../authorizer-actions.js';
import { iso, isoOrNull } from '../views.js';

export interface AuthorizersRoutesOptions {
  store: Pick<Store, 'authorizers'>;
  actions: AuthorizerActions;
}

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
    accessTokenExpiresAt: isoOrNull(a.accessTokenExpiresAt),
    authorizedAt: isoOrNull(a.authorizedAt),
    unauthorizedAt: isoOrNull(a.unauthorizedAt),
    updatedAt: iso(a.updatedAt),
  };
}

const tags = ['authorizers'];

/** `/api/v1/authorizers`: list, detail, explicit (re)binding to a shop; on-demand reconciliation. */
export const authorizersRoutes: ApiRoutes<AuthorizersRoutesOptions> = async (app, { store, actions }) => {
  app.get(
    '/authorizers',
    {
      schema: {
        tags,
        summary: 'Authorizers (accounts that authorized a component), newest change first',
        querystring: AuthorizerListQuery,
        response: { 200: AuthorizerPage, ...errors() },
      },
    },
    async (req) => {
      // Ajv fills the defaults; the type can't know it.
      const { page = 1, pageSize = 50 } = req.query;
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

  app.get(
    '/authorizers/:appid',
    {
      schema: {
        tags,
        summary: 'One authorizer: account, status, shop, permission sets, token expiry (never its tokens)',
        params: AuthorizerParams,
        querystring: ComponentQuery,
        response: { 200: AuthorizerView, ...errors(404) },
      },
    },
    async (req) => authorizerView(await actions.find(req.params.appid, req.query.component)),
  );

  app.put(
    '/authorizers/:appid/shop',
    {
      schema: {
        tags,
        summary: 'Bind or rebind the account to a shop (publishes shop_bound)',
        params: AuthorizerParams,
        querystring: ComponentQuery,
        body: ShopBody,
        response: { 200: ReboundAuthorizer, ...errors(404) },
      },
    },
    async (req) => {
      const { after, previousShopId } = await actions.rebind(req.params.appid, req.body.shopId, req.query.component);
      return { ...authorizerView(after), previousShopId };
    },
  );

  app.post(
    '/components/:componentAppId/reconcile',
    {
      schema: {
        tags: ['components'],
        summary: "Queue a reconciliation of the component's authorizers with WeChat's list",
        params: ComponentParams,
        response: { 202: Accepted, ...errors(404) },
      },
    },
    async (req, reply) => reply.code(202).send({ jobId: await actions.reconcile(req.params.componentAppId) }),
  );
};
