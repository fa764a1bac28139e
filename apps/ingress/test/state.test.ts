import { describe, expect, it } from 'vitest';
import { StateSigner } from '../src/authorize/state.js';

describe('StateSigner across a DATA_KEY rotation', () => {
  const before = new StateSigner(Buffer.alloc(32, 31));
  it('verifies a state signed with DATA_KEY_PREVIOUS, and refuses it once the old key is dropped', () => {
    const { value, state } = before.sign('wx00000000000000c1', 'shop-1');
    expect(new StateSigner(Buffer.alloc(32, 32), undefined, [Buffer.alloc(32, 31)]).verify(value)).toEqual(state);
    expect(new StateSigner(Buffer.alloc(32, 32)).verify(value)).toBe('tampered');
  });
  it('treats a repeated or missing state as malformed', () => {
    expect(before.verify(['a.b', 'c.d'])).toBe('malformed');
    expect(before.verify(undefined)).toBe('malformed');
  });
});
