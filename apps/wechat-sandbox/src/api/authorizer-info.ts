import type { Authorization, SandboxAccount } from '../world/types.js';

export const funcInfo = (ids: number[]): { funcscope_category: { id: number } }[] => ids.map((id) => ({ funcscope_category: { id } }));

/** The api_get_authorizer_info answer of wechat-protocol.md §3.5 for one account. */
export function authorizerInfoBody(account: SandboxAccount, authorization: Authorization): Record<string, unknown> {
  const info: Record<string, unknown> = {
    nick_name: account.nickName,
    head_img: account.headImg,
    service_type_info: { id: account.serviceType },
    verify_type_info: { id: account.verifyType },
    user_name: account.userName,
    alias: account.alias,
    qrcode_url: `http://mmbiz.qpic.cn/sandbox/${account.appId}/qrcode`,
    principal_name: account.principalName,
    signature: account.signature,
    business_info: { open_pay: 0, open_shake: 0, open_scan: 0, open_card: 0, open_store: 0 },
    idc: 1,
    account_status: 1,
    register_type: 0,
    basic_config: { is_phone_configured: true, is_email_configured: true },
  };
  for (const field of account.omitInfo) delete info[field];
  if (account.kind === 'mini') {
    info.MiniProgramInfo = {
      network: { RequestDomain: [], WsRequestDomain: [], UploadDomain: [], DownloadDomain: [], BizDomain: [], UDPDomain: [] },
      categories: [{ first: '工具', second: '效率' }],
      visit_status: 0,
    };
  }
  return {
    authorizer_info: info,
    authorization_info: {
      authorizer_appid: account.appId,
      authorizer_refresh_token: authorization.refreshToken,
      func_info: funcInfo(authorization.funcInfo),
    },
  };
}
