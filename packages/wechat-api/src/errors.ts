/** How a WeChat error should be handled. */
export type ErrorKind = 'transient' | 'token' | 'config' | 'quota' | 'ticket' | 'code' | 'authorization' | 'request';

const KINDS: Readonly<Record<number, ErrorKind>> = {
  [-1]: 'transient',
  40001: 'token',
  40014: 'token',
  42001: 'token',
  40013: 'config',
  40125: 'config',
  41004: 'config',
  41018: 'config',
  61004: 'config',
  40164: 'config',
  61011: 'config',
  61014: 'config',
  45009: 'quota',
  45011: 'quota',
  48006: 'quota',
  61005: 'ticket',
  61006: 'ticket',
  61009: 'code',
  61010: 'code',
  61003: 'authorization',
  61023: 'authorization',
  61007: 'authorization',
};

/**
 * A WeChat API failure: a non-zero errcode, or a transport failure (timeout, 5xx, bad JSON) with
 * a negative pseudo code. `retryable` says whether trying the same call again can help.
 */
export class WeChatApiError extends Error {
  override readonly name = 'WeChatApiError';
  readonly kind: ErrorKind;

  constructor(
    /** WeChat's errcode; -2 timeout, -3 HTTP status, -4 unreadable body for transport failures. */
    readonly code: number,
    readonly errmsg: string,
    /** The API called, e.g. `api_component_token`. */
    readonly call: string,
    readonly rid: string | null = null,
    readonly httpStatus: number | null = null,
  ) {
    super(`${call}: ${code} ${errmsg}`);
    this.kind = code <= -2 ? 'transient' : (KINDS[code] ?? 'request');
  }

  get retryable(): boolean {
    return this.kind === 'transient';
  }
}

export const isWeChatApiError = (e: unknown, code?: number): e is WeChatApiError =>
  e instanceof WeChatApiError && (code === undefined || e.code === code);

/** Splits WeChat's `errmsg … rid: xxx` into the message and the request id. */
export function splitRid(errmsg: string): { errmsg: string; rid: string | null } {
  const m = /^(.*?)\s*(?:rid|hint):\s*\[?([^\]\s]+)\]?\s*$/.exec(errmsg);
  return m ? { errmsg: m[1] ?? errmsg, rid: m[2] ?? null } : { errmsg, rid: null };
}
