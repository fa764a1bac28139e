import { buildXml, type XmlBuildFields } from './build.js';

/**
 * The replies an account can send passively (the same union as the `messages.<service>` reply in
 * packages/queues, written out here because wechat-* packages know nothing of queues).
 */
export type PassiveReplyBody =
  | { type: 'text'; content: string }
  | { type: 'image' | 'voice'; mediaId: string }
  | { type: 'video'; mediaId: string; title?: string; description?: string }
  | { type: 'music'; title?: string; description?: string; musicUrl?: string; hqMusicUrl?: string; thumbMediaId: string }
  | { type: 'news'; articles: { title: string; description: string; picUrl: string; url: string }[] }
  | { type: 'transfer_customer_service' };

const optional = (fields: Record<string, string | undefined>): XmlBuildFields =>
  Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));

function body(reply: PassiveReplyBody): XmlBuildFields {
  switch (reply.type) {
    case 'text':
      return { MsgType: 'text', Content: reply.content };
    case 'image':
      return { MsgType: 'image', Image: { MediaId: reply.mediaId } };
    case 'voice':
      return { MsgType: 'voice', Voice: { MediaId: reply.mediaId } };
    case 'video':
      return { MsgType: 'video', Video: { MediaId: reply.mediaId, ...optional({ Title: reply.title, Description: reply.description }) } };
    case 'music':
      return {
        MsgType: 'music',
        Music: {
          ...optional({ Title: reply.title, Description: reply.description, MusicUrl: reply.musicUrl, HQMusicUrl: reply.hqMusicUrl }),
          ThumbMediaId: reply.thumbMediaId,
        },
      };
    case 'news':
      return {
        MsgType: 'news',
        ArticleCount: reply.articles.length,
        Articles: { item: reply.articles.map((a) => ({ Title: a.title, Description: a.description, PicUrl: a.picUrl, Url: a.url })) },
      };
    case 'transfer_customer_service':
      return { MsgType: 'transfer_customer_service' };
  }
}

/**
 * The plaintext passive reply to a message: To and From swapped relative to it (the user's
 * openid becomes ToUserName, the account's gh_ id FromUserName). The ingress encrypts it.
 */
export function passiveReply(to: { toUser: string; fromUser: string; createTime: number }, reply: PassiveReplyBody): string {
  return buildXml({ ToUserName: to.toUser, FromUserName: to.fromUser, CreateTime: to.createTime, ...body(reply) });
}
