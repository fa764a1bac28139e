import { buildXml, encryptedEnvelope } from '@weixin3rd/wechat-xml';
import { afterEach, describe, expect, it } from 'vitest';
import { COMPONENT, MP, OA, startFakeProject, startSandbox, type Answer, type Sandbox } from './harness.js';

const C = COMPONENT.appId;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function setup(answer: Answer = () => 'success'): Promise<Sandbox> {
  const project = await startFakeProject(answer);
  const sb = await startSandbox(project.url);
  closers.push(
    () => sb.close(),
    () => project.close(),
  );
  sb.world.settings.pushTimeoutMs = 300;
  return sb;
}

/** An authorizer access token of `appId` after consenting with `funcInfo`. */
async function authorizerToken(sb: Sandbox, appId: string, funcInfo: number[]): Promise<string> {
  const ticket = sb.world.issueTicket(C).value;
  const ct = await sb.call('/cgi-bin/component/api_component_token', {
    component_appid: C,
    component_appsecret: COMPONENT.appSecret,
    component_verify_ticket: ticket,
  });
  const code = sb.world.consent(C, appId, funcInfo, null).authCode.value;
  const auth = await sb.call(
    '/cgi-bin/component/api_query_auth',
    { component_appid: C, authorization_code: code },
    { component_access_token: String(ct.component_access_token) },
  );
  return (auth.authorization_info as { authorizer_access_token: string }).authorizer_access_token;
}

const sendWith = (sb: Sandbox, token: string) => async (body: object) =>
  (await sb.call('/cgi-bin/message/custom/send', body, { access_token: token })).errcode;

describe('message pushes need a message permission set', () => {
  it('pushes only for accounts that authorized the component with 消息管理 (OA) or 客服消息管理 (MP)', async () => {
    const sb = await setup();
    const push = (authorizerAppId: string) =>
      sb.control('POST', '/sandbox/messages', { componentAppId: C, authorizerAppId, msgType: 'text', content: 'hi' });
    expect((await push(OA)).status).toBe(409);
    sb.world.consent(C, OA, [2, 15], null);
    expect((await push(OA)).json).toMatchObject({ error: { code: 'NO_MESSAGE_PERMISSION' } });
    sb.world.consent(C, OA, [1], null);
    expect((await push(OA)).json).toMatchObject({ outcome: 'acknowledged' });
    sb.world.consent(C, MP, [17], null);
    expect((await push(MP)).status).toBe(409);
    sb.world.consent(C, MP, [19], null);
    expect((await push(MP)).json).toMatchObject({ outcome: 'acknowledged' });
    sb.world.revoke(C, OA);
    expect((await push(OA)).status).toBe(409);
  });
});

