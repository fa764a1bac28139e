/** A browser's session on the console's /admin: its cookie and the CSRF token of its forms. */
export interface AdminSession {
  cookie: string;
  csrf: string;
}

const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const cookiesOf = (res: Response): string =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

/** Signs in through the sign-in form with `token`, as a browser does. */
export async function signInAdmin(consoleUrl: string, token: string): Promise<AdminSession> {
  const form = await fetch(`${consoleUrl}/admin/sign-in`);
  const res = await fetch(`${consoleUrl}/admin/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookiesOf(form), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfOf(await form.text()), name: 'security-suite', token, next: '/admin' }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
  const cookie = cookiesOf(res)
    .split('; ')
    .filter((c) => c.startsWith('w3_session='))
    .join('; ');
  const page = await fetch(`${consoleUrl}/admin`, { headers: { cookie } });
  return { cookie, csrf: csrfOf(await page.text()) };
}

/** A session that was signed in and then signed out: its cookie names a session that has ended. */
export async function endedAdminSession(consoleUrl: string, token: string): Promise<AdminSession> {
  const session = await signInAdmin(consoleUrl, token);
  const out = await fetch(`${consoleUrl}/admin/sign-out`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: session.csrf }).toString(),
  });
  if (out.status !== 303) throw new Error(`sign-out answered ${out.status}`);
  return session;
}
