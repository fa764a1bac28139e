// bench/messages: WeChat pushes a steady 500 messages/s over 1 000 accounts for 60 s to a real
// ingress; real worker-messages processes route them to `messages.echo`, whose handler (a separate
// process, handleMessages) answers in 20 ms. Measured per push, from the request leaving the
// generator to the ingress's answer: the encrypted passive reply when it came in time, `success`
// when it did not (late: it then goes by the customer-service API). Writes bench/results/messages.json.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { connectStore } from '@weixin3rd/store';
import mongoose from 'mongoose';
import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { appNodeOptions } from '../../scripts/node-options.mjs';
import { cpuSeconds, peakRssMb } from '../proc.mjs';
import { BENCH_DATA_KEY, REDIS_URL, benchComponent, benchMongoUri, dropKeys, freePort, track } from '../world.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const COMPONENT = benchComponent('wx00000000000be7c2');
const MONGO = benchMongoUri(`bench-messages-${Date.now()}`);
const PREFIX = `bench-messages-${Date.now()}`;
const DATA_KEY = BENCH_DATA_KEY;
const appId = (i) => `wx0000000000${(0xb0000 + i).toString(16).padStart(6, '0')}`;

let stopping = false;

/** Starts a process and waits for `ready` in its output. */
async function start(name, args, env, ready) {
  const child = track(spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready:\n${output}`)), 30_000);
    const onData = (chunk) => {
      output += chunk;
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}:\n${output}`)));
  });
  // A process that dies during the run says so, with the end of what it wrote.
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`[bench] ${name} exited (${code ?? signal}) during the run:\n${output.slice(-4000)}`);
  });
  return { name, child };
}

// The world: one component, ACCOUNTS authorized official accounts, one route to `echo`.
const store = await connectStore(MONGO, { dataKey: Buffer.from(DATA_KEY, 'base64') });
// The bench's own connection counts and drops: the store exposes repositories only.
const raw = await mongoose.createConnection(MONGO).asPromise();
await store.components.upsert(COMPONENT);
for (let i = 0; i < ACCOUNTS; i += 100) {
  await Promise.all(
    Array.from({ length: Math.min(100, ACCOUNTS - i) }, (_, j) =>
      store.authorizers.upsertAuthorized({
        componentAppId: COMPONENT.appId,
        appId: appId(i + j),
        refreshToken: 'bench',
        accessToken: null,
        accessTokenExpiresAt: null,
        funcInfo: [1],
        account: {
          kind: 'official',
          nickName: 'bench',
          headImg: null,
          userName: 'gh_be7c0000be7c',
          principalName: null,
          alias: null,
          qrcodeUrl: null,
          serviceType: 2,
          verifyType: 0,
        },
      }),
    ),
  );
}
console.log(`[bench] ${ACCOUNTS} accounts stored`);
await store.messageRoutes.create({ service: 'echo', priority: 1, enabled: true, match: {} });

// Pre-encrypted pushes, round-robin over the accounts (each account's messages ~2 s apart).
const total = RATE * SECONDS;
const crypto = new WeChatCrypto({ token: COMPONENT.token, encodingAesKey: COMPONENT.encodingAesKey, receiveId: COMPONENT.appId });
const timestamp = String(Math.floor(Date.now() / 1000));
const pushes = Array.from({ length: total }, (_, i) => {
  const account = appId(i % ACCOUNTS);
  const xml = `<xml><ToUserName><![CDATA[gh_be7c0000be7c]]></ToUserName><FromUserName><![CDATA[oBench${i % 7919}]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[echo ${i}]]></Content><MsgId>${25000000000000000n + BigInt(i)}</MsgId></xml>`;
  const nonce = String(100000 + i);
  const parts = crypto.encryptPush(xml, { timestamp, nonce });
  return {
    path: `/wechat/${COMPONENT.appId}/accounts/${account}/messages?signature=${parts.signature}&timestamp=${timestamp}&nonce=${nonce}&openid=oBench&encrypt_type=aes&msg_signature=${parts.msgSignature}`,
    body: `<xml><ToUserName><![CDATA[gh_be7c0000be7c]]></ToUserName><Encrypt><![CDATA[${parts.encrypt}]]></Encrypt></xml>`,
  };
});

