// bench/ingress: encrypted message pushes with distinct MsgIds against (a) our ingress with real
// Redis, (b) a bare Fastify route (the ceiling), (c) node-webot's `wechat` middleware on Express.
// Same load generator (autocannon, in this process), same machine, one target at a time.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { connectStore } from '@weixin3rd/store';
import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { appNodeOptions } from '../../scripts/node-options.mjs';
import { cpuSeconds, peakRssMb, pids } from '../proc.mjs';
import { BENCH_DATA_KEY, REDIS_URL, benchComponent, benchMongoUri, dropKeys, freePort, track } from '../world.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const PUSHES = Number(process.env.BENCH_PUSHES ?? 120_000);
const COMPONENT = benchComponent('wx00000000000be7c1');
const AUTHORIZER = 'wx00000000000be7a1';
const MONGO = benchMongoUri('bench-ingress');
const PREFIX = `bench-ingress-${Date.now()}`;
const DATA_KEY = BENCH_DATA_KEY;

/** Pre-encrypted pushes, so the generator spends no CPU on crypto during the run. */
function makePushes(n) {
  const crypto = new WeChatCrypto({ token: COMPONENT.token, encodingAesKey: COMPONENT.encodingAesKey, receiveId: COMPONENT.appId });
  const pushes = new Array(n);
  const timestamp = String(Math.floor(Date.now() / 1000));
  for (let i = 0; i < n; i++) {
    const msgId = String(24000000000000000n + BigInt(i));
    const xml = `<xml><ToUserName><![CDATA[gh_be7c0000be7c]]></ToUserName><FromUserName><![CDATA[oBench${i % 1000}]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello ${i}]]></Content><MsgId>${msgId}</MsgId></xml>`;
    const nonce = String(100000 + i);
    const parts = crypto.encryptPush(xml, { timestamp, nonce });
    pushes[i] = {
      query: `signature=${parts.signature}&timestamp=${timestamp}&nonce=${nonce}&openid=oBench&encrypt_type=aes&msg_signature=${parts.msgSignature}`,
      body: `<xml><ToUserName><![CDATA[gh_be7c0000be7c]]></ToUserName><Encrypt><![CDATA[${parts.encrypt}]]></Encrypt></xml>`,
    };
  }
  return pushes;
}

