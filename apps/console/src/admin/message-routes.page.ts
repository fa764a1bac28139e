import type { MessageRoute } from '@weixin3rd/store';
import { checkRouteBody, type MessageRouteActions, type RouteBodyInput } from '../message-route-actions.js';
import { bi, esc, form, time } from './html.js';

/** The admin form's fields: one per match field, the content test as a kind and a text. */
export interface RouteForm {
  service?: string;
  priority?: string;
  enabled?: string;
  componentAppId?: string;
  authorizerAppId?: string;
  shopId?: string;
  msgType?: string;
  event?: string;
  eventKey?: string;
  contentKind?: string;
  content?: string;
}

const CONTENT_KINDS: readonly [string, string, string][] = [
  ['prefix', '开头是', 'starts with'],
  ['contains', '包含', 'contains'],
  ['exact', '等于', 'equals'],
  ['regex', '正则 (RE2)', 'regex (RE2)'],
];

type MatchField = 'authorizerAppId' | 'shopId' | 'componentAppId' | 'msgType' | 'event' | 'eventKey';

const MATCH_FIELDS: readonly [MatchField, string, string, string][] = [
  ['authorizerAppId', '账号 AppID', 'Account appid', 'wx…'],
  ['shopId', '店铺', 'Shop', 'shop-1024'],
  ['componentAppId', '组件 AppID', 'Component appid', 'wx…'],
  ['msgType', '消息类型', 'MsgType', 'text, image, event…'],
  ['event', '事件', 'Event', 'subscribe, CLICK…'],
  ['eventKey', '事件 Key', 'EventKey', ''],
];

/** The form's text as the API's body: empty fields left out, then checked with the API's schema. */
export function routeFromForm(f: RouteForm): RouteBodyInput {
  const text = (v: string | undefined) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const match: Record<string, unknown> = {};
  for (const [field] of MATCH_FIELDS) {
    const v = text(f[field]);
    if (v !== undefined) match[field] = v;
  }
  const kind = text(f.contentKind);
  // The content as typed (leading spaces can matter), but an empty one is no test.
  if (kind && typeof f.content === 'string' && f.content !== '') match.content = { [kind]: f.content };
  const priority = text(f.priority);
  return checkRouteBody({
    service: text(f.service) ?? '',
    priority: priority !== undefined && /^-?\d+$/.test(priority) ? Number(priority) : priority,
    enabled: f.enabled === '1',
    match,
  });
}

const FORM_FIELDS = [
  'service',
  'priority',
  'enabled',
  'componentAppId',
  'authorizerAppId',
  'shopId',
  'msgType',
  'event',
  'eventKey',
  'contentKind',
  'content',
] as const satisfies readonly (keyof RouteForm)[];

/** A refused add (`form: 'add'`) or edit (`form`: the route's id), kept to show the operator again. */
export function routeDraft(form: string, body: RouteForm | undefined): { form: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  for (const name of FORM_FIELDS) {
    const v = body?.[name];
    if (typeof v === 'string') fields[name] = v.slice(0, 2000);
  }
  return { form, fields };
}

/** The editor's values: a draft the operator typed (refused), else the route, else a new route's defaults. */
function editorValues(route: MessageRoute | null, draft: Record<string, string> | undefined): Record<(typeof FORM_FIELDS)[number], string> {
  if (draft) {
    const v = Object.fromEntries(FORM_FIELDS.map((f) => [f, draft[f] ?? ''])) as Record<(typeof FORM_FIELDS)[number], string>;
    return { ...v, contentKind: v.contentKind || 'prefix' };
  }
  const m = route?.match ?? {};
  const [kind, content] = m.content ? (Object.entries(m.content)[0] ?? ['prefix', '']) : ['prefix', ''];
  return {
    service: route?.service ?? '',
    priority: String(route?.priority ?? 0),
    enabled: route === null || route.enabled ? '1' : '',
    componentAppId: m.componentAppId ?? '',
    authorizerAppId: m.authorizerAppId ?? '',
    shopId: m.shopId ?? '',
    msgType: m.msgType ?? '',
    event: m.event ?? '',
    eventKey: m.eventKey ?? '',
    contentKind: kind,
    content,
  };
}

/** What a route matches, in words: one pill per condition. */
function matchPills(m: MessageRoute['match']): string {
  const pills = MATCH_FIELDS.filter(([field]) => m[field] !== undefined).map(
    ([field, zh, en]) => `<span class="pill grey" title="${esc(en)}">${esc(zh)}: <span class="mono">${esc(m[field])}</span></span>`,
  );
  const c = m.content;
  if (c) {
    const [kind, value] = Object.entries(c)[0] ?? ['', ''];
    const label = CONTENT_KINDS.find(([k]) => k === kind);
    pills.push(
      `<span class="pill grey" title="Content ${esc(label?.[2] ?? kind)}">${esc(`内容${label?.[1] ?? kind}`)}: <span class="mono">${esc(value)}</span></span>`,
    );
  }
  return pills.join(' ') || `<span class="muted">${bi('全部消息', 'every message')}</span>`;
}

