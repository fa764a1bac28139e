import { describe, it, expect } from 'vitest';
import { WeChatCrypto } from './crypto-box.js';
import { decryptMessage, encryptMessage } from './envelope.js';
import { msgSignature, plainSignature, verifyMsgSignature, verifySignature } from './signature.js';

// Vectors V1–V8 from /work/shared/wechat-protocol.md §1.9, strings copied verbatim.

describe('V1 (WxJava / Tencent Java sample)', () => {
  const aesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const receiveId = 'wxb11529c136998cb6';
  const random = 'aaaabbbbccccdddd';
  const v1a = {
    plain: '我是中文abcd123',
    encrypt: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
  };
  const v1b = {
    plain:
      '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>',
    encrypt:
      'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb',
  };

  it('V1a encrypts Chinese text with a fixed random', () => {
    expect(encryptMessage(v1a.plain, { aesKey, receiveId, random })).toBe(v1a.encrypt);
  });

  it('V1a decrypts back', () => {
    const out = decryptMessage(v1a.encrypt, { aesKey, receiveId });
    expect(out.message).toBe(v1a.plain);
    expect(out.receiveId).toBe(receiveId);
    expect(out.random.toString('utf8')).toBe(random);
  });

  it('V1b encrypts the video XML with a fixed random', () => {
    expect(encryptMessage(v1b.plain, { aesKey, receiveId, random })).toBe(v1b.encrypt);
  });

  it('V1c decrypts V1b back', () => {
    const out = decryptMessage(v1b.encrypt, { aesKey, receiveId });
    expect(out.message).toBe(v1b.plain);
    expect(out.random.toString('utf8')).toBe(random);
  });
});

describe('V2 (easywechat EncryptorTest::test_decrypt)', () => {
  const token = 'pamtest';
  const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const receiveId = 'wxb11529c136998cb6';
  const push = {
    msgSignature: '4f3ad57b6989f09f4eb392acce4f9e93942ed890',
    nonce: '260774613',
    timestamp: '1458300676',
    encrypt:
      'rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA==',
  };
  const plain =
    '<xml><URL><![CDATA[http://wechat.laravel.so/server]]></URL><ToUserName><![CDATA[asdasdasd]]></ToUserName><FromUserName><![CDATA[asdasdasdsadasd]]></FromUserName><CreateTime>1234567898</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>12345</MsgId></xml>';

  it('signature matches', () => {
    expect(msgSignature(token, push.timestamp, push.nonce, push.encrypt)).toBe(push.msgSignature);
  });

  it('decrypts via WeChatCrypto.decryptPush', () => {
    const box = new WeChatCrypto({ token, encodingAesKey, receiveId });
    const out = box.decryptPush(push);
    expect(out.message).toBe(plain);
    expect(out.receiveId).toBe(receiveId);
    expect(out.keyIndex).toBe(0);
  });
});

describe('V3 (wechatpy test_crypto, WeCom flavour)', () => {
  const token = '123456';
  const encodingAesKey = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
  const receiveId = 'wx49f0ab532d5d035a';
  const box = new WeChatCrypto({ token, encodingAesKey, receiveId });

  it('check_signature over the encrypted echostr, which decrypts to the expected value', () => {
    const echo = {
      msgSignature: 'dd6b9c95b495b3f7e2901bfbc76c664930ffdb96',
      timestamp: '1411443780',
      nonce: '437374425',
      encrypt: '4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==',
    };
    expect(verifyMsgSignature(token, echo.timestamp, echo.nonce, echo.encrypt, echo.msgSignature)).toBe(true);
    expect(box.decryptPush(echo).message).toBe('5927782489442352469');
  });

  it('decrypt_message', () => {
    const out = box.decryptPush({
      msgSignature: '74d92dfeb87ba7c714f89d98870ae5eb62dff26d',
      timestamp: '1411525903',
      nonce: '461056294',
      encrypt:
        'RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=',
    });
    expect(out.message).toContain('<Content><![CDATA[test]]></Content>');
    expect(out.message).toContain('<FromUserName><![CDATA[messense]]></FromUserName>');
    expect(out.receiveId).toBe(receiveId);
  });

  it('encrypt_message produces the exact reply XML', () => {
    // Reply plaintext reconstructed from wechatpy tests/test_crypto.py (newline-separated).
    const reply = [
      '<xml>',
      '<MsgType><![CDATA[text]]></MsgType>',
      '<Content><![CDATA[test]]></Content>',
      '<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>',
      '<ToUserName><![CDATA[messense]]></ToUserName>',
      '<AgentID>1</AgentID>',
      '<CreateTime>1411525903</CreateTime>',
      '</xml>',
    ].join('\n');
    const expected = [
      '<xml>',
      '<Encrypt><![CDATA[9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3]]></Encrypt>',
      '<MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature>',
      '<TimeStamp>1411525903</TimeStamp>',
      '<Nonce><![CDATA[461056294]]></Nonce>',
      '</xml>',
    ].join('\n');
    expect(box.encryptReply(reply, { timestamp: 1411525903, nonce: '461056294', random: '1234567890123456' })).toBe(expected);
  });
});

