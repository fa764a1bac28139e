import { RELEASE_TEST, RELEASE_TEST_APPIDS } from '@weixin3rd/wechat-api';
import { textReply, type XmlNode } from '@weixin3rd/wechat-xml';

/** What the built-in 全网发布 responder does with a message. */
export type ReleaseAction =
  | { kind: 'reply'; xml: string }
  /** Answer empty now, then send `content` through the customer-service API with the code's token. */
  | { kind: 'api'; authCode: string; touser: string; content: string }
  | { kind: 'none' };

const text = (f: XmlNode, name: string): string => (typeof f[name] === 'string' ? (f[name] as string) : '');

/** The release-test cases of wechat-protocol.md §6, for the test accounts only. */
export function releaseAction(authorizerAppId: string, f: XmlNode, now = Math.floor(Date.now() / 1000)): ReleaseAction {
  if (!RELEASE_TEST_APPIDS.has(authorizerAppId)) return { kind: 'none' };
  const reply = (content: string): ReleaseAction => ({
    kind: 'reply',
    xml: textReply({ toUser: text(f, 'FromUserName'), fromUser: text(f, 'ToUserName'), createTime: now, content }),
  });
  const msgType = text(f, 'MsgType');
  const content = text(f, 'Content');
  if (msgType === 'event') return reply(`${text(f, 'Event')}${RELEASE_TEST.eventReplySuffix}`);
  if (msgType !== 'text') return { kind: 'none' };
  if (content === RELEASE_TEST.text) return reply(RELEASE_TEST.textReply);
  if (content.startsWith(RELEASE_TEST.queryAuthCodePrefix)) {
    const authCode = content.slice(RELEASE_TEST.queryAuthCodePrefix.length);
    return { kind: 'api', authCode, touser: text(f, 'FromUserName'), content: `${authCode}${RELEASE_TEST.apiReplySuffix}` };
  }
  return { kind: 'none' };
}
