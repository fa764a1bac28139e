import { createCipheriv } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { decryptMessage, encryptMessage } from './envelope.js';

const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const otherKey = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';
const receiveId = 'wx134c8103faa5a59e'; // 18 bytes: FullStr = 38 + msg bytes
const random = 'aaaabbbbccccdddd';

const err = (wxCode: number) => expect.objectContaining({ name: 'WeChatCryptoError', wxCode });

/** AES-256-CBC with the protocol's fixed IV and no padding, to forge exact plaintexts. */
function rawEncrypt(plain: Buffer, key = Buffer.from(`${encodingAesKey}=`, 'base64')): string {
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function envelope(message: Buffer, id = receiveId, declaredLength = message.length): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(declaredLength);
  return Buffer.concat([Buffer.from(random), length, message, Buffer.from(id)]);
}

function pad(data: Buffer): Buffer {
  const n = 32 - (data.length % 32);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

function roundTrip(message: string): { cipherBytes: number; decrypted: string } {
  const encrypt = encryptMessage(message, { aesKey: encodingAesKey, receiveId, random });
  const out = decryptMessage(encrypt, { aesKey: encodingAesKey, receiveId });
  return { cipherBytes: Buffer.from(encrypt, 'base64').length, decrypted: out.message };
}

describe('encryptMessage / decryptMessage round trip', () => {
  it.each([
    ['pad 32 (FullStr 64)', 26, 96],
    ['pad 31 (FullStr 65)', 27, 96],
    ['pad 1 (FullStr 63)', 25, 64],
    ['empty message', 0, 64],
    ['31-byte message', 31, 96],
    ['32-byte message', 32, 96],
    ['33-byte message', 33, 96],
  ])('%s', (_label, size, cipherBytes) => {
    const message = 'm'.repeat(size);
    expect(roundTrip(message)).toEqual({ cipherBytes, decrypted: message });
  });

  it('pad 32 appends a whole block of 0x20', () => {
    const full = envelope(Buffer.alloc(26, 0x6d));
    expect(full.length).toBe(64);
    const encrypt = encryptMessage('m'.repeat(26), { aesKey: encodingAesKey, receiveId, random });
    expect(encrypt).toBe(rawEncrypt(Buffer.concat([full, Buffer.alloc(32, 32)])));
  });

  it('writes the UTF-8 byte length for Chinese text', () => {
    const message = '你好，世界 — 第三方平台';
    const encrypt = encryptMessage(message, { aesKey: encodingAesKey, receiveId, random });
    expect(encrypt).toBe(rawEncrypt(pad(envelope(Buffer.from(message, 'utf8')))));
    expect(decryptMessage(encrypt, { aesKey: encodingAesKey, receiveId }).message).toBe(message);
  });

  it('never trims or normalises the message', () => {
    for (const message of ['  <xml>\r\n</xml>\n\n', '\uFEFFbom', 'e\u0301 vs \u00e9', '\u0000nul', '😀 emoji']) {
      expect(roundTrip(message).decrypted).toBe(message);
    }
  });

  it('generates a fresh 16-byte random prefix by default', () => {
    const a = encryptMessage('x', { aesKey: encodingAesKey, receiveId });
    const b = encryptMessage('x', { aesKey: encodingAesKey, receiveId });
    expect(a).not.toBe(b);
    const out = decryptMessage(a, { aesKey: encodingAesKey, receiveId });
    expect(out.random).toHaveLength(16);
    expect(out.random.toString('ascii')).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('accepts a raw 32-byte key and a byte random', () => {
    const key = Buffer.from(`${encodingAesKey}=`, 'base64');
    const encrypt = encryptMessage('hi', { aesKey: key, receiveId, random: Buffer.from(random) });
    expect(encrypt).toBe(encryptMessage('hi', { aesKey: encodingAesKey, receiveId, random }));
    expect(decryptMessage(encrypt, { aesKey: key }).random).toEqual(Buffer.from(random));
  });

  it('rejects a random prefix that is not 16 bytes with -40006', () => {
    expect(() => encryptMessage('x', { aesKey: encodingAesKey, receiveId, random: 'short' })).toThrow(err(-40006));
    expect(() => encryptMessage('x', { aesKey: encodingAesKey, receiveId, random: '中'.repeat(16) })).toThrow(err(-40006));
  });

  it('rejects a malformed key with -40004', () => {
    expect(() => encryptMessage('x', { aesKey: 'short', receiveId })).toThrow(err(-40004));
    expect(() => decryptMessage('AAAA', { aesKey: Buffer.alloc(16) })).toThrow(err(-40004));
  });
});

describe('decryptMessage rejects bad input', () => {
  const good = encryptMessage('<xml>hello</xml>', { aesKey: encodingAesKey, receiveId, random });

  it('returns receiveId without checking when none is expected', () => {
    expect(decryptMessage(good, { aesKey: encodingAesKey }).receiveId).toBe(receiveId);
  });

  it('wrong receiveId → -40005', () => {
    expect(() => decryptMessage(good, { aesKey: encodingAesKey, receiveId: 'wxffffffffffffffff' })).toThrow(err(-40005));
    expect(() => decryptMessage(good, { aesKey: encodingAesKey, receiveId: '' })).toThrow(err(-40005));
  });

  it.each([
    ['empty', ''],
    ['truncated (length not a multiple of 4)', good.slice(0, -1)],
    ['missing padding', good.replace(/=+$/, '')],
    ['whitespace', `${good.slice(0, 8)}\n${good.slice(8)}`],
    ['url-safe alphabet', `${good.slice(0, 4)}-_${good.slice(6)}`],
    ['non-canonical trailing bits', 'AAB='],
    ['garbage', '!!!!'],
  ])('non-base64 (%s) → -40010', (_label, encrypt) => {
    expect(() => decryptMessage(encrypt, { aesKey: encodingAesKey })).toThrow(err(-40010));
  });

  it('non-string → -40010', () => {
    expect(() => decryptMessage(undefined as unknown as string, { aesKey: encodingAesKey })).toThrow(err(-40010));
  });

  it('truncated ciphertext (whole base64, partial block) → -40007', () => {
    const bytes = Buffer.from(good, 'base64');
    expect(() => decryptMessage(bytes.subarray(0, bytes.length - 3).toString('base64'), { aesKey: encodingAesKey })).toThrow(err(-40007));
    expect(() => decryptMessage(bytes.subarray(0, 48).toString('base64'), { aesKey: encodingAesKey })).toThrow(err(-40007));
  });

  it('wrong key → -40007 (bad padding)', () => {
    expect(() => decryptMessage(good, { aesKey: otherKey, receiveId })).toThrow(err(-40007));
  });

  it('tampered last block → -40007', () => {
    const bytes = Buffer.from(good, 'base64');
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0x01, bytes.length - 1);
    expect(() => decryptMessage(bytes.toString('base64'), { aesKey: encodingAesKey, receiveId })).toThrow(err(-40007));
  });

  it('tampered first block → -40008 (msg_len corrupted)', () => {
    const bytes = Buffer.from(good, 'base64');
    bytes.writeUInt8(bytes.readUInt8(0) ^ 0x80, 0);
    // CBC: this scrambles the random prefix and flips the top bit of msg_len.
    expect(() => decryptMessage(bytes.toString('base64'), { aesKey: encodingAesKey, receiveId })).toThrow(err(-40008));
  });

  it.each([
    ['pad byte 0', 0],
    ['pad byte 33', 33],
    ['pad byte 255', 255],
  ])('bad pad value (%s) → -40007', (_label, value) => {
    const body = envelope(Buffer.from('<xml/>'));
    const filler = 63 - body.length;
    const plain = Buffer.concat([body, Buffer.alloc(filler, 0x78), Buffer.from([value])]);
    expect(() => decryptMessage(rawEncrypt(plain), { aesKey: encodingAesKey })).toThrow(err(-40007));
  });

  it('unequal pad bytes → -40007', () => {
    const padded = pad(envelope(Buffer.from('<xml/>')));
    const n = padded.readUInt8(padded.length - 1);
    expect(n).toBeGreaterThan(1);
    padded.writeUInt8(n - 1, padded.length - 2);
    expect(() => decryptMessage(rawEncrypt(padded), { aesKey: encodingAesKey })).toThrow(err(-40007));
  });

  it('buffer shorter than 20 bytes → -40008', () => {
    const short = Buffer.concat([Buffer.alloc(19, 0x61), Buffer.alloc(13, 13)]);
    expect(() => decryptMessage(rawEncrypt(short), { aesKey: encodingAesKey })).toThrow(err(-40008));
    expect(() => decryptMessage(rawEncrypt(Buffer.alloc(32, 32)), { aesKey: encodingAesKey })).toThrow(err(-40008));
  });

  it('msg_len overrunning the buffer → -40008', () => {
    const message = Buffer.from('<xml/>');
    const overrun = pad(envelope(message, receiveId, message.length + receiveId.length + 1));
    expect(() => decryptMessage(rawEncrypt(overrun), { aesKey: encodingAesKey })).toThrow(err(-40008));
    const huge = pad(envelope(message, receiveId, 0xffffffff));
    expect(() => decryptMessage(rawEncrypt(huge), { aesKey: encodingAesKey })).toThrow(err(-40008));
  });

  it('msg_len consuming the whole tail leaves an empty receiveId', () => {
    const message = Buffer.from('<xml/>');
    const all = pad(envelope(message, receiveId, message.length + receiveId.length));
    const out = decryptMessage(rawEncrypt(all), { aesKey: encodingAesKey });
    expect(out.message).toBe(`<xml/>${receiveId}`);
    expect(out.receiveId).toBe('');
  });

  it('invalid UTF-8 in the message → -40008', () => {
    const bad = pad(envelope(Buffer.from([0x3c, 0xff, 0xfe, 0x3e])));
    expect(() => decryptMessage(rawEncrypt(bad), { aesKey: encodingAesKey })).toThrow(err(-40008));
  });
});
