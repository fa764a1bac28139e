import { WeChatCryptoError } from './errors.js';

/**
 * WeChat pads to 32 bytes (the AES-256 key size), not to the 16-byte AES
 * block; every SDK and the official samples agree on this.
 */
export const PKCS7_BLOCK_BYTES = 32;

/** Appends PKCS#7 padding for a 32-byte block: 1..32 bytes, each equal to the count. */
export function pkcs7Pad(data: Buffer): Buffer {
  const pad = PKCS7_BLOCK_BYTES - (data.length % PKCS7_BLOCK_BYTES);
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

/**
 * Strips 32-byte-block PKCS#7 padding, strictly. The official samples silently
 * ignore an out-of-range pad byte; rejecting it instead surfaces a wrong key
 * or a corrupted payload as an error rather than as garbage plaintext.
 *
 * @throws WeChatCryptoError -40007 if the pad count is outside 1..32, exceeds
 * the data, or the pad bytes are not all equal to it.
 */
export function pkcs7Unpad(data: Buffer): Buffer {
  const pad = data.length > 0 ? data.readUInt8(data.length - 1) : 0;
  if (pad < 1 || pad > PKCS7_BLOCK_BYTES || pad > data.length) {
    throw new WeChatCryptoError('WX_CRYPTO_DECRYPT', 'invalid PKCS#7 padding length');
  }
  for (let i = data.length - pad; i < data.length; i += 1) {
    if (data.readUInt8(i) !== pad) {
      throw new WeChatCryptoError('WX_CRYPTO_DECRYPT', 'invalid PKCS#7 padding bytes');
    }
  }
  return data.subarray(0, data.length - pad);
}