/** Starts a server process and waits until its port answers. */
async function start(name, args, env, port) {
  const child = track(spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] }));
  let output = '';
  let exited = null;
  child.stderr.on('data', (chunk) => (output += chunk));
  child.once('exit', (code) => {
    exited = code;
    if (code !== 0 && code !== null) console.error(`${name} exited ${code}:\n${output}`);
  });
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    if (exited !== null) throw new Error(`${name} exited ${exited}:\n${output}`);
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => true,
      () => false,
    );
    if (up) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not start:\n${output}`);
}

async function load(port, pushes, cursor, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const p = pushes[cursor.next++ % pushes.length];
          return {
            ...req,
            path: `/wechat/${COMPONENT.appId}/accounts/${AUTHORIZER}/messages?${p.query}`,
            headers: { 'content-type': 'text/xml' },
            body: p.body,
          };
        },
      },
    ],
  });
  return result;
}

async function measure(name, child, port, pushes, cursor) {
  await load(port, pushes, cursor, 2); // warm-up: JIT, connection pools
  const redis = pids('[r]edis-server');
  const before = { server: cpuSeconds(child.pid), redis: redis.reduce((t, pid) => t + cpuSeconds(pid), 0), generator: process.cpuUsage() };
  const r = await load(port, pushes, cursor, DURATION);
  const generator = process.cpuUsage(before.generator);
  const perRequest = (seconds) => +((seconds * 1e6) / Math.max(1, r.requests.total)).toFixed(1);
  const summary = {
    requestsPerSecond: Math.round(r.requests.average),
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    peakRssMb: Math.round(peakRssMb(child.pid)),
    cpuMicrosecondsPerRequest: {
      server: perRequest(cpuSeconds(child.pid) - before.server),
      redis: perRequest(redis.reduce((t, pid) => t + cpuSeconds(pid), 0) - before.redis),
      generator: perRequest((generator.user + generator.system) / 1e6),
    },
  };
  const cpu = summary.cpuMicrosecondsPerRequest;
  console.log(
    `${name.padEnd(8)} ${String(summary.requestsPerSecond).padStart(6)} req/s  p50 ${summary.latencyMs.p50} ms  p99 ${summary.latencyMs.p99} ms  peak RSS ${summary.peakRssMb} MB  non-2xx ${summary.non2xx}  errors ${summary.errors}  CPU/request: server ${cpu.server} us, redis ${cpu.redis} us, generator ${cpu.generator} us`,
  );
  return summary;
}

async function stop(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const pushes = makePushes(PUSHES);
const cursor = { next: 0 };
const results = {};

// (a) the ingress: a real process, real Redis, the store holding the component and the account.
const store = await connectStore(MONGO, { dataKey: Buffer.from(DATA_KEY, 'base64') });
await store.components.upsert(COMPONENT);
await store.authorizers.setStatus(COMPONENT.appId, AUTHORIZER, 'authorized');
await store.close();
const [ingressPort, barePort, webotPort] = await Promise.all([freePort(), freePort(), freePort()]);
// BENCH_NODE_FLAGS: extra flags for the ingress process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
// The ingress runs with the Node flags production gives it (its package.json's `nodeOptions`).
const nodeFlags = [...appNodeOptions('ingress'), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
const ingress = await start(
  'ingress',
  [...nodeFlags, 'apps/ingress/dist/main.js'],
  {
    SANDBOX_MODE: 'true',
    MONGODB_URI: MONGO,
    REDIS_URL,
    QUEUE_PREFIX: PREFIX,
    DATA_KEY,
    HOST: '127.0.0.1',
    INGRESS_PORT: String(ingressPort),
    // No worker-messages here: measure the durable ingest path, answering `success` once enqueued.
    INGRESS_REPLY_BUDGET_MS: '0',
    INGRESS_RATE_LIMIT: '1000000',
    LOG_LEVEL: 'warn',
  },
  ingressPort,
);
results.ingress = await measure('ingress', ingress, ingressPort, pushes, cursor);
await stop(ingress);
const redis = new Redis(REDIS_URL);
const queue = new Queue('account-messages', { connection: redis, prefix: PREFIX });
results.ingress.jobsInRedis = (await queue.getJobCounts()).waiting;
await queue.close();
results.ingress.distinctPushesSent = Math.min(cursor.next, PUSHES);

// (b) the ceiling.
const bare = await start('bare', ['bench/ingress/servers/bare.mjs'], { PORT: String(barePort) }, barePort);
results.bare = await measure('bare', bare, barePort, pushes, cursor);
await stop(bare);

// (c) the peer.
const webot = await start(
  'webot',
  ['bench/ingress/servers/webot.mjs'],
  { PORT: String(webotPort), WX_TOKEN: COMPONENT.token, WX_APPID: COMPONENT.appId, WX_AES_KEY: COMPONENT.encodingAesKey },
  webotPort,
);
results.webot = await measure('webot', webot, webotPort, pushes, cursor);
await stop(webot);

await dropKeys(redis, PREFIX);
await redis.quit();

const report = {
  date: new Date().toISOString(),
  machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  load: { connections: CONNECTIONS, seconds: DURATION, generator: 'autocannon 8, same process for every target' },
  results,
  ratios: {
    ingressOverWebot: +(results.ingress.requestsPerSecond / results.webot.requestsPerSecond).toFixed(2),
    ingressOverBare: +(results.ingress.requestsPerSecond / results.bare.requestsPerSecond).toFixed(2),
  },
};
writeFileSync(new URL('../results/ingress.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report.ratios));
