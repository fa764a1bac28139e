import type { XmlNode } from './parse.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WHITESPACE = /^\s*$/;

const isSpace = (code: number): boolean => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i += 1;
  return i;
}

/**
 * The shape of nearly every push: `<root>` holding flat `<Name>text</Name>` or
 * `<Name><![CDATA[text]]></Name>` children, each name once. Read by hand in one pass, it costs a
 * fraction of a validate-then-parse. Returns `null` for anything else (nesting, repeats,
 * attributes, declarations, comments, entities, odd names...): the caller then takes the full,
 * validating path, so this one never has to judge a document it does not fully understand.
 * Values equal the full parser's: text trimmed, CDATA verbatim.
 */
export function parseFlat(text: string, root: string): XmlNode | null {
  const open = `<${root}>`;
  const close = `</${root}>`;
  let i = skipSpace(text, 0);
  if (!text.startsWith(open, i)) return null;
  i += open.length;
  const fields: XmlNode = {};
  for (;;) {
    i = skipSpace(text, i);
    if (text.startsWith(close, i)) break;
    if (text.charCodeAt(i) !== 0x3c /* < */) return null;
    const nameEnd = text.indexOf('>', i + 1);
    if (nameEnd === -1) return null;
    const name = text.slice(i + 1, nameEnd);
    // Names of Object.prototype members would shadow them; the full parser refuses those.
    if (!NAME.test(name) || name in fields || name in Object.prototype || name === 'prototype') return null;
    i = nameEnd + 1;
    const end = `</${name}>`;
    let value: string;
    const lead = skipSpace(text, i);
    if (text.startsWith('<![CDATA[', lead)) {
      const cdataEnd = text.indexOf(']]>', lead + 9);
      if (cdataEnd === -1) return null;
      value = text.slice(lead + 9, cdataEnd);
      i = skipSpace(text, cdataEnd + 3);
      if (!text.startsWith(end, i)) return null;
    } else {
      const endAt = text.indexOf('<', i);
      if (endAt === -1 || !text.startsWith(end, endAt)) return null;
      value = text.slice(i, endAt);
      // Entities, markup characters and the like are the full parser's business.
      if (/[&>]/.test(value)) return null;
      value = value.trim();
      i = endAt;
    }
    fields[name] = value;
    i += end.length;
  }
  i += close.length;
  return WHITESPACE.test(text.slice(i)) ? fields : null;
}
