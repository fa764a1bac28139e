import { describe, it, expect } from 'vitest';
import { msgSignature, plainSignature, verifyMsgSignature, verifySignature } from './signature.js';

describe('signatures', () => {
  it('is independent of argument order (inputs are sorted)', () => {
    expect(msgSignature('b', 'a', 'd', 'c')).toBe(msgSignature('a', 'b', 'c', 'd'));
    expect(plainSignature('AAAAA', '1714036504', '1514711492')).toBe(plainSignature('1514711492', 'AAAAA', '1714036504'));
  });

  it('is lowercase hex sha1 of the plain concatenation', () => {
    // sha1('abc')
    expect(plainSignature('a', 'b', 'c')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('verifyMsgSignature accepts the right value and rejects a different Encrypt', () => {
    const sig = msgSignature('tok', '1', '2', 'ENCRYPTED');
    expect(verifyMsgSignature('tok', '1', '2', 'ENCRYPTED', sig)).toBe(true);
    expect(verifyMsgSignature('tok', '1', '2', 'ENCRYPTEE', sig)).toBe(false);
    expect(verifyMsgSignature('tok', '1', '3', 'ENCRYPTED', sig)).toBe(false);
  });

  it('never throws on attacker-shaped input', () => {
    const sig = plainSignature('tok', '1', '2');
    expect(verifySignature('tok', '1', '2', sig)).toBe(true);
    expect(verifySignature('tok', '1', '2', sig.toUpperCase())).toBe(false);
    expect(verifySignature('tok', '1', '2', sig.slice(0, 39))).toBe(false);
    expect(verifySignature('tok', '1', '2', `${sig}0`)).toBe(false);
    expect(verifySignature('tok', '1', '2', '')).toBe(false);
    expect(verifySignature('tok', '1', '2', 'é'.repeat(20))).toBe(false);
    expect(verifySignature('tok', '1', '2', undefined as unknown as string)).toBe(false);
    expect(verifySignature('tok', undefined as unknown as string, '2', sig)).toBe(false);
    expect(verifyMsgSignature('tok', '1', '2', null as unknown as string, sig)).toBe(false);
    expect(verifyMsgSignature('tok', '1', '2', 'x', ['a'] as unknown as string)).toBe(false);
  });

  it('computing over a non-string throws -40003', () => {
    expect(() => plainSignature('tok', 1 as unknown as string, '2')).toThrow(expect.objectContaining({ wxCode: -40003 }));
  });
});
