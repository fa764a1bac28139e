import { WeChatCryptoError } from './errors.js';

/** Byte length of the AES-256 key an EncodingAESKey expands to. */
export const AES_KEY_BYTES = 32;

const ENCODING_AES_KEY_PATTERN = /^[A-Za-z0-9]{43}$/;

/**
 * Expands a 43-character EncodingAESKey into the 32-byte AES key.
 *
 * Node's base64 decoder is deliberately used in its lenient form: 43
 * characters carry 258 bits, the 2 surplus bits of the last one are usually
 * non-zero, and a strict decoder would reject genuine keys issued by the
 * platform.
 *
 * @throws WeChatCryptoError -40004 unless the key is exactly 43 chars of `[A-Za-z0-9]`.
 */
export function parseEncodingAesKey(encodingAesKey: string): Buffer {
  if (typeof encodingAesKey !== 'string' || !ENCODING_AES_KEY_PATTERN.test(encodingAesKey)) {
    throw new WeChatCryptoError('WX_CRYPTO_ILLEGAL_AES_KEY', 'EncodingAESKey must be exactly 43 characters from [A-Za-z0-9]');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== AES_KEY_BYTES) {
    throw new WeChatCryptoError('WX_CRYPTO_ILLEGAL_AES_KEY', 'EncodingAESKey did not decode to 32 bytes');
  }
  return key;
}

/**
 * Accepts either an EncodingAESKey string or an already expanded 32-byte key,
 * so hot paths can parse once and reuse the buffer.
 *
 * @throws WeChatCryptoError -40004 on a malformed string or a buffer of the wrong size.
 */
export function resolveAesKey(aesKey: string | Uint8Array): Buffer {
  if (typeof aesKey === 'string') return parseEncodingAesKey(aesKey);
  if (aesKey instanceof Uint8Array && aesKey.length === AES_KEY_BYTES) return Buffer.from(aesKey);
  throw new WeChatCryptoError('WX_CRYPTO_ILLEGAL_AES_KEY', 'AES key must be 32 bytes');
}
