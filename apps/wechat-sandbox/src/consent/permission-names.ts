/** Names of the permission sets (权限集) the consent page shows. */
export const PERMISSION_NAMES: Readonly<Record<number, string>> = {
  1: '消息管理',
  2: '用户管理',
  3: '账号服务',
  4: '网页服务',
  6: '多客服',
  7: '群发与通知',
  11: '素材管理',
  15: '自定义菜单',
  17: '账号管理',
  18: '开发管理与数据分析',
  19: '客服消息管理',
  25: '开放平台账号管理',
  30: '小程序基本信息设置',
  31: '小程序认证',
};
