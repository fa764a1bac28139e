import type { FastifyInstance } from 'fastify';

/** Cookies from a Set-Cookie list, as a browser would send them back. */
export function cookieHeader(setCookie: string | string[] | undefined): string {
  return [setCookie ?? []]
    .flat()
    .map((c) => c.split(';')[0])
    .join('; ');
}

export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** Signs in through the form as a browser does; returns the session cookie header and the page's CSRF token. */
export async function signIn(app: FastifyInstance, token: string, name = 'tester'): Promise<{ cookie: string; csrf: string }> {
  const form = await app.inject({ method: 'GET', url: '/admin/sign-in' });
  const res = await app.inject({
    method: 'POST',
    url: '/admin/sign-in',
    headers: { cookie: cookieHeader(form.headers['set-cookie']), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrfOf(form.body), name, token, next: '/admin' }).toString(),
  });
  if (res.statusCode !== 303) throw new Error(`sign-in answered ${res.statusCode}: ${res.body}`);
  const cookie = cookieHeader(res.headers['set-cookie'])
    .split('; ')
    .filter((c) => c.startsWith('w3_session='))
    .join('; ');
  const page = await app.inject({ method: 'GET', url: '/admin', headers: { cookie } });
  return { cookie, csrf: csrfOf(page.body) };
}

export const formPost = (
  app: FastifyInstance,
  url: string,
  cookie: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) =>
  app.inject({
    method: 'POST',
    url,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
