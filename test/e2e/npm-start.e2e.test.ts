import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, csrfOf } from '../../apps/console/test/admin-session.js';
import { stackEnv, waitFor } from './processes.js';

// Issue 17, item 5: `npm start` in sandbox mode with nothing set gives a development API token
// that the console and /admin accept, and every process's metrics (here on free ports).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WITH_METRICS = ['ingress', 'worker-tickets', 'worker-authorization', 'worker-tokens', 'worker-messages'];

let db: TestDatabase;
let redis: TestRedis;
let consoleUrl: string;
let child: ChildProcess;
let exited: Promise<number | null>;
const output: string[] = [];
const text = () => output.join('');

beforeAll(async () => {
  db = await openTestDatabase('e2e-npm-start');
  redis = openTestRedis('e2e-npm-start');
  const stack = await stackEnv(db.uri, redis.url, redis.prefix, { METRICS_PORT: '0' });
  consoleUrl = stack.consoleUrl;
  const env: NodeJS.ProcessEnv = { ...process.env, ...stack.env };
  delete env.API_TOKENS;
  delete env.LOG_FORMAT;
  // What `npm start` runs after preparing (scripts/start.sh).
  child = spawn(process.execPath, ['scripts/start-processes.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  await waitFor(
    async () => (/\[start\] ticket stored after/.test(text()) ? true : undefined),
    90_000,
    () => `the first ticket:\n${text()}`,
  );
  // The console starts beside the others and may still be binding its port when the ticket is in.
  const consoleUp = () =>
    fetch(`${consoleUrl}/healthz`).then(
      (res) => res.ok || undefined,
      () => undefined,
    );
  await waitFor(consoleUp, 30_000, () => `the console:\n${text()}`);
}, 150_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGINT');
    await exited;
  }
  await db?.drop();
  await redis?.cleanup();
});

describe('npm start in sandbox mode', () => {
  it('prints a development token that the console API and /admin accept, and serves every process’s metrics', async () => {
    const token = /development API token .*: (dev-[0-9a-f]{32})/.exec(text())?.[1] ?? '';
    expect(token).not.toBe('');
    const component = `${consoleUrl}/api/v1/components/${SANDBOX_DEV_COMPONENT.appId}`;
    expect((await fetch(component, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(component)).status).toBe(401);

    const form = await fetch(`${consoleUrl}/admin/sign-in`);
    const signIn = await fetch(`${consoleUrl}/admin/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookieHeader(form.headers.getSetCookie()), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await form.text()), name: 'newcomer', token, next: '/admin' }).toString(),
    });
    expect(signIn.status).toBe(303);
    const session = cookieHeader(signIn.headers.getSetCookie());
    const admin = await fetch(`${consoleUrl}/admin`, { headers: { cookie: session } });
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain(SANDBOX_DEV_COMPONENT.appId);

    // Not a terminal: JSON lines, each process with its own metrics port in its ready line.
    for (const name of WITH_METRICS) {
      const ready = new RegExp(`^\\[${name}\\] (\\{.*"msg":"${name} ready"\\})$`, 'm').exec(text());
      expect(ready, name).not.toBeNull();
      const port = (JSON.parse(ready?.[1] ?? '{}') as { metricsPort?: number }).metricsPort;
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.status, name).toBe(200);
      expect(await metrics.text()).toContain(`weixin3rd_process_cpu_seconds_total{process="${name}"}`);
    }
    expect((await fetch(`${consoleUrl}/metrics`)).status).toBe(200);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