describe('V4 (Tencent official Python Sample.py)', () => {
  const token = 'spamtest';
  const aesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const receiveId = 'wx2c2769f8efd9abc2';
  const timestamp = '1409735669';
  const nonce = '1320562132';
  const encrypt =
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=';
  const plain =
    '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>';

  it('msg_signature and plain signature', () => {
    expect(msgSignature(token, timestamp, nonce, encrypt)).toBe('5d197aaffba7e9b25a30732f161a50dee96bd5fa');
    expect(plainSignature(token, timestamp, nonce)).toBe('16120ec1b8dbb870f510d87ce6bc2463eae6ca1a');
  });

  it('decrypts byte-exact (newlines kept)', () => {
    const out = decryptMessage(encrypt, { aesKey, receiveId });
    expect(out.message).toBe(plain);
  });
});

describe('V5 (Tencent official C++ Sample.cpp)', () => {
  const token = 'spamtest';
  const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const receiveId = 'wx2c2769f8efd9abc2';

  it('verifies and decrypts', () => {
    const box = new WeChatCrypto({ token, encodingAesKey, receiveId });
    const out = box.decryptPush({
      msgSignature: '003fee52ecc56afb46c00b5c7721be87860ce785',
      timestamp: '1410349438',
      nonce: '298025754',
      encrypt:
        'mfBCs65c67CeJw22u4VT2TD73q5H06+ocrAIxswCaeZ/d/Lw0msSZFHY0teqgSYiI1zR2gD2DKrB3TIrmX/liNSDrGqS8jSI/WPeKB5VPr7Ezr7gomZAyGCwJSgT1TRFWPfONGJMxuj2nk4faTuspAuVIFQ6SHwZuJBZC7mcJp7Cgr9cUhATQWDbOPaE7ukZBTV2YqyzH+UI2AK+J1S47cE79k1RX8t0hcTz/O0hlK8DGXKnvYv88qKQcI7z4iaajqHfRVZKBNyOODabs+It+ZfM3dWTeFcPgDbGtIEnpt/EDtuuA/zMvtkaKdHdswPnVZQ+xdwbYr3ldGvfT8HlEYEgkgKaThxTFobVlwzu2ZkXCjicbP3xdr15Iq48ObgzPpqYuZ3IEoyggZDKClquk0u0orMck4GTF/XyE8yGzc4=',
    });
    expect(out.message).toBe(
      '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1410349438</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6057404712141979648</MsgId>\n</xml>',
    );
    expect(out.receiveId).toBe(receiveId);
  });
});

describe('V6 (Tencent official C# Sample.cs)', () => {
  const token = 'QDG6eK';
  const encodingAesKey = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
  const receiveId = 'wx5823bf96d3bd56c7';
  const box = new WeChatCrypto({ token, encodingAesKey, receiveId });

  it('verifies and decrypts the message', () => {
    const out = box.decryptPush({
      msgSignature: '477715d11cdb4164915debcba66cb864d751f3e6',
      timestamp: '1409659813',
      nonce: '1372623149',
      encrypt:
        'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
    });
    expect(out.message).toBe(
      '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>',
    );
  });

  it('WeCom VerifyURL: encrypted echostr signed with msg_signature', () => {
    const out = box.decryptPush({
      msgSignature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
      timestamp: '1409659589',
      nonce: '263014780',
      encrypt: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
    });
    expect(out.message).toBe('1616140317555161061');
    expect(out.receiveId).toBe(receiveId);
  });
});

