import { describe, it, expect } from 'vitest';
import { pkcs7Pad, pkcs7Unpad } from './pkcs7.js';

describe('pkcs7 with 32-byte blocks', () => {
  it.each([
    [0, 32],
    [1, 31],
    [31, 1],
    [32, 32],
    [33, 31],
    [63, 1],
  ])('a %i-byte input gets %i pad bytes and round-trips', (size, pad) => {
    const data = Buffer.alloc(size, 0x61);
    const padded = pkcs7Pad(data);
    expect(padded.length).toBe(size + pad);
    expect(padded.length % 32).toBe(0);
    expect(padded.subarray(size).every((b) => b === pad)).toBe(true);
    expect(pkcs7Unpad(padded)).toEqual(data);
  });

  it.each([
    ['pad byte 0', Buffer.concat([Buffer.alloc(31, 0x61), Buffer.from([0])])],
    ['pad byte 33', Buffer.concat([Buffer.alloc(31, 0x61), Buffer.from([33])])],
    ['unequal pad bytes', Buffer.concat([Buffer.alloc(29, 0x61), Buffer.from([3, 2, 3])])],
    ['pad longer than data', Buffer.from([5, 5, 5])],
    ['empty', Buffer.alloc(0)],
  ])('rejects %s with -40007', (_label, data) => {
    expect(() => pkcs7Unpad(data)).toThrow(expect.objectContaining({ wxCode: -40007 }));
  });
});
