import type { AccountKind } from '../world/types.js';
import { WxError } from '../world/wx-error.js';

type Body = Record<string, unknown>;

/** Required string fields of each msgtype's object; optional ones are not checked. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  text: ['content'],
  image: ['media_id'],
  voice: ['media_id'],
  video: ['media_id'],
  music: ['thumb_media_id'],
  mpnews: ['media_id'],
  mpnewsarticle: ['article_id'],
  wxcard: ['card_id'],
  link: ['title', 'description', 'url', 'thumb_url'],
  miniprogrampage: ['title', 'pagepath', 'thumb_media_id'],
  news: [],
  msgmenu: [],
};

/**
 * The msgtypes custom/send accepts, per kind of account (WeChat's 客服消息 pages). Written out again, not
 * imported from wechat-api's OFFICIAL_/MINI_PROGRAM_CUSTOM_TYPES on purpose: the sandbox is the referee.
 */
export const CUSTOM_TYPES: Readonly<Record<AccountKind, ReadonlySet<string>>> = {
  official: new Set([
    'text',
    'image',
    'voice',
    'video',
    'music',
    'news',
    'mpnews',
    'mpnewsarticle',
    'msgmenu',
    'wxcard',
    'miniprogrampage',
  ]),
  mini: new Set(['text', 'image', 'link', 'miniprogrampage']),
};

const str = (o: Body, name: string): string | null => (typeof o[name] === 'string' && o[name] !== '' ? (o[name] as string) : null);

/**
 * Checks a custom/send body as WeChat does for this kind of account and returns its msgtype and a
 * readable summary (text content, media id or title): 40008 for a type the account cannot send,
 * 47001 for a missing field, 45008 for news with more than one article.
 */
export function checkCustomMessage(kind: AccountKind, body: Body): { msgtype: string; content: string } {
  const msgtype = typeof body.msgtype === 'string' ? body.msgtype : '';
  if (!CUSTOM_TYPES[kind].has(msgtype)) throw new WxError(40008);
  const inner = body[msgtype];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner))
    throw new WxError(47001, `data format error, ${msgtype} missing`);
  const o = inner as Body;
  for (const field of REQUIRED[msgtype] ?? []) {
    if (str(o, field) === null) throw new WxError(47001, `data format error, ${msgtype}.${field}`);
  }
  if (msgtype === 'news') {
    const articles = o.articles;
    if (!Array.isArray(articles) || articles.length === 0) throw new WxError(47001, 'data format error, news.articles');
    // Customer-service news carries one article since 2018.
    if (articles.length > 1) throw new WxError(45008);
    const a = articles[0] as Body;
    if (typeof a !== 'object' || a === null || str(a, 'title') === null) throw new WxError(47001, 'data format error, news.articles.title');
    return { msgtype, content: str(a, 'title') ?? '' };
  }
  if (msgtype === 'msgmenu') {
    if (!Array.isArray(o.list) || o.list.length === 0) throw new WxError(47001, 'data format error, msgmenu.list');
    return { msgtype, content: String(o.head_content ?? '') };
  }
  return {
    msgtype,
    content: str(o, 'content') ?? str(o, 'media_id') ?? str(o, 'title') ?? str(o, 'card_id') ?? str(o, 'article_id') ?? '',
  };
}