describe('V7 (official third-party-platform doc, debug_demo)', () => {
  const token = 'AAAAA';
  const encodingAesKey = 'A'.repeat(43);
  const componentAppId = 'wx134c8103faa5a59e';
  const box = new WeChatCrypto({ token, encodingAesKey, receiveId: componentAppId });
  const pushUrl = new URL(
    'https://www.qq.com/wxba5fad812f8e6fb9/revice?signature=cc0c594499c1634947d5b502f158ee518947db27&timestamp=1715943329&nonce=1590219412&openid=o9AgO5Kd5ggOC-bXrbNODIiE3bGY&encrypt_type=aes&msg_signature=6c12a4205838198b8fa631b3220723bb07f1015c',
  );
  const query = Object.fromEntries(pushUrl.searchParams) as Record<string, string>;
  const encrypt =
    'D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==';
  const plain =
    '<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]></Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>';
  const push = {
    msgSignature: query['msg_signature'] ?? '',
    timestamp: query['timestamp'] ?? '',
    nonce: query['nonce'] ?? '',
    encrypt,
  };

  it('msg_signature over Encrypt', () => {
    expect(verifyMsgSignature(token, push.timestamp, push.nonce, encrypt, push.msgSignature)).toBe(true);
  });

  it('URL signature is the 3-field plain signature', () => {
    expect(plainSignature(token, push.timestamp, push.nonce)).toBe('cc0c594499c1634947d5b502f158ee518947db27');
    expect(verifySignature(token, push.timestamp, push.nonce, query['signature'] ?? '')).toBe(true);
  });

  it('sizes: 352-byte ciphertext, msg_len 292', () => {
    expect(Buffer.from(encrypt, 'base64').length).toBe(352);
    const out = decryptMessage(encrypt, { aesKey: encodingAesKey });
    expect(Buffer.byteLength(out.message, 'utf8')).toBe(292);
    // 16 random + 4 length + 292 message + 18 appid
    expect(16 + 4 + 292 + Buffer.byteLength(out.receiveId)).toBe(330);
  });

  it('decrypts with the component appid as receiveid (all-A key = 32 zero bytes)', () => {
    const out = box.decryptPush(push);
    expect(out.message).toBe(plain);
    expect(out.random.toString('utf8')).toBe('1205899eaf019bbd');
    expect(out.receiveId).toBe(componentAppId);
    expect(out.keyIndex).toBe(0);
  });

  it('reply vector: exact Encrypt and MsgSignature', () => {
    const reply = '<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>';
    expect(Buffer.byteLength(reply, 'utf8')).toBe(52);
    const replyEncrypt =
      'hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7';
    const replySignature = '03e0812039325c2712ef5f0f980fd14c70d6e307';
    expect(encryptMessage(reply, { aesKey: encodingAesKey, receiveId: componentAppId, random: '999951349e8ee746' })).toBe(replyEncrypt);
    expect(msgSignature(token, '1713424427', '415670741', replyEncrypt)).toBe(replySignature);
    const xml = box.encryptReply(reply, {
      timestamp: '1713424427',
      nonce: '415670741',
      keyIndex: box.decryptPush(push).keyIndex,
      random: '999951349e8ee746',
    });
    expect(xml).toBe(
      '<xml>\n' +
        `<Encrypt><![CDATA[${replyEncrypt}]]></Encrypt>\n` +
        `<MsgSignature><![CDATA[${replySignature}]]></MsgSignature>\n` +
        '<TimeStamp>1713424427</TimeStamp>\n' +
        '<Nonce><![CDATA[415670741]]></Nonce>\n' +
        '</xml>',
    );
  });

  it('encryptPush reproduces what WeChat sent', () => {
    const parts = box.encryptPush(plain, { timestamp: push.timestamp, nonce: push.nonce, random: '1205899eaf019bbd' });
    expect(parts).toEqual({
      encrypt,
      msgSignature: '6c12a4205838198b8fa631b3220723bb07f1015c',
      signature: 'cc0c594499c1634947d5b502f158ee518947db27',
    });
  });
});

describe('V8 (official message-push doc, plain GET verification)', () => {
  it('signature and echostr answer', () => {
    expect(plainSignature('AAAAA', '1714036504', '1514711492')).toBe('f464b24fc39322e44b38aa78f5edd27bd1441696');
    const box = new WeChatCrypto({ token: 'AAAAA', encodingAesKey: 'A'.repeat(43), receiveId: 'wx134c8103faa5a59e' });
    expect(
      box.verifyEchostr({
        signature: 'f464b24fc39322e44b38aa78f5edd27bd1441696',
        timestamp: '1714036504',
        nonce: '1514711492',
        echostr: '4375120948345356249',
      }),
    ).toBe('4375120948345356249');
  });
});
