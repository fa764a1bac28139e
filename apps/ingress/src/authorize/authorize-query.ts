import { AppId, ShopId } from '@weixin3rd/config';
import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';

/**
 * The queries of the authorization pages (CONTRACT.md, `/authorize`). The routes attach the
 * schema's result and answer a refusal with the page a shop owner can act on (authorize.routes.ts),
 * never Fastify's JSON. The first property refused is the one named, so the order below is the
 * order the pages check in: the shop, then the component, then the link's other parameters.
 */
export const AuthorizeQuery = Type.Object({
  shop: Type.Optional(ShopId),
  component: Type.Optional(AppId),
  // Passed on in WeChat's link (wechat-protocol.md §3): a value WeChat cannot take is refused here, on our page.
  auth_type: Type.Optional(Type.String({ pattern: '^[0-9]{1,2}$', description: '1 official accounts, 2 mini programs, 3 both, …' })),
  biz_appid: Type.Optional(AppId),
  category_id_list: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}(\\|[0-9]{1,9}){0,99}$', examples: ['1|2|3'] })),
  // Links in the wild may write PC, pc or nothing: anything but h5 is the PC page, as it always was.
  mode: Type.Optional(Type.String({ description: 'h5 for the page inside WeChat; anything else the PC page', examples: ['pc', 'h5'] })),
});
export type AuthorizeQuery = Static<typeof AuthorizeQuery>;

/** WeChat's redirect after consent: our `state` back, and its `auth_code` (taken as sent: WeChat's, never refused for its form). */
export const CallbackQuery = Type.Object({
  // Ours, signed (state.ts): far shorter than this; anything longer is not one we made.
  state: Type.Optional(Type.String({ maxLength: 1024 })),
  auth_code: Type.Optional(Type.String()),
  expires_in: Type.Optional(Type.String()),
});
export type CallbackQuery = Static<typeof CallbackQuery>;

/** The query property the schema refused first (`shop`, `component`, …), or null when it passed. */
export function refusedField(req: FastifyRequest): string | null {
  const e = req.validationError as
    (Error & { validation?: { instancePath?: string; params?: { missingProperty?: string } }[] }) | undefined;
  if (!e) return null;
  const first = e.validation?.[0];
  return first?.instancePath?.replace(/^\//, '').split('/')[0] || first?.params?.missingProperty || '?';
}
