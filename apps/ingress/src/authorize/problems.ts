/**
 * Every page of the authorization flow that is not the link or the result: what happened and
 * what to do, in the words of a shop owner (who neither knows nor can fix WeChat's plumbing),
 * with a stable code for logs and tests. `{errcode}` is replaced by WeChat's errcode.
 */
export interface Problem {
  status: number;
  title: string;
  /** What happened. */
  zh: string;
  /** What to do. */
  todo: string;
  en: string;
  /** The page reloads itself after this many seconds (and says so with Retry-After). */
  refreshSeconds?: number;
}

const RESTART = '请回到店铺后台，重新打开授权页。';
const RESTART_EN = 'go back to your shop admin and open the authorization page again';

export const PROBLEMS = {
  // ── /authorize ──
  SHOP_INVALID: {
    status: 400,
    title: '链接不完整',
    zh: '这个授权链接缺少店铺编号（shop），或编号格式不对。',
    todo: RESTART,
    en: `This authorization link has no valid shop in it: ${RESTART_EN}.`,
  },
  PARAMETER_REPEATED: {
    status: 400,
    title: '链接不完整',
    zh: '这个授权链接中有重复或无效的参数。',
    todo: RESTART,
    en: `A parameter of this link is repeated or invalid: ${RESTART_EN}.`,
  },
  COMPONENT_REQUIRED: {
    status: 400,
    title: '链接不完整',
    zh: '这个授权链接没有指明授权给哪个服务平台（component）。',
    todo: `${RESTART}如果仍然出现，请联系平台客服。`,
    en: `The link does not name the platform (component parameter): ${RESTART_EN}; if this persists, contact the platform's support.`,
  },
  COMPONENT_UNKNOWN: {
    status: 404,
    title: '未知的服务平台',
    zh: '这个授权链接指向的服务平台不存在（未知的第三方平台）。',
    todo: `${RESTART}如果仍然出现，请联系平台客服。`,
    en: `The link names a platform this service does not know: ${RESTART_EN}; if this persists, contact the platform's support.`,
  },
  // Not an error of the shop's nor WeChat's: the service waits for WeChat's ticket (pushed every
  // 10 minutes, asked for at once). 202: accepted, come back shortly; not a 5xx that pages oncall.
  PREPARING: {
    status: 202,
    title: '授权服务正在准备中',
    zh: '授权服务正在与微信同步（刚启动或刚恢复时需要几秒到几分钟），授权链接马上就好。',
    todo: '无需任何操作：本页会自动刷新，按钮出现后点击即可授权。',
    en: 'Getting ready: the service is syncing with WeChat and the link will be ready shortly. Nothing to do: this page refreshes by itself.',
    refreshSeconds: 5,
  },
  WECHAT_UNREACHABLE: {
    status: 502,
    title: '暂时无法连接微信',
    zh: '微信的服务器暂时没有响应，授权链接无法生成。',
    todo: '这通常很快恢复：本页每半分钟自动重试，也可以过一会儿再刷新。',
    en: 'WeChat cannot be reached right now, so no link can be made. This usually clears up quickly: the page retries every 30 seconds.',
    refreshSeconds: 30,
  },
  PLATFORM_MISCONFIGURED: {
    status: 503,
    title: '授权服务暂不可用',
    zh: '服务平台在微信那边的设置需要管理员处理，暂时无法生成授权链接。',
    todo: '店铺这边无需任何操作。请联系平台客服，并告知错误码 {errcode}。',
    en: "The platform's WeChat settings need its administrator's attention. Nothing to do on your side: contact the platform's support and mention error code {errcode}.",
  },
  WECHAT_QUOTA: {
    status: 503,
    title: '今日授权次数已用完',
    zh: '服务平台今天调用微信接口的次数已达上限（错误码 {errcode}）。',
    todo: '请明天再试，或联系平台客服。',
    en: "The platform has used up today's WeChat quota (error code {errcode}): try again tomorrow or contact the platform's support.",
  },
  WECHAT_REFUSED: {
    status: 502,
    title: '微信拒绝了请求',
    zh: '微信拒绝生成授权链接（错误码 {errcode}）。',
    todo: '请过几分钟刷新本页；如果一直出现，请联系平台客服并告知错误码。',
    en: "WeChat refused to make the link (error code {errcode}): reload in a few minutes; if it persists, contact the platform's support.",
  },
  SERVICE_BUSY: {
    status: 503,
    title: '系统繁忙',
    zh: '授权服务暂时繁忙，没能生成授权链接。',
    todo: '本页会自动刷新，也可以稍后手动刷新。',
    en: 'The service is busy and could not make the link; this page refreshes by itself.',
    refreshSeconds: 10,
  },
  // ── /authorize/callback ── (its `state` and nonce are spent on the first visit: a reload cannot
  // help there, so these pages send the owner back to the start instead.)
  STATE_EXPIRED: {
    status: 400,
    title: '授权链接已过期',
    zh: '授权页面打开超过 30 分钟，为了安全已失效。',
    todo: `${RESTART}然后再扫码授权。`,
    en: `The authorization page was opened more than 30 minutes ago and has expired: ${RESTART_EN}.`,
  },
  STATE_INVALID: {
    status: 400,
    title: '授权请求无效',
    zh: '返回的授权信息不完整或被改动过，无法确认是哪家店铺发起的授权。',
    todo: RESTART,
    en: `The authorization request is incomplete or was altered: ${RESTART_EN}.`,
  },
  CODE_MISSING: {
    status: 400,
    title: '没有完成授权',
    zh: '微信没有返回授权结果（未返回授权码），可能在微信页面上取消了授权。',
    todo: `如需绑定，${RESTART}`,
    en: `WeChat returned no authorization (perhaps it was cancelled in WeChat): to bind an account, ${RESTART_EN}.`,
  },
  LINK_USED: {
    status: 400,
    title: '这次授权已经处理过',
    zh: '该授权链接已使用过（例如刷新了本页，或按钮点了两次）。',
    todo: `如果之前显示“授权成功”，无需再做任何事；否则${RESTART}`,
    en: `This authorization was already handled (the page was reloaded?). If it said "authorized" before, nothing to do; otherwise ${RESTART_EN}.`,
  },
  CODE_INVALID: {
    status: 400,
    title: '授权码无效',
    zh: '微信给出的授权码无效或已过期（授权后等待太久，或重复提交）。',
    todo: `${RESTART}再授权一次。`,
    en: `WeChat's authorization code is invalid or expired: ${RESTART_EN} and authorize once more.`,
  },
  NO_API_PERMISSION: {
    status: 400,
    title: '未授予任何接口权限',
    zh: '授权时没有勾选任何接口权限集，服务无法代为运营这个账号。',
    todo: `${RESTART}授权时请至少保留一项权限。`,
    en: `No API permission set was granted, so the service cannot act for this account: ${RESTART_EN} and keep at least one permission set.`,
  },
  AUTHORIZATION_FAILED: {
    status: 502,
    title: '绑定没有完成',
    zh: '微信那边已确认授权，但本服务完成绑定时出错。',
    todo: '请稍后在店铺后台查看绑定状态；如果仍未绑定，请重新打开授权页再授权，或联系平台客服。',
    en: "WeChat confirmed the authorization but binding it failed here: check the binding in your shop admin later; if it is not there, authorize again or contact the platform's support.",
  },
  STILL_PROCESSING: {
    status: 202,
    title: '授权正在处理中',
    zh: '微信已确认授权，本服务正在完成绑定，比平时慢一些。',
    todo: '无需再授权：一两分钟后在店铺后台即可看到绑定结果。',
    en: 'WeChat confirmed the authorization and the binding is taking longer than usual: nothing to do, it shows in your shop admin in a minute or two.',
  },
  ALREADY_BOUND: {
    status: 409,
    title: '账号已绑定其他店铺',
    zh: '这个公众号或小程序已经绑定到另一家店铺（{shop}），没有改动。',
    todo: '如需改绑到本店铺，请联系平台客服在控制台执行改绑。',
    en: "This account is already bound to another shop and was left as it is: to move it to this shop, ask the platform's support to rebind it from the console.",
  },
  CALLBACK_BUSY: {
    status: 503,
    title: '系统繁忙',
    zh: '授权服务暂时繁忙，没能接收这次授权。',
    todo: `请稍后${RESTART}`,
    en: `The service was busy and could not take this authorization: in a moment, ${RESTART_EN}.`,
  },
} as const satisfies Record<string, Problem>;

export type ProblemCode = keyof typeof PROBLEMS;
