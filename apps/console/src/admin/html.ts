import { escapeHtml as esc } from '@weixin3rd/runtime';

export { esc };

/** Chinese first, English beside it, as on the authorization pages. */
export const bi = (zh: string, en: string): string => `${esc(zh)} <span class="en">${esc(en)}</span>`;

/** "in 1 h 40 min" / "12 min ago", for expiries and ages. */
export function relative(at: Date | null | undefined, now = Date.now()): string {
  if (!at) return '—';
  const s = Math.round((at.getTime() - now) / 1000);
  const a = Math.abs(s);
  const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.floor(a / 60)} min` : `${Math.floor(a / 3600)} h ${Math.floor((a % 3600) / 60)} min`;
  if (a < 5) return '刚刚 · just now';
  return s >= 0 ? `${text} 后 · in ${text}` : `${text} 前 · ${text} ago`;
}

export const time = (at: Date | null | undefined): string =>
  at ? `<time datetime="${at.toISOString()}">${esc(at.toISOString().replace('T', ' ').slice(0, 19))} UTC</time>` : '—';

/** A POST form with the session's CSRF token; `body` holds its fields and button. */
export const form = (action: string, csrf: string, body: string, attrs = ''): string =>
  `<form method="post" action="${esc(action)}"${attrs}><input type="hidden" name="_csrf" value="${esc(csrf)}">${body}</form>`;

const NAV: readonly [string, string, string][] = [
  ['/admin', '组件', 'Components'],
  ['/admin/authorizers', '授权账号', 'Authorizers'],
  ['/admin/message-routes', '消息路由', 'Message routes'],
  ['/admin/jobs', '失败任务', 'Failed jobs'],
  ['/admin/audit', '审计日志', 'Audit log'],
];

const CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.5 "Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;color:#1d2129;background:#f4f5f7}
header{background:#1f2d3d;color:#fff;padding:0 24px;font-size:14px}header .bar{display:flex;align-items:center;gap:12px;padding:10px 0 2px}
header .brand{font-weight:600}header .bar:last-child{padding-bottom:10px}header .right{margin-left:auto;display:flex;gap:12px;align-items:center}header form{margin:0}
header nav{display:flex;flex-wrap:wrap;gap:0 18px}header nav .ext{margin-left:auto;display:flex;gap:18px}
header a{color:#c9d3df;text-decoration:none;padding:8px 2px 10px;border-bottom:2px solid transparent;white-space:nowrap;display:inline-block}header .en{color:#9aa8b8}
header a.on,header a:hover{color:#fff;border-bottom-color:#07c160}
header .who{color:#c9d3df;font-size:12px}header button{background:none;border:1px solid #6b7b8c;color:#fff;border-radius:4px;padding:3px 10px;cursor:pointer}
main{padding:20px 24px;max-width:1400px}h1{font-size:20px;margin:0 0 16px}h2{font-size:16px;margin:24px 0 8px}
.en{color:#86909c;font-size:.9em}.card{background:#fff;border-radius:6px;padding:16px;margin-bottom:16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #e5e6eb;vertical-align:top}
th{background:#f7f8fa;font-weight:600;font-size:13px}td code,.mono{font-family:ui-monospace,Menlo,monospace;font-size:12px}
.ok{color:#00a854}.warn{color:#d48806}.bad{color:#f53f3f}.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#e8f3ff;color:#165dff;margin:1px 2px 1px 0}
.pill.ok{background:#e8ffea;color:#00a854}.pill.bad{background:#ffece8;color:#f53f3f}.pill.warn{background:#fff7e8;color:#d48806}.pill.grey{background:#f2f3f5;color:#4e5969}
input[type=text],input[type=search],input[type=password],input[type=number],select{border:1px solid #c9cdd4;border-radius:4px;padding:5px 8px;font:inherit}
button,.button{background:#07c160;color:#fff;border:0;border-radius:4px;padding:5px 12px;font:inherit;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#1d2129;border:1px solid #c9cdd4}button.danger{background:#f53f3f}
form.inline{display:inline-flex;gap:6px;align-items:center;margin:2px 6px 2px 0}.flash{background:#e8ffea;border:1px solid #aff0b5;padding:8px 12px;border-radius:4px;margin-bottom:16px}
.flash.bad{background:#ffece8;border-color:#fdcdc5}.hint{background:#fff7e8;border-left:3px solid #ff7d00;padding:8px 12px;margin-top:8px}
.toolbar{display:flex;gap:8px;align-items:center;margin-bottom:12px;flex-wrap:wrap}.muted{color:#86909c}.small{font-size:12px}
.route-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px 16px}.field{display:flex;flex-direction:column;gap:4px}
.field input[type=text],.field input[type=number]{width:100%}.field.check{justify-content:flex-start}.field.check input{width:18px;height:18px;margin:6px 0}
.field.wide{grid-column:span 2}.content-test{display:flex;gap:6px}.content-test input{flex:1;min-width:0}tr.message-route.disabled td{color:#86909c}tr.editing{outline:2px solid #07c160}
a.button.secondary{background:#fff;color:#1d2129;border:1px solid #c9cdd4}
button .en,.button .en{color:rgba(255,255,255,.85)}button.secondary .en,a.button.secondary .en{color:#86909c}.card h2:first-child{margin-top:0}
.scroll{overflow-x:auto}td.data{max-width:420px;word-break:break-all}time{white-space:nowrap}td.shop{white-space:nowrap}
`;

export interface Layout {
  title: [string, string];
  path: string;
  actor?: string;
  csrf?: string;
  flash?: string;
}

/** Every admin page: header with navigation and sign-out, one local script, no CDN. */
export function layout(l: Layout, body: string): string {
  const nav = NAV.map(([href, zh, en]) => `<a href="${href}"${l.path === href ? ' class="on"' : ''}>${bi(zh, en)}</a>`).join('');
  const user =
    l.actor && l.csrf
      ? `<span class="who">${esc(l.actor)}</span>${form('/admin/sign-out', l.csrf, '<button type="submit" id="sign-out">退出 · Sign out</button>')}`
      : '';
  const flash = l.flash ? `<div class="flash${l.flash.startsWith('✗') ? ' bad' : ''}" id="flash">${esc(l.flash)}</div>` : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(l.title[0])} · ${esc(l.title[1])} — weixin3rd</title><style>${CSS}</style><script src="/admin/assets/admin.js" defer></script></head>
<body><header><div class="bar"><span class="brand">weixin3rd 运营控制台 <span class="en">Operator console</span></span><span class="right">${user}</span></div>
${l.actor ? `<nav>${nav}<span class="ext"><a href="/queues">${bi('队列面板', 'Queues')}</a><a href="/docs">${bi('接口文档', 'API docs')}</a></span></nav>` : ''}</header>
<main><h1>${bi(l.title[0], l.title[1])}</h1>${flash}${body}</main></body></html>`;
}

/** The page's little script: copy buttons, and confirmation of destructive actions. */
export const ADMIN_JS = `
document.addEventListener('click', async (e) => {
  const b = e.target.closest('[data-copy]');
  if (!b) return;
  e.preventDefault();
  const text = b.getAttribute('data-copy');
  try { await navigator.clipboard.writeText(text); } catch { window.prompt('复制 · Copy', text); }
  const old = b.textContent; b.textContent = '已复制 · Copied'; b.setAttribute('data-copied', text);
  setTimeout(() => { b.textContent = old; }, 1500);
});
document.addEventListener('submit', (e) => {
  const q = e.target.getAttribute('data-confirm');
  if (q && !window.confirm(q)) e.preventDefault();
});
`;
