import type { CustomMessage } from './custom-message.js';
import { isWeChatApiError } from './errors.js';
import type { Transport } from './transport.js';
import type {
  AuthorizerInfoResponse,
  AuthorizerListResponse,
  AuthorizerTokenResponse,
  ComponentTokenResponse,
  OkResponse,
  PreAuthCodeResponse,
  QueryAuthResponse,
} from './types.js';

/** Where the component access token comes from; the owner refreshes it (single-flight). */
export interface TokenSource {
  get(): Promise<string>;
  /**
   * `failed` was refused (40001/40014/42001). Refresh only if it is still the stored token (a
   * compare-and-set: another caller may have refreshed already) and return the current one.
   */
  renew(failed: string): Promise<string>;
  /**
   * Told how each call made with the token ended: the refusal (any WeChatApiError) or null for
   * success, so the owner can show a configuration refusal (40125, 61004 IP allow-list…) whatever
   * call met it, and clear it once calls go through again. Never throws.
   */
  settled?(error: unknown): Promise<void>;
}

const P = '/cgi-bin/component/';

/** One typed method per component API of wechat-protocol.md §3. */
export class ComponentApi {
  constructor(
    private readonly transport: Transport,
    readonly componentAppId: string,
    private readonly tokens?: TokenSource,
  ) {}

  startPushTicket(componentSecret: string): Promise<OkResponse> {
    return this.transport.post('api_start_push_ticket', `${P}api_start_push_ticket`, {
      component_appid: this.componentAppId,
      component_secret: componentSecret,
    });
  }

  componentToken(appSecret: string, ticket: string): Promise<ComponentTokenResponse> {
    return this.transport.post('api_component_token', `${P}api_component_token`, {
      component_appid: this.componentAppId,
      component_appsecret: appSecret,
      component_verify_ticket: ticket,
    });
  }

  createPreAuthCode(): Promise<PreAuthCodeResponse> {
    return this.withToken('api_create_preauthcode', { component_appid: this.componentAppId });
  }

  queryAuth(authorizationCode: string): Promise<QueryAuthResponse> {
    // Not re-sent after a timeout: the first request may have used the code up (wechat-protocol.md §11.6).
    return this.withToken('api_query_auth', { component_appid: this.componentAppId, authorization_code: authorizationCode }, undefined, {
      idempotent: false,
    });
  }

  authorizerToken(authorizerAppId: string, refreshToken: string): Promise<AuthorizerTokenResponse> {
    return this.withToken('api_authorizer_token', {
      component_appid: this.componentAppId,
      authorizer_appid: authorizerAppId,
      authorizer_refresh_token: refreshToken,
    });
  }

  getAuthorizerInfo(authorizerAppId: string): Promise<AuthorizerInfoResponse> {
    return this.withToken('api_get_authorizer_info', { component_appid: this.componentAppId, authorizer_appid: authorizerAppId });
  }

  getAuthorizerList(offset: number, count: number): Promise<AuthorizerListResponse> {
    return this.withToken('api_get_authorizer_list', { component_appid: this.componentAppId, offset, count });
  }

  getAuthorizerOption(
    authorizerAppId: string,
    optionName: string,
  ): Promise<{ authorizer_appid: string; option_name: string; option_value: string }> {
    return this.withToken('api_get_authorizer_option', {
      component_appid: this.componentAppId,
      authorizer_appid: authorizerAppId,
      option_name: optionName,
    });
  }

  setAuthorizerOption(authorizerAppId: string, optionName: string, optionValue: string): Promise<OkResponse> {
    return this.withToken('api_set_authorizer_option', {
      component_appid: this.componentAppId,
      authorizer_appid: authorizerAppId,
      option_name: optionName,
      option_value: optionValue,
    });
  }

  /**
   * Resets the component's own API counters (counts against 10 a month): the current
   * `/cgi-bin/clear_quota` with the component token and appid; the legacy
   * `/cgi-bin/component/clear_quota` is gone from the docs (wechat-protocol.md §11.10).
   */
  clearQuota(): Promise<OkResponse> {
    return this.withToken('clear_quota', { appid: this.componentAppId }, '/cgi-bin/clear_quota', { tokenParam: 'access_token' });
  }

  /** Works without a token, even when token issuance itself is out of quota. */
  clearQuotaV2(appSecret: string, appId?: string): Promise<OkResponse> {
    return this.transport.post('clear_quota_v2', `${P}clear_quota/v2`, {
      component_appid: this.componentAppId,
      appsecret: appSecret,
      ...(appId ? { appid: appId } : {}),
    });
  }

  private async withToken<T>(
    call: string,
    body: unknown,
    path = `${P}${call}`,
    options: { idempotent?: boolean; tokenParam?: 'component_access_token' | 'access_token' } = {},
  ): Promise<T> {
    if (!this.tokens) throw new Error(`${call} needs a component access token source`);
    const param = options.tokenParam ?? 'component_access_token';
    const tokens = this.tokens;
    const token = await tokens.get();
    const attempt = async (): Promise<T> => {
      try {
        return await this.transport.post<T>(call, path, body, { [param]: token }, options);
      } catch (error) {
        if (!isWeChatApiError(error) || error.kind !== 'token') throw error;
        // One compare-and-set refresh of the token that failed, then one retry.
        const fresh = await tokens.renew(token);
        return this.transport.post<T>(call, path, body, { [param]: fresh }, options);
      }
    };
    try {
      const result = await attempt();
      await tokens.settled?.(null);
      return result;
    } catch (error) {
      if (isWeChatApiError(error)) await tokens.settled?.(error);
      throw error;
    }
  }
}

/** Calls made with an authorizer's own access token. */
export class AuthorizerApi {
  constructor(private readonly transport: Transport) {}

  sendCustomText(accessToken: string, touser: string, content: string): Promise<OkResponse> {
    return this.sendCustom(accessToken, touser, { msgtype: 'text', text: { content } });
  }

  /** 客服消息: any msgtype custom/send takes, to a user who wrote to the account within 48 h. */
  sendCustom(accessToken: string, touser: string, message: CustomMessage): Promise<OkResponse> {
    return this.transport.post('custom_send', '/cgi-bin/message/custom/send', { touser, ...message }, { access_token: accessToken });
  }

  getOption(accessToken: string, optionName: string): Promise<{ option_name: string; option_value: string }> {
    return this.transport.post(
      'get_authorizer_option',
      `${P}get_authorizer_option`,
      { option_name: optionName },
      { access_token: accessToken },
    );
  }

  setOption(accessToken: string, optionName: string, optionValue: string): Promise<OkResponse> {
    return this.transport.post(
      'set_authorizer_option',
      `${P}set_authorizer_option`,
      { option_name: optionName, option_value: optionValue },
      { access_token: accessToken },
    );
  }
}
