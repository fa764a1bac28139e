import { escapeHtml as esc } from '@weixin3rd/runtime';

export { esc };

/** A minimal page in the look of WeChat's authorization pages. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f2f2f2;margin:0;color:#222}
main{max-width:560px;margin:40px auto;background:#fff;border-radius:8px;padding:28px 32px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 4px}p.sub{color:#888;margin:0 0 20px;font-size:13px}
label.account{display:flex;gap:12px;align-items:center;border:1px solid #e5e5e5;border-radius:6px;padding:10px 12px;margin:8px 0;cursor:pointer}
label.account small{color:#888}fieldset{border:0;padding:0;margin:16px 0}legend{font-weight:600;margin-bottom:6px}
.perm{display:inline-block;margin:4px 12px 4px 0;font-size:14px}
button{background:#07c160;color:#fff;border:0;border-radius:4px;padding:10px 28px;font-size:16px;cursor:pointer}
.error{color:#fa5151;line-height:1.6}
</style></head><body><main>${body}</main></body></html>`;
}

/** WeChat's error page (HTTP 200 like WeChat, the text says what is wrong). */
export function errorPage(message: string): string {
  return page('授权失败', `<h1>授权失败</h1><p class="error" id="error">${esc(message)}</p>`);
}
