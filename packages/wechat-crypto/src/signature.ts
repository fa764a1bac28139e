import { createHash, timingSafeEqual } from 'node:crypto';
import { WeChatCryptoError } from './errors.js';

/**
 * SHA-1 hex over the sorted, separator-less concatenation of `parts`.
 * Sorting compares UTF-8 bytes rather than UTF-16 code units so that a
 * non-ASCII token would still sort the way WeChat's byte-oriented servers do;
 * for the usual ASCII inputs both orders coincide.
 */
function sortedSha1(parts: readonly unknown[]): string {
  const buffers: Buffer[] = [];
  for (const part of parts) {
    if (typeof part !== 'string') {
      throw new WeChatCryptoError('WX_CRYPTO_COMPUTE_SIGNATURE', 'signature inputs must be strings');
    }
    buffers.push(Buffer.from(part, 'utf8'));
  }
  buffers.sort(Buffer.compare);
  return createHash('sha1').update(Buffer.concat(buffers)).digest('hex');
}

/**
 * The 4-field `msg_signature` that authenticates an encrypted payload:
 * lowercase hex SHA-1 of the sorted concatenation of token, timestamp, nonce
 * and the exact `Encrypt` text.
 *
 * @throws WeChatCryptoError -40003 if an input is not a string.
 */
export function msgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sortedSha1([token, timestamp, nonce, encrypt]);
}

/**
 * The 3-field "plain" `signature` (token, timestamp, nonce) carried on every
 * push URL and used by the GET `echostr` handshake.
 *
 * @throws WeChatCryptoError -40003 if an input is not a string.
 */
export function plainSignature(token: string, timestamp: string, nonce: string): string {
  return sortedSha1([token, timestamp, nonce]);
}

/**
 * Constant-time comparison of a received hex signature with the expected one.
 * Inputs come straight from the query string, so anything malformed is just
 * "not equal" rather than an exception.
 */
function safeEqualHex(expected: string, received: unknown): boolean {
  if (typeof received !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

function allStrings(values: readonly unknown[]): boolean {
  return values.every((v) => typeof v === 'string');
}

/**
 * Checks a received `msg_signature` against token/timestamp/nonce/encrypt in
 * constant time. Never throws: any malformed or missing input yields `false`.
 */
export function verifyMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string, signature: string): boolean {
  if (!allStrings([token, timestamp, nonce, encrypt])) return false;
  return safeEqualHex(msgSignature(token, timestamp, nonce, encrypt), signature);
}

/**
 * Checks a received 3-field `signature` against token/timestamp/nonce in
 * constant time. Never throws: any malformed or missing input yields `false`.
 */
export function verifySignature(token: string, timestamp: string, nonce: string, signature: string): boolean {
  if (!allStrings([token, timestamp, nonce])) return false;
  return safeEqualHex(plainSignature(token, timestamp, nonce), signature);
}
