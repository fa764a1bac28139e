import { describe, expect, it } from 'vitest';
import { WeChatXmlError, buildXml, encryptedEnvelope, optionalString, parseXml, pushEnvelope, requireString, textReply } from './index.js';

describe('buildXml', () => {
  it('wraps text in CDATA and leaves numbers bare', () => {
    expect(buildXml({ ToUserName: 'o1', CreateTime: 1700000000 })).toBe(
      '<xml><ToUserName><![CDATA[o1]]></ToUserName><CreateTime>1700000000</CreateTime></xml>',
    );
  });

  it('splits ]]> so it round-trips', () => {
    const content = 'a]]>b]]]]>c <![CDATA[ & < >';
    const xml = buildXml({ Content: content });
    expect(xml).toContain(']]]]><![CDATA[>');
    expect(parseXml(xml).Content).toBe(content);
  });

  it('round-trips Chinese, nested and repeated elements', () => {
    const xml = buildXml({ Content: '你好 🌏', Articles: { item: [{ Title: '一' }, { Title: '二' }] }, ArticleCount: 2 });
    expect(parseXml(xml)).toEqual({ Content: '你好 🌏', Articles: { item: [{ Title: '一' }, { Title: '二' }] }, ArticleCount: '2' });
  });

  it('rejects invalid element names and non-finite numbers', () => {
    expect(() => buildXml({ 'a b': 'x' })).toThrow(WeChatXmlError);
    expect(() => buildXml({ '<x>': 'x' })).toThrow(WeChatXmlError);
    expect(() => buildXml({ '1a': 'x' })).toThrow(WeChatXmlError);
    expect(() => buildXml({ A: Number.NaN })).toThrow(WeChatXmlError);
  });
});

describe('envelopes', () => {
  it('builds a passive text reply', () => {
    expect(textReply({ toUser: 'o1', fromUser: 'gh_1', createTime: 1700000000, content: 'TESTCOMPONENT_MSG_TYPE_TEXT_callback' })).toBe(
      '<xml><ToUserName><![CDATA[o1]]></ToUserName><FromUserName><![CDATA[gh_1]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[TESTCOMPONENT_MSG_TYPE_TEXT_callback]]></Content></xml>',
    );
  });

  it('builds the §1.5 encrypted reply template byte for byte', () => {
    const xml = encryptedEnvelope({
      encrypt: 'hE8R6m==',
      msgSignature: '03e0812039325c2712ef5f0f980fd14c70d6e307',
      timestamp: 1713424427,
      nonce: '415670741',
    });
    expect(xml).toBe(
      '<xml>\n<Encrypt><![CDATA[hE8R6m==]]></Encrypt>\n<MsgSignature><![CDATA[03e0812039325c2712ef5f0f980fd14c70d6e307]]></MsgSignature>\n<TimeStamp>1713424427</TimeStamp>\n<Nonce><![CDATA[415670741]]></Nonce>\n</xml>',
    );
    expect(parseXml(xml)).toEqual({
      Encrypt: 'hE8R6m==',
      MsgSignature: '03e0812039325c2712ef5f0f980fd14c70d6e307',
      TimeStamp: '1713424427',
      Nonce: '415670741',
    });
  });

  it('builds both push envelopes of §1.4', () => {
    expect(pushEnvelope({ appId: 'wx1', encrypt: 'E' })).toBe('<xml><AppId><![CDATA[wx1]]></AppId><Encrypt><![CDATA[E]]></Encrypt></xml>');
    expect(pushEnvelope({ toUserName: 'gh_1', encrypt: 'E' })).toBe(
      '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[E]]></Encrypt></xml>',
    );
  });
});

describe('field helpers', () => {
  const doc = parseXml('<xml><A>1</A><Empty></Empty><N><B>2</B></N></xml>');

  it('requireString', () => {
    expect(requireString(doc, 'A')).toBe('1');
    expect(() => requireString(doc, 'Missing')).toThrow(/<Missing> is missing/);
    expect(() => requireString(doc, 'Empty')).toThrow(expect.objectContaining({ code: 'XML_FIELD_MISSING' }));
    expect(() => requireString(doc, 'N')).toThrow(expect.objectContaining({ code: 'XML_FIELD_INVALID' }));
  });

  it('optionalString', () => {
    expect(optionalString(doc, 'A')).toBe('1');
    expect(optionalString(doc, 'Missing')).toBeUndefined();
    expect(optionalString(doc, 'Empty')).toBeUndefined();
    expect(() => optionalString(doc, 'N')).toThrow(WeChatXmlError);
  });
});
