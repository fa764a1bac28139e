import type { OutboundReply } from '@weixin3rd/queues';
import { MINI_PROGRAM_CUSTOM_TYPES, OFFICIAL_CUSTOM_TYPES, type CustomMessage } from '@weixin3rd/wechat-api';

export type AccountKind = 'official' | 'mini';

/** A reply that cannot go through custom/send, and why (recorded as `skipped`). */
export interface NotSendable {
  skip: string;
}

/**
 * The custom/send body for a reply, or why there is none. A late `transfer_customer_service` has
 * no API form: handing a conversation to human agents is a passive-only instruction, so it is
 * recorded as skipped and the user gets nothing from us. Customer-service news carries one
 * article; a mini program takes a news reply as a link card and cannot receive voice, video or
 * music.
 */
export function customMessageOf(reply: OutboundReply, kind: AccountKind): CustomMessage | NotSendable {
  const message = build(reply, kind);
  if ('skip' in message) return message;
  const allowed = kind === 'mini' ? MINI_PROGRAM_CUSTOM_TYPES : OFFICIAL_CUSTOM_TYPES;
  if (!allowed.has(message.msgtype))
    return { skip: `a ${kind === 'mini' ? 'mini program' : 'official account'} cannot send ${message.msgtype} through custom/send` };
  return message;
}

function build(reply: OutboundReply, kind: AccountKind): CustomMessage | NotSendable {
  switch (reply.type) {
    case 'text':
      return { msgtype: 'text', text: { content: reply.content } };
    case 'image':
      return { msgtype: 'image', image: { media_id: reply.mediaId } };
    case 'voice':
      return { msgtype: 'voice', voice: { media_id: reply.mediaId } };
    case 'video':
      return {
        msgtype: 'video',
        video: {
          media_id: reply.mediaId,
          ...(reply.title !== undefined ? { title: reply.title } : {}),
          ...(reply.description !== undefined ? { description: reply.description } : {}),
        },
      };
    case 'music':
      return {
        msgtype: 'music',
        music: {
          thumb_media_id: reply.thumbMediaId,
          ...(reply.title !== undefined ? { title: reply.title } : {}),
          ...(reply.description !== undefined ? { description: reply.description } : {}),
          ...(reply.musicUrl !== undefined ? { musicurl: reply.musicUrl } : {}),
          ...(reply.hqMusicUrl !== undefined ? { hqmusicurl: reply.hqMusicUrl } : {}),
        },
      };
    case 'news': {
      const [first] = reply.articles;
      if (!first) return { skip: 'news without articles' };
      if (kind === 'mini')
        return { msgtype: 'link', link: { title: first.title, description: first.description, url: first.url, thumb_url: first.picUrl } };
      return {
        msgtype: 'news',
        news: { articles: [{ title: first.title, description: first.description, url: first.url, picurl: first.picUrl }] },
      };
    }
    case 'link':
      return { msgtype: 'link', link: { title: reply.title, description: reply.description, url: reply.url, thumb_url: reply.thumbUrl } };
    case 'miniprogrampage':
      return {
        msgtype: 'miniprogrampage',
        miniprogrampage: {
          title: reply.title,
          pagepath: reply.pagepath,
          thumb_media_id: reply.thumbMediaId,
          ...(reply.appid !== undefined ? { appid: reply.appid } : {}),
        },
      };
    case 'transfer_customer_service':
      return { skip: 'transfer_customer_service is a passive reply only; a late one cannot hand the conversation to human agents' };
  }
}
