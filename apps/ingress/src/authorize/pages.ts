import { escapeHtml as esc } from '@weixin3rd/runtime';
import { permissionSetName } from '@weixin3rd/wechat-api';
import { PROBLEMS, type Problem, type ProblemCode } from './problems.js';

/** Our own pages: Chinese first, English second, no script needed. */
export function page(title: string, body: string, refreshSeconds?: number): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="origin">${refreshSeconds ? `\n<meta http-equiv="refresh" content="${refreshSeconds}">` : ''}
<title>${esc(title)}</title>
<style>
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f5f6f7;margin:0;color:#1f2329}
main{max-width:520px;margin:48px auto;background:#fff;border-radius:10px;padding:32px;box-shadow:0 2px 8px rgba(0,0,0,.06)}
h1{font-size:22px;margin:0 0 6px}p{line-height:1.7}.en{color:#8f959e;font-size:13px}
a.button{display:inline-block;background:#07c160;color:#fff;text-decoration:none;border-radius:6px;padding:12px 28px;font-size:16px;margin:16px 0}
.account{display:flex;gap:16px;align-items:center;margin:16px 0}.account img{width:56px;height:56px;border-radius:50%;background:#eee}
.error{color:#d83931}.todo{background:#f5f6f7;border-radius:6px;padding:10px 14px}ul{padding-left:20px}
</style></head><body><main>${body}</main></body></html>`;
}

const fill = (text: string, vars: Readonly<Record<string, string | number>>): string =>
  text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));

/** A problem of problems.ts: what happened, what to do, and a self-refresh where waiting helps. */
export function problemPage(code: ProblemCode, vars: Readonly<Record<string, string | number>> = {}): string {
  const p: Problem = PROBLEMS[code];
  const waiting = p.status < 300;
  return page(
    p.title,
    `<h1>${esc(p.title)}</h1><p class="${waiting ? '' : 'error'}" id="error" data-problem="${code}">${esc(fill(p.zh, vars))}</p>
<p class="todo" id="todo">${esc(fill(p.todo, vars))}</p><p class="en">${esc(fill(p.en, vars))}</p>`,
    p.refreshSeconds,
  );
}

/** The page with the link to WeChat: clicked here, so WeChat sees our domain as the Referer. */
export function authorizePage(link: string, shopId: string, mode: 'pc' | 'h5'): string {
  return page(
    '授权公众号或小程序 · Authorize',
    `<h1>绑定公众号或小程序</h1>
<p>店铺 <strong>${esc(shopId)}</strong>：点击下方按钮，用公众号或小程序管理员的微信${mode === 'pc' ? '扫码' : ''}确认授权，无需任何配置。</p>
<p class="en">Shop ${esc(shopId)}: click below and confirm with the administrator's WeChat${mode === 'pc' ? ' by scanning the code' : ''}. Nothing to configure.</p>
<a class="button" id="authorize" href="${esc(link)}">前往微信授权 · Authorize in WeChat</a>
<p class="en">授权链接 10 分钟内有效 · The link is valid for 10 minutes.</p>`,
  );
}

export interface BoundAccount {
  nickName: string;
  headImg: string | null;
  kind: 'official' | 'mini' | null;
  userName: string;
  funcInfo: number[];
  shopId: string;
}

export function resultPage(account: BoundAccount): string {
  const kind = account.kind === 'mini' ? '小程序 · Mini Program' : '公众号 · Official Account';
  return page(
    '授权成功 · Authorized',
    `<h1>授权成功</h1><p class="en">Authorized</p>
<div class="account" id="account">${account.headImg ? `<img src="${esc(account.headImg)}" alt="">` : ''}<div><strong id="nick-name">${esc(account.nickName)}</strong><br><span class="en">${esc(kind)} · ${esc(account.userName)}</span></div></div>
<p>已绑定到店铺 <strong id="shop">${esc(account.shopId)}</strong>。<span class="en">Bound to shop ${esc(account.shopId)}.</span></p>
<p>已授权的权限集 · Permission sets granted:</p><ul id="permissions">${account.funcInfo.map((id) => `<li data-id="${id}">${esc(permissionSetName(id).zh)} <span class="en">${esc(permissionSetName(id).en)}</span></li>`).join('')}</ul>`,
  );
}
