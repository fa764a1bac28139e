import { APPID_REGEX } from '@weixin3rd/config';
import { isWeChatCryptoError, type KeyIndex, type WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { isWeChatXmlError, parseXml, type XmlNode } from '@weixin3rd/wechat-xml';
import { IngressError } from './errors.js';
import { LookupUnavailableError, type ComponentLookup } from './lookups.js';
import { pushQueryField, type PushQuery } from './routes/push-query.js';
import { plausibleWeChatTime } from './time-window.js';

export type { PushQuery };

/** A push that proved it comes from WeChat, decrypted. */
export interface VerifiedPush {
  crypto: WeChatCrypto;
  keyIndex: KeyIndex;
  /** Decrypted XML, byte-exact. */
  xml: string;
  fields: XmlNode;
  nonce: string;
}

/**
 * The component's crypto. A store that cannot say within the deadline is a 503 (WeChat delivers
 * again), never a wait: without the key nothing can be verified, so nothing is acknowledged.
 */
export async function componentCrypto(lookup: ComponentLookup, componentAppId: string): Promise<WeChatCrypto> {
  let crypto: WeChatCrypto | null = null;
  try {
    crypto = APPID_REGEX.test(componentAppId) ? await lookup.crypto(componentAppId) : null;
  } catch (error) {
    if (error instanceof LookupUnavailableError) throw new IngressError('STORE_UNAVAILABLE', error.message);
    throw error;
  }
  if (!crypto) throw new IngressError('COMPONENT_UNKNOWN', `no component ${componentAppId}`);
  return crypto;
}

/**
 * Authenticates and decrypts a push (wechat-protocol.md §1.7): the signature over the exact
 * `Encrypt` text first, so nothing unauthenticated reaches the cipher or the inner parser.
 */
export async function verifyPush(
  lookup: ComponentLookup,
  componentAppId: string,
  query: PushQuery,
  body: unknown,
  maxSkewSeconds: number,
): Promise<VerifiedPush> {
  const crypto = await componentCrypto(lookup, componentAppId);
  const { msg_signature: msgSignature, timestamp, nonce } = query;
  if (!msgSignature || !timestamp || !nonce) throw new IngressError('SIGNATURE_MISSING', 'msg_signature, timestamp and nonce are required');
  if (!pushQueryField.timestamp(timestamp)) throw new IngressError('QUERY_INVALID', 'timestamp must be unix seconds');
  if (maxSkewSeconds > 0 && Math.abs(Date.now() / 1000 - Number(timestamp)) > maxSkewSeconds) {
    throw new IngressError('TIMESTAMP_STALE', `timestamp is more than ${maxSkewSeconds} s off`);
  }
  if (!plausibleWeChatTime(timestamp)) throw new IngressError('QUERY_INVALID', 'timestamp is outside the window WeChat could have sent');
  let encrypt: string;
  try {
    const outer = parseXml(typeof body === 'string' ? body : '');
    const value = outer.Encrypt;
    if (typeof value !== 'string' || value === '') throw new IngressError('BODY_INVALID', 'body has no <Encrypt>');
    encrypt = value;
  } catch (error) {
    if (isWeChatXmlError(error)) throw new IngressError('BODY_INVALID', error.message);
    throw error;
  }
  // Malformed (not 40 hex, given twice): it cannot match, and is refused as any wrong signature.
  if (!pushQueryField.signature(msgSignature) || !pushQueryField.nonce(nonce))
    throw new IngressError('SIGNATURE_INVALID', 'msg_signature does not match');
  try {
    const decrypted = crypto.decryptPush({ msgSignature, timestamp, nonce, encrypt });
    const fields = parseXml(decrypted.message);
    // A newest-wins value (the ticket) must not be pinned by a CreateTime in the future.
    if (fields.CreateTime !== undefined && !(typeof fields.CreateTime === 'string' && plausibleWeChatTime(fields.CreateTime)))
      throw new IngressError('BODY_INVALID', 'CreateTime is outside the window WeChat could have sent');
    return { crypto, keyIndex: decrypted.keyIndex, xml: decrypted.message, fields, nonce };
  } catch (error) {
    if (isWeChatCryptoError(error, 'WX_CRYPTO_BAD_SIGNATURE')) throw new IngressError('SIGNATURE_INVALID', 'msg_signature does not match');
    if (isWeChatCryptoError(error, 'WX_CRYPTO_RECEIVE_ID_MISMATCH'))
      throw new IngressError('RECEIVE_ID_MISMATCH', 'the push was encrypted for another component');
    if (isWeChatCryptoError(error)) throw new IngressError('DECRYPT_FAILED', `cannot decrypt (${error.wxCode})`);
    if (isWeChatXmlError(error)) throw new IngressError('BODY_INVALID', `decrypted message: ${error.message}`);
    throw error;
  }
}
