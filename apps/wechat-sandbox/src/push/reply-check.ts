import type { XmlNode, XmlValue } from '@weixin3rd/wechat-xml';
import type { AccountKind } from '../world/types.js';

const text = (v: XmlValue | undefined): string | null => (typeof v === 'string' && v !== '' ? v : null);
const child = (f: XmlNode, name: string): XmlNode | null => {
  const v = f[name];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
};

/** Per passive reply type, what its XML must carry (被动回复用户消息). */
const CHECKS: Readonly<Record<string, (f: XmlNode) => string | null>> = {
  text: (f) => (text(f.Content) ? null : 'text reply lacks <Content>'),
  image: (f) => (text(child(f, 'Image')?.MediaId) ? null : 'image reply lacks <Image><MediaId>'),
  voice: (f) => (text(child(f, 'Voice')?.MediaId) ? null : 'voice reply lacks <Voice><MediaId>'),
  video: (f) => (text(child(f, 'Video')?.MediaId) ? null : 'video reply lacks <Video><MediaId>'),
  music: (f) => (text(child(f, 'Music')?.ThumbMediaId) ? null : 'music reply lacks <Music><ThumbMediaId>'),
  news: (f) => {
    const count = Number(text(f.ArticleCount));
    const items = child(f, 'Articles')?.item;
    const n = Array.isArray(items) ? items.length : items ? 1 : 0;
    if (!Number.isInteger(count) || count < 1 || count > 8) return 'news reply needs <ArticleCount> 1-8';
    return n === count ? null : `news reply has ${n} <item>, <ArticleCount> says ${count}`;
  },
  transfer_customer_service: () => null,
};

/**
 * What WeChat would refuse in a decrypted passive reply to `message`: a type the account cannot
 * answer passively (a mini program only `transfer_customer_service`), a missing field, or
 * To/From not swapped. Null when the reply is good.
 */
export function passiveReplyProblem(
  kind: AccountKind,
  reply: XmlNode,
  message: { ToUserName: string; FromUserName: string },
): string | null {
  const type = text(reply.MsgType) ?? '';
  if (kind === 'mini' && type !== 'transfer_customer_service')
    return `a mini program takes only transfer_customer_service as a passive reply, got ${JSON.stringify(type)}`;
  const check = CHECKS[type];
  if (!check) return `unknown passive reply MsgType ${JSON.stringify(type)}`;
  if (reply.ToUserName !== message.FromUserName || reply.FromUserName !== message.ToUserName)
    return 'reply must swap ToUserName and FromUserName of the message';
  if (!text(reply.CreateTime)) return 'reply lacks <CreateTime>';
  return check(reply);
}
