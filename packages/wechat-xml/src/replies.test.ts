import { describe, expect, it } from 'vitest';
import { parseXml, passiveReply, type PassiveReplyBody } from './index.js';

const to = { toUser: 'oUser', fromUser: 'gh_account', createTime: 1700000000 };
const fields = (reply: PassiveReplyBody) => parseXml(passiveReply(to, reply));

describe('passive replies', () => {
  it('swaps To/From and writes each reply type as WeChat reads it', () => {
    expect(fields({ type: 'text', content: '你好' })).toEqual({
      ToUserName: 'oUser',
      FromUserName: 'gh_account',
      CreateTime: '1700000000',
      MsgType: 'text',
      Content: '你好',
    });
    expect(fields({ type: 'image', mediaId: 'm1' })).toMatchObject({ MsgType: 'image', Image: { MediaId: 'm1' } });
    expect(fields({ type: 'voice', mediaId: 'm2' })).toMatchObject({ MsgType: 'voice', Voice: { MediaId: 'm2' } });
    expect(fields({ type: 'video', mediaId: 'm3', title: 'T' })).toMatchObject({ MsgType: 'video', Video: { MediaId: 'm3', Title: 'T' } });
    expect(fields({ type: 'video', mediaId: 'm3' }).Video).toEqual({ MediaId: 'm3' });
    expect(fields({ type: 'music', thumbMediaId: 't1', musicUrl: 'http://m', hqMusicUrl: 'http://hq' })).toMatchObject({
      MsgType: 'music',
      Music: { MusicUrl: 'http://m', HQMusicUrl: 'http://hq', ThumbMediaId: 't1' },
    });
    const article = { title: 'a', description: 'd', picUrl: 'http://p', url: 'http://u' };
    expect(fields({ type: 'news', articles: [article, { ...article, title: 'b' }] })).toMatchObject({
      MsgType: 'news',
      ArticleCount: '2',
      Articles: { item: [{ Title: 'a', Description: 'd', PicUrl: 'http://p', Url: 'http://u' }, { Title: 'b' }] },
    });
    expect(fields({ type: 'transfer_customer_service' })).toEqual({
      ToUserName: 'oUser',
      FromUserName: 'gh_account',
      CreateTime: '1700000000',
      MsgType: 'transfer_customer_service',
    });
  });
});
