import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The query WeChat puts on both push URLs (wechat-protocol.md §1.7): declared once, on every push
 * route. Each route attaches the result instead of refusing at once: verifyPush and the echostr
 * check test each field against these same schemas at the place of the protocol where it
 * matters, so every refusal keeps its code and status (and counts in the verification metrics),
 * and a correctly signed push never fails a field: WeChat must never be refused for our reasons.
 */

/** A SHA-1 signature as WeChat writes it: anything else cannot match, and is refused as not matching. */
const Signature = Type.String({ pattern: '^[0-9a-f]{40}$', description: 'lower-case hex SHA-1' });
/** Unix seconds, as digits. */
const Timestamp = Type.String({ pattern: '^[0-9]{1,20}$' });
/** WeChat's nonce, signed as sent: any text (given twice, it is not one text). */
const Nonce = Type.String({ minLength: 1 });

export const PushQuery = Type.Object({
  msg_signature: Type.Optional(Signature),
  signature: Type.Optional(Signature),
  timestamp: Type.Optional(Timestamp),
  nonce: Type.Optional(Nonce),
  // Sent by WeChat and not used here (the body says whether it is encrypted; the push names the user).
  encrypt_type: Type.Optional(Type.String({ examples: ['aes'] })),
  openid: Type.Optional(Type.String()),
  echostr: Type.Optional(Type.String({ description: 'GET URL verification only' })),
});
export type PushQuery = Static<typeof PushQuery>;

const signature = Compile(Signature);
const timestamp = Compile(Timestamp);
const nonce = Compile(Nonce);

/** Whether each field has its declared shape (a value given twice arrives as an array and has not). */
export const pushQueryField = {
  signature: (v: unknown): v is string => signature.Check(v),
  timestamp: (v: unknown): v is string => timestamp.Check(v),
  nonce: (v: unknown): v is string => nonce.Check(v),
};

/** The route options of a push route: its path and query schemas, the query's result attached (see above). */
export const pushRouteSchema = (params: object) => ({ schema: { params, querystring: PushQuery }, attachValidation: true });

/** A push route attaches validation for its query: a refused path parameter is still refused at once (PATH_INVALID). */
export function refuseInvalidPath(req: FastifyRequest): void {
  const e = req.validationError as (Error & { validationContext?: string }) | undefined;
  if (e?.validationContext === 'params') throw e;
}
