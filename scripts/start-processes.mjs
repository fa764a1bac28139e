// `npm start` after preparation: every built process of CONTRACT.md under one supervisor.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from '@weixin3rd/config';
import { TicketNotices } from '@weixin3rd/credentials';
import { createRedis } from '@weixin3rd/queues';
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

// Each process without an internal HTTP server of its own (the workers), or whose server is public
// (the ingress), serves Prometheus text at /metrics on a port of its own (README, Metrics): 9101 to
// 9105 here, or METRICS_PORT given to npm start and the next four (0: each any free port, named in
// its ready line). The console serves /metrics on CONSOLE_PORT; the sandbox serves none.
const METRICS_OFFSETS = { ingress: 0, 'worker-tickets': 1, 'worker-authorization': 2, 'worker-tokens': 3, 'worker-messages': 4 };
const metricsBase = process.env.METRICS_PORT === undefined ? 9101 : Number(process.env.METRICS_PORT);
const metricsPortOf = (name) => (name in METRICS_OFFSETS ? (metricsBase === 0 ? 0 : metricsBase + METRICS_OFFSETS[name]) : undefined);

// Sandbox mode with no API_TOKENS: a development token for this run, so the console and /admin
// work with nothing set (printed below).
const devToken = config.sandboxMode && config.apiTokens.length === 0 ? `dev-${randomBytes(16).toString('hex')}` : null;
const shared = {
  ...process.env,
  ...(devToken ? { API_TOKENS: devToken } : {}),
  // The children write into a pipe: they log human-readable lines when this terminal is one.
  LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
};
const { METRICS_PORT: _metricsPort, ...withoutMetricsPort } = shared;

// In sandbox mode the authorization link can only be made once the sandbox's first ticket is
// stored (the sandbox pushes it about 2 s after it starts, or at once when asked): the URL is
// printed then, so that it works on the first click. Subscribed before anything starts, so the
// notice cannot be missed; real WeChat's tickets come on its own schedule, so nothing waits there.
const FIRST_TICKET_WAIT_MS = 60_000;
const component = config.bootstrapComponent?.appId;
const waitForTicket = config.sandboxMode && component && built.includes('ingress') && built.includes('worker-tickets');
let ticketNotices;
let ticketRedis;
if (waitForTicket) {
  ticketRedis = createRedis(config.redis, 'worker');
  ticketNotices = new TicketNotices(config.queue.prefix, ticketRedis, ticketRedis);
  await ticketNotices.listen();
}
const firstTicket = ticketNotices?.wait(component, null, FIRST_TICKET_WAIT_MS);
const startedAt = Date.now();

// The sandbox's first push (2 s after it starts, or when worker-tickets asks at its start) may come
// before the ingress listens; WeChat would push again 10 minutes later. Once both are up and no
// ticket is stored yet, npm start asks the sandbox (control API) to push one now, and again every
// few seconds while none is stored: a push answered with anything but "success" (a process still
// starting) is said, not waited on for the whole minute.
const ASK_AGAIN_MS = 5_000;
const up = new Set();
let asking = false;
let waitOver = false;
const askForTicket = async () => {
  if (asking || !firstTicket || !up.has('ingress') || !up.has('wechat-sandbox')) return;
  asking = true;
  while (!waitOver) {
    try {
      const res = await fetch(`http://127.0.0.1:${config.http.sandboxPort}/sandbox/components/${component}/push-ticket`, {
        method: 'POST',
      });
      const push = await res.json();
      if (!waitOver && push.outcome !== 'acknowledged')
        console.log(`[start] the sandbox's ticket push was not acknowledged (${push.failure ?? push.message ?? res.status}); asking again`);
    } catch (error) {
      console.log(`[start] could not ask the sandbox for a ticket: ${error.message}`);
    }
    await Promise.race([firstTicket, new Promise((resolve) => setTimeout(resolve, ASK_AGAIN_MS).unref())]);
  }
};
// A ticket stored, the wait given up, or the processes stopped: no more asking.
void firstTicket?.then(() => (waitOver = true));

// eslint-disable-next-line no-control-regex -- the escape sequences pino-pretty colours with
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

const supervisor = runSupervisor(
  built.map((name) => ({
    name,
    command: process.execPath,
    args: [...appNodeOptions(name), `apps/${name}/dist/main.js`],
    cwd: root,
    env: metricsPortOf(name) === undefined ? withoutMetricsPort : { ...shared, METRICS_PORT: String(metricsPortOf(name)) },
  })),
  {
    write(line, stream) {
      (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`);
      // JSON ("msg":"ingress ready") or pino-pretty lines (INFO (ingress): ingress ready, in colours).
      const plain = line.replace(ANSI_COLOUR, '');
      const ready = /^\[(ingress|wechat-sandbox)\] .*\b(?:ingress|wechat-sandbox) ready\b/.exec(plain);
      if (ready) {
        up.add(ready[1]);
        void askForTicket();
      }
    },
  },
);

const host = 'localhost';
const authorizeUrl = `${config.http.publicBaseUrl}/authorize?shop=demo-shop`;
if (built.includes('ingress')) console.log(`[start] ingress  ${config.http.publicBaseUrl}`);
if (built.includes('console')) {
  console.log(
    `[start] console  http://${host}:${config.http.consolePort}/admin  (sign in with one of API_TOKENS), /docs, /queues, /metrics`,
  );
  if (devToken) console.log(`[start] development API token (sandbox mode, this run only; set API_TOKENS for your own): ${devToken}`);
}
const metricsPorts = built.filter((name) => metricsPortOf(name) !== undefined).map((name) => `${name} :${metricsPortOf(name)}`);
if (metricsBase === 0) console.log('[start] metrics  /metrics on a free port each, named in its ready line (metricsPort)');
else if (metricsPorts.length) console.log(`[start] metrics  http://${host}:<port>/metrics on ${metricsPorts.join(', ')}`);
if (built.includes('wechat-sandbox')) console.log(`[start] sandbox  http://${host}:${config.http.sandboxPort}/sandbox/state`);
console.log('[start] Ctrl-C stops everything');
void supervisor.done.then(() => (waitOver = true));

if (firstTicket) {
  console.log("[start] waiting for the sandbox's first component_verify_ticket before printing the authorization link");
  const stored = await Promise.race([firstTicket, supervisor.done.then(() => 'stopped')]);
  ticketRedis?.disconnect();
  if (stored === 'stopped') {
    // The supervisor said why; nothing to print.
  } else if (stored === null) {
    console.log(
      `[start] no ticket within ${FIRST_TICKET_WAIT_MS / 1000} s: the page says "getting ready" until one comes: ${authorizeUrl}`,
    );
  } else {
    console.log(`[start] ticket stored after ${Date.now() - startedAt} ms; authorize a shop: ${authorizeUrl}`);
  }
} else if (built.includes('ingress')) console.log(`[start] authorize a shop: ${authorizeUrl}`);

process.exitCode = await supervisor.done;
