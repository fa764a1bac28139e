/** Response shapes of wechat-protocol.md §3, as WeChat names them. */

export interface ComponentTokenResponse {
  component_access_token: string;
  expires_in: number;
}

export interface PreAuthCodeResponse {
  pre_auth_code: string;
  expires_in: number;
}

export type FuncInfo = { funcscope_category: { id: number } }[];

export interface QueryAuthResponse {
  authorization_info: {
    authorizer_appid: string;
    authorizer_access_token?: string;
    expires_in?: number;
    authorizer_refresh_token?: string;
    func_info: FuncInfo;
  };
}

export interface AuthorizerTokenResponse {
  authorizer_access_token: string;
  expires_in: number;
  authorizer_refresh_token: string;
}

export interface AuthorizerInfoResponse {
  authorizer_info: {
    // Newer account types and mini programs may lack any of these (wechat-protocol.md §11.5).
    nick_name?: string;
    head_img?: string;
    service_type_info?: { id: number };
    verify_type_info?: { id: number };
    user_name?: string;
    alias?: string;
    qrcode_url?: string;
    principal_name?: string;
    MiniProgramInfo?: unknown;
  };
  authorization_info: { authorizer_appid: string; authorizer_refresh_token?: string; func_info?: FuncInfo };
}

export interface AuthorizerListResponse {
  total_count: number;
  /** `refresh_token` may be missing or empty (WeChat's FAQ; wechat-protocol.md §11.1). */
  list: { authorizer_appid: string; refresh_token?: string; auth_time: number }[];
}

export interface OkResponse {
  errcode: 0;
  errmsg: string;
}
