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
