import { Type } from 'typebox';

/**
 * The one definition of the identifiers every process checks: in path parameters, job payloads
 * and the environment. WeChat AppIds are `wx` and 16 hex digits; WeChat writes them in lower case,
 * and upper case is accepted where it always was (console paths, the environment).
 */
export const APPID_PATTERN = '^wx[0-9a-fA-F]{16}$';
export const APPID_REGEX = new RegExp(APPID_PATTERN);

/** A WeChat AppId (component or authorizer) as a TypeBox schema, for routes and payloads. */
export const AppId = Type.String({ pattern: APPID_PATTERN, examples: ['wxd3a0b0c0ffee0001'] });

/** A shop's id as this service's callers name it (the `shop` of the authorization link). */
export const SHOP_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';
export const SHOP_ID_REGEX = new RegExp(SHOP_ID_PATTERN);
export const ShopId = Type.String({ pattern: SHOP_ID_PATTERN, examples: ['shop-1024'] });
