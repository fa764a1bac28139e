import { parseXml } from '@weixin3rd/wechat-xml';
import { describe, expect, it } from 'vitest';
import { releaseAction } from '../src/release-responder.js';

const OA = 'wx570bc396a51b8ff8';
const msg = (body: string) =>
  parseXml(`<xml><ToUserName>gh_3c884a361561</ToUserName><FromUserName>oTest</FromUserName><CreateTime>1</CreateTime>${body}</xml>`);

describe('the 全网发布 responder', () => {
  it('answers the passive text case with To/From swapped', () => {
    const action = releaseAction(OA, msg('<MsgType>text</MsgType><Content>TESTCOMPONENT_MSG_TYPE_TEXT</Content>'), 7);
    expect(action).toEqual({
      kind: 'reply',
      xml: '<xml><ToUserName><![CDATA[oTest]]></ToUserName><FromUserName><![CDATA[gh_3c884a361561]]></FromUserName><CreateTime>7</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[TESTCOMPONENT_MSG_TYPE_TEXT_callback]]></Content></xml>',
    });
  });

  it('answers QUERY_AUTH_CODE through the API, and events with {Event}from_callback', () => {
    expect(releaseAction(OA, msg('<MsgType>text</MsgType><Content>QUERY_AUTH_CODE:queryauthcode@@@abc</Content>'))).toEqual({
      kind: 'api',
      authCode: 'queryauthcode@@@abc',
      touser: 'oTest',
      content: 'queryauthcode@@@abc_from_api',
    });
    const event = releaseAction(OA, msg('<MsgType>event</MsgType><Event>LOCATION</Event>'));
    expect(event.kind === 'reply' && parseXml(event.xml).Content).toBe('LOCATIONfrom_callback');
  });

  it('leaves every other account and message alone', () => {
    expect(releaseAction('wx1a2b3c4d5e6f7001', msg('<MsgType>text</MsgType><Content>TESTCOMPONENT_MSG_TYPE_TEXT</Content>'))).toEqual({
      kind: 'none',
    });
    expect(releaseAction(OA, msg('<MsgType>image</MsgType>'))).toEqual({ kind: 'none' });
    expect(releaseAction(OA, msg('<MsgType>text</MsgType><Content>hello</Content>'))).toEqual({ kind: 'none' });
  });
});