describe('custom/send', () => {
  it('accepts every msgtype an official account may send, records each, and refuses link (40008)', async () => {
    const sb = await setup();
    const send = sendWith(sb, await authorizerToken(sb, OA, [1]));
    await sb.pusher.pushMessage(C, OA, { openid: 'oU', msgType: 'text', content: 'hi' });
    const bodies: Record<string, object> = {
      text: { content: 'hello' },
      image: { media_id: 'M1' },
      voice: { media_id: 'M2' },
      video: { media_id: 'M3', thumb_media_id: 'T3', title: 't', description: 'd' },
      music: { title: 't', musicurl: 'http://m', hqmusicurl: 'http://hq', thumb_media_id: 'T4' },
      news: { articles: [{ title: 'A', description: 'd', url: 'http://a', picurl: 'http://p' }] },
      mpnews: { media_id: 'M5' },
      mpnewsarticle: { article_id: 'A6' },
      msgmenu: { head_content: 'h', list: [{ id: '1', content: 'yes' }], tail_content: 't' },
      wxcard: { card_id: 'C7' },
      miniprogrampage: { title: 't', pagepath: 'pages/i', thumb_media_id: 'T8', appid: MP },
    };
    for (const [msgtype, inner] of Object.entries(bodies)) expect(await send({ touser: 'oU', msgtype, [msgtype]: inner })).toBe(0);
    expect(sb.world.customMessages.map((m) => m.msgtype)).toEqual(Object.keys(bodies));
    expect(sb.world.customMessages[1]).toMatchObject({
      content: 'M1',
      body: { touser: 'oU', msgtype: 'image', image: { media_id: 'M1' } },
    });
    expect(await send({ touser: 'oU', msgtype: 'link', link: { title: 't', description: 'd', url: 'u', thumb_url: 'p' } })).toBe(40008);
    expect(await send({ touser: 'oU', msgtype: 'sticker', sticker: {} })).toBe(40008);
    expect(await send({ touser: 'oU', msgtype: 'image', image: {} })).toBe(47001);
    const article = { title: 'A', description: 'd', url: 'http://a', picurl: 'http://p' };
    expect(await send({ touser: 'oU', msgtype: 'news', news: { articles: [article, article] } })).toBe(45008);
  });

  it('takes text, image, link and miniprogrampage from a mini program, nothing else', async () => {
    const sb = await setup();
    const send = sendWith(sb, await authorizerToken(sb, MP, [19]));
    await sb.pusher.pushMessage(C, MP, { openid: 'oM', msgType: 'text', content: 'hi' });
    expect(await send({ touser: 'oM', msgtype: 'text', text: { content: 'a' } })).toBe(0);
    expect(await send({ touser: 'oM', msgtype: 'image', image: { media_id: 'M' } })).toBe(0);
    expect(
      await send({ touser: 'oM', msgtype: 'link', link: { title: 't', description: 'd', url: 'http://u', thumb_url: 'http://p' } }),
    ).toBe(0);
    expect(
      await send({ touser: 'oM', msgtype: 'miniprogrampage', miniprogrampage: { title: 't', pagepath: 'p', thumb_media_id: 'T' } }),
    ).toBe(0);
    for (const msgtype of ['voice', 'video', 'music', 'news', 'mpnews', 'wxcard'])
      expect(await send({ touser: 'oM', msgtype, [msgtype]: { media_id: 'M' } })).toBe(40008);
  });

  it('enforces the 48 h window (45015), the mini program quota of 5 (45047), the openid (40003) and the permission set (48001)', async () => {
    const sb = await setup();
    let oa = sendWith(sb, await authorizerToken(sb, OA, [1]));
    const text = (touser: string) => ({ touser, msgtype: 'text', text: { content: 'x' } });
    expect(await oa(text('oNever'))).toBe(40003);
    await sb.pusher.pushMessage(C, OA, { openid: 'oU', msgType: 'text', content: 'hi' });
    for (let i = 0; i < 8; i++) expect(await oa(text('oU'))).toBe(0);
    sb.world.clock.advance(48 * 3600 + 1);
    // Tokens live 2 h: a fresh one, so the window is what refuses.
    oa = sendWith(sb, await authorizerToken(sb, OA, [1]));
    expect(await oa(text('oU'))).toBe(45015);
    await sb.pusher.pushMessage(C, OA, { openid: 'oU', msgType: 'event', event: 'CLICK', eventKey: 'k' });
    expect(await oa(text('oU'))).toBe(0);

    const mp = sendWith(sb, await authorizerToken(sb, MP, [19]));
    await sb.pusher.pushMessage(C, MP, { openid: 'oM', msgType: 'text', content: 'hi' });
    for (let i = 0; i < 5; i++) expect(await mp(text('oM'))).toBe(0);
    expect(await mp(text('oM'))).toBe(45047);
    await sb.pusher.pushMessage(C, MP, { openid: 'oM', msgType: 'text', content: 'again' });
    expect(await mp(text('oM'))).toBe(0);

    // Re-authorized without 消息管理: the (new) token may not send customer-service messages.
    const withoutPermission = sendWith(sb, await authorizerToken(sb, OA, [2, 15]));
    expect(await withoutPermission(text('oU'))).toBe(48001);
  });
});

describe('passive replies are checked per type', () => {
  const replying =
    (fields: (to: string, from: string) => Record<string, unknown>): Answer =>
    (push, crypto) => {
      const inner = buildXml({
        ToUserName: String(push.message.FromUserName),
        FromUserName: String(push.message.ToUserName),
        CreateTime: 1700000000,
        ...(fields(String(push.message.FromUserName), String(push.message.ToUserName)) as Record<string, string>),
      });
      const { encrypt, msgSignature } = crypto.encryptPush(inner, { timestamp: '1700000000', nonce: '9' });
      return encryptedEnvelope({ encrypt, msgSignature, timestamp: '1700000000', nonce: '9' });
    };

  it('accepts a well-formed image reply from an official account and refuses one without MediaId', async () => {
    const good = await setup(replying(() => ({ MsgType: 'image', Image: { MediaId: 'M1' } }) as never));
    good.world.consent(C, OA, [1], null);
    expect((await good.pusher.pushMessage(C, OA, { msgType: 'text', content: 'x' })).outcome).toBe('replied');
    const bad = await setup(replying(() => ({ MsgType: 'image' })));
    bad.world.consent(C, OA, [1], null);
    const record = await bad.pusher.pushMessage(C, OA, { msgType: 'text', content: 'x' });
    expect(record).toMatchObject({ outcome: 'failed', failure: expect.stringMatching(/image reply lacks <Image><MediaId>/) });
  });

  it('takes only transfer_customer_service passively from a mini program', async () => {
    const text = await setup(replying(() => ({ MsgType: 'text', Content: 'hi' })));
    text.world.consent(C, MP, [19], null);
    const record = await text.pusher.pushMessage(C, MP, { msgType: 'text', content: 'x' });
    expect(record).toMatchObject({
      outcome: 'failed',
      failure: expect.stringMatching(/mini program takes only transfer_customer_service/),
    });
    const transfer = await setup(replying(() => ({ MsgType: 'transfer_customer_service' })));
    transfer.world.consent(C, MP, [19], null);
    expect((await transfer.pusher.pushMessage(C, MP, { msgType: 'text', content: 'x' })).outcome).toBe('replied');
  });
});
