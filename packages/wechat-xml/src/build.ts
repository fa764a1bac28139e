import { WeChatXmlError } from './errors.js';

/** What {@link buildXml} accepts: text (CDATA), numbers (bare), nested elements, repeated elements. */
export type XmlBuildValue = string | number | XmlBuildFields | XmlBuildValue[];
export interface XmlBuildFields {
  [name: string]: XmlBuildValue;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Wraps text in CDATA; a `]]>` inside is split across two sections so it cannot close early. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

function element(name: string, value: XmlBuildValue): string {
  if (!NAME.test(name)) {
    throw new WeChatXmlError('XML_FIELD_INVALID', `invalid XML element name ${JSON.stringify(name)}`);
  }
  if (Array.isArray(value)) return value.map((v) => element(name, v)).join('');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new WeChatXmlError('XML_FIELD_INVALID', `element <${name}> is not a finite number`);
    return `<${name}>${value}</${name}>`;
  }
  if (typeof value === 'string') return `<${name}>${cdata(value)}</${name}>`;
  return `<${name}>${children(value)}</${name}>`;
}

function children(fields: XmlBuildFields): string {
  return Object.entries(fields)
    .map(([name, value]) => element(name, value))
    .join('');
}

/** Builds `<xml>…</xml>` from fields, in their insertion order. */
export function buildXml(fields: XmlBuildFields): string {
  return `<xml>${children(fields)}</xml>`;
}
