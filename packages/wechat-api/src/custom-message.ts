/**
 * The bodies `/cgi-bin/message/custom/send` takes (客服消息), one per `msgtype`, as WeChat names
 * their fields. Official accounts take every type but `link`; mini programs take only `text`,
 * `image`, `link` and `miniprogrampage`.
 */
export type CustomMessage =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'voice'; voice: { media_id: string } }
  | { msgtype: 'video'; video: { media_id: string; thumb_media_id?: string; title?: string; description?: string } }
  | {
      msgtype: 'music';
      music: { title?: string; description?: string; musicurl?: string; hqmusicurl?: string; thumb_media_id: string };
    }
  /** Since 2018 WeChat takes one article here (45008 for more). */
  | { msgtype: 'news'; news: { articles: { title: string; description: string; url: string; picurl: string }[] } }
  | { msgtype: 'mpnews'; mpnews: { media_id: string } }
  | { msgtype: 'mpnewsarticle'; mpnewsarticle: { article_id: string } }
  | { msgtype: 'msgmenu'; msgmenu: { head_content: string; list: { id: string; content: string }[]; tail_content: string } }
  | { msgtype: 'wxcard'; wxcard: { card_id: string } }
  /** Mini programs only. */
  | { msgtype: 'link'; link: { title: string; description: string; url: string; thumb_url: string } }
  | { msgtype: 'miniprogrampage'; miniprogrampage: { title: string; pagepath: string; thumb_media_id: string; appid?: string } };

export type CustomMessageType = CustomMessage['msgtype'];

/** The msgtypes a mini program's customer-service API accepts. */
export const MINI_PROGRAM_CUSTOM_TYPES: ReadonlySet<CustomMessageType> = new Set(['text', 'image', 'link', 'miniprogrampage']);

/** The msgtypes an official account's customer-service API accepts. */
export const OFFICIAL_CUSTOM_TYPES: ReadonlySet<CustomMessageType> = new Set([
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
]);

/**
 * Errcodes of custom/send that no retry can fix: outside the 48 h window (45015), over the mini
 * program's quota (45047), permission missing (48001, 61007), bad openid (40003), and the
 * request's own faults (format, type, media, size).
 */
export const CUSTOM_SEND_PERMANENT: ReadonlySet<number> = new Set([
  45015, 45047, 48001, 61007, 40003, 40008, 40007, 47001, 45008, 45002, 40013, 43004, 65400, 43019,
]);
