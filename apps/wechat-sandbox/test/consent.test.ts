import { afterEach, describe, expect, it } from 'vitest';
import { DOMAIN_RULE_TEXT } from '../src/consent/consent.routes.js';
import { COMPONENT, MP, OA, startFakeProject, startSandbox } from './harness.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function setup() {
  const project = await startFakeProject(() => 'success');
  const sb = await startSandbox(project.url);
  closers.push(
    () => sb.close(),
    () => project.close(),
  );
  const pre = sb.world.createPreAuthCode(COMPONENT.appId).value;
  const redirect = `${project.url}/authorize/callback?state=s1`;
  const pageUrl = (extra: Record<string, string> = {}, path = '/cgi-bin/componentloginpage') => {
    const u = new URL(path, sb.url);
    for (const [k, v] of Object.entries({
      component_appid: COMPONENT.appId,
      pre_auth_code: pre,
      redirect_uri: redirect,
      auth_type: '3',
      ...extra,
    }))
      u.searchParams.set(k, v);
    return u;
  };
  const open = (url: URL, referer: string | null = `${project.url}/authorize?shop=S1`) =>
    fetch(url, { headers: referer ? { referer } : {} }).then((r) => r.text());
  const confirm = (fields: Record<string, string | string[]>) => {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries({ component_appid: COMPONENT.appId, pre_auth_code: pre, redirect_uri: redirect, ...fields }))
      for (const x of ([] as string[]).concat(v)) form.append(k, x);
    return fetch(new URL('/cgi-bin/componentloginpage/confirm', sb.url), { method: 'POST', body: form, redirect: 'manual' });
  };
  return { sb, project, pre, redirect, pageUrl, open, confirm };
}

