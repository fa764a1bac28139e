import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.js';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('redacts secrets at the top level, nested, and in headers', () => {
    const out = capture();
    const log = createLogger({ name: 't', destination: out.stream });
    log.info({ appSecret: 's1', component_access_token: 's2', ticket: 's3', appId: 'wx1' }, 'top');
    log.info({ component: { appId: 'wx1', encodingAesKey: 's4', refreshToken: 's5' } }, 'nested');
    log.info({ job: { data: { authorizer_refresh_token: 's6', Encrypt: 's7' } } }, 'deep');
    log.info({ req: { method: 'GET', headers: { authorization: 'Bearer s8', host: 'h' } } }, 'headers');
    const text = JSON.stringify(out.lines());
    for (const secret of ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']) expect(text).not.toContain(`"${secret}"`);
    expect(text).not.toContain('Bearer s8');
    const [top, nested, deep, headers] = out.lines();
    expect(top).toMatchObject({ appSecret: '[redacted]', appId: 'wx1', msg: 'top', name: 't' });
    expect(nested).toMatchObject({ component: { appId: 'wx1', encodingAesKey: '[redacted]', refreshToken: '[redacted]' } });
    expect(deep).toMatchObject({ job: { data: { authorizer_refresh_token: '[redacted]', Encrypt: '[redacted]' } } });
    expect(headers).toMatchObject({ req: { method: 'GET', headers: { authorization: '[redacted]', host: 'h' } } });
  });

  it('logs request URLs without query values (access_token, auth_code, state), keeping the names', () => {
    const out = capture();
    const log = createLogger({ name: 't', destination: out.stream });
    log.info({ req: { method: 'GET', url: '/api/v1/x?access_token=s9&component=wx1' } }, 'plain');
    log.info(
      { req: Object.assign(Object.create(null) as object, { method: 'GET', url: '/authorize/callback?state=s10&auth_code=s11' }) },
      'fastify',
    );
    const text = JSON.stringify(out.lines());
    for (const secret of ['s9', 's10', 's11']) expect(text).not.toContain(secret);
    const [plain, fastify] = out.lines();
    expect(plain).toMatchObject({ req: { url: '/api/v1/x?access_token&component' } });
    expect(fastify).toMatchObject({ req: { method: 'GET', url: '/authorize/callback?state&auth_code' } });
  });

  it('honours the level', () => {
    const out = capture();
    const log = createLogger({ name: 't', level: 'warn', destination: out.stream });
    log.info('hidden');
    log.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });
});
