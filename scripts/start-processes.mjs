// `npm start` after preparation: every built process of CONTRACT.md under one supervisor.
import { randomBytes } from 'node:crypto';
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

// Each process without an internal HTTP server of its own serves Prometheus text on its own port
// (README, Metrics); the console serves /metrics on CONSOLE_PORT.
const METRICS_PORTS = { ingress: 9101, 'worker-tickets': 9102, 'worker-authorization': 9103, 'worker-tokens': 9104, 'worker-messages': 9105 };

// Sandbox mode with no API_TOKENS: a development token for this run, so the console and /admin work with nothing set.
const devToken = config.sandboxMode && config.apiTokens.length === 0 ? `dev-${randomBytes(16).toString('hex')}` : null;
const shared = {
  ...process.env,
  ...(devToken ? { API_TOKENS: devToken } : {}),
  // The children write into a pipe: they log human-readable lines when this terminal is one.
  LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
};

const supervisor = runSupervisor(
  built.map((name) => ({
    name,
    command: process.execPath,
    args: [...appNodeOptions(name), `apps/${name}/dist/main.js`],
    cwd: root,
    env: { ...shared, ...(METRICS_PORTS[name] && process.env.METRICS_PORT === undefined ? { METRICS_PORT: String(METRICS_PORTS[name]) } : {}) },
  })),
);

const host = 'localhost';
if (built.includes('ingress'))
  console.log(`[start] ingress  ${config.http.publicBaseUrl}  (authorize a shop: ${config.http.publicBaseUrl}/authorize?shop=demo-shop)`);
if (built.includes('console')) {
  console.log(`[start] console  http://${host}:${config.http.consolePort}/admin  (sign in with one of API_TOKENS), /docs, /queues, /metrics`);
  if (devToken)
    console.log(`[start] development API token (sandbox mode, this run only; set API_TOKENS for your own): ${devToken}`);
}
const metricsPorts = built.filter((name) => METRICS_PORTS[name]).map((name) => `${name} :${METRICS_PORTS[name]}`);
if (metricsPorts.length && process.env.METRICS_PORT === undefined) console.log(`[start] metrics  /metrics on ${metricsPorts.join(', ')}`);
if (built.includes('wechat-sandbox')) console.log(`[start] sandbox  http://${host}:${config.http.sandboxPort}/sandbox/state`);
console.log('[start] Ctrl-C stops everything');

process.exitCode = await supervisor.done;
