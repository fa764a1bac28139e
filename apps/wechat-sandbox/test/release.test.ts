import { textReply, encryptedEnvelope } from '@weixin3rd/wechat-xml';
import { afterEach, describe, expect, it } from 'vitest';
import { COMPONENT, startFakeProject, startSandbox, type Answer, type Sandbox } from './harness.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A project that answers the release test the way WeChat expects, talking to the sandbox over HTTP. */
function responder(sandbox: () => Sandbox, mistakes: { textReply?: string; skipApi?: boolean } = {}): Answer {
  let componentToken = '';
  return async (push, crypto) => {
    const m = push.message;
    if (m.InfoType === 'component_verify_ticket') {
      const res = await sandbox().call('/cgi-bin/component/api_component_token', {
        component_appid: COMPONENT.appId,
        component_appsecret: COMPONENT.appSecret,
        component_verify_ticket: m.ComponentVerifyTicket,
      });
      componentToken = String(res.component_access_token);
      return 'success';
    }
    if (m.InfoType) return 'success';
    const reply = (content: string) => {
      const inner = textReply({
        toUser: String(m.FromUserName),
        fromUser: String(m.ToUserName),
        createTime: Math.floor(Date.now() / 1000),
        content,
      });
      const parts = crypto.encryptPush(inner, { timestamp: '1700000000', nonce: '7' });
      return encryptedEnvelope({ encrypt: parts.encrypt, msgSignature: parts.msgSignature, timestamp: '1700000000', nonce: '7' });
    };
    if (m.MsgType === 'event') return reply(`${String(m.Event)}from_callback`);
    const content = String(m.Content);
    if (content === 'TESTCOMPONENT_MSG_TYPE_TEXT') return reply(mistakes.textReply ?? 'TESTCOMPONENT_MSG_TYPE_TEXT_callback');
    if (content.startsWith('QUERY_AUTH_CODE:')) {
      const code = content.slice('QUERY_AUTH_CODE:'.length);
      if (!mistakes.skipApi) {
        setTimeout(() => {
          void (async () => {
            const auth = await sandbox().call(
              '/cgi-bin/component/api_query_auth',
              { component_appid: COMPONENT.appId, authorization_code: code },
              { component_access_token: componentToken },
            );
            const token = (auth.authorization_info as { authorizer_access_token: string }).authorizer_access_token;
            await sandbox().call(
              '/cgi-bin/message/custom/send',
              { touser: m.FromUserName, msgtype: 'text', text: { content: `${code}_from_api` } },
              { access_token: token },
            );
          })();
        }, 50);
      }
      return '';
    }
    return 'success';
  };
}

async function run(mistakes?: Parameters<typeof responder>[1]) {
  const holder: { sb?: Sandbox } = {};
  const project = await startFakeProject(responder(() => holder.sb as Sandbox, mistakes));
  const sb = await startSandbox(project.url);
  holder.sb = sb;
  closers.push(
    () => sb.close(),
    () => project.close(),
  );
  const res = await sb.control('POST', '/sandbox/release-test', { componentAppId: COMPONENT.appId, group: 3, apiReplyWaitMs: 1500 });
  return res.json as { passed: boolean; group: number; cases: { name: string; passed: boolean; reason: string | null }[] };
}

describe('全网发布 runner', () => {
  it('passes every case against a correct responder', async () => {
    const report = await run();
    expect(report.cases.map((c) => [c.name, c.passed, c.reason])).toEqual([
      ['组件ticket正确接收', true, null],
      ['授权', true, null],
      ['返回普通文本消息', true, null],
      ['返回Api文本消息', true, null],
      ['小程序返回Api文本消息', true, null],
      ['发送事件消息', true, null],
      ['取消授权', true, null],
    ]);
    expect(report).toMatchObject({ passed: true, group: 3 });
  });

  it('fails the right cases with reasons', async () => {
    const report = await run({ textReply: 'wrong', skipApi: true });
    expect(report.passed).toBe(false);
    const byName = Object.fromEntries(report.cases.map((c) => [c.name, c]));
    expect(byName['返回普通文本消息']?.reason).toBe('reply Content is "wrong", expected "TESTCOMPONENT_MSG_TYPE_TEXT_callback"');
    expect(byName['返回Api文本消息']?.reason).toMatch(/no customer-service message ".*_from_api" to o.* within 1500 ms/);
    expect(byName['发送事件消息']?.passed).toBe(true);
    expect(byName['取消授权']?.passed).toBe(true);
  });
});
