import { describe, expect, it } from 'vitest';
import { WeChatXmlError, parseXml } from './index.js';

const ticketPush = `<xml>
  <AppId>wx134c8103faa5a59e</AppId>
  <CreateTime>1413192605</CreateTime>
  <InfoType>component_verify_ticket</InfoType>
  <ComponentVerifyTicket>some_verify_ticket</ComponentVerifyTicket>
</xml>`;

const debugDemo =
  '<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]></Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WeChatXmlError);
    expect((error as WeChatXmlError).wxCode).toBe(-40002);
    return (error as WeChatXmlError).code;
  }
  throw new Error('expected a WeChatXmlError');
}

describe('parseXml', () => {
  it('parses a ticket push into strings', () => {
    expect(parseXml(ticketPush)).toEqual({
      AppId: 'wx134c8103faa5a59e',
      CreateTime: '1413192605',
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: 'some_verify_ticket',
    });
  });

  it('parses the debug_demo event of the protocol doc (V7 plaintext)', () => {
    const doc = parseXml(debugDemo);
    expect(doc.ToUserName).toBe('gh_97417a04a28d');
    expect(doc.Event).toBe('debug_demo');
    expect(doc.debug_str).toBe('hello world');
    expect(doc.CreateTime).toBe('1715943329');
  });

  it('parses an authorized event', () => {
    const doc = parseXml(
      '<xml><AppId>wx1</AppId><CreateTime>1413192760</CreateTime><InfoType>authorized</InfoType><AuthorizerAppid>wx2</AuthorizerAppid><AuthorizationCode>queryauthcode@@@abc</AuthorizationCode><AuthorizationCodeExpiredTime>1608190715</AuthorizationCodeExpiredTime><PreAuthCode>preauthcode@@@x</PreAuthCode></xml>',
    );
    expect(doc.AuthorizationCode).toBe('queryauthcode@@@abc');
    expect(doc.PreAuthCode).toBe('preauthcode@@@x');
  });

  it('keeps leading zeros and 20-digit MsgIds exact', () => {
    const doc = parseXml('<xml><A>0123</A><MsgId>23456789012345678901</MsgId><B>1e5</B><C>true</C></xml>');
    expect(doc).toEqual({ A: '0123', MsgId: '23456789012345678901', B: '1e5', C: 'true' });
  });

  it('returns nested and repeated elements', () => {
    const doc = parseXml(
      '<xml><MsgType><![CDATA[event]]></MsgType><SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum>a</PicMd5Sum></item><item><PicMd5Sum>b</PicMd5Sum></item></PicList></SendPicsInfo></xml>',
    );
    expect(doc.SendPicsInfo).toEqual({ Count: '2', PicList: { item: [{ PicMd5Sum: 'a' }, { PicMd5Sum: 'b' }] } });
  });

  it('keeps Chinese text and newlines in CDATA', () => {
    const doc = parseXml('<xml><Content><![CDATA[你好，\n世界]]></Content></xml>');
    expect(doc.Content).toBe('你好，\n世界');
  });

  it('accepts a Buffer, a declaration and an empty root', () => {
    expect(parseXml(Buffer.from('<?xml version="1.0" encoding="UTF-8"?><xml><A>1</A></xml>'))).toEqual({ A: '1' });
    expect(parseXml('<xml></xml>')).toEqual({});
  });

  it('rejects empty and whitespace bodies', () => {
    expect(codeOf(() => parseXml(''))).toBe('XML_EMPTY');
    expect(codeOf(() => parseXml(' \n\t'))).toBe('XML_EMPTY');
  });

  it('rejects XXE', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>';
    expect(codeOf(() => parseXml(xxe))).toBe('XML_DOCTYPE_FORBIDDEN');
  });

  it('rejects billion laughs', () => {
    const lol =
      '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><A>&lol3;</A></xml>';
    expect(codeOf(() => parseXml(lol))).toBe('XML_DOCTYPE_FORBIDDEN');
    expect(codeOf(() => parseXml('<!doctype xml><xml/>'))).toBe('XML_DOCTYPE_FORBIDDEN');
  });

  it('leaves entity references unexpanded', () => {
    expect(parseXml('<xml><A>a &amp; b</A></xml>').A).toBe('a &amp; b');
  });

  it('enforces the depth limit', () => {
    const nest = (n: number): string => (n === 0 ? 'x' : `<e>${nest(n - 1)}</e>`);
    expect(() => parseXml(`<xml>${nest(7)}</xml>`)).not.toThrow();
    expect(codeOf(() => parseXml(`<xml>${nest(8)}</xml>`))).toBe('XML_TOO_DEEP');
    expect(codeOf(() => parseXml(`<xml>${nest(5000)}</xml>`, { maxBytes: 1 << 20 }))).toBe('XML_TOO_DEEP');
  });

  it('does not count tags inside CDATA towards depth', () => {
    expect(parseXml('<xml><A><![CDATA[<a><b><c><d><e><f><g><h><i>]]></A></xml>').A).toBe('<a><b><c><d><e><f><g><h><i>');
  });

  it('rejects a 10 MiB body before looking at it', () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x61);
    expect(codeOf(() => parseXml(huge))).toBe('XML_TOO_LARGE');
    expect(codeOf(() => parseXml('<xml><A>12345</A></xml>', { maxBytes: 10 }))).toBe('XML_TOO_LARGE');
  });

  it('rejects non-XML', () => {
    expect(codeOf(() => parseXml('{"a":1}'))).toBe('XML_INVALID');
    expect(codeOf(() => parseXml('hello'))).toBe('XML_INVALID');
    expect(codeOf(() => parseXml('success'))).toBe('XML_INVALID');
  });

  it('rejects malformed XML', () => {
    expect(codeOf(() => parseXml('<xml><A>1</xml>'))).toBe('XML_INVALID');
    expect(codeOf(() => parseXml('<xml><A>1</A>'))).toBe('XML_INVALID');
    expect(codeOf(() => parseXml('<xml><A>1</A></xml><xml></xml>'))).toBe('XML_INVALID');
    expect(codeOf(() => parseXml('<xml><A><![CDATA[x</A></xml>'))).toBe('XML_INVALID');
  });

  it('rejects processing instructions other than the declaration', () => {
    expect(codeOf(() => parseXml('<?xml-stylesheet href="x"?><xml/>'))).toBe('XML_INVALID');
    expect(codeOf(() => parseXml('<xml><?php echo 1 ?></xml>'))).toBe('XML_INVALID');
  });

  it('checks the root element', () => {
    expect(codeOf(() => parseXml('<root><A>1</A></root>'))).toBe('XML_ROOT_MISMATCH');
    expect(parseXml('<root><A>1</A></root>', { root: 'root' })).toEqual({ A: '1' });
  });
});
