/**
 * Stable error codes of this package mapped to the numeric codes used by
 * Tencent's official WXBizMsgCrypt samples, so logs and callers can speak
 * either vocabulary.
 */
export const WX_CRYPTO_ERROR_CODES = {
  WX_CRYPTO_BAD_SIGNATURE: -40001,
  WX_CRYPTO_PARSE_XML: -40002,
  WX_CRYPTO_COMPUTE_SIGNATURE: -40003,
  WX_CRYPTO_ILLEGAL_AES_KEY: -40004,
  WX_CRYPTO_RECEIVE_ID_MISMATCH: -40005,
  WX_CRYPTO_ENCRYPT: -40006,
  WX_CRYPTO_DECRYPT: -40007,
  WX_CRYPTO_ILLEGAL_BUFFER: -40008,
  WX_CRYPTO_BASE64_ENCODE: -40009,
  WX_CRYPTO_BASE64_DECODE: -40010,
  WX_CRYPTO_GENERATE_XML: -40011,
} as const;

/** One of the stable string codes in {@link WX_CRYPTO_ERROR_CODES}. */
export type WeChatCryptoErrorCode = keyof typeof WX_CRYPTO_ERROR_CODES;

/** One of the official numeric WXBizMsgCrypt error codes. */
export type WeChatCryptoWxCode = (typeof WX_CRYPTO_ERROR_CODES)[WeChatCryptoErrorCode];

/**
 * Every failure raised by this package. `code` is the stable string to branch
 * on; `wxCode` is the official number (e.g. -40001) for logs and parity with
 * other SDKs.
 */
export class WeChatCryptoError extends Error {
  /** Stable string code, e.g. `WX_CRYPTO_BAD_SIGNATURE`. */
  readonly code: WeChatCryptoErrorCode;
  /** Official WXBizMsgCrypt error number, e.g. -40001. */
  readonly wxCode: WeChatCryptoWxCode;

  /**
   * @param code - stable string code; `wxCode` is derived from it.
   * @param message - human-readable detail; never include key material.
   * @param options - standard `ErrorOptions`, e.g. the underlying `cause`.
   */
  constructor(code: WeChatCryptoErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WeChatCryptoError';
    this.code = code;
    this.wxCode = WX_CRYPTO_ERROR_CODES[code];
  }
}

/** Type guard for {@link WeChatCryptoError}, optionally narrowed to one code. */
export function isWeChatCryptoError(value: unknown, code?: WeChatCryptoErrorCode): value is WeChatCryptoError {
  return value instanceof WeChatCryptoError && (code === undefined || value.code === code);
}
