import { createCipheriv, createDecipheriv, randomInt } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { resolveAesKey } from './aes-key.js';
import { WeChatCryptoError } from './errors.js';
import { pkcs7Pad, pkcs7Unpad, PKCS7_BLOCK_BYTES } from './pkcs7.js';

/** Length of the random prefix of the plaintext envelope. */
export const RANDOM_BYTES = 16;

/** Random prefix + big-endian uint32 message length. */
const HEADER_BYTES = RANDOM_BYTES + 4;

const RANDOM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;
// ignoreBOM keeps a leading U+FEFF: the message must come back byte-for-byte.
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Options for {@link encryptMessage}. */
export interface EncryptMessageOptions {
  /** EncodingAESKey (43 chars) or the expanded 32-byte key. */
  aesKey: string | Uint8Array;
  /** Trailer of the envelope: the component appid (or corp id for WeCom). */
  receiveId: string;
  /** Fixed 16-byte random prefix (string is taken as UTF-8); tests only. */
  random?: string | Uint8Array;
}

/** Options for {@link decryptMessage}. */
export interface DecryptMessageOptions {
  /** EncodingAESKey (43 chars) or the expanded 32-byte key. */
  aesKey: string | Uint8Array;
  /** When given, the envelope trailer must equal it exactly (-40005 otherwise). */
  receiveId?: string;
}

/** Result of {@link decryptMessage}. */
export interface DecryptedMessage {
  /** The message exactly as sent: no trimming, no normalisation. */
  message: string;
  /** The envelope trailer (component appid / corp id). */
  receiveId: string;
  /** The 16-byte random prefix. */
  random: Buffer;
}

/**
 * Alphanumeric rather than raw bytes because that is what Tencent's own
 * samples emit, so replies look exactly like every other SDK's to WeChat.
 */
function generateRandom(): Buffer {
  let out = '';
  for (let i = 0; i < RANDOM_BYTES; i += 1) out += RANDOM_ALPHABET.charAt(randomInt(RANDOM_ALPHABET.length));
  return Buffer.from(out, 'ascii');
}

function resolveRandom(random: string | Uint8Array | undefined): Buffer {
  if (random === undefined) return generateRandom();
  const bytes = typeof random === 'string' ? Buffer.from(random, 'utf8') : Buffer.from(random);
  if (bytes.length !== RANDOM_BYTES) {
    throw new WeChatCryptoError('WX_CRYPTO_ENCRYPT', `random prefix must be ${RANDOM_BYTES} bytes`);
  }
  return bytes;
}

/** The fixed IV is part of the protocol; it is what makes test vectors reproducible. */
function ivOf(key: Buffer): Buffer {
  return key.subarray(0, 16);
}

/**
 * Encrypts `plaintext` into the base64 `Encrypt` value:
 * AES-256-CBC(PKCS7_32(random ‖ uint32BE(byteLen(msg)) ‖ msg ‖ receiveId)).
 *
 * @throws WeChatCryptoError -40004 for a bad key, -40006 for a bad random prefix or cipher failure.
 */
export function encryptMessage(plaintext: string, options: EncryptMessageOptions): string {
  if (typeof plaintext !== 'string' || typeof options.receiveId !== 'string') {
    throw new WeChatCryptoError('WX_CRYPTO_ENCRYPT', 'plaintext and receiveId must be strings');
  }
  const key = resolveAesKey(options.aesKey);
  const random = resolveRandom(options.random);
  const body = Buffer.from(plaintext, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const full = Buffer.concat([random, length, body, Buffer.from(options.receiveId, 'utf8')]);
  try {
    const cipher = createCipheriv('aes-256-cbc', key, ivOf(key));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(pkcs7Pad(full)), cipher.final()]).toString('base64');
  } catch (cause) {
    throw new WeChatCryptoError('WX_CRYPTO_ENCRYPT', 'AES encryption failed', { cause });
  }
}

/**
 * Strict base64: canonical standard alphabet only, so that whitespace, URL-safe
 * characters or truncation (which Node's lenient decoder would quietly accept)
 * are reported instead of decrypted into nonsense.
 */
function decodeBase64Strict(encrypt: string): Buffer {
  if (typeof encrypt !== 'string' || encrypt.length % 4 !== 0 || !BASE64_PATTERN.test(encrypt)) {
    throw new WeChatCryptoError('WX_CRYPTO_BASE64_DECODE', 'Encrypt is not valid base64');
  }
  const bytes = Buffer.from(encrypt, 'base64');
  if (bytes.toString('base64') !== encrypt) {
    throw new WeChatCryptoError('WX_CRYPTO_BASE64_DECODE', 'Encrypt is not canonical base64');
  }
  return bytes;
}

function decodeUtf8(bytes: Buffer, what: string): string {
  try {
    return utf8Strict.decode(bytes);
  } catch (cause) {
    throw new WeChatCryptoError('WX_CRYPTO_ILLEGAL_BUFFER', `${what} is not valid UTF-8`, { cause });
  }
}

/**
 * Decrypts a base64 `Encrypt` value and splits the envelope. Does not check
 * any signature: callers handling untrusted input should verify
 * `msg_signature` first (see `WeChatCrypto.decryptPush`), which also denies a
 * padding oracle.
 *
 * @throws WeChatCryptoError -40004 bad key; -40010 not canonical base64;
 * -40007 ciphertext not a whole number of 32-byte blocks, cipher failure or bad
 * padding; -40008 envelope shorter than 20 bytes, overrunning length, or
 * invalid UTF-8; -40005 trailer differs from `options.receiveId`.
 */
export function decryptMessage(encrypt: string, options: DecryptMessageOptions): DecryptedMessage {
  const key = resolveAesKey(options.aesKey);
  const ciphertext = decodeBase64Strict(encrypt);
  // Padding to 32 means genuine ciphertext is always whole 32-byte blocks.
  if (ciphertext.length === 0 || ciphertext.length % PKCS7_BLOCK_BYTES !== 0) {
    throw new WeChatCryptoError('WX_CRYPTO_DECRYPT', 'ciphertext length is not a multiple of 32 bytes');
  }
  let padded: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, ivOf(key));
    decipher.setAutoPadding(false);
    padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (cause) {
    throw new WeChatCryptoError('WX_CRYPTO_DECRYPT', 'AES decryption failed', { cause });
  }
  const full = pkcs7Unpad(padded);
  if (full.length < HEADER_BYTES) {
    throw new WeChatCryptoError('WX_CRYPTO_ILLEGAL_BUFFER', 'decrypted envelope is shorter than 20 bytes');
  }
  const messageLength = full.readUInt32BE(RANDOM_BYTES);
  if (messageLength > full.length - HEADER_BYTES) {
    throw new WeChatCryptoError('WX_CRYPTO_ILLEGAL_BUFFER', 'message length overruns the envelope');
  }
  const messageEnd = HEADER_BYTES + messageLength;
  const message = decodeUtf8(full.subarray(HEADER_BYTES, messageEnd), 'message');
  const receiveId = decodeUtf8(full.subarray(messageEnd), 'receiveId');
  if (options.receiveId !== undefined && receiveId !== options.receiveId) {
    throw new WeChatCryptoError('WX_CRYPTO_RECEIVE_ID_MISMATCH', 'receiveId does not match');
  }
  return { message, receiveId, random: Buffer.from(full.subarray(0, RANDOM_BYTES)) };
}
