/** Stable codes of {@link WeChatXmlError}. */
export const WX_XML_ERROR_CODES = [
  'XML_EMPTY',
  'XML_TOO_LARGE',
  'XML_DOCTYPE_FORBIDDEN',
  'XML_TOO_DEEP',
  'XML_INVALID',
  'XML_ROOT_MISMATCH',
  'XML_FIELD_MISSING',
  'XML_FIELD_INVALID',
] as const;

export type WeChatXmlErrorCode = (typeof WX_XML_ERROR_CODES)[number];

/** WeChat's official ParseXml_Error code, shared by every XML failure. */
export const WX_PARSE_XML_ERROR = -40002;

/** Any XML that cannot be trusted or used: the message says why, `code` says which rule. */
export class WeChatXmlError extends Error {
  override readonly name = 'WeChatXmlError';
  readonly wxCode = WX_PARSE_XML_ERROR;

  constructor(
    readonly code: WeChatXmlErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isWeChatXmlError(error: unknown): error is WeChatXmlError {
  return error instanceof WeChatXmlError;
}
