import { RELEASE_TEST_GROUPS } from '@weixin3rd/wechat-api';
import type { SandboxAccount } from './types.js';

export { RELEASE_TEST_GROUPS };

/** Official-account permission sets offered by default (1 = 消息管理). */
export const OFFICIAL_FUNC_INFO = [1, 2, 3, 4, 6, 7, 11, 15];
/** Mini-program permission sets offered by default (19 = 客服消息管理). */
export const MINI_FUNC_INFO = [17, 18, 19, 25, 30, 31];

/** A complete account from the fields that matter, with WeChat-like defaults for the rest. */
export function newAccount(
  partial: Partial<SandboxAccount> & Pick<SandboxAccount, 'appId' | 'userName' | 'nickName' | 'kind'>,
): SandboxAccount {
  return {
    serviceType: partial.kind === 'official' ? 2 : 0,
    verifyType: 0,
    principalName: '沙箱示例有限公司',
    headImg: `http://wx.qlogo.cn/mmopen/sandbox/${partial.appId}/0`,
    alias: '',
    signature: '',
    funcInfo: partial.kind === 'official' ? [...OFFICIAL_FUNC_INFO] : [...MINI_FUNC_INFO],
    releaseGroup: null,
    options: { location_report: '0', voice_recognize: '0', customer_service: '0' },
    omitInfo: [],
    ...partial,
  };
}

/** Accounts every fresh sandbox has: a few shops' accounts, then the release-test groups. */
export function seedAccounts(): SandboxAccount[] {
  const shops = [
    newAccount({ appId: 'wx1a2b3c4d5e6f7001', userName: 'gh_5a0d1e2f3a01', nickName: '小鹿咖啡', kind: 'official', alias: 'deercoffee' }),
    newAccount({ appId: 'wx1a2b3c4d5e6f7002', userName: 'gh_5a0d1e2f3a02', nickName: '小鹿咖啡点单', kind: 'mini' }),
    newAccount({
      appId: 'wx1a2b3c4d5e6f7003',
      userName: 'gh_5a0d1e2f3a03',
      nickName: '山茶书店',
      kind: 'official',
      serviceType: 0,
      verifyType: -1,
    }),
    newAccount({ appId: 'wx1a2b3c4d5e6f7004', userName: 'gh_5a0d1e2f3a04', nickName: '青禾生鲜', kind: 'official' }),
  ];
  const release = RELEASE_TEST_GROUPS.flatMap(([group, oaAppId, oaGh, mpAppId, mpGh]) => [
    newAccount({ appId: oaAppId, userName: oaGh, nickName: `全网发布测试公众号${group}`, kind: 'official', releaseGroup: group }),
    newAccount({ appId: mpAppId, userName: mpGh, nickName: `全网发布测试小程序${group}`, kind: 'mini', releaseGroup: group }),
  ]);
  return [...shops, ...release];
}
