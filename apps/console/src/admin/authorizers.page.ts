import { SHOP_ID_REGEX } from '@weixin3rd/config';
import type { AuthorizerTokenService } from '@weixin3rd/credentials';
import type { Authorizer, Store } from '@weixin3rd/store';
import { permissionSetName } from '@weixin3rd/wechat-api';
import { bi, esc, form, relative } from './html.js';

export interface AuthorizersPageDeps {
  store: Pick<Store, 'authorizers' | 'components'>;
  authorizerTokens: Pick<AuthorizerTokenService, 'lastRefreshes'>;
  /** PUBLIC_BASE_URL: where shops open the authorization page. */
  publicBaseUrl: string;
}

export interface AuthorizersQuery {
  q?: string;
  status?: string;
  component?: string;
  linkShop?: string;
}

const STATUS: Readonly<Record<Authorizer['status'], [string, string, string]>> = {
  authorized: ['已授权', 'authorized', 'ok'],
  unauthorized: ['已取消授权', 'unauthorized', 'grey'],
  reauth_required: ['需重新授权', 'reauth required', 'bad'],
};

/** The authorization page links for a shop: PC (scan with WeChat) and H5 (open inside WeChat). */
export function authorizationLinks(publicBaseUrl: string, componentAppId: string, shopId: string): { pc: string; h5: string } {
  const base = `${publicBaseUrl}/authorize?component=${encodeURIComponent(componentAppId)}&shop=${encodeURIComponent(shopId)}`;
  return { pc: `${base}&mode=pc`, h5: `${base}&mode=h5` };
}

const copyButtons = (links: { pc: string; h5: string }): string =>
  `<button type="button" class="secondary copy-pc" data-copy="${esc(links.pc)}">${bi('复制 PC 链接', 'Copy PC link')}</button> ` +
  `<button type="button" class="secondary copy-h5" data-copy="${esc(links.h5)}">${bi('复制 H5 链接', 'Copy H5 link')}</button>`;

function row(a: Authorizer, outcome: { at: string; outcome: string } | null, deps: AuthorizersPageDeps, csrf: string): string {
  const [zh, en, cls] = STATUS[a.status];
  const now = Date.now();
  const left = a.accessTokenExpiresAt ? a.accessTokenExpiresAt.getTime() - now : null;
  const token =
    a.status !== 'authorized'
      ? '<span class="muted">—</span>'
      : `<span class="pill ${left !== null && left > 15 * 60_000 ? 'ok' : left !== null && left > 0 ? 'warn' : 'bad'}">${esc(relative(a.accessTokenExpiresAt, now))}</span>`;
  const refresh = outcome
    ? `<span class="${outcome.outcome === 'ok' ? 'ok' : 'bad'}">${esc(outcome.outcome === 'ok' ? '成功 · ok' : outcome.outcome)}</span><br><span class="muted small">${esc(relative(new Date(outcome.at), now))}</span>`
    : '<span class="muted">—</span>';
  const perms = a.funcInfo
    .map((id) => {
      const n = permissionSetName(id);
      return `<span class="pill" title="${esc(n.en)} (${id})">${esc(n.zh)}</span>`;
    })
    .join('');
  const path = `/admin/authorizers/${a.appId}`;
  const hidden = `<input type="hidden" name="component" value="${esc(a.componentAppId)}">`;
  return `<tr class="authorizer" data-appid="${esc(a.appId)}">
<td><strong class="nick">${esc(a.nickName ?? '—')}</strong><br><span class="mono">${esc(a.appId)}</span><br><span class="muted small">${
    a.kind === 'mini' ? '小程序 · Mini Program' : '公众号 · Official Account'
  } · ${esc(a.principalName ?? '')}</span></td>
<td><span class="pill ${cls} status">${esc(zh)} <span class="en">${esc(en)}</span></span></td>
<td class="shop">${a.shopId ? `<strong>${esc(a.shopId)}</strong>` : '<span class="muted">—</span>'}</td>
<td class="perms">${perms || '<span class="muted">—</span>'}</td>
<td class="token">${token}</td>
<td class="refresh">${refresh}</td>
<td>${form(
    `${path}/shop`,
    csrf,
    `${hidden}<input type="text" name="shopId" required pattern="[A-Za-z0-9_.:\\-]{1,64}" size="10" placeholder="店铺 shop" aria-label="shop"><button type="submit" class="rebind">${bi('改绑', 'Rebind')}</button>`,
    ` class="inline" data-confirm="改绑店铺？Rebind ${esc(a.nickName ?? a.appId)} to this shop?"`,
  )}${
    a.status === 'authorized'
      ? form(
          `${path}/refresh`,
          csrf,
          `${hidden}<button type="submit" class="secondary force-refresh">${bi('立即刷新令牌', 'Force refresh')}</button>`,
          ' class="inline"',
        )
      : ''
  }${a.shopId ? `<div>${copyButtons(authorizationLinks(deps.publicBaseUrl, a.componentAppId, a.shopId))}</div>` : ''}</td></tr>`;
}

