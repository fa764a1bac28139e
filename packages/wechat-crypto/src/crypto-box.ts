import { parseEncodingAesKey } from './aes-key.js';
import { decryptMessage, encryptMessage } from './envelope.js';
import { WeChatCryptoError } from './errors.js';
import { msgSignature, plainSignature, verifyMsgSignature, verifySignature } from './signature.js';

/** Which configured key decrypted a push: 0 = current, 1 = previous. */
export type KeyIndex = 0 | 1;

/** Configuration of {@link WeChatCrypto}. */
export interface WeChatCryptoOptions {
  /** The Token configured on the platform. */
  token: string;
  /** The current 43-character EncodingAESKey. */
  encodingAesKey: string;
  /** The key in use before the last rotation, still accepted for inbound pushes. */
  previousEncodingAesKey?: string;
  /** Expected envelope trailer: the component appid for a third-party platform. */
  receiveId: string;
}

/** An encrypted push as received: query `msg_signature`/`timestamp`/`nonce` and the body's `Encrypt`. */
export interface EncryptedPush {
  msgSignature: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
}

/** Result of {@link WeChatCrypto.decryptPush}. */
export interface DecryptedPush {
  /** Decrypted XML, byte-exact. */
  message: string;
  /** Envelope trailer (equals the configured receiveId). */
  receiveId: string;
  /** 16-byte random prefix of the envelope. */
  random: Buffer;
  /** Which key decrypted it; pass it to {@link WeChatCrypto.encryptReply}. */
  keyIndex: KeyIndex;
}

/** Options for {@link WeChatCrypto.encryptReply}. */
export interface EncryptReplyOptions {
  /** Unix seconds for the reply's `TimeStamp`. */
  timestamp: string | number;
  /** The reply's `Nonce` (echoing the request's nonce is fine). */
  nonce: string;
  /** Key that decrypted the request; defaults to 0 (current). */
  keyIndex?: KeyIndex;
  /** Fixed 16-byte random prefix; tests only. */
  random?: string | Uint8Array;
}

/** Options for {@link WeChatCrypto.encryptPush}. */
export interface EncryptPushOptions {
  timestamp: string | number;
  nonce: string;
  /** Fixed 16-byte random prefix; tests only. */
  random?: string | Uint8Array;
}

/** What WeChat's side attaches to an encrypted push. */
export interface EncryptedPushParts {
  /** Base64 body for `<Encrypt>`. */
  encrypt: string;
  /** Query `msg_signature` (4-field, over `encrypt`). */
  msgSignature: string;
  /** Query `signature` (3-field). */
  signature: string;
}

/** A GET URL-verification request in plain mode. */
export interface EchostrRequest {
  signature: string;
  timestamp: string;
  nonce: string;
  echostr: string;
}

const TIMESTAMP_PATTERN = /^[0-9]{1,20}$/;
// Printable ASCII keeps the CDATA section well-formed; real nonces are digits.
const NONCE_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * Safe-mode message crypto for one third-party platform: verifies and decrypts
 * inbound pushes (with key rotation), builds encrypted passive replies, and
 * can play WeChat's side for a sandbox.
 */
export class WeChatCrypto {
  readonly #token: string;
  readonly #keys: readonly Buffer[];
  readonly #receiveId: string;

  /** @throws WeChatCryptoError -40004 if a configured EncodingAESKey is malformed. */
  constructor(options: WeChatCryptoOptions) {
    if (typeof options.token !== 'string' || options.token === '') {
      throw new TypeError('WeChatCrypto: token must be a non-empty string');
    }
    if (typeof options.receiveId !== 'string' || options.receiveId === '') {
      throw new TypeError('WeChatCrypto: receiveId must be a non-empty string');
    }
    this.#token = options.token;
    this.#receiveId = options.receiveId;
    const keys = [parseEncodingAesKey(options.encodingAesKey)];
    if (options.previousEncodingAesKey !== undefined) keys.push(parseEncodingAesKey(options.previousEncodingAesKey));
    this.#keys = keys;
  }

