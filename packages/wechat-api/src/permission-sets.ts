/**
 * Names of WeChat's permission sets (权限集, `func_info[].funcscope_category.id`) as WeChat's
 * consent page shows them, with an English gloss: shown by the sandbox's consent page, the
 * ingress's authorization result page and the console, so people read names, not numbers.
 */
export const PERMISSION_SETS: Readonly<Record<number, { zh: string; en: string }>> = {
  1: { zh: '消息管理', en: 'Messages' },
  2: { zh: '用户管理', en: 'Users' },
  3: { zh: '账号服务', en: 'Account services' },
  4: { zh: '网页服务', en: 'Web pages' },
  6: { zh: '多客服', en: 'Customer service' },
  7: { zh: '群发与通知', en: 'Broadcasts and notifications' },
  11: { zh: '素材管理', en: 'Media library' },
  15: { zh: '自定义菜单', en: 'Custom menu' },
  17: { zh: '账号管理', en: 'Account management' },
  18: { zh: '开发管理与数据分析', en: 'Development and analytics' },
  19: { zh: '客服消息管理', en: 'Customer-service messages' },
  25: { zh: '开放平台账号管理', en: 'Open Platform account' },
  30: { zh: '小程序基本信息设置', en: 'Mini program settings' },
  31: { zh: '小程序认证', en: 'Mini program verification' },
};

/** The name of a permission set; an id WeChat added later reads 权限集 N · Permission set N. */
export function permissionSetName(id: number): { zh: string; en: string } {
  return PERMISSION_SETS[id] ?? { zh: `权限集 ${id}`, en: `Permission set ${id}` };
}
