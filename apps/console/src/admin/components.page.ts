import type { AuthorizerTokenService } from '@weixin3rd/credentials';
import type { QueueInspector } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import { bi, esc, form, relative, time } from './html.js';

/** What to do about a configuration error WeChat reported for a component (errcode → advice). */
export const CONFIG_ADVICE: Readonly<Record<string, [string, string]>> = {
  '40125': [
    'AppSecret 无效：在微信开放平台 → 管理中心 → 第三方平台 → 详情中重置 AppSecret，再用 PUT /api/v1/components/:componentAppId 或环境变量 COMPONENT_APPSECRET 更新。',
    'Invalid AppSecret: reset it in the Open Platform console (Management → Third-party platform → Details), then update it with PUT /api/v1/components/:componentAppId or COMPONENT_APPSECRET.',
  ],
  '61004': [
    '调用 IP 不在白名单：把本服务的出口 IP 加入第三方平台 → 开发资料 → 白名单 IP 地址列表，几分钟后生效。',
    "The server's egress IP is not on the component's IP allow-list: add it under Development settings → IP allow-list in the Open Platform console; it takes effect within minutes.",
  ],
  '41004': [
    '缺少 AppSecret：用 PUT /api/v1/components/:componentAppId 设置。',
    'AppSecret missing: set it with PUT /api/v1/components/:componentAppId.',
  ],
  '61005': [
    'ticket 已过期：等待微信下一次推送（每 10 分钟），本服务已请求重推。',
    'The ticket expired: WeChat pushes a new one every 10 minutes; the service already asked for one.',
  ],
  '61006': [
    'ticket 无效：检查授权事件接收 URL 是否指向本服务的 ingress。',
    'Invalid ticket: check that the authorization event URL points at this service’s ingress.',
  ],
};

/** Ticket age: green under 15 min, amber to 20, red over 20 (WeChat pushes every 10 and a ticket lives 12 h, but a silent ingress shows here first). */
export function ticketClass(ageMs: number | null): 'ok' | 'warn' | 'bad' {
  if (ageMs === null) return 'bad';
  return ageMs < 15 * 60_000 ? 'ok' : ageMs <= 20 * 60_000 ? 'warn' : 'bad';
}

export interface ComponentsPageDeps {
  store: Pick<Store, 'components' | 'tickets' | 'componentTokens'>;
  authorizerTokens: Pick<AuthorizerTokenService, 'quotaExhausted'>;
  queues: readonly QueueInspector[];
}

/** Recent failure reasons of WeChat calls for one component, from the failed jobs of the ticket and authorization queues. */
async function recentWeChatErrors(
  queues: readonly QueueInspector[],
  componentAppId: string,
): Promise<{ at: Date; queue: string; reason: string }[]> {
  const out: { at: Date; queue: string; reason: string }[] = [];
  for (const q of queues.filter((x) => x.name === 'tickets' || x.name === 'authorization' || x.name === 'token-refresh')) {
    for (const job of await q.failedJobs(50)) {
      if ((job.data as { componentAppId?: string } | undefined)?.componentAppId === componentAppId && job.failedReason)
        out.push({ at: new Date(job.finishedOn ?? job.timestamp), queue: q.name, reason: job.failedReason });
    }
  }
  return out.sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, 5);
}

export async function componentsPage(deps: ComponentsPageDeps, csrf: string): Promise<string> {
  const appIds = await deps.store.components.listAppIds();
  if (appIds.length === 0)
    return `<div class="card">${bi('还没有组件。用 PUT /api/v1/components/:componentAppId 或 COMPONENT_* 环境变量添加。', 'No component yet: add one with PUT /api/v1/components/:componentAppId or the COMPONENT_* variables.')}</div>`;
  const now = Date.now();
  const cards = await Promise.all(
    appIds.map(async (appId) => {
      const [summary, ticket, token, stopped, errors] = await Promise.all([
        deps.store.components.summary(appId),
        deps.store.tickets.latest(appId),
        deps.store.componentTokens.get(appId),
        deps.authorizerTokens.quotaExhausted(appId),
        recentWeChatErrors(deps.queues, appId),
      ]);
      const age = ticket ? now - ticket.receivedAt.getTime() : null;
      const ticketCell = ticket
        ? `<span class="pill ${ticketClass(age)}" id="ticket-age">${esc(relative(ticket.receivedAt, now))}</span> ${time(ticket.receivedAt)}`
        : `<span class="pill bad" id="ticket-age">${bi('从未收到', 'never received')}</span>`;
      const tokenLeft = token ? token.expiresAt.getTime() - now : null;
      const tokenCell = token
        ? `<span class="pill ${tokenLeft !== null && tokenLeft > 20 * 60_000 ? 'ok' : tokenLeft !== null && tokenLeft > 0 ? 'warn' : 'bad'}">${esc(relative(token.expiresAt, now))}</span> ${time(token.expiresAt)}`
        : `<span class="pill bad">${bi('无', 'none')}</span>`;
      const last = summary?.lastError;
      const advice = last ? CONFIG_ADVICE[last.code] : undefined;
      const configCell = last
        ? `<span class="bad" id="config-error">${esc(last.code)} ${esc(last.message)}</span> <span class="muted small">${time(last.at)}</span>${
            advice ? `<div class="hint">${esc(advice[0])}<br><span class="en">${esc(advice[1])}</span></div>` : ''
          }`
        : `<span class="ok">${bi('无', 'none')}</span>`;
      const quotaCell = stopped
        ? `<span class="pill bad">${bi('45009：今日刷新额度已用完，北京时间 0 点恢复', '45009: daily refresh quota used up until 00:00 Beijing time')}</span>`
        : `<span class="ok">${bi('正常', 'normal')}</span>`;
      const errorRows = errors.length
        ? `<ul class="small">${errors.map((e) => `<li>${time(e.at)} <code>${esc(e.queue)}</code> ${esc(e.reason)}</li>`).join('')}</ul>`
        : `<span class="muted">${bi('无', 'none')}</span>`;
      return `<section class="card component" data-appid="${esc(appId)}"><h2 class="mono">${esc(appId)}</h2>
<table><tbody>
<tr><th>${bi('ticket 年龄', 'Ticket age')}</th><td>${ticketCell}</td></tr>
<tr><th>${bi('component_access_token 到期', 'Component token expires')}</th><td>${tokenCell}</td></tr>
<tr><th>${bi('配置错误', 'Configuration error')}</th><td>${configCell}</td></tr>
<tr><th>${bi('授权方令牌刷新', 'Authorizer token refresh')}</th><td>${quotaCell}</td></tr>
<tr><th>${bi('最近的微信错误', 'Last WeChat errors')}</th><td>${errorRows}</td></tr>
</tbody></table>
<p>${form(
        `/admin/components/${appId}/reconcile`,
        csrf,
        `<button type="submit" class="secondary">${bi('与微信授权列表核对', "Reconcile with WeChat's list")}</button>`,
        ' class="inline"',
      )}<a href="/admin/authorizers?component=${esc(appId)}">${bi('查看授权账号', 'Its authorizers')} →</a></p></section>`;
    }),
  );
  return cards.join('');
}
