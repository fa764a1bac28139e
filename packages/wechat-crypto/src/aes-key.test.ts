import { describe, it, expect } from 'vitest';
import { parseEncodingAesKey, resolveAesKey } from './aes-key.js';

const illegal = expect.objectContaining({ code: 'WX_CRYPTO_ILLEGAL_AES_KEY', wxCode: -40004 });

describe('parseEncodingAesKey', () => {
  it('expands 43 chars into 32 bytes', () => {
    expect(parseEncodingAesKey('A'.repeat(43))).toEqual(Buffer.alloc(32));
    expect(parseEncodingAesKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG')).toHaveLength(32);
  });

  it('is lenient about the surplus bits of the 43rd character', () => {
    // 43 chars carry 258 bits; 'B'..'D' differ from 'A' only in the 2 discarded ones.
    expect(parseEncodingAesKey(`${'A'.repeat(42)}B`)).toEqual(Buffer.alloc(32));
  });

  it.each([
    ['empty', ''],
    ['42 chars', 'A'.repeat(42)],
    ['44 chars', 'A'.repeat(44)],
    ['with =', `${'A'.repeat(42)}=`],
    ['with +', `${'A'.repeat(42)}+`],
    ['with /', `${'A'.repeat(42)}/`],
    ['with space', ` ${'A'.repeat(42)}`],
    ['non-ASCII', `${'A'.repeat(42)}é`],
  ])('rejects %s with -40004', (_label, key) => {
    expect(() => parseEncodingAesKey(key)).toThrow(illegal);
  });

  it('rejects non-strings with -40004', () => {
    expect(() => parseEncodingAesKey(undefined as unknown as string)).toThrow(illegal);
  });
});

describe('resolveAesKey', () => {
  it('accepts a 32-byte buffer and copies it', () => {
    const raw = Buffer.alloc(32, 7);
    const key = resolveAesKey(raw);
    raw.fill(0);
    expect(key).toEqual(Buffer.alloc(32, 7));
  });

  it.each([0, 16, 31, 33, 64])('rejects a %i-byte buffer with -40004', (size) => {
    expect(() => resolveAesKey(Buffer.alloc(size))).toThrow(illegal);
  });
});
