// bench/messages: WeChat pushes a steady 500 messages/s over 1 000 accounts for 60 s to a real
// ingress; real worker-messages processes route them to `messages.echo`, whose handler (a separate
// process, handleMessages) answers in 20 ms. Measured per push, from the request leaving the
// generator to the ingress's answer: the encrypted passive reply when it came in time, `success`
// when it did not (late: it then goes by the customer-service API). Stores of its own (a private
// FerretDB on SQLite and a private redis-server, bench/private-stores.mjs): never the shared ones.
// Also per stage (queue waits and job times from BullMQ's own timestamps) and per process (store
// commands per message from each process's metrics, RSS, CPU). Writes bench/results/messages.json,
// one run per rate: BENCH_RATE=200, 300, 500 each replace their own entry.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { connectStore } from '@weixin3rd/store';
import mongoose from 'mongoose';
import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { appNodeOptions } from '../../scripts/node-options.mjs';
import { cpuSeconds, peakRssMb } from '../proc.mjs';
import { privateStores } from '../private-stores.mjs';
import { BENCH_DATA_KEY, benchComponent, freePort, track } from '../world.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const COMPONENT = benchComponent('wx00000000000be7c2');
const stores = await privateStores();
const MONGO = stores.mongoUri(`bench-messages-${Date.now()}`);
const REDIS_URL = stores.redisUrl;
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
  // METRICS_PORT=0: the ready line names the port it got.
  const metricsPort = Number(/"metricsPort":(\d+)/.exec(output)?.[1] ?? 0) || null;
  return { name, child, metricsPort, output: () => output };
}

/** The store commands a process has sent so far, `command collection` → count (its /metrics). */
async function storeCommands(p) {
  if (!p.metricsPort) return {};
  const text = await (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();
  const counts = {};
  for (const m of text.matchAll(/^weixin3rd_store_commands_total\{([^}]*)\} (\d+)/gm)) {
    const label = (name) => new RegExp(`${name}="([^"]*)"`).exec(m[1])?.[1] ?? '';
    const key = `${label('command')} ${label('collection')}`.trim();
    counts[key] = (counts[key] ?? 0) + Number(m[2]);
  }
  return counts;
}

// The world: one component, ACCOUNTS authorized official accounts, one route to `echo`.
const store = await connectStore(MONGO, { dataKey: Buffer.from(DATA_KEY, 'base64') });
// The bench's own connection counts and drops: the store exposes repositories only.
const raw = await mongoose.createConnection(MONGO).asPromise();
// connectStore built every collection's indexes, so every table exists now.
stores.mirrorIndexes();
await store.components.upsert(COMPONENT);
// One account through the store (sealed secrets and all), the others as copies of its document
// in one insertMany: upserting each would cost FerretDB on SQLite a scan of the table per account.
await store.authorizers.upsertAuthorized({
  componentAppId: COMPONENT.appId,
  appId: appId(0),
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
});
const { _id, ...first } = await raw.collection('authorizers').findOne({ appId: appId(0) });
for (let i = 1; i < ACCOUNTS; i += 500)
  await raw.collection('authorizers').insertMany(
    Array.from({ length: Math.min(500, ACCOUNTS - i) }, (_, j) => ({
      ...first,
      _id: new mongoose.Types.ObjectId(),
      appId: appId(i + j),
    })),
  );
console.log(`[bench] ${ACCOUNTS} accounts stored`);
await store.messageRoutes.create({ service: 'echo', priority: 1, enabled: true, match: {} });