  /**
   * Authenticates then decrypts an encrypted push. The signature is checked
   * before any decryption so unauthenticated input never reaches the cipher
   * (no padding oracle). The current key is tried first, then the previous one.
   *
   * @throws WeChatCryptoError -40001 on a bad `msg_signature`; otherwise the
   * error the current key produced (-40010, -40007, -40008, -40005).
   */
  decryptPush(push: EncryptedPush): DecryptedPush {
    if (!verifyMsgSignature(this.#token, push.timestamp, push.nonce, push.encrypt, push.msgSignature)) {
      throw new WeChatCryptoError('WX_CRYPTO_BAD_SIGNATURE', 'msg_signature mismatch');
    }
    let firstError: unknown;
    for (const [index, aesKey] of this.#keys.entries()) {
      try {
        const result = decryptMessage(push.encrypt, { aesKey, receiveId: this.#receiveId });
        return { ...result, keyIndex: index === 0 ? 0 : 1 };
      } catch (error) {
        // Malformed base64 fails identically under every key; do not retry.
        if (error instanceof WeChatCryptoError && error.code === 'WX_CRYPTO_BASE64_DECODE') throw error;
        if (index === 0) firstError = error;
      }
    }
    throw firstError;
  }

  /**
   * Builds the encrypted passive reply XML (Encrypt, MsgSignature over the
   * reply's own timestamp/nonce/encrypt, TimeStamp, Nonce), newline-separated
   * like the official samples.
   *
   * @throws WeChatCryptoError -40011 for a timestamp that is not digits or an
   * unsafe nonce; -40004 if `keyIndex` 1 is asked for without a previous key.
   */
  encryptReply(replyXml: string, options: EncryptReplyOptions): string {
    const timestamp = String(options.timestamp);
    const { nonce } = options;
    if (!TIMESTAMP_PATTERN.test(timestamp)) {
      throw new WeChatCryptoError('WX_CRYPTO_GENERATE_XML', 'reply timestamp must be decimal digits');
    }
    if (typeof nonce !== 'string' || !NONCE_PATTERN.test(nonce) || nonce.includes(']]>')) {
      throw new WeChatCryptoError('WX_CRYPTO_GENERATE_XML', 'reply nonce must be printable ASCII without "]]>"');
    }
    const encrypt = encryptMessage(replyXml, {
      aesKey: this.#keyAt(options.keyIndex ?? 0),
      receiveId: this.#receiveId,
      random: options.random,
    });
    const signature = msgSignature(this.#token, timestamp, nonce, encrypt);
    return (
      '<xml>\n' +
      `<Encrypt><![CDATA[${encrypt}]]></Encrypt>\n` +
      `<MsgSignature><![CDATA[${signature}]]></MsgSignature>\n` +
      `<TimeStamp>${timestamp}</TimeStamp>\n` +
      `<Nonce><![CDATA[${nonce}]]></Nonce>\n` +
      '</xml>'
    );
  }

  /**
   * Plain-mode URL verification: checks the 3-field `signature` and returns
   * `echostr` verbatim for the response body.
   *
   * @throws WeChatCryptoError -40001 if the signature does not match.
   */
  verifyEchostr(request: EchostrRequest): string {
    if (!verifySignature(this.#token, request.timestamp, request.nonce, request.signature)) {
      throw new WeChatCryptoError('WX_CRYPTO_BAD_SIGNATURE', 'signature mismatch');
    }
    return request.echostr;
  }

  /**
   * WeChat's side of a push, with the current key: the `Encrypt` body plus
   * both query signatures. Used by the sandbox and tests.
   */
  encryptPush(xml: string, options: EncryptPushOptions): EncryptedPushParts {
    const timestamp = String(options.timestamp);
    const encrypt = encryptMessage(xml, {
      aesKey: this.#keyAt(0),
      receiveId: this.#receiveId,
      random: options.random,
    });
    return {
      encrypt,
      msgSignature: msgSignature(this.#token, timestamp, options.nonce, encrypt),
      signature: plainSignature(this.#token, timestamp, options.nonce),
    };
  }

  #keyAt(index: KeyIndex): Buffer {
    const key = this.#keys[index];
    if (key === undefined) {
      throw new WeChatCryptoError('WX_CRYPTO_ILLEGAL_AES_KEY', `no AES key configured at index ${index}`);
    }
    return key;
  }
}
