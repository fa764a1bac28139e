import { describe, expect, it } from 'vitest';
import { parseFlat } from './flat.js';
import { parseFull } from './parse.js';

/** Whatever the fast path accepts, the validating parser must read the same way. */
function agree(xml: string): 'flat' | 'full' {
  const flat = parseFlat(xml, 'xml');
  if (flat === null) return 'full';
  expect(flat).toEqual(parseFull(xml));
  return 'flat';
}

const NAMES = ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Content', 'MsgId', 'Event', 'A', '_x'];
const PIECES = ['', ' ', '\n', 'abc', ' a b ', '你好', '<', '>', '&amp;', '&', ']]', ']]>', '<![CDATA[', '<b>', '</xml>', '"\'', '\t'];

/** A small deterministic generator (no flaky seeds): mutations of a real push. */
function* documents(): Generator<string> {
  let state = 7;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  for (let n = 0; n < 3000; n++) {
    const parts: string[] = [];
    const fields = 1 + rand(5);
    for (let f = 0; f < fields; f++) {
      const name = NAMES[rand(NAMES.length)] ?? 'A';
      const text = Array.from({ length: rand(4) }, () => PIECES[rand(PIECES.length)]).join('');
      const body = rand(2) === 0 ? `<![CDATA[${text}]]>` : text;
      const pad = [' ', '', '\n  '][rand(3)] ?? '';
      parts.push(`${pad}<${name}>${rand(6) === 0 ? pad : ''}${body}${rand(6) === 0 ? pad : ''}</${name}>`);
    }
    yield `${rand(5) === 0 ? '\n' : ''}<xml>${parts.join('')}${rand(3) === 0 ? '\n' : ''}</xml>${rand(5) === 0 ? ' \n' : ''}`;
  }
}

describe('parseFlat', () => {
  it('reads a message push exactly as the validating parser does', () => {
    const push =
      '<xml><ToUserName><![CDATA[gh_be7c0000be7c]]></ToUserName>\n<FromUserName><![CDATA[oUser]]></FromUserName>\n<CreateTime>1715943329</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[ 你好\n ]]></Content><MsgId>23456789012345678901</MsgId></xml>';
    expect(agree(push)).toBe('flat');
    expect(parseFlat(push, 'xml')).toMatchObject({ Content: ' 你好\n ', MsgId: '23456789012345678901', CreateTime: '1715943329' });
  });

  it('hands every shape it does not fully understand to the validating parser', () => {
    for (const xml of [
      '<?xml version="1.0"?><xml><A>1</A></xml>',
      '<xml><A>1</A><A>2</A></xml>',
      '<xml><A><B>1</B></A></xml>',
      '<xml><A/></xml>',
      '<xml><A x="1">1</A></xml>',
      '<xml><A>a&amp;b</A></xml>',
      '<xml><!-- c --><A>1</A></xml>',
      '<xml><constructor>1</constructor></xml>',
      '<xml><__proto__>1</__proto__></xml>',
      '<xml><A>x<![CDATA[y]]>z</A></xml>',
      '<xml><A>1</B></xml>',
      '<xml><A>1</A>',
      '<xml><A>1</A></xml><xml></xml>',
      '<other><A>1</A></other>',
      '<xml><A><![CDATA[unterminated</A></xml>',
    ]) {
      expect(parseFlat(xml, 'xml'), xml).toBeNull();
    }
  });

  it('agrees with the validating parser on 3 000 generated documents', () => {
    const paths = { flat: 0, full: 0 };
    for (const xml of documents()) {
      let path: 'flat' | 'full';
      try {
        path = agree(xml);
      } catch (error) {
        // The fast path accepted a document the validating parser refuses: a real disagreement.
        if (parseFlat(xml, 'xml') !== null) throw new Error(`fast path accepted ${JSON.stringify(xml)}: ${String(error)}`);
        path = 'full';
      }
      paths[path] += 1;
    }
    // Both paths are exercised, or the comparison proves nothing.
    expect(paths.flat).toBeGreaterThan(300);
    expect(paths.full).toBeGreaterThan(300);
  });
});