// Pre-encrypted pushes, round-robin over the accounts (each account's messages ~2 s apart).
const total = RATE * SECONDS;
// BENCH_WARMUP=1: first one message per account (at RATE), measured apart, until all are handled:
// the run then starts with every process knowing every account (steady state, not a cold start).
const WARMUP = process.env.BENCH_WARMUP === '1';
const crypto = new WeChatCrypto({ token: COMPONENT.token, encodingAesKey: COMPONENT.encodingAesKey, receiveId: COMPONENT.appId });
const timestamp = String(Math.floor(Date.now() / 1000));
const encryptPushes = (count, msgIdBase, noncePrefix) =>
  Array.from({ length: count }, (_, i) => {
    const account = appId(i % ACCOUNTS);
    const xml = `<xml><ToUserName><![CDATA[gh_be7c0000be7c]]></ToUserName><FromUserName><![CDATA[oBench${i % 7919}]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[echo ${i}]]></Content><MsgId>${msgIdBase + BigInt(i)}</MsgId></xml>`;
    const nonce = `${noncePrefix}${100000 + i}`;
    const parts = crypto.encryptPush(xml, { timestamp, nonce });
    return {
      path: `/wechat/${COMPONENT.appId}/accounts/${account}/messages?signature=${parts.signature}&timestamp=${timestamp}&nonce=${nonce}&openid=oBench&encrypt_type=aes&msg_signature=${parts.msgSignature}`,
      body: `<xml><ToUserName><![CDATA[gh_be7c0000be7c]]></ToUserName><Encrypt><![CDATA[${parts.encrypt}]]></Encrypt></xml>`,
    };
  });
