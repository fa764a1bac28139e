// `npm start` after preparation: every built process of CONTRACT.md under one supervisor.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from '@weixin3rd/config';
import { runSupervisor } from '@weixin3rd/runtime';
import { appNodeOptions } from './node-options.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = loadConfigOrExit();

// Order matters only for readability of the output: WeChat's stand-in first, as it plays WeChat.
const APPS = ['ingress', 'console', 'worker-tickets', 'worker-authorization', 'worker-tokens', 'worker-messages'];
const wanted = config.sandboxMode ? ['wechat-sandbox', ...APPS] : APPS;
const built = wanted.filter((name) => existsSync(`${root}apps/${name}/dist/main.js`));
const missing = wanted.filter((name) => !built.includes(name));

if (built.length === 0) {
  console.log(`[start] no process is built yet (expected apps/<name>/dist/main.js for ${wanted.join(', ')}); nothing to run`);
  process.exit(0);
}
console.log(`[start] running ${built.join(', ')}${missing.length ? `; not built yet: ${missing.join(', ')}` : ''}`);
console.log(`[start] ${config.sandboxMode ? 'sandbox mode: the local WeChat sandbox plays WeChat' : 'real WeChat credentials configured'}`);

const supervisor = runSupervisor(
  built.map((name) => ({ name, command: process.execPath, args: [...appNodeOptions(name), `apps/${name}/dist/main.js`], cwd: root })),
);

const host = 'localhost';
if (built.includes('ingress'))
  console.log(`[start] ingress  ${config.http.publicBaseUrl}  (authorize a shop: ${config.http.publicBaseUrl}/authorize?shop=demo-shop)`);
if (built.includes('console'))
  console.log(
    `[start] console  http://${host}:${config.http.consolePort}/api/v1/components/:componentAppId  (Authorization: Bearer <one of API_TOKENS>)`,
  );
if (built.includes('wechat-sandbox')) console.log(`[start] sandbox  http://${host}:${config.http.sandboxPort}/sandbox/state`);
console.log('[start] Ctrl-C stops everything');

process.exitCode = await supervisor.done;
