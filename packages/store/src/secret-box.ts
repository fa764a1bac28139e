import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { StoreError } from './errors.js';

/** Identifies a DATA_KEY without revealing it, so a wrong key is detected instead of used. */
export const keyIdOf = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

const b64 = (b: Buffer): string => b.toString('base64url');

/**
 * AES-256-GCM at rest: `v1.<keyId>.<iv>.<tag>.<ciphertext>`. The key id travels with the value
 * so a rotation can decrypt old values with the old key.
 */
export class SecretBox {
  readonly keyId: string;
  /** Ids of the keys accepted for reading only (DATA_KEY_PREVIOUS). */
  readonly previousKeyIds: readonly string[];

  constructor(
    private readonly key: Buffer,
    private readonly previousKeys: readonly Buffer[] = [],
  ) {
    if (key.length !== 32) throw new StoreError('DATA_KEY_MISMATCH', 'DATA_KEY must be 32 bytes');
    this.keyId = keyIdOf(key);
    if (previousKeys.some((k) => k.length !== 32)) throw new StoreError('DATA_KEY_MISMATCH', 'DATA_KEY_PREVIOUS keys must be 32 bytes');
    this.previousKeyIds = previousKeys.map(keyIdOf);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, b64(iv), b64(cipher.getAuthTag()), b64(ct)].join('.');
  }

  open(sealed: string): string {
    const [version, keyId, iv, tag, ct] = sealed.split('.');
    if (version !== 'v1' || !keyId || iv === undefined || tag === undefined || ct === undefined)
      throw new StoreError('SECRET_CORRUPT', 'sealed value is malformed');
    const key = [this.key, ...this.previousKeys].find((k) => keyIdOf(k) === keyId);
    if (!key)
      throw new StoreError('DATA_KEY_MISMATCH', `value was sealed with DATA_KEY ${keyId}, not with the configured key ${this.keyId}`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new StoreError('SECRET_CORRUPT', 'sealed value failed authentication');
    }
  }
}
