import type { FastifyPluginAsync } from 'fastify';
import type { IssuedToken, SandboxComponent } from '../world/types.js';
import type { World } from '../world/world.js';
import { WxError } from '../world/wx-error.js';
import { MESSAGE_PERMISSION } from '../world/conversations.js';
import { authorizerInfoBody, funcInfo } from './authorizer-info.js';
import { checkCustomMessage } from './custom-send.js';
import { OK, stringField, wxApi, type WxCall } from './wx-route.js';

export interface ComponentApiOptions {
  world: World;
  /** api_start_push_ticket asks WeChat to push a ticket now. */
  onStartPushTicket?: (componentAppId: string) => void;
}

const OPTION_VALUES: Readonly<Record<string, readonly string[]>> = {
  location_report: ['0', '1', '2'],
  voice_recognize: ['0', '1'],
  customer_service: ['0', '1'],
};

/**
 * WeChat's component APIs (wechat-protocol.md §3) and the customer-service send API, with
 * WeChat's checks in WeChat's order: token, caller IP, quota, then the call's own rules.
 */
export const componentApiRoutes: FastifyPluginAsync<ComponentApiOptions> = async (app, { world, onStartPushTicket }) => {
  // WeChat answers bad JSON with errcode 47001 (HTTP 200), so bodies are parsed by the routes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const checkSecret = (component: SandboxComponent, secret: unknown): void => {
    if (typeof secret !== 'string' || secret === '') throw new WxError(41004);
    if (secret !== component.appSecret) throw new WxError(40125);
  };

  /** A component-token call: the component it belongs to, after IP and quota checks. */
  const componentCall = (call: WxCall, api: string): { component: SandboxComponent; token: IssuedToken } => {
    const token = world.checkToken(call.query.component_access_token ?? call.query.access_token, 'component');
    const component = world.component(token.componentAppId);
    world.checkIp(component, call.ip);
    const named = call.body.component_appid;
    if (named !== undefined && named !== component.appId) throw new WxError(40013);
    world.consumeQuota(component.appId, api);
    return { component, token };
  };

  /** An authorizer-token call (custom/send, current option APIs). */
  const authorizerCall = (call: WxCall, api: string): IssuedToken => {
    const token = world.checkToken(call.query.access_token, 'authorizer');
    const authorization = world.authorizationOf(token.componentAppId, token.authorizerAppId ?? '');
    if (!authorization || authorization.status !== 'authorized') throw new WxError(61003);
    world.consumeQuota(token.authorizerAppId ?? '', api);
    return token;
  };

  const authorizedAccount = (componentAppId: string, authorizerAppId: string) => {
    const authorization = world.authorizationOf(componentAppId, authorizerAppId);
    const account = world.accounts.get(authorizerAppId);
    if (!authorization || authorization.status !== 'authorized' || !account) throw new WxError(61003);
    return { authorization, account };
  };

  const checkOption = (name: unknown, value?: unknown): string => {
    if (typeof name !== 'string' || !(name in OPTION_VALUES)) throw new WxError(61012);
    if (value !== undefined && !OPTION_VALUES[name]?.includes(String(value))) throw new WxError(61013);
    return name;
  };

  wxApi(app, world, 'api_start_push_ticket', '/cgi-bin/component/api_start_push_ticket', (call) => {
    const component = world.component(call.body.component_appid);
    world.checkIp(component, call.ip);
    checkSecret(component, call.body.component_secret);
    // Paused pushes play WeChat not pushing (an outage of its pushes): the request is still answered ok.
    if (!component.ticketPushPaused) onStartPushTicket?.(component.appId);
    return OK;
  });

  wxApi(app, world, 'api_component_token', '/cgi-bin/component/api_component_token', (call) => {
    const component = world.component(call.body.component_appid);
    world.checkIp(component, call.ip);
    checkSecret(component, call.body.component_appsecret);
    world.consumeQuota(component.appId, 'api_component_token');
    world.checkTicket(component, call.body.component_verify_ticket);
    const token = world.issueToken('component', component.appId);
    return { component_access_token: token.value, expires_in: world.settings.tokenTtlSeconds };
  });

  wxApi(app, world, 'api_create_preauthcode', '/cgi-bin/component/api_create_preauthcode', (call) => {
    if (call.body.component_appid === undefined) throw new WxError(41018);
    const { component } = componentCall(call, 'api_create_preauthcode');
    const code = world.createPreAuthCode(component.appId);
    return { pre_auth_code: code.value, expires_in: world.settings.preAuthCodeTtlSeconds };
  });

  wxApi(app, world, 'api_query_auth', '/cgi-bin/component/api_query_auth', (call) => {
    const { component } = componentCall(call, 'api_query_auth');
    const { authorization, accessToken } = world.exchangeAuthCode(component.appId, call.body.authorization_code);
    // No API permission set granted: no token fields at all (wechat-protocol.md §3.3).
    if (!accessToken)
      return { authorization_info: { authorizer_appid: authorization.authorizerAppId, func_info: funcInfo(authorization.funcInfo) } };
    return {
      authorization_info: {
        authorizer_appid: authorization.authorizerAppId,
        authorizer_access_token: accessToken.value,
        expires_in: world.settings.tokenTtlSeconds,
        authorizer_refresh_token: authorization.refreshToken,
        func_info: funcInfo(authorization.funcInfo),
      },
    };
  });

  wxApi(app, world, 'api_authorizer_token', '/cgi-bin/component/api_authorizer_token', (call) => {
    const { component } = componentCall(call, 'api_authorizer_token');
    const { authorization, accessToken } = world.refreshAuthorizerToken(
      component.appId,
      call.body.authorizer_appid,
      call.body.authorizer_refresh_token,
    );
    return {
      authorizer_access_token: accessToken.value,
      expires_in: world.settings.tokenTtlSeconds,
      authorizer_refresh_token: authorization.refreshToken,
    };
  });

  wxApi(app, world, 'api_get_authorizer_info', '/cgi-bin/component/api_get_authorizer_info', (call) => {
    const { component } = componentCall(call, 'api_get_authorizer_info');
    const { account, authorization } = authorizedAccount(component.appId, stringField(call.body, 'authorizer_appid'));
    return authorizerInfoBody(account, authorization);
  });

  wxApi(app, world, 'api_get_authorizer_list', '/cgi-bin/component/api_get_authorizer_list', (call) => {
    const { component } = componentCall(call, 'api_get_authorizer_list');
    const offset = Number(call.body.offset ?? 0);
    const count = Number(call.body.count ?? 0);
    if (!Number.isInteger(offset) || offset < 0) throw new WxError(47001, 'data format error, offset');
    if (!Number.isInteger(count) || count < 1 || count > 500) throw new WxError(40170);
    const authorized = [...world.authorizations.values()].filter((a) => a.componentAppId === component.appId && a.status === 'authorized');
    return {
      total_count: authorized.length,
      list: authorized.slice(offset, offset + count).map((a) => {
        const shown = world.settings.listRefreshTokens;
        if (shown === 'missing') return { authorizer_appid: a.authorizerAppId, auth_time: a.authTime };
        return { authorizer_appid: a.authorizerAppId, refresh_token: shown === 'empty' ? '' : a.refreshToken, auth_time: a.authTime };
      }),
    };
  });

  wxApi(app, world, 'api_get_authorizer_option', '/cgi-bin/component/api_get_authorizer_option', (call) => {
    const { component } = componentCall(call, 'api_get_authorizer_option');
    const { account } = authorizedAccount(component.appId, stringField(call.body, 'authorizer_appid'));
    const name = checkOption(call.body.option_name);
    return { authorizer_appid: account.appId, option_name: name, option_value: account.options[name] ?? '0' };
  });

  wxApi(app, world, 'api_set_authorizer_option', '/cgi-bin/component/api_set_authorizer_option', (call) => {
    const { component } = componentCall(call, 'api_set_authorizer_option');
    const { account } = authorizedAccount(component.appId, stringField(call.body, 'authorizer_appid'));
    const name = checkOption(call.body.option_name, call.body.option_value ?? '');
    account.options[name] = String(call.body.option_value);
    return OK;
  });

  wxApi(app, world, 'get_authorizer_option', '/cgi-bin/component/get_authorizer_option', (call) => {
    const token = authorizerCall(call, 'get_authorizer_option');
    const account = world.accounts.get(token.authorizerAppId ?? '');
    const name = checkOption(call.body.option_name);
    return { option_name: name, option_value: account?.options[name] ?? '0' };
  });

  wxApi(app, world, 'set_authorizer_option', '/cgi-bin/component/set_authorizer_option', (call) => {
    const token = authorizerCall(call, 'set_authorizer_option');
    const account = world.accounts.get(token.authorizerAppId ?? '');
    const name = checkOption(call.body.option_name, call.body.option_value ?? '');
    if (account) account.options[name] = String(call.body.option_value);
    return OK;
  });

  // The current quota paths only (wechat-protocol.md §11.10): /cgi-bin/component/clear_quota is gone from the docs.
  wxApi(app, world, 'clear_quota', '/cgi-bin/clear_quota', (call) => {
    const value = call.query.access_token;
    let owner: string;
    try {
      owner = world.checkToken(value, 'component').componentAppId;
    } catch (error) {
      if (!(error instanceof WxError) || error.errcode !== 61014) throw error;
      owner = world.checkToken(value, 'authorizer').authorizerAppId ?? '';
    }
    if (stringField(call.body, 'appid') !== owner) throw new WxError(40013);
    world.clearQuota(owner);
    return OK;
  });

  wxApi(app, world, 'clear_quota_v2', '/cgi-bin/component/clear_quota/v2', (call) => {
    const component = world.component(call.body.component_appid);
    world.checkIp(component, call.ip);
    checkSecret(component, call.body.appsecret);
    const target = typeof call.body.appid === 'string' && call.body.appid !== '' ? call.body.appid : component.appId;
    if (target !== component.appId) authorizedAccount(component.appId, target);
    world.clearQuota(target);
    return OK;
  });

  wxApi(app, world, 'custom_send', '/cgi-bin/message/custom/send', (call) => {
    const token = authorizerCall(call, 'custom_send');
    const authorizerAppId = token.authorizerAppId ?? '';
    const account = world.accounts.get(authorizerAppId);
    const authorization = world.authorizationOf(token.componentAppId, authorizerAppId);
    if (!account || !authorization) throw new WxError(61003);
    if (!authorization.funcInfo.includes(MESSAGE_PERMISSION[account.kind])) throw new WxError(48001);
    const touser = call.body.touser;
    if (typeof touser !== 'string' || touser === '') throw new WxError(40003);
    const { msgtype, content } = checkCustomMessage(account.kind, call.body);
    world.conversations.send(account.kind, authorizerAppId, touser, world.clock.nowMs());
    world.customMessages.push({
      componentAppId: token.componentAppId,
      authorizerAppId,
      accessToken: token.value,
      touser,
      msgtype,
      content,
      body: call.body,
      at: new Date(world.clock.nowMs()).toISOString(),
    });
    return OK;
  });
};
