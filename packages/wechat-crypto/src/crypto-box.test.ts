import { describe, it, expect } from 'vitest';
import { WeChatCrypto } from './crypto-box.js';
import { decryptMessage, encryptMessage } from './envelope.js';
import { msgSignature } from './signature.js';

const token = 'componentToken';
const currentKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const previousKey = 'A'.repeat(43);
const unrelatedKey = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';
const receiveId = 'wx134c8103faa5a59e';
const timestamp = '1715943329';
const nonce = '1590219412';
const xml = '<xml><AppId><![CDATA[wx134c8103faa5a59e]]></AppId><InfoType><![CDATA[component_verify_ticket]]></InfoType></xml>';

const err = (wxCode: number) => expect.objectContaining({ name: 'WeChatCryptoError', wxCode });

// A fixed random prefix keeps wrong-key outcomes deterministic (a random one
// would yield valid-looking padding about once in 256 runs).
const random = 'aaaabbbbccccdddd';

/** A push as WeChat would send it, encrypted with `key`. */
function pushWith(key: string, message = xml, id = receiveId) {
  const encrypt = encryptMessage(message, { aesKey: key, receiveId: id, random });
  return { msgSignature: msgSignature(token, timestamp, nonce, encrypt), timestamp, nonce, encrypt };
}

