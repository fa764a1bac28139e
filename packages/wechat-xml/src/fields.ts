import { WeChatXmlError } from './errors.js';
import type { XmlNode } from './parse.js';

/** A text field that must be present and non-empty. */
export function requireString(doc: XmlNode, name: string): string {
  const value = doc[name];
  if (value === undefined || value === '') throw new WeChatXmlError('XML_FIELD_MISSING', `XML field <${name}> is missing`);
  if (typeof value !== 'string') throw new WeChatXmlError('XML_FIELD_INVALID', `XML field <${name}> must be text`);
  return value;
}

/** A text field that may be absent; empty counts as absent. */
export function optionalString(doc: XmlNode, name: string): string | undefined {
  const value = doc[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new WeChatXmlError('XML_FIELD_INVALID', `XML field <${name}> must be text`);
  return value;
}
