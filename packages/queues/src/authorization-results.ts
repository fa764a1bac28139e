/**
 * What the `authorization` queue's code jobs (auth-code, authorized, updateauthorized) return:
 * the callback page reads it instead of interpreting another process's error text.
 * - bound / already_bound: the redirect's shop was (or could not be, another shop has it) bound;
 * - authorized: done without a shop (a push alone);
 * - duplicate: another job holds the same code;
 * - stale: an older push than the account's last applied change, ignored;
 * - invalid_code: WeChat answered 61009/61010 and nothing shows the code was ever used by us;
 * - no_api_permission: the admin granted no API permission set (no refresh token).
 */
export const AUTH_CODE_OUTCOMES = [
  'bound',
  'authorized',
  'already_bound',
  'duplicate',
  'stale',
  'invalid_code',
  'no_api_permission',
] as const;

export type AuthCodeOutcome = (typeof AUTH_CODE_OUTCOMES)[number];

export const isAuthCodeOutcome = (value: unknown): value is AuthCodeOutcome =>
  typeof value === 'string' && (AUTH_CODE_OUTCOMES as readonly string[]).includes(value);
