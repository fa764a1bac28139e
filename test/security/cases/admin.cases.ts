import { A, ACCOUNT, API_TOKEN, type Stack } from '../stack.js';
import { request, type HostileCase } from './case.js';

/**
 * The console's /admin pages and forms and /queues (bull-board): every route without a live
 * session; then, with one, forms without or with a wrong CSRF token, from another site, and path
 * parameters that are not what the route names (issue 19, items 1 and 5).
 */
export function adminCases(s: Stack): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (area: string, name: string, expected: HostileCase['expected'], why: string, send: HostileCase['send']) =>
    cases.push({ area, name, expected, why, send });
  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    request(`${s.consoleUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const json = (method: string, path: string, body: object, headers: Record<string, string> = {}) =>
    request(`${s.consoleUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const page = (path: string, headers: Record<string, string> = {}) => request(`${s.consoleUrl}${path}`, { headers });

  // What an attacker would most like to do: move the account to their shop, act on components and jobs, read the pages.
  const route = { service: 'stolen', priority: '1', enabled: '1', msgType: 'text' };
  const forms: [string, Record<string, string>][] = [
    [`/admin/authorizers/${ACCOUNT}/shop`, { shopId: 'stolen-shop', component: A.appId }],
    [`/admin/authorizers/${ACCOUNT}/refresh`, { component: A.appId }],
    [`/admin/components/${A.appId}/reconcile`, {}],
    ['/admin/jobs/tickets/1/retry', {}],
    ['/admin/message-routes', route],
    ['/admin/sign-out', {}],
  ];
  const pages = ['/admin', '/admin/authorizers', '/admin/jobs', '/admin/audit', '/admin/message-routes', '/queues', '/queues/api/queues'];
  const board: [string, string, object][] = [
    ['PUT', '/queues/api/queues/pause', {}],
    ['POST', '/queues/api/queues/tickets/add', { name: 'ticket', data: { componentAppId: A.appId } }],
  ];

  const sessions: [string, string][] = [
    ['no session', ''],
    ['forged session cookie', 'w3_session=forged'],
    ['unknown session of the right form', `w3_session=${'A'.repeat(43)}`],
    ['ended session (signed out)', s.admin.ended.cookie],
    ['the API token as session cookie', `w3_session=${API_TOKEN}`],
    ['empty session cookie', 'w3_session='],
  ];
  const signIn = 'console /admin: sign-in';
  for (const [name, cookie] of sessions) {
    const headers: Record<string, string> = cookie ? { cookie } : {};
    for (const path of pages)
      add(signIn, `GET ${path}: ${name}`, 401, 'the sign-in page or UNAUTHORIZED', () => page(path, { ...headers, accept: 'text/html' }));
    // The CSRF token of the live session does not stand in for the session.
    for (const [path, fields] of forms)
      add(signIn, `POST ${path}: ${name}`, 401, 'UNAUTHORIZED', () => form(path, { ...fields, _csrf: s.admin.live.csrf }, headers));
    for (const [method, path, body] of board)
      add(signIn, `${method} ${path}: ${name}`, 401, 'UNAUTHORIZED', () => json(method, path, body, headers));
  }
  add(signIn, 'GET /admin with the API token as a bearer', 401, 'sessions only', () =>
    page('/admin', { authorization: `Bearer ${API_TOKEN}` }),
  );
  add(signIn, 'sign-in form without its CSRF token', 403, 'CSRF_REFUSED', () => form('/admin/sign-in', { token: API_TOKEN }));
  add(signIn, 'sign-in form with a forged CSRF cookie and token', 403, 'CSRF_REFUSED: the cookie is checked too', () =>
    form('/admin/sign-in', { _csrf: 'x'.repeat(43), token: API_TOKEN }, { cookie: `w3_signin=${'y'.repeat(43)}` }),
  );
  add(signIn, 'sign-in form from another site', 403, 'CSRF_REFUSED', () =>
    form(
      '/admin/sign-in',
      { _csrf: 'x'.repeat(43), token: API_TOKEN },
      { cookie: `w3_signin=${'x'.repeat(43)}`, origin: 'https://evil.example' },
    ),
  );

  const csrf = 'console /admin: CSRF (live session)';
  const live = { cookie: s.admin.live.cookie };
  for (const [path, fields] of forms) {
    add(csrf, `POST ${path}: no _csrf`, 403, 'CSRF_REFUSED', () => form(path, fields, live));
    add(csrf, `POST ${path}: wrong _csrf`, 403, 'CSRF_REFUSED', () => form(path, { ...fields, _csrf: 'x'.repeat(43) }, live));
    add(csrf, `POST ${path}: _csrf given twice`, 403, 'CSRF_REFUSED', () =>
      request(`${s.consoleUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...live },
        body: `${new URLSearchParams(fields).toString()}&_csrf=${s.admin.live.csrf}&_csrf=${s.admin.live.csrf}`,
      }),
    );
    add(csrf, `POST ${path}: right _csrf from another Origin`, 403, 'CROSS_SITE_REFUSED', () =>
      form(path, { ...fields, _csrf: s.admin.live.csrf }, { ...live, origin: 'https://evil.example' }),
    );
    add(csrf, `POST ${path}: right _csrf, Referer of another site`, 403, 'CROSS_SITE_REFUSED', () =>
      form(path, { ...fields, _csrf: s.admin.live.csrf }, { ...live, referer: 'https://evil.example/admin' }),
    );
    add(csrf, `POST ${path}: right _csrf, Origin null`, 403, 'CROSS_SITE_REFUSED', () =>
      form(path, { ...fields, _csrf: s.admin.live.csrf }, { ...live, origin: 'null' }),
    );
  }
  for (const [method, path, body] of board)
    add(csrf, `${method} ${path} from another Origin`, 403, 'CROSS_SITE_REFUSED', () =>
      json(method, path, body, { ...live, origin: 'https://evil.example' }),
    );

  const params = 'console /admin: path parameters (live session, right _csrf)';
  const valid = { _csrf: s.admin.live.csrf, shopId: 'stolen-shop', enabled: '1' };
  const bad: [string, string][] = [
    ['authorizer with an encoded slash', `/admin/authorizers/${ACCOUNT}%2Fx/shop`],
    ['authorizer not an AppId', '/admin/authorizers/gh_5ec000000001/shop'],
    ['authorizer with a NUL', `/admin/authorizers/${ACCOUNT}%00/refresh`],
    ['authorizer with HTML', '/admin/authorizers/%3Cscript%3E/refresh'],
    ['component ../', '/admin/components/..%2F..%2Fx/reconcile'],
    ['component one digit short', `/admin/components/${A.appId.slice(0, -1)}/reconcile`],
    ['queue not shown', '/admin/jobs/bull%3Atickets/1/retry'],
    ['queue messages.<service> out of pattern', '/admin/jobs/messages.Evil%20Service/1/retry'],
    ['job id with a slash', '/admin/jobs/tickets/1%2F..%2F2/retry'],
    ['job id with a space', '/admin/jobs/tickets/a%20b/retry'],
    ['job id with unicode', '/admin/jobs/tickets/%E4%BB%BB%E5%8A%A1/retry'],
    ['route id not 24 hex', '/admin/message-routes/not-a-route'],
    ['route id as a Mongo operator', '/admin/message-routes/%24ne/enabled'],
    ['route id one digit short', '/admin/message-routes/6750a1f0c2a3b4d5e6f7081/delete'],
  ];
  for (const [name, path] of bad)
    add(params, `POST ${path}: ${name}`, 400, 'INVALID_REQUEST before any lookup', () => form(path, valid, live));
  add(params, 'job id past 100 characters', 414, "Fastify's parameter length limit", () =>
    form(`/admin/jobs/tickets/${'1'.repeat(101)}/retry`, valid, live),
  );
  return cases;
}
