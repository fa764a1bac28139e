import { describe, it, expect } from 'vitest';
import { WX_CRYPTO_ERROR_CODES, WeChatCryptoError, isWeChatCryptoError } from './errors.js';

describe('WeChatCryptoError', () => {
  it('maps every stable code to its official number', () => {
    expect(WX_CRYPTO_ERROR_CODES).toEqual({
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
    });
  });

  it('carries code, wxCode, name and cause', () => {
    const cause = new Error('inner');
    const error = new WeChatCryptoError('WX_CRYPTO_BAD_SIGNATURE', 'nope', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('WeChatCryptoError');
    expect(error.code).toBe('WX_CRYPTO_BAD_SIGNATURE');
    expect(error.wxCode).toBe(-40001);
    expect(error.cause).toBe(cause);
  });

  it('isWeChatCryptoError narrows by code', () => {
    const error = new WeChatCryptoError('WX_CRYPTO_DECRYPT', 'x');
    expect(isWeChatCryptoError(error)).toBe(true);
    expect(isWeChatCryptoError(error, 'WX_CRYPTO_DECRYPT')).toBe(true);
    expect(isWeChatCryptoError(error, 'WX_CRYPTO_BAD_SIGNATURE')).toBe(false);
    expect(isWeChatCryptoError(new Error('x'))).toBe(false);
  });
});
