import { createCipheriv, randomBytes } from 'node:crypto';
import { msgSignature, parseEncodingAesKey } from '@weixin3rd/wechat-crypto';

/** A component's secrets, enough to build pushes by hand. */
export interface Keys {
  appId: string;
  token: string;
  encodingAesKey: string;
}

export const nowSeconds = (): string => String(Math.floor(Date.now() / 1000));

/**
 * WeChat's envelope built byte by byte (random 16, length, message, receiveid, PKCS#7 to 32), so
 * each part can be broken on purpose: `mutate` edits the plaintext before padding, `pad` replaces
 * the padding.
 */
export function sealRaw(
  keys: Keys,
  message: string,
  options: { receiveId?: string; lengthField?: number; pad?: (unpadded: Buffer) => Buffer; raw?: Buffer } = {},
): string {
  const key = parseEncodingAesKey(keys.encodingAesKey);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(options.lengthField ?? body.length);
  const unpadded = options.raw ?? Buffer.concat([randomBytes(16), length, body, Buffer.from(options.receiveId ?? keys.appId, 'utf8')]);
  const padded = options.pad
    ? options.pad(unpadded)
    : Buffer.concat([unpadded, Buffer.alloc(32 - (unpadded.length % 32), 32 - (unpadded.length % 32))]);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

/** A query signed over `encrypt` with `keys.token` (override any part to break it). */
export function signedQuery(keys: Keys, encrypt: string, override: Record<string, string> = {}): string {
  const timestamp = override.timestamp ?? nowSeconds();
  const nonce = override.nonce ?? '1358';
  const q = new URLSearchParams({
    signature: 'ignored',
    timestamp,
    nonce,
    encrypt_type: 'aes',
    msg_signature: msgSignature(keys.token, timestamp, nonce, encrypt),
  });
  for (const [k, v] of Object.entries(override)) q.set(k, v);
  return q.toString();
}

export const envelope = (encrypt: string, appId: string): string =>
  `<xml><AppId><![CDATA[${appId}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