const pushes = encryptPushes(total, 25000000000000000n, '');
const warmupPushes = WARMUP ? encryptPushes(ACCOUNTS, 26000000000000000n, '9') : [];

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
  METRICS_PORT: '0',
};
const processes = [
  await start(
    'ingress',
    [...appNodeOptions('ingress'), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), 'apps/ingress/dist/main.js'],
    { ...env, LOG_LEVEL: 'info' },
    /ingress ready/,
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
const measured = [...processes, ...stores.processes];

// Open loop: RATE pushes a second whatever the answers' speed, as WeChat does.
const agent = new Agent({ keepAlive: true, maxSockets: 2048 });
let latencies = [];
let outcome = { replied: 0, success: 0, failed: 0 };
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

const redis = new Redis(REDIS_URL);
const handledNow = () => redis.scard(`${PREFIX}:bench:handled`);
/** Sends `list` at RATE per second; resolves once every push was answered. */
async function sendAll(list, label) {
  const inflight = [];
  const began = Date.now();
  let cpuAt = new Map(measured.map((p) => [p.name, cpuSeconds(p.child.pid)]));
  const progress = setInterval(() => {
    const answered = outcome.replied + outcome.success + outcome.failed;
    // CPU share of each process over the last 5 s: where the time goes while it happens.
    const shares = measured.map((p) => {
      const now = cpuSeconds(p.child.pid);
      const share = `${p.name} ${Math.round(((now - (cpuAt.get(p.name) ?? now)) / 5) * 100)}%`;
      cpuAt.set(p.name, now);
      return share;
    });
    console.log(
      `[bench] ${label} ${Math.round((Date.now() - began) / 1000)} s: ${inflight.length} sent, ${answered} answered (${outcome.replied} replied, ${outcome.success} success, ${outcome.failed} failed); CPU ${shares.join(', ')}`,
    );
  }, 5000);
  for (let sent = 0; sent < list.length;) {
    const due = Math.min(list.length, Math.floor(((Date.now() - began) / 1000) * RATE));
    while (sent < due) inflight.push(send(list[sent++]));
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
  clearInterval(progress);
  return (Date.now() - began) / 1000;
}

let warmup = null;
if (WARMUP) {
  const sentIn = await sendAll(warmupPushes, 'warm-up');
  const t0 = Date.now();
  while ((await handledNow()) < warmupPushes.length && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 200));
  warmup = { messages: warmupPushes.length, sentIn: +sentIn.toFixed(1), handled: await handledNow(), replies: { ...outcome } };
  console.log(`[bench] warm-up: ${JSON.stringify(warmup)}`);
  latencies = [];
  outcome = { replied: 0, success: 0, failed: 0 };
}
const handledBefore = await handledNow();
const callsBefore = Number((await redis.get(`${PREFIX}:bench:calls`)) ?? 0);
const cpuBefore = new Map(measured.map((p) => [p.name, cpuSeconds(p.child.pid)]));
const commandsBefore = new Map(await Promise.all(processes.map(async (p) => [p.name, await storeCommands(p)])));
const elapsedRun = await sendAll(pushes, 'run');
const elapsed = elapsedRun;

// Lost = a push that was acknowledged but never reached the handler.
let handled = 0;
for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
  handled = (await handledNow()) - handledBefore;
  if (handled >= total) break;
  await new Promise((r) => setTimeout(r, 200));
}
const handlerCalls = Number((await redis.get(`${PREFIX}:bench:calls`)) ?? 0) - callsBefore;
// Where the time goes, from BullMQ's own timestamps on the jobs of the last part of the run.
const stage = async (queueName) => {
  const queue = new Queue(queueName, { connection: redis, prefix: PREFIX });
  const jobs = (await queue.getJobs(['completed'], 0, 4999)).filter((j) => j?.processedOn && j.finishedOn);
  await queue.close();
  const q = (values, at) => {
    const v = values.sort((a, b) => a - b);
    return v.length ? v[Math.min(v.length - 1, Math.floor(at * v.length))] : null;
  };
  const waits = jobs.map((j) => j.processedOn - j.timestamp);
  const runs = jobs.map((j) => j.finishedOn - j.processedOn);
  return { jobs: jobs.length, waitMs: { p50: q(waits, 0.5), p99: q(waits, 0.99) }, runMs: { p50: q(runs, 0.5), p99: q(runs, 0.99) } };
};
const stages = { 'account-messages': await stage('account-messages'), 'messages.echo': await stage('messages.echo') };
const sorted = latencies.sort((a, b) => a - b);
const pct = (q) => +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
const alive = (p) => p.child.exitCode === null && p.child.signalCode === null;
const rss = Object.fromEntries(measured.map((p) => [p.name, alive(p) ? Math.round(peakRssMb(p.child.pid)) : null]));
const cpu = Object.fromEntries(measured.map((p) => [p.name, +(cpuSeconds(p.child.pid) - cpuBefore.get(p.name)).toFixed(1)]));
// Store commands per message sent, by process and `command collection` (the run only, not the start).
const storeCommandsPerMessage = {};
for (const p of processes) {
  if (!alive(p)) continue;
  const before = commandsBefore.get(p.name) ?? {};
  const after = await storeCommands(p);
  const per = {};
  for (const [key, n] of Object.entries(after)) {
    const d = n - (before[key] ?? 0);
    if (d > 0) per[key] = +(d / total).toFixed(3);
  }
  if (Object.keys(per).length) storeCommandsPerMessage[p.name] = per;
}
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
  stores: { mongodb: stores.mongoKind, redis: stores.redisKind },
  load: {
    ratePerSecond: RATE,
    seconds: SECONDS,
    accounts: ACCOUNTS,
    workerMessagesProcesses: WORKERS,
    handler: 'echo, 20 ms, concurrency 64',
    sentIn: +elapsed.toFixed(1),
  },
  // null: a cold start (no process has seen an account yet); else one message per account first.
  warmup,
  latencyMs: { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), max: +sorted.at(-1).toFixed(1) },
  replies: { inTime: outcome.replied, late: outcome.success, failed: outcome.failed },
  handled,
  lost: total - handled,
  duplicated: handlerCalls - handled,
  recordsHandled: records,
  target: { p99Ms: 250, late: 0, lost: 0 },
  met: pct(0.99) <= 250 && outcome.success === 0 && outcome.failed === 0 && handled === total,
  stagesMs: stages,
  storeCommandsPerMessage,
  peakRssMb: rss,
  cpuSeconds: cpu,
};
console.log(JSON.stringify(report, null, 2));
// One entry per rate (and accounts, seconds, workers): a run replaces its own, keeps the others.
const file = new URL('../results/messages.json', import.meta.url);
const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
const same = (r) =>
  r.load.ratePerSecond === RATE &&
  r.load.seconds === SECONDS &&
  r.load.accounts === ACCOUNTS &&
  r.load.workerMessagesProcesses === WORKERS &&
  Boolean(r.warmup) === WARMUP;
const runs = [...(Array.isArray(previous.runs) ? previous.runs : []).filter((r) => !same(r)), report].sort(
  (a, b) => a.load.ratePerSecond - b.load.ratePerSecond,
);
writeFileSync(file, `${JSON.stringify({ runs }, null, 2)}\n`);

await redis.quit();
await raw.close();
await store.close();
await stores.stop();
