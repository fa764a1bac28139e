/** Safe XML for WeChat pushes and replies: validate first, strings only, no entities, CDATA-safe building. */
export { WX_PARSE_XML_ERROR, WX_XML_ERROR_CODES, WeChatXmlError, isWeChatXmlError, type WeChatXmlErrorCode } from './errors.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, parseXml, type ParseLimits, type XmlNode, type XmlValue } from './parse.js';
export { optionalString, requireString } from './fields.js';
export { buildXml, cdata, type XmlBuildFields, type XmlBuildValue } from './build.js';
export { encryptedEnvelope, pushEnvelope, textReply } from './envelopes.js';
export { passiveReply, type PassiveReplyBody } from './replies.js';
