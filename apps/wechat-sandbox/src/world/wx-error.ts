import { randomBytes } from 'node:crypto';

/** errmsg texts WeChat answers with, abridged as wechat-protocol.md §3.9 lists them. */
export const WX_ERRMSG: Readonly<Record<number, string>> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40125: 'invalid appsecret',
  40170: 'args count exceed count limit',
  41001: 'access_token missing',
  41004: 'appsecret missing',
  41018: 'missing component_appid',
  42001: 'access_token expired',
  43002: 'require POST method',
  44002: 'empty post data',
  45009: 'reach max api daily quota limit',
  47001: 'data format error',
  48006: 'forbid to clear quota because of reaching the limit',
  61003: 'component is not authorized by this account',
  61004: 'access clientip is not registered',
  61005: 'component ticket is expired',
  61006: 'component ticket is invalid',
  61007: 'api is unauthorized to component',
  61009: 'code is invalid',
  61010: 'code is expired',
  61011: 'invalid component',
  61012: 'invalid option name',
  61013: 'invalid option value',
  61014: 'must use component token for component api',
  61023: 'refresh_token is invalid',
  61025: 'read-only option',
  45015: 'response out of time limit or subscription is canceled',
  40003: 'invalid openid',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  45008: 'article size out of limit',
  45047: 'out of response count limit',
  48001: 'api unauthorized',
};

/** A request id in the shape WeChat appends to errmsg (`rid: 6425…-…-…`). */
export function newRid(): string {
  const hex = randomBytes(12).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`;
}

/** A WeChat error answer: HTTP 200 with `{errcode, errmsg: "… rid: …"}`. */
export class WxError extends Error {
  constructor(
    readonly errcode: number,
    detail?: string,
  ) {
    super(detail ?? WX_ERRMSG[errcode] ?? 'unknown error');
  }

  toBody(): { errcode: number; errmsg: string } {
    return { errcode: this.errcode, errmsg: `${this.message} rid: ${newRid()}` };
  }
}
