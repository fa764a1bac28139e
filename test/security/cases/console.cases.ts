import { A, ACCOUNT, API_TOKEN, type Stack } from '../stack.js';
import { request, type HostileCase } from './case.js';

/** The console's /api: every route without, with a wrong, or with a misplaced credential; then bad input with a good one. */
export function consoleCases(s: Stack): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (area: string, name: string, expected: HostileCase['expected'], why: string, send: HostileCase['send']) =>
    cases.push({ area, name, expected, why, send });
  const component = { appSecret: 'hostile-secret', token: 'tok123', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
  const routes: [string, string, object | undefined][] = [
    ['GET', `/api/v1/components/${A.appId}`, undefined],
    ['PUT', `/api/v1/components/${A.appId}`, component],
    ['GET', `/api/v1/components/${A.appId}/access-token`, undefined],
    ['POST', `/api/v1/components/${A.appId}/reconcile`, undefined],
    ['GET', `/api/v1/authorizers?component=${A.appId}`, undefined],
    ['GET', `/api/v1/authorizers/${ACCOUNT}`, undefined],
    ['GET', `/api/v1/authorizers/${ACCOUNT}/access-token`, undefined],
    ['PUT', `/api/v1/authorizers/${ACCOUNT}/shop`, { shopId: 'stolen-shop' }],
    ['POST', `/api/v1/authorizers/${ACCOUNT}/refresh`, undefined],
  ];
  const call = (method: string, path: string, body: object | undefined, headers: Record<string, string>) =>
    request(`${s.consoleUrl}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const variants: [string, (path: string) => [string, Record<string, string>]][] = [
    ['no token', (p) => [p, {}]],
    ['wrong token', (p) => [p, { authorization: 'Bearer not-the-token' }]],
    ['token in the query string', (p) => [`${p}${p.includes('?') ? '&' : '?'}access_token=${API_TOKEN}`, {}]],
    ['token as Basic credentials', (p) => [p, { authorization: `Basic ${Buffer.from(`x:${API_TOKEN}`).toString('base64')}` }]],
    ['token without the Bearer scheme', (p) => [p, { authorization: API_TOKEN }]],
    ['token with a suffix', (p) => [p, { authorization: `Bearer ${API_TOKEN}x` }]],
    ['token prefix only', (p) => [p, { authorization: `Bearer ${API_TOKEN.slice(0, -1)}` }]],
    ['token in a forged session cookie', (p) => [p, { cookie: `session=${API_TOKEN}; sid=forged.sig` }]],
  ];
  for (const [method, path, body] of routes)
    for (const [name, variant] of variants) {
      const [url, headers] = variant(path);
      add('console: credentials', `${method} ${path.split('?')[0] ?? path}: ${name}`, 401, 'UNAUTHORIZED', () =>
        call(method, url, body, headers),
      );
    }

  const bearer = { authorization: `Bearer ${API_TOKEN}` };
  const input = 'console: input (valid token)';
  for (const bad of [`${ACCOUNT}%2Fx`, 'wx..', `wx${'0'.repeat(40)}`, '%00'])
    for (const suffix of ['', '/access-token'])
      add(input, `GET /api/v1/authorizers/${bad}${suffix}`, 400, 'invalid path parameter', () =>
        call('GET', `/api/v1/authorizers/${bad}${suffix}`, undefined, bearer),
      );
  add(input, 'PUT component with a missing secret', 400, 'schema', () =>
    call('PUT', `/api/v1/components/${A.appId}`, { token: 'tok123', encodingAesKey: component.encodingAesKey }, bearer),
  );
  add(input, 'PUT component with __proto__', 400, 'schema', () =>
    request(`${s.consoleUrl}/api/v1/components/${A.appId}`, {
      method: 'PUT',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: `{"appSecret":"s","token":"tok123","encodingAesKey":"${component.encodingAesKey}","__proto__":{"admin":true}}`,
    }),
  );
  add(input, 'PUT component with a short EncodingAESKey', 400, 'schema', () =>
    call('PUT', `/api/v1/components/${A.appId}`, { ...component, encodingAesKey: 'short' }, bearer),
  );
  add(input, 'PUT component as text/plain', 400, 'schema (a text body is not the object)', () =>
    request(`${s.consoleUrl}/api/v1/components/${A.appId}`, {
      method: 'PUT',
      headers: { ...bearer, 'content-type': 'text/plain' },
      body: 'x',
    }),
  );
  add(input, 'PUT component with broken JSON', 400, 'bad JSON', () =>
    request(`${s.consoleUrl}/api/v1/components/${A.appId}`, {
      method: 'PUT',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: '{"a":',
    }),
  );
  add(input, 'PUT shop with HTML in shopId', 400, 'schema', () =>
    call('PUT', `/api/v1/authorizers/${ACCOUNT}/shop`, { shopId: '<b>x</b>' }, bearer),
  );
  add(input, 'GET authorizers with an invalid status', 400, 'schema', () =>
    call('GET', '/api/v1/authorizers?status=%24ne', undefined, bearer),
  );
  add(input, 'GET authorizers with component[$ne]', 200, 'an unknown key is ignored: no operator reaches MongoDB', () =>
    call('GET', '/api/v1/authorizers?component[$ne]=x', undefined, bearer),
  );
  add(input, 'GET unknown component', 404, 'COMPONENT_NOT_FOUND', () =>
    call('GET', '/api/v1/components/wx5ec000000000dead', undefined, bearer),
  );
  return cases;
}
