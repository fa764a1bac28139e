import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMPONENT, MP, OA, startSandbox, type Sandbox } from './harness.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.world.reset());

const C = COMPONENT.appId;

async function componentToken(): Promise<string> {
  const ticket = sb.world.issueTicket(C).value;
  const res = await sb.call('/cgi-bin/component/api_component_token', {
    component_appid: C,
    component_appsecret: COMPONENT.appSecret,
    component_verify_ticket: ticket,
  });
  return String(res.component_access_token);
}

async function authorized(appId: string): Promise<{ token: string; code: string }> {
  const token = await componentToken();
  const { authCode } = sb.world.consent(C, appId, sb.world.accounts.get(appId)?.funcInfo ?? [1], null);
  return { token, code: authCode.value };
}

const errcodeOf = (res: Record<string, unknown>): unknown => res.errcode;

describe('component token', () => {
  it('issues a token for a ticket it pushed, without an errcode field', async () => {
    const ticket = sb.world.issueTicket(C).value;
    const res = await sb.call('/cgi-bin/component/api_component_token', {
      component_appid: C,
      component_appsecret: COMPONENT.appSecret,
      component_verify_ticket: ticket,
    });
    expect(res).toEqual({ component_access_token: expect.stringMatching(/^ct_/), expires_in: 7200 });
    expect(sb.world.calls.at(-1)).toMatchObject({ api: 'api_component_token', errcode: 0, body: { component_verify_ticket: ticket } });
  });

  it('answers WeChat errors with HTTP 200 and a rid', async () => {
    const res = await fetch(`${sb.url}/cgi-bin/component/api_component_token`, {
      method: 'POST',
      body: JSON.stringify({ component_appid: C, component_appsecret: 'wrong', component_verify_ticket: 'x' }),
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { errcode: number; errmsg: string };
    expect(json.errcode).toBe(40125);
    expect(json.errmsg).toMatch(/^invalid appsecret rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  });

  it('checks secret, ticket and component', async () => {
    const body = { component_appid: C, component_appsecret: COMPONENT.appSecret };
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_component_token', { component_appid: C, component_verify_ticket: 't' }))).toBe(
      41004,
    );
    expect(
      errcodeOf(await sb.call('/cgi-bin/component/api_component_token', { ...body, component_verify_ticket: 'ticket@@@never-pushed' })),
    ).toBe(61006);
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_component_token', { ...body }))).toBe(61006);
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_component_token', { ...body, component_appid: 'wx9999999999999999' }))).toBe(
      61011,
    );
    const ticket = sb.world.issueTicket(C).value;
    sb.world.clock.advance(12 * 3600 + 1);
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_component_token', { ...body, component_verify_ticket: ticket }))).toBe(61005);
  });

  it('rejects bad bodies and GET like WeChat', async () => {
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_component_token', '{not json'))).toBe(47001);
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_component_token', ''))).toBe(44002);
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_component_token', '[1]'))).toBe(47001);
    const res = await fetch(`${sb.url}/cgi-bin/component/api_component_token`);
    expect(((await res.json()) as { errcode: number }).errcode).toBe(43002);
  });

  it('keeps a superseded token valid for 300 s, then answers 40001', async () => {
    const first = await componentToken();
    await componentToken();
    sb.world.clock.advance(299);
    expect(
      await sb.call('/cgi-bin/component/api_create_preauthcode', { component_appid: C }, { component_access_token: first }),
    ).toHaveProperty('pre_auth_code');
    sb.world.clock.advance(2);
    expect(
      errcodeOf(await sb.call('/cgi-bin/component/api_create_preauthcode', { component_appid: C }, { component_access_token: first })),
    ).toBe(40001);
  });

  it('expires tokens after 7200 s with 42001', async () => {
    const token = await componentToken();
    sb.world.clock.advance(7200);
    expect(
      errcodeOf(await sb.call('/cgi-bin/component/api_create_preauthcode', { component_appid: C }, { component_access_token: token })),
    ).toBe(42001);
  });
});

describe('pre_auth_code and authorization', () => {
  it('accepts the token as component_access_token or access_token', async () => {
    const token = await componentToken();
    for (const name of ['component_access_token', 'access_token']) {
      const res = await sb.call('/cgi-bin/component/api_create_preauthcode', { component_appid: C }, { [name]: token });
      expect(res).toEqual({ pre_auth_code: expect.stringMatching(/^preauthcode@@@/), expires_in: 600 });
    }
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_create_preauthcode', { component_appid: C }))).toBe(41001);
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_create_preauthcode', {}, { access_token: token }))).toBe(41018);
  });

  it('exchanges an auth code, single-use by default (61009), reusable when switched, 61010 expired', async () => {
    const { token, code } = await authorized(OA);
    const res = await sb.call(
      '/cgi-bin/component/api_query_auth',
      { component_appid: C, authorization_code: code },
      { component_access_token: token },
    );
    expect(res.authorization_info).toMatchObject({
      authorizer_appid: OA,
      expires_in: 7200,
      authorizer_access_token: expect.stringMatching(/^at_/),
      authorizer_refresh_token: expect.stringMatching(/^refreshtoken@@@/),
    });
    expect((res.authorization_info as { func_info: unknown[] }).func_info[0]).toEqual({ funcscope_category: { id: 1 } });
    // Single-use by default, as WeChat's codes are.
    expect(
      errcodeOf(
        await sb.call(
          '/cgi-bin/component/api_query_auth',
          { component_appid: C, authorization_code: code },
          { component_access_token: token },
        ),
      ),
    ).toBe(61009);
    sb.world.settings.authCodeReuse = true;
    expect(
      await sb.call(
        '/cgi-bin/component/api_query_auth',
        { component_appid: C, authorization_code: code },
        { component_access_token: token },
      ),
    ).toHaveProperty('authorization_info');
    expect(
      errcodeOf(
        await sb.call(
          '/cgi-bin/component/api_query_auth',
          { component_appid: C, authorization_code: 'queryauthcode@@@nope' },
          { component_access_token: token },
        ),
      ),
    ).toBe(61009);
    const again = sb.world.consent(C, MP, [19], null).authCode.value;
    sb.world.clock.advance(3601);
    const fresh = await componentToken();
    expect(
      errcodeOf(
        await sb.call(
          '/cgi-bin/component/api_query_auth',
          { component_appid: C, authorization_code: again },
          { component_access_token: fresh },
        ),
      ),
    ).toBe(61010);
  });

  it('lets an auth code live exactly the expires_in it announces (600 s), single-use when set', async () => {
    const token = await componentToken();
    const query = (code: string, t = token) =>
      sb.call('/cgi-bin/component/api_query_auth', { component_appid: C, authorization_code: code }, { component_access_token: t });
    sb.world.settings.authCodeReuse = false;
    // The sandbox's clock runs in real time: the code's expiry is 600 s from the moment of consent.
    const before = sb.world.clock.nowMs();
    const { authCode } = sb.world.consent(C, OA, [1], null);
    const after = sb.world.clock.nowMs();
    expect(authCode.expiresAtMs).toBeGreaterThanOrEqual(before + 600_000);
    expect(authCode.expiresAtMs).toBeLessThanOrEqual(after + 600_000);
    sb.world.clock.advance(599);
    expect(await query(authCode.value)).toHaveProperty('authorization_info.authorizer_appid', OA);
    expect(errcodeOf(await query(authCode.value))).toBe(61009);
    const late = sb.world.consent(C, OA, [1], null).authCode.value;
    sb.world.clock.advance(601);
    expect(errcodeOf(await query(late))).toBe(61010);
  });

  it('omits the token fields of api_query_auth when the account granted no API permission set', async () => {
    const token = await componentToken();
    const code = sb.world.consent(C, OA, [], null).authCode.value;
    const res = await sb.call(
      '/cgi-bin/component/api_query_auth',
      { component_appid: C, authorization_code: code },
      { component_access_token: token },
    );
    expect(res.authorization_info).toEqual({ authorizer_appid: OA, func_info: [] });
  });

  it('carries out a call whose answer is lost (lost-answer fault): the retry finds the code used', async () => {
    const token = await componentToken();
    sb.world.settings.authCodeReuse = false;
    const code = sb.world.consent(C, OA, [1], null).authCode.value;
    sb.world.addFault({ api: 'api_query_auth', kind: 'lost-answer', delayMs: 2000, remaining: 1 });
    const body = JSON.stringify({ component_appid: C, authorization_code: code });
    await expect(
      fetch(`${sb.url}/cgi-bin/component/api_query_auth?component_access_token=${token}`, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_query_auth', body, { component_access_token: token }))).toBe(61009);
  });

  it('refreshes authorizer tokens; 61023 after re-authorization or revoke, 61003 when never authorized, 61014 with an authorizer token', async () => {
    const { token } = await authorized(OA);
    const refreshToken = sb.world.authorizationOf(C, OA)?.refreshToken;
    const refresh = (rt: unknown, appId = OA, t = token) =>
      sb.call(
        '/cgi-bin/component/api_authorizer_token',
        { component_appid: C, authorizer_appid: appId, authorizer_refresh_token: rt },
        { component_access_token: t },
      );
    const ok = await refresh(refreshToken);
    expect(ok).toEqual({
      authorizer_access_token: expect.stringMatching(/^at_/),
      expires_in: 7200,
      authorizer_refresh_token: refreshToken,
    });
    expect(errcodeOf(await refresh(refreshToken, MP))).toBe(61003);
    expect(errcodeOf(await refresh(null))).toBe(61023);
    expect(errcodeOf(await refresh(refreshToken, OA, String(ok.authorizer_access_token)))).toBe(61014);
    const { infoType } = sb.world.consent(C, OA, [1, 2], null);
    expect(infoType).toBe('updateauthorized');
    expect(errcodeOf(await refresh(refreshToken))).toBe(61023);
    sb.world.revoke(C, OA);
    expect(errcodeOf(await refresh(sb.world.authorizationOf(C, OA)?.refreshToken))).toBe(61023);
  });

  it('describes official accounts and mini programs; 61003 for others', async () => {
    const { token } = await authorized(OA);
    sb.world.consent(C, MP, [17, 19], null);
    const info = (appId: string) =>
      sb.call(
        '/cgi-bin/component/api_get_authorizer_info',
        { component_appid: C, authorizer_appid: appId },
        { component_access_token: token },
      );
    const oa = await info(OA);
    expect(oa.authorizer_info).toMatchObject({
      nick_name: '小鹿咖啡',
      user_name: 'gh_5a0d1e2f3a01',
      service_type_info: { id: 2 },
      verify_type_info: { id: 0 },
    });
    expect(oa.authorizer_info).not.toHaveProperty('MiniProgramInfo');
    const mp = await info(MP);
    expect(mp.authorizer_info).toHaveProperty('MiniProgramInfo');
    expect(mp.authorization_info).toMatchObject({
      authorizer_appid: MP,
      func_info: [{ funcscope_category: { id: 17 } }, { funcscope_category: { id: 19 } }],
    });
    expect(errcodeOf(await info('wx1a2b3c4d5e6f7003'))).toBe(61003);
  });

  it('leaves out the authorizer_info fields an account lacks', async () => {
    const { token } = await authorized(OA);
    const created = await sb.control('POST', '/sandbox/accounts', {
      appId: 'wx00000000000c7a01',
      userName: 'gh_00000000c7a1',
      nickName: '视频号小店',
      kind: 'official',
      omitInfo: ['service_type_info', 'verify_type_info', 'head_img', 'business_info'],
    });
    expect(created.status).toBe(201);
    sb.world.consent(C, 'wx00000000000c7a01', [1], null);
    const res = await sb.call(
      '/cgi-bin/component/api_get_authorizer_info',
      { component_appid: C, authorizer_appid: 'wx00000000000c7a01' },
      { component_access_token: token },
    );
    for (const field of ['service_type_info', 'verify_type_info', 'head_img', 'business_info'])
      expect(res.authorizer_info).not.toHaveProperty(field);
    expect(res.authorizer_info).toMatchObject({ nick_name: '视频号小店', user_name: 'gh_00000000c7a1' });
  });

  it('lists authorizers with paging; 40170 over 500', async () => {
    const { token } = await authorized(OA);
    sb.world.consent(C, MP, [19], null);
    sb.world.consent(C, 'wx1a2b3c4d5e6f7003', [1], null);
    sb.world.revoke(C, 'wx1a2b3c4d5e6f7003');
    const list = (offset: number, count: number) =>
      sb.call('/cgi-bin/component/api_get_authorizer_list', { component_appid: C, offset, count }, { component_access_token: token });
    const page = await list(0, 1);
    expect(page.total_count).toBe(2);
    expect(page.list).toEqual([{ authorizer_appid: OA, refresh_token: expect.any(String), auth_time: expect.any(Number) }]);
    expect(((await list(1, 500)).list as unknown[]).length).toBe(1);
    expect(errcodeOf(await list(0, 501))).toBe(40170);
    // WeChat's FAQ: rows may come without a refresh token, or with an empty one.
    expect((await sb.control('PUT', '/sandbox/settings', { listRefreshTokens: 'missing' })).status).toBe(200);
    expect((await list(0, 1)).list).toEqual([{ authorizer_appid: OA, auth_time: expect.any(Number) }]);
    sb.world.settings.listRefreshTokens = 'empty';
    expect((await list(0, 1)).list).toEqual([{ authorizer_appid: OA, refresh_token: '', auth_time: expect.any(Number) }]);
  });
});

describe('authorizer options', () => {
  it('serves both generations with 61012/61013', async () => {
    const { token, code } = await authorized(OA);
    const auth = await sb.call(
      '/cgi-bin/component/api_query_auth',
      { component_appid: C, authorization_code: code },
      { component_access_token: token },
    );
    const at = String((auth.authorization_info as { authorizer_access_token: string }).authorizer_access_token);
    const legacy = (api: string, body: object) =>
      sb.call(`/cgi-bin/component/${api}`, { component_appid: C, authorizer_appid: OA, ...body }, { component_access_token: token });
    expect(await legacy('api_set_authorizer_option', { option_name: 'voice_recognize', option_value: '1' })).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    expect(await legacy('api_get_authorizer_option', { option_name: 'voice_recognize' })).toEqual({
      authorizer_appid: OA,
      option_name: 'voice_recognize',
      option_value: '1',
    });
    expect(errcodeOf(await legacy('api_get_authorizer_option', { option_name: 'nope' }))).toBe(61012);
    expect(errcodeOf(await legacy('api_set_authorizer_option', { option_name: 'location_report', option_value: '7' }))).toBe(61013);
    expect(
      await sb.call(
        '/cgi-bin/component/set_authorizer_option',
        { option_name: 'location_report', option_value: '2' },
        { access_token: at },
      ),
    ).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(await sb.call('/cgi-bin/component/get_authorizer_option', { option_name: 'location_report' }, { access_token: at })).toEqual({
      option_name: 'location_report',
      option_value: '2',
    });
    expect(
      errcodeOf(await sb.call('/cgi-bin/component/get_authorizer_option', { option_name: 'location_report' }, { access_token: token })),
    ).toBe(40001);
  });
});

describe('quota', () => {
  it('runs out with 45009 and is reset by clear_quota, 48006 after 10 resets a month', async () => {
    const token = await componentToken();
    sb.world.settings.dailyQuota = 2;
    const create = () => sb.call('/cgi-bin/component/api_create_preauthcode', { component_appid: C }, { component_access_token: token });
    await create();
    await create();
    expect(errcodeOf(await create())).toBe(45009);
    expect(await sb.call('/cgi-bin/clear_quota', { appid: C }, { access_token: token })).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(await create()).toHaveProperty('pre_auth_code');
    // The legacy component path is gone (wechat-protocol.md §11.10); the current one takes the component token.
    expect(
      (await fetch(`${sb.url}/cgi-bin/component/clear_quota?component_access_token=${token}`, { method: 'POST', body: '{}' })).status,
    ).toBe(404);
    expect(await sb.call('/cgi-bin/clear_quota', { appid: C }, { access_token: token })).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(errcodeOf(await sb.call('/cgi-bin/component/clear_quota/v2', { component_appid: C, appsecret: 'wrong' }))).toBe(40125);
    for (let i = 0; i < 8; i++)
      expect(await sb.call('/cgi-bin/component/clear_quota/v2', { component_appid: C, appsecret: COMPONENT.appSecret })).toEqual({
        errcode: 0,
        errmsg: 'ok',
      });
    expect(errcodeOf(await sb.call('/cgi-bin/component/clear_quota/v2', { component_appid: C, appsecret: COMPONENT.appSecret }))).toBe(
      48006,
    );
  });
});

describe('IP allow-list, faults and custom/send', () => {
  it('answers 61004 to callers outside the allow-list', async () => {
    sb.world.upsertComponent({ appId: C, ipAllowList: ['10.0.0.1'] });
    const ticket = sb.world.issueTicket(C).value;
    const res = await sb.call('/cgi-bin/component/api_component_token', {
      component_appid: C,
      component_appsecret: COMPONENT.appSecret,
      component_verify_ticket: ticket,
    });
    expect(res.errcode).toBe(61004);
    expect(res.errmsg).toMatch(/requestIP: 127\.0\.0\.1/);
    sb.world.upsertComponent({ appId: C, ipAllowList: ['127.0.0.1'] });
    expect(await componentToken()).toMatch(/^ct_/);
  });

  it('injects busy, errcode, 5xx, latency and timeout faults', async () => {
    const body = { component_appid: C, component_appsecret: COMPONENT.appSecret, component_verify_ticket: sb.world.issueTicket(C).value };
    sb.world.addFault({ api: 'api_component_token', kind: 'busy', remaining: 1 });
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_component_token', body))).toBe(-1);
    sb.world.addFault({ kind: 'errcode', errcode: 45009, remaining: 1 });
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_component_token', body))).toBe(45009);
    sb.world.addFault({ api: 'api_component_token', kind: 'http5xx', status: 503, remaining: 1 });
    expect((await fetch(`${sb.url}/cgi-bin/component/api_component_token`, { method: 'POST', body: JSON.stringify(body) })).status).toBe(
      503,
    );
    sb.world.addFault({ kind: 'latency', delayMs: 150, remaining: 1 });
    const started = Date.now();
    expect(await sb.call('/cgi-bin/component/api_component_token', body)).toHaveProperty('component_access_token');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    sb.world.addFault({ kind: 'timeout', delayMs: 2000, remaining: 1 });
    await expect(
      fetch(`${sb.url}/cgi-bin/component/api_component_token`, {
        method: 'POST',
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    expect(sb.world.faults).toEqual([]);
    expect(sb.world.calls.map((c) => c.errcode)).toEqual([-1, 45009, -503, 0, -408]);
  });

  it('invalidates every token on demand (40001)', async () => {
    const token = await componentToken();
    expect((await sb.control('POST', '/sandbox/tokens/invalidate', {})).json).toEqual({ invalidated: 1 });
    expect(errcodeOf(await sb.call('/cgi-bin/component/api_create_preauthcode', { component_appid: C }, { access_token: token }))).toBe(
      40001,
    );
  });

  it('records customer-service messages sent with an authorizer token', async () => {
    const { token, code } = await authorized(OA);
    const auth = await sb.call(
      '/cgi-bin/component/api_query_auth',
      { component_appid: C, authorization_code: code },
      { component_access_token: token },
    );
    const at = String((auth.authorization_info as { authorizer_access_token: string }).authorizer_access_token);
    const send = (body: object, t = at) => sb.call('/cgi-bin/message/custom/send', body, { access_token: t });
    sb.world.conversations.userWrote(OA, 'o123', sb.world.clock.nowMs());
    expect(await send({ touser: 'o123', msgtype: 'text', text: { content: 'hi' } })).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(errcodeOf(await send({ msgtype: 'text', text: { content: 'hi' } }))).toBe(40003);
    expect(errcodeOf(await send({ touser: 'o1', msgtype: 'text' }))).toBe(47001);
    expect(errcodeOf(await send({ touser: 'o1', msgtype: 'text', text: { content: 'x' } }, token))).toBe(40001);
    expect(sb.world.customMessages).toEqual([
      expect.objectContaining({ authorizerAppId: OA, touser: 'o123', content: 'hi', accessToken: at }),
    ]);
  });
});
