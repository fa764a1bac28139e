import { permissionSetName } from '@weixin3rd/wechat-api';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Pusher } from '../push/pusher.js';
import type { SandboxAccount, SandboxComponent } from '../world/types.js';
import type { World } from '../world/world.js';
import { errorPage, esc, page } from './html.js';

export interface ConsentOptions {
  world: World;
  pusher: Pusher;
  onPushError?: (error: unknown) => void;
}

interface ConsentQuery {
  component_appid?: string;
  pre_auth_code?: string;
  redirect_uri?: string;
  auth_type?: string;
  biz_appid?: string;
  category_id_list?: string;
}

/** WeChat's words when the entry page or the callback is not on the registered domain. */
export const DOMAIN_RULE_TEXT =
  '请确认授权入口页所在域名，与授权后回调页所在域名相同，并且，此两者都必须与申请第三方平台时填写的授权发起页域名相同。授权入口页所在域名：';

const hostOf = (url: string | undefined): string | null => {
  if (!url) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
};

function offeredAccounts(world: World, q: ConsentQuery): SandboxAccount[] {
  const all = [...world.accounts.values()];
  if (q.biz_appid) return all.filter((a) => a.appId === q.biz_appid);
  const authType = q.auth_type ?? '3';
  return all.filter((a) => authType === '3' || (authType === '1' && a.kind === 'official') || (authType === '2' && a.kind === 'mini'));
}

function offeredPermissions(account: SandboxAccount, q: ConsentQuery): number[] {
  const wanted = q.category_id_list?.split('|').map(Number).filter(Number.isInteger);
  return wanted && wanted.length > 0 ? account.funcInfo.filter((id) => wanted.includes(id)) : account.funcInfo;
}

/**
 * The consent pages (wechat-protocol.md §4): the PC page and the H5 page check the component,
 * the domain rule and the pre_auth_code, let the admin pick an account and its permission sets,
 * then redirect with `auth_code` and push `authorized`/`updateauthorized` with the same code.
 */
export const consentRoutes: FastifyPluginAsync<ConsentOptions> = async (app, { world, pusher, onPushError }) => {
  const check = (
    q: ConsentQuery,
    referer: string | undefined,
    checkReferer: boolean,
  ): { component: SandboxComponent } | { error: string } => {
    const component = q.component_appid ? world.components.get(q.component_appid) : undefined;
    if (!component) return { error: 'component_appid 无效 (invalid component_appid)' };
    const refererHost = hostOf(referer);
    if (checkReferer && (refererHost === null || refererHost !== component.authDomain))
      return { error: `${DOMAIN_RULE_TEXT}${refererHost ?? '空'}` };
    const redirectHost = hostOf(q.redirect_uri);
    if (redirectHost === null || redirectHost !== component.authDomain) {
      return { error: `${DOMAIN_RULE_TEXT}${refererHost ?? '空'}（授权后回调页所在域名：${redirectHost ?? '空'}）` };
    }
    const problem = world.preAuthCodeProblem(component.appId, q.pre_auth_code);
    return problem ? { error: problem } : { component };
  };

  const show = async (req: { query: unknown; headers: Record<string, string | string[] | undefined> }, reply: FastifyReply) => {
    const q = req.query as ConsentQuery;
    const checked = check(q, req.headers.referer as string | undefined, true);
    reply.type('text/html; charset=utf-8');
    if ('error' in checked) return errorPage(checked.error);
    const accounts = offeredAccounts(world, q);
    if (accounts.length === 0) return errorPage('没有可授权的账号 (no account matches auth_type / biz_appid)');
    const hidden = (['component_appid', 'pre_auth_code', 'redirect_uri', 'auth_type', 'biz_appid', 'category_id_list'] as const)
      .map((k) => (q[k] === undefined ? '' : `<input type="hidden" name="${k}" value="${esc(q[k] ?? '')}">`))
      .join('');
    const options = accounts
      .map((a, i) => {
        const perms = offeredPermissions(a, q)
          .map(
            (id) =>
              `<label class="perm"><input type="checkbox" name="func_${esc(a.appId)}" value="${id}" checked> ${esc(permissionSetName(id).zh)}</label>`,
          )
          .join('');
        return `<label class="account" data-appid="${esc(a.appId)}"><input type="radio" name="appid" value="${esc(a.appId)}"${i === 0 ? ' checked' : ''}>
<span><strong>${esc(a.nickName)}</strong> <small>${a.kind === 'official' ? '公众号' : '小程序'} · ${esc(a.userName)}</small><br>${perms}</span></label>`;
      })
      .join('\n');
    return page(
      '公众号/小程序授权',
      `<h1>授权给第三方平台</h1><p class="sub">${esc(checked.component.appId)} 请求获得以下权限（沙箱模拟）</p>
<form method="post" action="/cgi-bin/componentloginpage/confirm">${hidden}<fieldset><legend>选择要授权的账号</legend>${options}</fieldset>
<button type="submit" id="confirm">授权</button></form>`,
    );
  };

  /** The H5 pages take the page's own `action=bindcomponent&no_scan=1` (wechat-protocol.md §4, §11.3). */
  const showH5 = async (req: { query: unknown; headers: Record<string, string | string[] | undefined> }, reply: FastifyReply) => {
    const q = req.query as { action?: string; no_scan?: string };
    if (q.action !== 'bindcomponent' || q.no_scan !== '1') {
      reply.type('text/html; charset=utf-8');
      return errorPage('参数错误：缺少 action=bindcomponent 或 no_scan=1 (invalid H5 authorization link)');
    }
    return show(req, reply);
  };

  app.get('/cgi-bin/componentloginpage', show);
  // The current H5 link (open.weixin.qq.com) and the legacy one (mp.weixin.qq.com).
  app.get('/wxaopen/safe/bindcomponent', showH5);
  app.get('/safe/bindcomponent', showH5);

  app.post('/cgi-bin/componentloginpage/confirm', async (req, reply) => {
    const form = (req.body ?? {}) as Record<string, string | string[] | undefined>;
    const q = form as ConsentQuery;
    // The form is posted from the sandbox's own page: the domain rule was checked when it was shown.
    const checked = check(q, undefined, false);
    if ('error' in checked) return reply.type('text/html; charset=utf-8').send(errorPage(checked.error));
    const appId = typeof form.appid === 'string' ? form.appid : '';
    const account = offeredAccounts(world, q).find((a) => a.appId === appId);
    if (!account) return reply.type('text/html; charset=utf-8').send(errorPage('请选择要授权的账号'));
    const picked = ([] as string[]).concat(form[`func_${appId}`] ?? []).map(Number);
    const funcInfo = offeredPermissions(account, q).filter((id) => picked.includes(id));
    if (funcInfo.length === 0) return reply.type('text/html; charset=utf-8').send(errorPage('请至少选择一个权限集'));

    const result = world.consent(checked.component.appId, account.appId, funcInfo, q.pre_auth_code ?? null);
    void pusher
      .pushAuthorizationEvent(checked.component.appId, {
        infoType: result.infoType,
        authorizerAppId: account.appId,
        authCode: result.authCode.value,
        authCodeExpiresAtMs: result.authCode.expiresAtMs,
        preAuthCode: q.pre_auth_code ?? null,
      })
      .catch(onPushError ?? (() => undefined));
    const target = new URL(q.redirect_uri ?? '');
    target.searchParams.set('auth_code', result.authCode.value);
    // The code lives exactly as long as announced (authCodeTtlSeconds, 600 by default).
    target.searchParams.set('expires_in', String(world.settings.authCodeTtlSeconds));
    return reply.redirect(target.toString(), 302);
  });
};