export async function authorizersPage(deps: AuthorizersPageDeps, query: AuthorizersQuery, csrf: string): Promise<string> {
  const components = await deps.store.components.listAppIds();
  const status = query.status && query.status in STATUS ? (query.status as Authorizer['status']) : undefined;
  let items = await deps.store.authorizers.search(query.q ?? '', 200);
  if (status) items = items.filter((a) => a.status === status);
  if (query.component) items = items.filter((a) => a.componentAppId === query.component);
  items = items.slice(0, 50);
  const outcomes = await deps.authorizerTokens.lastRefreshes(items);
  const statusOptions = Object.entries(STATUS)
    .map(([k, [zh, en]]) => `<option value="${k}"${k === status ? ' selected' : ''}>${esc(zh)} ${esc(en)}</option>`)
    .join('');
  const componentOptions = components
    .map((c) => `<option value="${esc(c)}"${c === query.component ? ' selected' : ''}>${esc(c)}</option>`)
    .join('');
  const linkComponent = query.component ?? components[0];
  const links =
    query.linkShop && linkComponent && SHOP_ID_REGEX.test(query.linkShop)
      ? `<p id="links">${bi('店铺', 'Shop')} <strong>${esc(query.linkShop)}</strong>: ${copyButtons(authorizationLinks(deps.publicBaseUrl, linkComponent, query.linkShop))}
<br><span class="mono small">${esc(authorizationLinks(deps.publicBaseUrl, linkComponent, query.linkShop).pc)}</span></p>`
      : '';
  return `<div class="card"><form method="get" action="/admin/authorizers" class="toolbar" id="search">
<input type="search" name="q" value="${esc(query.q)}" placeholder="店铺、名称或 AppID · shop, name or appid" size="34" aria-label="search">
<select name="status"><option value="">${bi('全部状态', 'any status')}</option>${statusOptions}</select>
<select name="component"><option value="">${bi('全部组件', 'any component')}</option>${componentOptions}</select>
<button type="submit">${bi('搜索', 'Search')}</button></form>
<form method="get" action="/admin/authorizers" class="toolbar" id="link-builder"><span>${bi('给店铺的授权链接', 'Authorization link for a shop')}</span>
<input type="text" name="linkShop" value="${esc(query.linkShop)}" placeholder="店铺 shop" pattern="[A-Za-z0-9_.:\\-]{1,64}" aria-label="shop for link">
${query.component ? `<input type="hidden" name="component" value="${esc(query.component)}">` : ''}<button type="submit" class="secondary">${bi('生成', 'Make links')}</button></form>${links}</div>
<table id="authorizers"><thead><tr><th>${bi('账号', 'Account')}</th><th>${bi('状态', 'Status')}</th><th>${bi('店铺', 'Shop')}</th><th>${bi('权限集', 'Permission sets')}</th><th>${bi('令牌到期', 'Token expires')}</th><th>${bi('上次刷新', 'Last refresh')}</th><th>${bi('操作', 'Actions')}</th></tr></thead>
<tbody>${items.map((a, i) => row(a, outcomes[i] ?? null, deps, csrf)).join('') || `<tr><td colspan="7" class="muted">${bi('没有匹配的账号', 'No matching account')}</td></tr>`}</tbody></table>`;
}
