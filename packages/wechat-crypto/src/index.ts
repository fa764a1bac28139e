export {
  WX_CRYPTO_ERROR_CODES,
  WeChatCryptoError,
  isWeChatCryptoError,
  type WeChatCryptoErrorCode,
  type WeChatCryptoWxCode,
} from './errors.js';
export { msgSignature, plainSignature, verifyMsgSignature, verifySignature } from './signature.js';
export { AES_KEY_BYTES, parseEncodingAesKey, resolveAesKey } from './aes-key.js';
export { PKCS7_BLOCK_BYTES, pkcs7Pad, pkcs7Unpad } from './pkcs7.js';
export {
  RANDOM_BYTES,
  decryptMessage,
  encryptMessage,
  type DecryptMessageOptions,
  type DecryptedMessage,
  type EncryptMessageOptions,
} from './envelope.js';
export {
  WeChatCrypto,
  type DecryptedPush,
  type EchostrRequest,
  type EncryptPushOptions,
  type EncryptReplyOptions,
  type EncryptedPush,
  type EncryptedPushParts,
  type KeyIndex,
  type WeChatCryptoOptions,
} from './crypto-box.js';