describe('WeChatCrypto', () => {
  const box = new WeChatCrypto({ token, encodingAesKey: currentKey, previousEncodingAesKey: previousKey, receiveId });

  it('encryptPush output is accepted by decryptPush', () => {
    const sender = new WeChatCrypto({ token, encodingAesKey: currentKey, receiveId });
    const parts = sender.encryptPush(xml, { timestamp: Number(timestamp), nonce });
    const out = box.decryptPush({ msgSignature: parts.msgSignature, timestamp, nonce, encrypt: parts.encrypt });
    expect(out.message).toBe(xml);
    expect(out.keyIndex).toBe(0);
    expect(sender.verifyEchostr({ signature: parts.signature, timestamp, nonce, echostr: 'e' })).toBe('e');
  });

  describe('key rotation', () => {
    it('falls back to the previous key and reports keyIndex 1', () => {
      const out = box.decryptPush(pushWith(previousKey));
      expect(out.message).toBe(xml);
      expect(out.keyIndex).toBe(1);
    });

    it('replies with the key that decrypted the request', () => {
      const { keyIndex } = box.decryptPush(pushWith(previousKey));
      const reply = box.encryptReply('<xml>r</xml>', { timestamp, nonce, keyIndex, random });
      const encrypt = /<Encrypt><!\[CDATA\[(.*)\]\]><\/Encrypt>/.exec(reply)?.[1] ?? '';
      expect(decryptMessage(encrypt, { aesKey: previousKey, receiveId }).message).toBe('<xml>r</xml>');
      expect(() => decryptMessage(encrypt, { aesKey: currentKey, receiveId })).toThrow(err(-40007));
    });

    it('defaults replies to the current key', () => {
      const reply = box.encryptReply('<xml>r</xml>', { timestamp, nonce });
      const encrypt = /<Encrypt><!\[CDATA\[(.*)\]\]><\/Encrypt>/.exec(reply)?.[1] ?? '';
      expect(decryptMessage(encrypt, { aesKey: currentKey, receiveId }).message).toBe('<xml>r</xml>');
    });

    it('without a previous key, a push under another key fails with -40007', () => {
      const single = new WeChatCrypto({ token, encodingAesKey: currentKey, receiveId });
      expect(() => single.decryptPush(pushWith(previousKey))).toThrow(err(-40007));
    });

    it('a key matching neither reports the current key’s error', () => {
      expect(() => box.decryptPush(pushWith(unrelatedKey))).toThrow(err(-40007));
    });

    it('keyIndex 1 without a previous key → -40004', () => {
      const single = new WeChatCrypto({ token, encodingAesKey: currentKey, receiveId });
      expect(() => single.encryptReply('<xml/>', { timestamp, nonce, keyIndex: 1 })).toThrow(err(-40004));
    });
  });

  describe('decryptPush', () => {
    it('rejects a signature computed over a different Encrypt with -40001', () => {
      const a = pushWith(currentKey);
      const b = pushWith(currentKey, '<xml>other</xml>');
      expect(() => box.decryptPush({ ...b, msgSignature: a.msgSignature })).toThrow(err(-40001));
    });

    it('rejects a signature for another timestamp or nonce with -40001', () => {
      const push = pushWith(currentKey);
      expect(() => box.decryptPush({ ...push, timestamp: '1715943330' })).toThrow(err(-40001));
      expect(() => box.decryptPush({ ...push, nonce: '1' })).toThrow(err(-40001));
    });

    it('checks the signature before touching the ciphertext', () => {
      expect(() => box.decryptPush({ msgSignature: 'x', timestamp, nonce, encrypt: '!!' })).toThrow(err(-40001));
    });

    it('rejects missing fields with -40001 instead of crashing', () => {
      const push = pushWith(currentKey);
      expect(() => box.decryptPush({ ...push, msgSignature: undefined as unknown as string })).toThrow(err(-40001));
      expect(() => box.decryptPush({ ...push, encrypt: undefined as unknown as string })).toThrow(err(-40001));
    });

    it('a correctly signed but non-base64 Encrypt → -40010', () => {
      const encrypt = 'not base64!';
      const msg = msgSignature(token, timestamp, nonce, encrypt);
      expect(() => box.decryptPush({ msgSignature: msg, timestamp, nonce, encrypt })).toThrow(err(-40010));
    });

    it('wrong receiveId → -40005', () => {
      expect(() => box.decryptPush(pushWith(currentKey, xml, 'wx0000000000000000'))).toThrow(err(-40005));
    });
  });

  describe('encryptReply', () => {
    it('signs the reply over its own timestamp, nonce and Encrypt', () => {
      const reply = box.encryptReply('<xml>r</xml>', { timestamp: 1713424427, nonce: 'abc123' });
      const match =
        /^<xml>\n<Encrypt><!\[CDATA\[(.+)\]\]><\/Encrypt>\n<MsgSignature><!\[CDATA\[([0-9a-f]{40})\]\]><\/MsgSignature>\n<TimeStamp>1713424427<\/TimeStamp>\n<Nonce><!\[CDATA\[abc123\]\]><\/Nonce>\n<\/xml>$/.exec(
          reply,
        );
      expect(match).not.toBeNull();
      const [, encrypt = '', signature = ''] = match ?? [];
      expect(signature).toBe(msgSignature(token, '1713424427', 'abc123', encrypt));
    });

    it.each([
      ['non-numeric timestamp', { timestamp: '12a', nonce }],
      ['negative timestamp', { timestamp: -1, nonce }],
      ['empty nonce', { timestamp, nonce: '' }],
      ['nonce closing the CDATA', { timestamp, nonce: 'a]]>b' }],
      ['nonce with markup whitespace', { timestamp, nonce: 'a b' }],
    ])('rejects %s with -40011', (_label, options) => {
      expect(() => box.encryptReply('<xml/>', options)).toThrow(err(-40011));
    });
  });

  describe('verifyEchostr', () => {
    it('rejects a bad signature with -40001', () => {
      expect(() => box.verifyEchostr({ signature: '0'.repeat(40), timestamp, nonce, echostr: '4375120948345356249' })).toThrow(err(-40001));
    });
  });

  describe('constructor', () => {
    it('rejects malformed keys with -40004', () => {
      expect(() => new WeChatCrypto({ token, encodingAesKey: 'A'.repeat(42), receiveId })).toThrow(err(-40004));
      expect(() => new WeChatCrypto({ token, encodingAesKey: currentKey, previousEncodingAesKey: 'A'.repeat(44), receiveId })).toThrow(
        err(-40004),
      );
    });

    it('requires a token and a receiveId', () => {
      expect(() => new WeChatCrypto({ token: '', encodingAesKey: currentKey, receiveId })).toThrow(TypeError);
      expect(() => new WeChatCrypto({ token, encodingAesKey: currentKey, receiveId: '' })).toThrow(TypeError);
    });
  });
});
