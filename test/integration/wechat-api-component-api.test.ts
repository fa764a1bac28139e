import { World, build, componentForProject } from '@weixin3rd/wechat-sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthorizerApi, ComponentApi, Transport, WeChatApiError, type TokenSource } from '@weixin3rd/wechat-api';

const C = {
  appId: 'wx00000000000a9101',
  appSecret: 'api-secret',
  token: 'apitoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
const OA = 'wx1a2b3c4d5e6f7001';
let world: World;
let app: FastifyInstance;
let transport: Transport;

beforeAll(async () => {
  world = new World([componentForProject(C, { publicBaseUrl: 'http://127.0.0.1:9' })]);
  app = await build({ world });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  transport = new Transport({ baseUrl: url, timeoutMs: 300, attempts: 3, backoffMs: 10 });
});
afterAll(() => app.close());
beforeEach(() => world.reset());

/** The simplest token source: fetch with the latest ticket; count renewals. */
function tokenSource(api: () => ComponentApi): TokenSource & { renewals: number } {
  let current: string | null = null;
  const fetchToken = async () => (await api().componentToken(C.appSecret, world.issueTicket(C.appId).value)).component_access_token;
  return {
    renewals: 0,
    async get() {
      current ??= await fetchToken();
      return current;
    },
    async renew(failed) {
      this.renewals += 1;
      if (current === failed) current = await fetchToken();
      return current ?? fetchToken();
    },
  };
}

const callsOf = (api: string) => world.calls.filter((c) => c.api === api).length;

describe('ComponentApi against the sandbox', () => {
  it('resets quota on the current /cgi-bin/clear_quota with the component token as access_token', async () => {
    const api: ComponentApi = new ComponentApi(
      transport,
      C.appId,
      tokenSource(() => api),
    );
    expect(await api.clearQuota()).toMatchObject({ errcode: 0 });
    const call = world.calls.find((c) => c.api === 'clear_quota');
    expect(call).toMatchObject({ path: '/cgi-bin/clear_quota', body: { appid: C.appId }, errcode: 0 });
    expect(call?.query.access_token).toMatch(/^ct_/);
  });

  it('does not send api_query_auth again after a timeout: WeChat may have used the code up', async () => {
    const api: ComponentApi = new ComponentApi(
      transport,
      C.appId,
      tokenSource(() => api),
    );
    await api.createPreAuthCode();
    const code = world.consent(C.appId, OA, [1], null).authCode.value;
    world.addFault({ api: 'api_query_auth', kind: 'lost-answer', delayMs: 1000, remaining: 1 });
    await expect(api.queryAuth(code)).rejects.toMatchObject({ code: -2, call: 'api_query_auth' });
    expect(callsOf('api_query_auth')).toBe(1);
    // Other calls still retry a timeout.
    world.addFault({ api: 'api_get_authorizer_list', kind: 'timeout', delayMs: 1000, remaining: 1 });
    expect((await api.getAuthorizerList(0, 10)).list.map((a) => a.authorizer_appid)).toEqual([OA]);
  });

  it('walks the whole authorization flow with typed results', async () => {
    const source = tokenSource(() => api);
    const api: ComponentApi = new ComponentApi(transport, C.appId, source);
    expect((await api.createPreAuthCode()).pre_auth_code).toMatch(/^preauthcode@@@/);
    const code = world.consent(C.appId, OA, [1, 15], null).authCode.value;
    const auth = await api.queryAuth(code);
    expect(auth.authorization_info).toMatchObject({
      authorizer_appid: OA,
      func_info: [{ funcscope_category: { id: 1 } }, { funcscope_category: { id: 15 } }],
    });
    const refresh = auth.authorization_info.authorizer_refresh_token ?? '';
    const token = await api.authorizerToken(OA, refresh);
    expect(token.authorizer_refresh_token).toBe(refresh);
    expect((await api.getAuthorizerInfo(OA)).authorizer_info.user_name).toBe('gh_5a0d1e2f3a01');
    expect((await api.getAuthorizerList(0, 100)).list.map((a) => a.authorizer_appid)).toEqual([OA]);
    expect(await api.setAuthorizerOption(OA, 'voice_recognize', '1')).toMatchObject({ errcode: 0 });
    expect((await api.getAuthorizerOption(OA, 'voice_recognize')).option_value).toBe('1');
    expect(await api.clearQuota()).toMatchObject({ errcode: 0 });
    expect(await api.clearQuotaV2(C.appSecret)).toMatchObject({ errcode: 0 });
    expect(await api.startPushTicket(C.appSecret)).toMatchObject({ errcode: 0 });
    const authorizer = new AuthorizerApi(transport);
    // custom/send reaches only users who wrote to the account within 48 h.
    world.conversations.userWrote(OA, 'oUser', world.clock.nowMs());
    expect(await authorizer.sendCustomText(token.authorizer_access_token, 'oUser', 'hi')).toMatchObject({ errcode: 0 });
    expect(
      await authorizer.sendCustom(token.authorizer_access_token, 'oUser', { msgtype: 'music', music: { thumb_media_id: 'T', title: 'm' } }),
    ).toMatchObject({ errcode: 0 });
    expect(world.customMessages.map((m) => m.body)).toEqual([
      { touser: 'oUser', msgtype: 'text', text: { content: 'hi' } },
      { touser: 'oUser', msgtype: 'music', music: { thumb_media_id: 'T', title: 'm' } },
    ]);
    expect(await authorizer.setOption(token.authorizer_access_token, 'location_report', '2')).toMatchObject({ errcode: 0 });
    expect((await authorizer.getOption(token.authorizer_access_token, 'location_report')).option_value).toBe('2');
  });

  it('turns errcodes into typed errors with the rid, never retrying configuration errors', async () => {
    const api = new ComponentApi(transport, C.appId);
    const error = await api.componentToken('wrong-secret', world.issueTicket(C.appId).value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatApiError);
    expect(error).toMatchObject({
      code: 40125,
      errmsg: 'invalid appsecret',
      call: 'api_component_token',
      kind: 'config',
      retryable: false,
      rid: expect.stringMatching(/^[0-9a-f-]+$/),
    });
    expect(callsOf('api_component_token')).toBe(1);
    await expect(api.componentToken(C.appSecret, 'ticket@@@unknown')).rejects.toMatchObject({ code: 61006, kind: 'ticket' });
  });

  it('retries -1, 5xx and timeouts with backoff, then succeeds', async () => {
    const api = new ComponentApi(transport, C.appId);
    const ticket = world.issueTicket(C.appId).value;
    world.addFault({ api: 'api_component_token', kind: 'busy', remaining: 1 });
    world.addFault({ api: 'api_component_token', kind: 'http5xx', status: 502, remaining: 1 });
    expect(await api.componentToken(C.appSecret, ticket)).toHaveProperty('component_access_token');
    expect(callsOf('api_component_token')).toBe(3);
    world.addFault({ api: 'api_component_token', kind: 'timeout', delayMs: 1000, remaining: 1 });
    expect(await api.componentToken(C.appSecret, ticket)).toHaveProperty('component_access_token');
  });

  it('gives up after the bounded attempts', async () => {
    const api = new ComponentApi(transport, C.appId);
    world.addFault({ api: 'api_component_token', kind: 'busy' });
    await expect(api.componentToken(C.appSecret, 'x')).rejects.toMatchObject({ code: -1, retryable: true });
    expect(callsOf('api_component_token')).toBe(3);
  });

  it('refreshes the failed token once (40001) and retries once', async () => {
    const source = tokenSource(() => api);
    const api: ComponentApi = new ComponentApi(transport, C.appId, source);
    await api.createPreAuthCode();
    world.invalidateTokens('component');
    expect((await api.createPreAuthCode()).pre_auth_code).toBeTruthy();
    expect(source.renewals).toBe(1);
    expect(callsOf('api_component_token')).toBe(2);
    world.addFault({ api: 'api_create_preauthcode', kind: 'errcode', errcode: 42001 });
    await expect(api.createPreAuthCode()).rejects.toMatchObject({ code: 42001 });
    expect(source.renewals).toBe(2);
  });
});