function editor(route: MessageRoute | null, csrf: string, draft: Record<string, string> | undefined): string {
  const v = editorValues(route, draft);
  const kind = v.contentKind;
  const input = (name: string, value: string | number | undefined, attrs: string) =>
    `<input type="text" name="${name}" value="${esc(value)}" ${attrs}>`;
  const field = (zh: string, en: string, control: string, cls = '') =>
    `<label class="field${cls}"><span>${bi(zh, en)}</span>${control}</label>`;
  const matchFields = MATCH_FIELDS.map(([name, zh, en, placeholder]) =>
    field(zh, en, input(name, v[name], `placeholder="${esc(placeholder)}" aria-label="${esc(en)}"`)),
  ).join('');
  const kinds = CONTENT_KINDS.map(
    ([k, zh, en]) => `<option value="${k}"${k === kind ? ' selected' : ''}>${esc(zh)} · ${esc(en)}</option>`,
  ).join('');
  const body = `<div class="route-grid">
${field('服务', 'Service', input('service', v.service, 'required pattern="[a-z0-9\\-]{1,40}" placeholder="crm" aria-label="service"'))}
${field('优先级', 'Priority', `<input type="number" name="priority" value="${esc(v.priority)}" required step="1" min="-1000000" max="1000000" aria-label="priority">`)}
${field('启用', 'Enabled', `<input type="checkbox" name="enabled" value="1"${v.enabled === '1' ? ' checked' : ''} aria-label="enabled">`, ' check')}
${matchFields}
${field('内容', 'Content', `<span class="content-test"><select name="contentKind" aria-label="content test">${kinds}</select>${input('content', v.content, 'placeholder="订单" aria-label="content"')}</span>`, ' wide')}
</div>
<p class="toolbar"><button type="submit" id="${route ? 'save-route' : 'add-route'}">${route ? bi('保存', 'Save') : bi('添加路由', 'Add route')}</button>${
    route ? `<a href="/admin/message-routes" class="muted">${bi('取消', 'Cancel')}</a>` : ''
  }</p>`;
  return `<section class="card" id="route-editor"><h2>${
    route ? `${bi('编辑路由', 'Edit route')} <span class="mono small">${esc(route.id)}</span>` : bi('添加路由', 'Add a route')
  }</h2>${form(route ? `/admin/message-routes/${route.id}` : '/admin/message-routes', csrf, body, ' id="route-form"')}</section>`;
}

function row(r: MessageRoute, csrf: string, editing: boolean): string {
  const state = r.enabled
    ? `<span class="pill ok">${bi('启用', 'enabled')}</span>`
    : `<span class="pill grey">${bi('已停用', 'disabled')}</span>`;
  const toggle = form(
    `/admin/message-routes/${r.id}/enabled`,
    csrf,
    `<input type="hidden" name="enabled" value="${r.enabled ? '0' : '1'}"><button type="submit" class="secondary ${r.enabled ? 'disable' : 'enable'}">${
      r.enabled ? bi('停用', 'Disable') : bi('启用', 'Enable')
    }</button>`,
    ' class="inline"',
  );
  const remove = form(
    `/admin/message-routes/${r.id}/delete`,
    csrf,
    `<button type="submit" class="secondary delete">${bi('删除', 'Delete')}</button>`,
    ` class="inline" data-confirm="删除这条路由？Delete the route to ${esc(r.service)}?"`,
  );
  return `<tr class="message-route${r.enabled ? '' : ' disabled'}${editing ? ' editing' : ''}" data-id="${esc(r.id)}" data-service="${esc(r.service)}">
<td class="priority">${esc(r.priority)}</td><td class="service"><strong>${esc(r.service)}</strong><br><span class="mono small muted">messages.${esc(r.service)}</span></td>
<td class="match">${matchPills(r.match)}</td><td class="state">${state}</td><td class="small">${time(r.updatedAt)}</td>
<td><a class="button secondary edit" href="/admin/message-routes?edit=${esc(r.id)}">${bi('编辑', 'Edit')}</a> ${toggle}${remove}</td></tr>`;
}

/** `/admin/message-routes`: the rules in decision order, a form to add one, and edit/disable/delete per rule. */
export async function messageRoutesPage(
  routes: MessageRouteActions,
  query: { edit?: string },
  csrf: string,
  draft?: { form: string; fields: Record<string, string> },
): Promise<string> {
  const items = await routes.list();
  const editing = query.edit ? (items.find((r) => r.id === query.edit) ?? null) : null;
  // Shown in the editor it came from only: a refused edit's fields never fill the add form.
  const typed = draft && draft.form === (editing?.id ?? 'add') ? draft.fields : undefined;
  const missing = query.edit && !editing ? `<div class="flash bad">${bi('没有这条路由', 'No such route')}: ${esc(query.edit)}</div>` : '';
  const rows = items.map((r) => row(r, csrf, r.id === editing?.id)).join('');
  return `${missing}<p class="muted">${bi(
    '每条消息交给匹配的路由中优先级最高的一条（同优先级取最早的），进入队列 messages.<服务>；没有匹配时交给 MESSAGE_DEFAULT_SERVICE，未设置则只记录并回复 success。修改立即通知所有 worker-messages。',
    'Each message goes to the matching route of highest priority (ties: the oldest), into the queue messages.<service>; when none matches, to MESSAGE_DEFAULT_SERVICE, or recorded and answered success when that is unset. Changes reach every worker-messages at once.',
  )}</p>
${editor(editing, csrf, typed)}
<table id="message-routes"><thead><tr><th>${bi('优先级', 'Priority')}</th><th>${bi('服务', 'Service')}</th><th>${bi('匹配条件', 'Match')}</th><th>${bi('状态', 'State')}</th><th>${bi('更新时间', 'Updated')}</th><th>${bi('操作', 'Actions')}</th></tr></thead>
<tbody>${rows || `<tr><td colspan="6" class="muted">${bi('还没有路由', 'No route yet')}</td></tr>`}</tbody></table>`;
}

/** One line for the audit log: what the route does. */
export function describeRoute(r: Pick<MessageRoute, 'service' | 'priority' | 'enabled' | 'match'>): string {
  return `${r.service} · priority ${r.priority}${r.enabled ? '' : ' · disabled'} · match ${JSON.stringify(r.match)}`;
}
