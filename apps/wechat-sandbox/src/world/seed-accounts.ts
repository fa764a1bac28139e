import type { SandboxAccount } from './types.js';

/** Official-account permission sets offered by default (1 = 消息管理). */
export const OFFICIAL_FUNC_INFO = [1, 2, 3, 4, 6, 7, 11, 15];
/** Mini-program permission sets offered by default (19 = 客服消息管理). */
export const MINI_FUNC_INFO = [17, 18, 19, 25, 30, 31];

/** The five 全网发布 test groups of wechat-protocol.md §6: [group, OA appid, OA gh, MP appid, MP gh]. */
export const RELEASE_TEST_GROUPS: readonly (readonly [number, string, string, string, string])[] = [
  [1, 'wx570bc396a51b8ff8', 'gh_3c884a361561', 'wxd101a85aa106f53e', 'gh_8dad206e9538'],
  [2, 'wx9252c5e0bb1836fc', 'gh_c0f28a78b318', 'wxc39235c15087f6f3', 'gh_905ae9d01059'],
  [3, 'wx8e1097c5bc82cde9', 'gh_3f222ed8d140', 'wx7720d01d4b2a4500', 'gh_393666f1fdf4'],
  [4, 'wx14550af28c71a144', 'gh_26128078e9ab', 'wx05d483572dcd5d8b', 'gh_39abb5d4e1b7'],
  [5, 'wxa35b9c23cfe664eb', 'gh_2b3713f184a6', 'wx5910277cae6fd970', 'gh_7818dcb60240'],
];

function account(partial: Partial<SandboxAccount> & Pick<SandboxAccount, 'appId' | 'userName' | 'nickName' | 'kind'>): SandboxAccount {
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
    ...partial,
  };
}

/** Accounts every fresh sandbox has: a few shops' accounts, then the release-test groups. */
export function seedAccounts(): SandboxAccount[] {
  const shops = [
    account({ appId: 'wx1a2b3c4d5e6f7001', userName: 'gh_5a0d1e2f3a01', nickName: '小鹿咖啡', kind: 'official', alias: 'deercoffee' }),
    account({ appId: 'wx1a2b3c4d5e6f7002', userName: 'gh_5a0d1e2f3a02', nickName: '小鹿咖啡点单', kind: 'mini' }),
    account({ appId: 'wx1a2b3c4d5e6f7003', userName: 'gh_5a0d1e2f3a03', nickName: '山茶书店', kind: 'official', serviceType: 0, verifyType: -1 }),
    account({ appId: 'wx1a2b3c4d5e6f7004', userName: 'gh_5a0d1e2f3a04', nickName: '青禾生鲜', kind: 'official' }),
  ];
  const release = RELEASE_TEST_GROUPS.flatMap(([group, oaAppId, oaGh, mpAppId, mpGh]) => [
    account({ appId: oaAppId, userName: oaGh, nickName: `全网发布测试公众号${group}`, kind: 'official', releaseGroup: group }),
    account({ appId: mpAppId, userName: mpGh, nickName: `全网发布测试小程序${group}`, kind: 'mini', releaseGroup: group }),
  ]);
  return [...shops, ...release];
}