describe('consent page', () => {
  it('enforces the domain rule with WeChat text', async () => {
    const t = await setup();
    expect(await t.open(t.pageUrl(), null)).toContain(`${DOMAIN_RULE_TEXT}空`);
    expect(await t.open(t.pageUrl(), 'https://evil.example.com/page')).toContain(`${DOMAIN_RULE_TEXT}evil.example.com`);
    expect(await t.open(t.pageUrl({ redirect_uri: 'https://evil.example.com/cb' }))).toContain('授权后回调页所在域名：evil.example.com');
    expect(await t.open(t.pageUrl({ component_appid: 'wx9999999999999999' }))).toContain('component_appid 无效');
  });

  it('rejects unknown, used and expired pre_auth_codes', async () => {
    const t = await setup();
    expect(await t.open(t.pageUrl({ pre_auth_code: 'preauthcode@@@forged' }))).toContain('预授权码无效');
    t.sb.world.clock.advance(601);
    expect(await t.open(t.pageUrl())).toContain('预授权码已过期');
  });

  it('offers accounts by auth_type, biz_appid and category_id_list, on the PC and H5 paths', async () => {
    const t = await setup();
    const oaOnly = await t.open(t.pageUrl({ auth_type: '1' }));
    expect(oaOnly).toContain(`data-appid="${OA}"`);
    expect(oaOnly).not.toContain(`data-appid="${MP}"`);
    const h5 = { action: 'bindcomponent', no_scan: '1' };
    const mpOnly = await t.open(t.pageUrl({ auth_type: '2', ...h5 }, '/safe/bindcomponent'));
    expect(mpOnly).toContain(`data-appid="${MP}"`);
    expect(mpOnly).not.toContain(`data-appid="${OA}"`);
    const biz = await t.open(t.pageUrl({ biz_appid: OA, ...h5 }, '/wxaopen/safe/bindcomponent'));
    expect(biz.match(/data-appid=/g)).toHaveLength(1);
    const limited = await t.open(t.pageUrl({ biz_appid: OA, category_id_list: '1|2' }));
    expect(limited.match(/name="func_wx1a2b3c4d5e6f7001"/g)).toHaveLength(2);
    expect(limited).toContain('id="confirm"');
  });

  it('serves the H5 page only with action=bindcomponent and no_scan=1, as the H5 link carries them', async () => {
    const t = await setup();
    for (const path of ['/wxaopen/safe/bindcomponent', '/safe/bindcomponent']) {
      expect(await t.open(t.pageUrl({ action: 'bindcomponent', no_scan: '1' }, path))).toContain('id="confirm"');
      expect(await t.open(t.pageUrl({ no_scan: '1' }, path))).toContain('invalid H5 authorization link');
      expect(await t.open(t.pageUrl({ action: 'bindcomponent' }, path))).toContain('invalid H5 authorization link');
      expect(await t.open(t.pageUrl({ action: 'other', no_scan: '1' }, path))).toContain('invalid H5 authorization link');
    }
  });

  it('redirects with auth_code and expires_in=600 and pushes authorized with the same code, then updateauthorized', async () => {
    const t = await setup();
    const res = await t.confirm({ appid: OA, [`func_${OA}`]: ['1', '2'] });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.pathname).toBe('/authorize/callback');
    expect(location.searchParams.get('state')).toBe('s1');
    expect(location.searchParams.get('expires_in')).toBe('600');
    const code = location.searchParams.get('auth_code');
    expect(code).toMatch(/^queryauthcode@@@/);
    for (let i = 0; i < 40 && t.project.received.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(t.project.received[0]?.message).toMatchObject({
      InfoType: 'authorized',
      AuthorizerAppid: OA,
      AuthorizationCode: code,
      PreAuthCode: t.pre,
    });
    expect(t.sb.world.authorizationOf(COMPONENT.appId, OA)?.funcInfo).toEqual([1, 2]);
    expect(await t.open(t.pageUrl())).toContain('预授权码已使用');

    const pre2 = t.sb.world.createPreAuthCode(COMPONENT.appId).value;
    await t.confirm({ pre_auth_code: pre2, appid: OA, [`func_${OA}`]: '1' });
    for (let i = 0; i < 40 && t.project.received.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(t.project.received[1]?.message).toMatchObject({ InfoType: 'updateauthorized', PreAuthCode: pre2 });
  });

  it('refuses a confirm without an account or a permission set', async () => {
    const t = await setup();
    expect(await (await t.confirm({})).text()).toContain('请选择要授权的账号');
    expect(await (await t.confirm({ appid: OA })).text()).toContain('请至少选择一个权限集');
  });
});

describe('control API', () => {
  it('consents, revokes and validates', async () => {
    const t = await setup();
    const consent = await t.sb.control('POST', '/sandbox/consent', { componentAppId: COMPONENT.appId, authorizerAppId: MP });
    expect(consent.json).toMatchObject({ infoType: 'authorized', push: { outcome: 'acknowledged' } });
    const revoke = await t.sb.control('POST', '/sandbox/revoke', { componentAppId: COMPONENT.appId, authorizerAppId: MP });
    expect(revoke.json).toMatchObject({ push: { outcome: 'acknowledged', type: 'unauthorized' } });
    expect((await t.sb.control('POST', '/sandbox/revoke', { componentAppId: COMPONENT.appId, authorizerAppId: MP })).status).toBe(409);
    expect((await t.sb.control('POST', '/sandbox/consent', { componentAppId: 'nope', authorizerAppId: MP })).status).toBe(400);
    expect((await t.sb.control('PUT', '/sandbox/settings', { pushAttempts: 0 })).status).toBe(400);
    expect((await t.sb.control('PUT', '/sandbox/settings', { ticketIntervalSeconds: 1 })).json).toMatchObject({ ticketIntervalSeconds: 1 });
    expect(
      (
        await t.sb.control('POST', '/sandbox/accounts', {
          appId: 'wx00000000000000aa',
          userName: 'gh_0000000000aa',
          nickName: '新店',
          kind: 'official',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await t.sb.control('POST', '/sandbox/accounts', {
          appId: 'wx00000000000000aa',
          userName: 'gh_0000000000aa',
          nickName: '新店',
          kind: 'official',
        })
      ).status,
    ).toBe(409);
    expect(
      (await t.sb.control('POST', '/sandbox/accounts', { appId: 'bad', userName: 'gh_0000000000aa', nickName: 'x', kind: 'official' }))
        .json,
    ).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
    expect((await t.sb.control('POST', '/sandbox/faults', { kind: 'explode' })).status).toBe(400);
    const fault = (await t.sb.control('POST', '/sandbox/faults', { kind: 'busy', api: 'api_query_auth' })).json as { id: string };
    expect((await t.sb.control('DELETE', `/sandbox/faults/${fault.id}`)).status).toBe(200);
    expect((await t.sb.control('POST', '/sandbox/clock/advance', { seconds: 60 })).json).toMatchObject({ offsetSeconds: 60 });
    expect(
      (await t.sb.control('POST', '/sandbox/messages', { componentAppId: COMPONENT.appId, authorizerAppId: OA, msgType: 'event' })).status,
    ).toBe(400);
    expect((await t.sb.control('GET', '/sandbox/pushes?kind=authorization')).json).toHaveLength(2);
    expect((await t.sb.control('POST', '/sandbox/reset')).json).toEqual({ reset: true });
    expect(t.sb.world.authorizations.size).toBe(0);
  });
});
