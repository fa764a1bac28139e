import { bi, esc, layout } from './html.js';

/** The sign-in form: an operator name for the audit log and one of API_TOKENS. */
export function signInPage(csrf: string, next: string, error?: string): string {
  return layout(
    { title: ['登录', 'Sign in'], path: '/admin/sign-in', ...(error ? { flash: `✗ ${error}` } : {}) },
    `<div class="card" style="max-width:460px"><form method="post" action="/admin/sign-in" id="sign-in">
<input type="hidden" name="_csrf" value="${esc(csrf)}"><input type="hidden" name="next" value="${esc(next)}">
<p><label>${bi('你的名字（写入审计日志）', 'Your name (for the audit log)')}<br><input type="text" name="name" maxlength="40" size="30" autocomplete="username"></label></p>
<p><label>${bi('API 令牌（API_TOKENS 之一）', 'API token (one of API_TOKENS)')}<br><input type="password" name="token" required size="40" autocomplete="current-password"></label></p>
<p><button type="submit">${bi('登录', 'Sign in')}</button></p>
<p class="muted small">${bi('会话 8 小时后过期。沙箱模式下 npm start 会打印一个开发令牌。', 'Sessions expire after 8 hours. In sandbox mode npm start prints a development token.')}</p></form></div>`,
  );
}
