import { APPID_PATTERN, AppId, ShopId } from '@weixin3rd/config';
import { Type, type TSchema } from 'typebox';

/** The shared shapes of the console API: the schemas routes validate and serialise with, and /docs shows. */

export { AppId, ShopId };

/** A moment as ISO-8601 text (views convert Dates, so nullable unions serialise predictably). */
export const Instant = Type.String({ format: 'date-time', examples: ['2026-12-01T08:00:00.000Z'] });
export const NullableInstant = Type.Union([Instant, Type.Null()]);

/** Every error answer: `{error: {code, message}}`, the code stable (errors.ts, auth.ts). */
export function errorBody(description: string) {
  return Type.Object(
    { error: Type.Object({ code: Type.String({ description: 'stable code, e.g. AUTHORIZER_NOT_FOUND' }), message: Type.String() }) },
    { description, examples: [{ error: { code: 'AUTHORIZER_NOT_FOUND', message: 'no authorizer wx00000000000d0aff' } }] },
  );
}

const statusText: Record<number, string> = {
  400: 'invalid request: the message names the field',
  401: 'missing or wrong bearer token',
  404: 'not found',
  409: 'the account cannot serve a token (unauthorized or reauth_required)',
  429: 'rate limited',
  502: 'WeChat refused the call',
  503: 'not available now: retry',
};

/** Error responses for a route: 400 and 401 always, plus the ones given. */
export function errors(...codes: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const code of [400, 401, ...codes]) out[code] = errorBody(statusText[code] ?? 'error');
  return out;
}

export const ComponentParams = Type.Object({ componentAppId: AppId });
export const AuthorizerParams = Type.Object({ appid: AppId });
export const ComponentQuery = Type.Object({
  component: Type.Optional(Type.String({ pattern: APPID_PATTERN, description: 'the component, when the appid authorized several' })),
});

export const AccessToken = Type.Object(
  {
    accessToken: Type.String(),
    expiresAt: Instant,
    // When the service will replace the token; expiresAt is at most 5 minutes later (CONTRACT.md, token answers).
    refreshAt: Instant,
  },
  {
    examples: [{ accessToken: '89_Xq0…', expiresAt: '2026-12-01T09:50:00.000Z', refreshAt: '2026-12-01T09:45:00.000Z' }],
  },
);

const LastError = Type.Union([Type.Object({ code: Type.String(), message: Type.String(), at: Instant }), Type.Null()]);

export const ComponentView = Type.Object(
  {
    appId: AppId,
    createdAt: Instant,
    updatedAt: Instant,
    lastError: LastError,
    ticketUpdatedAt: NullableInstant,
    accessTokenExpiresAt: NullableInstant,
  },
  {
    examples: [
      {
        appId: 'wxd3a0b0c0ffee0001',
        createdAt: '2026-11-30T08:00:00.000Z',
        updatedAt: '2026-11-30T08:00:00.000Z',
        lastError: null,
        ticketUpdatedAt: '2026-12-01T07:58:00.000Z',
        accessTokenExpiresAt: '2026-12-01T09:40:00.000Z',
      },
    ],
  },
);

export const ComponentSecretsBody = Type.Object(
  {
    appSecret: Type.String({ minLength: 1, maxLength: 128, description: 'write-only' }),
    token: Type.String({ pattern: '^[A-Za-z0-9]{3,32}$', description: 'the message check token (write-only)' }),
    encodingAesKey: Type.String({ pattern: '^[A-Za-z0-9]{43}$', description: 'write-only' }),
  },
  {
    additionalProperties: false,
    examples: [{ appSecret: 'your-app-secret', token: 'tok123', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' }],
  },
);

export const AuthorizerStatus = Type.Enum(['authorized', 'unauthorized', 'reauth_required']);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);

const authorizerExample = {
  appId: 'wx00000000000d0a01',
  componentAppId: 'wxd3a0b0c0ffee0001',
  status: 'authorized',
  shopId: 'shop-1024',
  kind: 'official',
  nickName: '山茶书店',
  headImg: null,
  userName: 'gh_4b1f0c2d9e3a',
  principalName: '山茶文化有限公司',
  serviceType: 2,
  verifyType: 0,
  funcInfo: [1, 15],
  accessTokenExpiresAt: '2026-12-01T09:40:00.000Z',
  authorizedAt: '2026-11-30T08:00:00.000Z',
  unauthorizedAt: null,
  updatedAt: '2026-12-01T07:40:00.000Z',
};

const authorizerFields = {
  appId: AppId,
  componentAppId: AppId,
  status: AuthorizerStatus,
  shopId: NullableString,
  kind: Type.Union([Type.Enum(['official', 'mini']), Type.Null()]),
  nickName: NullableString,
  headImg: NullableString,
  userName: NullableString,
  principalName: NullableString,
  serviceType: NullableInteger,
  verifyType: NullableInteger,
  funcInfo: Type.Array(Type.Integer(), { description: 'permission set ids (权限集)' }),
  accessTokenExpiresAt: NullableInstant,
  authorizedAt: NullableInstant,
  unauthorizedAt: NullableInstant,
  updatedAt: Instant,
};

export const AuthorizerView = Type.Object(authorizerFields, { examples: [authorizerExample] });

export const ReboundAuthorizer = Type.Object(
  { ...authorizerFields, previousShopId: NullableString },
  { examples: [{ ...authorizerExample, previousShopId: 'shop-0001' }] },
);

export const AuthorizerPage = Type.Object(
  { items: Type.Array(AuthorizerView), page: Type.Integer(), pageSize: Type.Integer(), total: Type.Integer() },
  { examples: [{ items: [authorizerExample], page: 1, pageSize: 50, total: 1 }] },
);

export const AuthorizerListQuery = Type.Object(
  {
    component: Type.Optional(AppId),
    shop: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    status: Type.Optional(AuthorizerStatus),
    page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);

export const ShopBody = Type.Object({ shopId: ShopId }, { additionalProperties: false, examples: [{ shopId: 'shop-1024' }] });

export const Accepted = Type.Object({ jobId: Type.String() }, { examples: [{ jobId: 'reconcile-wxd3a0b0c0ffee0001-1764576000000' }] });
