import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { WeChatXmlError } from './errors.js';
import { parseFlat } from './flat.js';

/** A parsed element: text, a nested element, or a list when the element repeats. */
export type XmlValue = string | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

export interface ParseLimits {
  /** Largest accepted input in bytes (default 64 KiB). */
  maxBytes?: number;
  /** Deepest element nesting, the root counting as 1 (default 8). */
  maxDepth?: number;
  /** Required root element name (default `xml`). */
  root?: string;
}

export const DEFAULT_MAX_BYTES = 64 * 1024;
export const DEFAULT_MAX_DEPTH = 8;

const parser = new XMLParser({
  // AppIds, MsgIds and CreateTime must stay the exact strings WeChat sent.
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
});

// A DTD is the door to XXE and entity expansion; WeChat never sends one.
const FORBIDDEN = /<!DOCTYPE|<!ENTITY/i;
// Only the optional leading declaration may be a processing instruction.
const PROCESSING_INSTRUCTION = /<\?(?!xml[\s?])/i;
const DECLARATION_ELSEWHERE = /(?<!^\s*)<\?xml[\s?]/i;

/**
 * Parses a WeChat XML document safely: the size check first; a flat document (the shape of nearly
 * every push, which can hold no DTD, entity or nesting) is read in one pass; anything else gets
 * the DTD and depth checks, validation (fast-xml-parser's parser alone accepts garbage), then a
 * parse in which every value stays a string. Returns the children of the root element.
 */
export function parseXml(input: string | Buffer, limits: ParseLimits = {}): XmlNode {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > maxBytes) throw new WeChatXmlError('XML_TOO_LARGE', `XML body of ${size} bytes exceeds ${maxBytes}`);
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const rootName = limits.root ?? 'xml';
  // Depth 2 is all the flat shape has; a caller that allows less gets the full checks.
  const flat = (limits.maxDepth ?? DEFAULT_MAX_DEPTH) >= 2 ? parseFlat(text, rootName) : null;
  if (flat) return flat;
  return parseFull(text, limits);
}

/** Validate, then parse: every document that is not of the flat shape comes here. */
export function parseFull(text: string, limits: ParseLimits = {}): XmlNode {
  if (text.trim() === '') throw new WeChatXmlError('XML_EMPTY', 'XML body is empty');
  if (FORBIDDEN.test(text)) throw new WeChatXmlError('XML_DOCTYPE_FORBIDDEN', 'DOCTYPE and ENTITY declarations are not accepted');
  if (PROCESSING_INSTRUCTION.test(text) || DECLARATION_ELSEWHERE.test(text)) {
    throw new WeChatXmlError('XML_INVALID', 'processing instructions are not accepted');
  }
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const depth = nestingDepth(text);
  if (depth > maxDepth) throw new WeChatXmlError('XML_TOO_DEEP', `XML nests ${depth} levels, more than ${maxDepth}`);

  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new WeChatXmlError('XML_INVALID', `malformed XML: ${valid.err.msg} (line ${valid.err.line})`);

  const doc = parser.parse(text) as Record<string, unknown>;
  const rootName = limits.root ?? 'xml';
  const names = Object.keys(doc);
  if (names.length !== 1 || names[0] !== rootName) {
    throw new WeChatXmlError('XML_ROOT_MISMATCH', `expected root element <${rootName}>, got <${names.join('>, <')}>`);
  }
  const root = doc[rootName];
  // `<xml></xml>` parses to an empty string: a root with no children.
  return typeof root === 'object' && root !== null && !Array.isArray(root) ? (root as XmlNode) : {};
}

/** Maximum element depth, skipping CDATA sections and comments, which may contain `<`. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('<', i);
    if (open === -1) break;
    if (text.startsWith('<![CDATA[', open)) {
      const end = text.indexOf(']]>', open + 9);
      i = end === -1 ? text.length : end + 3;
      continue;
    }
    if (text.startsWith('<!--', open)) {
      const end = text.indexOf('-->', open + 4);
      i = end === -1 ? text.length : end + 3;
      continue;
    }
    const close = text.indexOf('>', open + 1);
    if (close === -1) break;
    const next = text[open + 1];
    if (next === '/') depth -= 1;
    else if (next !== '?' && next !== '!' && text[close - 1] !== '/') {
      depth += 1;
      if (depth > max) max = depth;
    }
    i = close + 1;
  }
  return max;
}
