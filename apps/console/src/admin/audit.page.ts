import type { Store } from '@weixin3rd/store';
import { bi, esc, time } from './html.js';

export async function auditPage(store: Pick<Store, 'audit'>): Promise<string> {
  const entries = await store.audit.recent(200);
  const rows = entries
    .map(
      (
        e,
      ) => `<tr class="audit-entry"><td>${time(e.at)}</td><td>${esc(e.actor)}</td><td class="mono">${esc(e.action)}</td><td class="mono">${esc(e.target)}</td>
<td>${esc(e.detail)}</td><td>${e.ok ? '<span class="ok">✓</span>' : '<span class="bad">✗</span>'}</td></tr>`,
    )
    .join('');
  return `<p class="muted">${bi('每个操作员动作（登录、改绑、刷新、核对、重试、路由修改，以及 API 的写操作）都记录在 MongoDB 的 audit_log 中。', 'Every operator action (sign-in, rebind, refresh, reconcile, retry, route changes, and API writes) is kept in MongoDB, collection audit_log.')}</p>
<table id="audit"><thead><tr><th>${bi('时间', 'When')}</th><th>${bi('谁', 'Who')}</th><th>${bi('动作', 'What')}</th><th>${bi('对象', 'Target')}</th><th>${bi('详情', 'Detail')}</th><th></th></tr></thead>
<tbody>${rows || `<tr><td colspan="6" class="muted">${bi('暂无记录', 'Nothing yet')}</td></tr>`}</tbody></table>`;
}
