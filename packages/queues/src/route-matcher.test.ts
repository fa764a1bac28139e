import { describe, expect, it } from 'vitest';
import { RouteTable, patternProblem, type RoutableMessage, type RouteRule } from './index.js';

const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n));
const rule = (id: string, priority: number, match: RouteRule['match'], extra: Partial<RouteRule> = {}): RouteRule => ({
  id,
  service: id,
  priority,
  enabled: true,
  match,
  createdAt: at(Number(id.replace(/\D/g, '') || 0)),
  ...extra,
});
const msg = (message: RoutableMessage['message'], extra: Partial<RoutableMessage> = {}): RoutableMessage => ({
  componentAppId: 'wx00000000000000c1',
  authorizerAppId: 'wx00000000000000a1',
  shopId: 's1',
  message,
  ...extra,
});

describe('RouteTable', () => {
  it('matches every field, absent fields matching anything', () => {
    const table = new RouteTable([
      rule('r1', 5, { authorizerAppId: 'wx00000000000000a2' }),
      rule('r2', 4, { shopId: 's9' }),
      rule('r3', 3, { msgType: 'event', event: 'CLICK', eventKey: 'MENU_1' }),
      rule('r4', 2, { componentAppId: 'wx00000000000000c1', msgType: 'text', content: { exact: 'hi' } }),
      rule('r5', 1, { content: { contains: '订单' } }),
      rule('r6', 0, { content: { regex: '^[0-9]{6}$' } }),
    ]);
    expect(table.match(msg({ MsgType: 'text' }, { authorizerAppId: 'wx00000000000000a2' }))?.service).toBe('r1');
    expect(table.match(msg({ MsgType: 'text' }, { shopId: 's9' }))?.service).toBe('r2');
    expect(table.match(msg({ MsgType: 'event', Event: 'CLICK', EventKey: 'MENU_1' }))?.service).toBe('r3');
    expect(table.match(msg({ MsgType: 'event', Event: 'CLICK', EventKey: 'MENU_2' }))).toBeNull();
    expect(table.match(msg({ MsgType: 'text', Content: 'hi' }))?.service).toBe('r4');
    expect(table.match(msg({ MsgType: 'text', Content: 'hi!' }))).toBeNull();
    expect(table.match(msg({ MsgType: 'text', Content: '我的订单呢' }))?.service).toBe('r5');
    expect(table.match(msg({ MsgType: 'text', Content: '123456' }))?.service).toBe('r6');
    expect(table.match(msg({ MsgType: 'image' }))).toBeNull();
    expect(table.services).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('takes the highest priority, then the oldest; skips disabled rules; falls back to the default', () => {
    const rules = [
      rule('r3', 10, { content: { prefix: 'a' } }),
      rule('r1', 10, { content: { prefix: 'ab' } }),
      rule('r2', 20, { content: { prefix: 'abc' } }, { enabled: false }),
      rule('r4', 1, {}),
    ];
    expect(new RouteTable(rules).match(msg({ MsgType: 'text', Content: 'abc' }))).toEqual({ routeId: 'r1', service: 'r1' });
    expect(new RouteTable(rules).match(msg({ MsgType: 'text', Content: 'x' }))).toEqual({ routeId: 'r4', service: 'r4' });
    const withDefault = new RouteTable([rule('r1', 1, { msgType: 'text' })], 'fallback');
    expect(withDefault.match(msg({ MsgType: 'image' }))).toEqual({ routeId: null, service: 'fallback' });
    expect(new RouteTable([], null).match(msg({ MsgType: 'text' }))).toBeNull();
  });

  it('runs a nested-quantifier pattern in linear time and refuses patterns RE2 cannot run', () => {
    const table = new RouteTable([rule('r1', 1, { content: { regex: '^(a+)+$' } })]);
    // A backtracking engine takes minutes on this; RE2 answers at once.
    expect(table.match(msg({ MsgType: 'text', Content: `${'a'.repeat(50_000)}!` }))).toBeNull();
    expect(patternProblem('(a)\\1')).toMatch(/invalid escape/);
    expect(patternProblem('a'.repeat(513))).toMatch(/longer than 512/);
    expect(patternProblem('^订单[0-9]+')).toBeNull();
    const bad: string[] = [];
    const left = new RouteTable([rule('r1', 1, { content: { regex: '(?<=a)b' } }), rule('r2', 0, {})], null, (r) => bad.push(r.id));
    expect(bad).toEqual(['r1']);
    expect(left.match(msg({ MsgType: 'text', Content: 'ab' }))?.service).toBe('r2');
  });
});
