import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyDigest } from './key-digest.js';

// The keys already in Redis (job ids, reply keys, pre-auth sessions, sequence markers) were made
// by hand with these formulas: the shared helper must make exactly the same ones.
const byHand = (text: string, hexChars: number) => createHash('sha256').update(text).digest('hex').slice(0, hexChars);

describe('keyDigest', () => {
  it('makes the keys the hand-written hashes made, one value or several joined with NUL', () => {
    expect(keyDigest('dedupe-key-1', 40)).toBe(byHand('dedupe-key-1', 40));
    expect(keyDigest(['wx00000000000a7401', 'preauthcode@@@x'], 40)).toBe(byHand('wx00000000000a7401\u0000preauthcode@@@x', 40));
    expect(keyDigest(['only'], 32)).toBe(keyDigest('only', 32));
  });

  it('tells apart parts that concatenate alike, and gives hex of the asked length', () => {
    expect(keyDigest(['a', 'bc'], 32)).not.toBe(keyDigest(['ab', 'c'], 32));
    expect(keyDigest('x', 16)).toMatch(/^[0-9a-f]{16}$/);
  });
});