console.log(`[bench] ${total} pushes encrypted`);
const port = await freePort();
const env = {
  SANDBOX_MODE: 'true',
  MONGODB_URI: MONGO,
  REDIS_URL,
  QUEUE_PREFIX: PREFIX,
  DATA_KEY,
  HOST: '127.0.0.1',
  INGRESS_PORT: String(port),
  INGRESS_RATE_LIMIT: '1000000',
  LOG_LEVEL: 'warn',
};
const processes = [
  await start(
    'ingress',
    [...appNodeOptions('ingress'), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), 'apps/ingress/dist/main.js'],
    { ...env, LOG_LEVEL: 'info' },
    /Server listening/,
  ),
];
for (let i = 0; i < WORKERS; i++)
  processes.push(
    await start(
      `worker-messages-${i + 1}`,
      [...appNodeOptions('worker-messages'), 'apps/worker-messages/dist/main.js'],
      { ...env, LOG_LEVEL: 'info' },
      /worker-messages ready/,
    ),
  );
processes.push(await start('echo', ['bench/messages/echo.mjs'], env, /echo ready/));
console.log('[bench] processes ready, sending');
const cpuBefore = new Map(processes.map((p) => [p.name, cpuSeconds(p.child.pid)]));

// Open loop: RATE pushes a second whatever the answers' speed, as WeChat does.
const agent = new Agent({ keepAlive: true, maxSockets: 2048 });
const latencies = [];
const outcome = { replied: 0, success: 0, failed: 0 };
const send = (p) =>
  new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: p.path, agent, headers: { 'content-type': 'text/xml' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          if (res.statusCode !== 200) outcome.failed++;
          else if (body.includes('<Encrypt>')) outcome.replied++;
          else outcome.success++;
          resolve();
        });
      },
    );
    req.on('error', () => {
      outcome.failed++;
      resolve();
    });
    req.end(p.body);
  });

const inflight = [];
const began = Date.now();
for (let sent = 0; sent < total;) {
  const due = Math.min(total, Math.floor(((Date.now() - began) / 1000) * RATE));
  while (sent < due) inflight.push(send(pushes[sent++]));
  await new Promise((r) => setTimeout(r, 5));
}
await Promise.all(inflight);
const elapsed = (Date.now() - began) / 1000;

// Lost = a push that was acknowledged but never reached the handler.
const redis = new Redis(REDIS_URL);
let handled = 0;
for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
  handled = Number((await redis.get(`${PREFIX}:bench:handled`)) ?? 0);
  if (handled >= total) break;
  await new Promise((r) => setTimeout(r, 200));
}
const sorted = latencies.sort((a, b) => a - b);
const pct = (q) => +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
const alive = (p) => p.child.exitCode === null && p.child.signalCode === null;
const rss = Object.fromEntries(processes.map((p) => [p.name, alive(p) ? Math.round(peakRssMb(p.child.pid)) : null]));
const cpu = Object.fromEntries(processes.map((p) => [p.name, +(cpuSeconds(p.child.pid) - cpuBefore.get(p.name)).toFixed(1)]));
const records = await raw.collection('messages').countDocuments({ status: 'handled' });
stopping = true;
for (const p of processes) {
  if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await exited;
}

const report = {
  date: new Date().toISOString(),
  machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  load: {
    ratePerSecond: RATE,
    seconds: SECONDS,
    accounts: ACCOUNTS,
    workerMessagesProcesses: WORKERS,
    handler: 'echo, 20 ms, concurrency 64',
    sentIn: +elapsed.toFixed(1),
  },
  latencyMs: { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), max: +sorted.at(-1).toFixed(1) },
  replies: { inTime: outcome.replied, late: outcome.success, failed: outcome.failed },
  handled,
  lost: total - handled,
  recordsHandled: records,
  peakRssMb: rss,
  cpuSeconds: cpu,
};
console.log(JSON.stringify(report, null, 2));
writeFileSync(new URL('../results/messages.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);

await dropKeys(redis, PREFIX);
await redis.quit();
await raw.dropDatabase();
await raw.close();
await store.close();
