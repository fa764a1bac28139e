import { buildXml, cdata } from './build.js';

/** A passive text reply (To/From swapped relative to the message it answers). */
export function textReply(reply: { toUser: string; fromUser: string; createTime: number; content: string }): string {
  return buildXml({
    ToUserName: reply.toUser,
    FromUserName: reply.fromUser,
    CreateTime: reply.createTime,
    MsgType: 'text',
    Content: reply.content,
  });
}

/** The encrypted passive reply of wechat-protocol.md §1.5, newline-separated as the SDKs write it. */
export function encryptedEnvelope(reply: { encrypt: string; msgSignature: string; timestamp: string | number; nonce: string }): string {
  return [
    '<xml>',
    `<Encrypt>${cdata(reply.encrypt)}</Encrypt>`,
    `<MsgSignature>${cdata(reply.msgSignature)}</MsgSignature>`,
    `<TimeStamp>${reply.timestamp}</TimeStamp>`,
    `<Nonce>${cdata(reply.nonce)}</Nonce>`,
    '</xml>',
  ].join('\n');
}

/**
 * An encrypted push body as WeChat sends it (§1.4): `AppId` + `Encrypt` to the
 * authorization-event URL, `ToUserName` + `Encrypt` to the message URL.
 */
export function pushEnvelope(push: { appId: string; encrypt: string } | { toUserName: string; encrypt: string }): string {
  return 'appId' in push
    ? buildXml({ AppId: push.appId, Encrypt: push.encrypt })
    : buildXml({ ToUserName: push.toUserName, Encrypt: push.encrypt });
}
