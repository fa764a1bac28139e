import { A, B, SHOP, type Stack } from '../stack.js';
import { request, type HostileCase } from './case.js';

/** The authorization pages: the start page's parameters and the callback's signed `state`. */
export function pageCases(s: Stack, used: { state: string }): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (area: string, name: string, expected: HostileCase['expected'], why: string, send: HostileCase['send']) =>
    cases.push({ area, name, expected, why, send });
  const start = (query: string) => request(`${s.ingressUrl}/authorize?${query}`);
  const callback = (query: string) => request(`${s.ingressUrl}/authorize/callback?${query}`);

  const page = 'pages: /authorize';
  add(page, 'no shop', 400, 'shop required', () => start(`component=${A.appId}`));
  add(page, 'shop with HTML', 400, 'shop pattern', () =>
    start(`component=${A.appId}&shop=${encodeURIComponent('<script>alert(1)</script>')}`),
  );
  add(page, 'shop with a quote', 400, 'shop pattern', () => start(`component=${A.appId}&shop=${encodeURIComponent('a"onmouseover="x')}`));
  add(page, 'shop of 65 characters', 400, 'shop pattern', () => start(`component=${A.appId}&shop=${'s'.repeat(65)}`));
  add(page, 'shop in unicode', 400, 'shop pattern', () => start(`component=${A.appId}&shop=${encodeURIComponent('店铺')}`));
  add(page, 'shop given twice', 400, 'shop pattern', () => start(`component=${A.appId}&shop=a&shop=b`));
  add(page, 'shop with a newline', 400, 'shop pattern', () => start(`component=${A.appId}&shop=a%0Ab`));
  add(page, 'unknown component', 404, 'unknown component', () => start(`component=wx5ec000000000dead&shop=${SHOP}`));
  // A query schema (issue 15) may answer 400 before the lookup.
  add(page, 'component that is not an AppId', [404, 400], 'unknown or invalid component', () =>
    start(`component=${encodeURIComponent('../../x')}&shop=${SHOP}`),
  );
  add(page, 'component given twice', [404, 400], 'unknown or invalid component', () =>
    start(`component=${A.appId}&component=${B.appId}&shop=${SHOP}`),
  );
  add(page, 'no component while two are configured', 400, 'name the component', () => start(`shop=${SHOP}`));

  const cb = 'pages: /authorize/callback';
  const valid = () => s.signer.sign(A.appId, SHOP).value;
  const [payload = '', mac = ''] = valid().split('.');
  add(cb, 'no state', 400, 'malformed state', () => callback('auth_code=queryauthcode@@@x'));
  add(cb, 'state not signed', 400, 'malformed state', () => callback('state=hello&auth_code=queryauthcode@@@x'));
  add(cb, 'state with a forged MAC', 400, 'tampered state', () =>
    callback(`state=${payload}.${'A'.repeat(mac.length)}&auth_code=queryauthcode@@@x`),
  );
  add(cb, 'state signed with another key', 400, 'tampered state', () => {
    const [p, m] = valid().split('.');
    return callback(`state=${p}.${(m ?? '').split('').reverse().join('')}&auth_code=queryauthcode@@@x`);
  });
  add(cb, 'state whose payload was edited (other shop)', 400, 'tampered state', () => {
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[];
    fields[1] = 'shop-of-the-attacker';
    return callback(`state=${Buffer.from(JSON.stringify(fields)).toString('base64url')}.${mac}&auth_code=queryauthcode@@@x`);
  });
  add(cb, 'state with a third part', 400, 'malformed state', () => callback(`state=${valid()}.x&auth_code=queryauthcode@@@x`));
  add(cb, 'expired state', 400, 'expired state', () =>
    callback(`state=${encodeURIComponent(s.signer.sign(A.appId, SHOP, Date.now() - 3_600_000).value)}&auth_code=queryauthcode@@@x`),
  );
  add(cb, 'replayed state (already used)', 400, 'nonce consumed', () =>
    callback(`state=${encodeURIComponent(used.state)}&auth_code=queryauthcode@@@again`),
  );
  add(cb, 'valid state, no auth_code', 400, 'auth_code required', () => callback(`state=${encodeURIComponent(valid())}`));
  add(cb, 'a 10 KB state', 400, 'malformed state', () => callback(`state=${'a'.repeat(10_000)}&auth_code=queryauthcode@@@x`));
  add(cb, 'state given twice', 400, 'malformed state', () =>
    callback(`state=${encodeURIComponent(valid())}&state=x&auth_code=queryauthcode@@@x`),
  );
  add(cb, 'state of JSON that is not the four fields', 400, 'tampered state', () =>
    callback(`state=${Buffer.from('{"a":1}').toString('base64url')}.${mac}&auth_code=queryauthcode@@@x`),
  );
  return cases;
}
