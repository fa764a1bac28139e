// bench/tokens: N authorizers whose tokens all expire now; worker-tokens (a real process, 1 or 2
// of them) refreshes them against the sandbox. Measures time until every token is valid again,
// refresh calls per authorizer, peak RSS, and tokens the console served expired meanwhile.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { connectStore } from '@weixin3rd/store';
import mongoose from 'mongoose';
import { World, build, componentForProject } from '@weixin3rd/wechat-sandbox';
import { appNodeOptions } from '../../scripts/node-options.mjs';
import { cpuSeconds, peakRssMb, pids, rssMb } from '../proc.mjs';
import { REDIS_URL, benchComponent, benchMongoUri, freePort } from '../world.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// authorizers x worker processes; 100 000 with 2 workers is left out by default (15 more minutes).
const RUNS = (process.env.BENCH_TOKENS_RUNS ?? '10000x1,10000x2,100000x1').split(',').map((r) => r.split('x').map(Number));
const COMPONENT = benchComponent('wx00000000000be701');
const DATA_KEY = Buffer.alloc(32, 0x7b);
const API_TOKEN = 'bench-tokens-console-token';

const ferretPid = () => pids('[f]erretdb-v1.24.2 ')[0] ?? null;

async function startApp(name, env, port) {
  // Each app runs with the Node flags production gives it (its package.json's `nodeOptions`).
  const flags = [...appNodeOptions(name), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...flags, `apps/${name}/dist/main.js`], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  process.on('exit', () => child.kill('SIGKILL'));
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`${name} exited:\n${out}`);
    if (
      port
        ? await fetch(`http://127.0.0.1:${port}/healthz`).then(
            () => true,
            () => false,
          )
        : new RegExp(`${name} ready`).test(out)
    )
      return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not start:\n${out}`);
}

// The fields an authorizer row has when the store writes it (the store's schema defaults).
const ACCOUNT_DEFAULTS = {
  kind: null,
  nickName: null,
  headImg: null,
  userName: null,
  principalName: null,
  alias: null,
  qrcodeUrl: null,
  serviceType: null,
  verifyType: null,
};

async function run(n, workers) {
  const label = `bench-tokens-${n}-${workers}-${Date.now()}`;
  const mongo = benchMongoUri(label.slice(0, 30));
  const world = new World([componentForProject(COMPONENT, { publicBaseUrl: 'http://127.0.0.1:9' })]);
  world.settings.tokenTtlSeconds = 7200;
  const sandbox = await build({ world, onStartPushTicket: () => undefined });
  const sandboxUrl = await sandbox.listen({ host: '127.0.0.1', port: await freePort() });

  // Seed: WeChat knows N authorizations; our store holds them with tokens that expire now.
  const store = await connectStore(mongo, { dataKey: DATA_KEY });
  // The bench's own connection seeds in bulk, counts and drops: the store exposes repositories only.
  const raw = await mongoose.createConnection(mongo).asPromise();
  const authorizers = raw.collection('authorizers');
  await store.components.upsert(COMPONENT);
  const ticket = world.issueTicket(COMPONENT.appId);
  await store.tickets.save(COMPONENT.appId, ticket.value, Math.floor(ticket.issuedAtMs / 1000));
  const appIds = [];
  const seedStarted = Date.now();
  for (let i = 0; i < n; i += 1000) {
    const docs = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const appId = `wx${randomBytes(2).toString('hex')}${j.toString(16).padStart(12, '0')}`;
      appIds.push(appId);
      world.upsertAccount({ appId, userName: `gh_${j.toString(16).padStart(12, '0')}`, nickName: `shop ${j}`, kind: 'official' });
      const { authorization } = world.consent(COMPONENT.appId, appId, [1], null);
      docs.push({
        componentAppId: COMPONENT.appId,
        appId,
        status: 'authorized',
        shopId: null,
        ...ACCOUNT_DEFAULTS,
        funcInfo: [1],
        refreshToken: store.box.seal(authorization.refreshToken),
        accessToken: null,
        accessTokenExpiresAt: new Date(Date.now() - 1000),
        tokenVersion: 1,
        lastChangeAt: null,
        authorizedAt: null,
        unauthorizedAt: null,
        updatedAt: new Date(),
        __v: 0,
      });
    }
    await authorizers.insertMany(docs, { ordered: false });
  }
  const seedSeconds = (Date.now() - seedStarted) / 1000;
  // FerretDB on PostgreSQL can't use its own indexes for filters (scripts/services.mjs says why);
  // mirrored as GIN indexes they serve lookups the way MongoDB's indexes do in production.
  const mirrorIndexes =
    process.env.BENCH_TOKENS_MIRROR_INDEXES !== '0' &&
    spawnSync(process.execPath, ['scripts/services.mjs', 'mirror-indexes'], { cwd: ROOT, stdio: 'ignore' }).status === 0;
  world.calls = [];

  const [consolePort] = await Promise.all([freePort()]);
  const env = {
    SANDBOX_MODE: 'true',
    MONGODB_URI: mongo,
    REDIS_URL,
    QUEUE_PREFIX: label,
    DATA_KEY: DATA_KEY.toString('base64'),
    WECHAT_API_BASE: sandboxUrl,
    HOST: '127.0.0.1',
    CONSOLE_PORT: String(consolePort),
    API_TOKENS: API_TOKEN,
    TOKEN_REFRESH_RATE: '100000',
    LOG_LEVEL: 'warn',
    COMPONENT_APPID: '',
    COMPONENT_APPSECRET: '',
  };
  const consoleProc = await startApp('console', env, consolePort);
  const ferret = ferretPid();
  const ferretBefore = ferret ? rssMb(ferret) : null;
  let ferretPeak = ferretBefore ?? 0;

  // The console is asked for random tokens all along; count answers that were already expired.
  let served = 0;
  let servedExpired = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const appId = appIds[Math.floor(Math.random() * appIds.length)];
      const res = await fetch(`http://127.0.0.1:${consolePort}/api/v1/authorizers/${appId}/access-token`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      }).catch(() => null);
      if (res?.status === 200) {
        served++;
        const body = await res.json();
        if (new Date(body.expiresAt).getTime() <= Date.now()) servedExpired++;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  const started = Date.now();
  const procs = [];
  for (let w = 0; w < workers; w++) procs.push(await startApp('worker-tokens', { ...env, LOG_LEVEL: 'info' }));
  const groups = {
    workers: procs.map((p) => p.pid),
    ferretdb: ferret ? [ferret] : [],
    postgresql: pids('[p]ostgres'),
    redis: pids('[r]edis-server'),
    console: [consoleProc.pid],
  };
  const cpuOf = () =>
    Object.fromEntries(Object.entries(groups).map(([k, list]) => [k, list.reduce((sum, pid) => sum + cpuSeconds(pid), 0)]));
  const cpuBefore = cpuOf();
  const selfBefore = process.cpuUsage();
  let valid = 0;
  const timeoutMs = Number(process.env.BENCH_TOKENS_TIMEOUT_MS ?? 1_200_000);
  // Counting in the store is a full scan on FerretDB: poll the sandbox's answered refreshes (free)
  // and confirm in the store only once every authorizer has had one, so the bench doesn't slow
  // down what it measures.
  const refreshed = new Set();
  let seen = 0;
  while (Date.now() - started < timeoutMs) {
    for (; seen < world.calls.length; seen++) {
      const c = world.calls[seen];
      if (c.api === 'api_authorizer_token' && c.errcode === 0) refreshed.add(c.body.authorizer_appid);
    }
    if (ferret) ferretPeak = Math.max(ferretPeak, rssMb(ferret));
    if (refreshed.size >= n) {
      valid = await authorizers.countDocuments({ accessTokenExpiresAt: { $gt: new Date(Date.now() + 3600_000) } });
      if (valid >= n) break;
    }
    if (process.env.BENCH_VERBOSE)
      console.error(`${Math.round((Date.now() - started) / 1000)} s: ${refreshed.size}/${n} refreshed, ${world.calls.length} calls`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (Date.now() - started) / 1000;
  const cpuAfter = cpuOf();
  const self = process.cpuUsage(selfBefore);
  const cpuMsPerRefresh = Object.fromEntries(
    Object.keys(groups).map((k) => [k, +(((cpuAfter[k] - cpuBefore[k]) * 1000) / Math.max(1, refreshed.size)).toFixed(2)]),
  );
  cpuMsPerRefresh.sandboxAndBench = +((self.user + self.system) / 1000 / Math.max(1, refreshed.size)).toFixed(2);
  if (valid < n) valid = await authorizers.countDocuments({ accessTokenExpiresAt: { $gt: new Date(Date.now() + 3600_000) } });
  sampling = false;
  await sampler;
  const perAuthorizer = new Map();
  for (const c of world.calls)
    if (c.api === 'api_authorizer_token' && c.errcode === 0)
      perAuthorizer.set(c.body.authorizer_appid, (perAuthorizer.get(c.body.authorizer_appid) ?? 0) + 1);
  const counts = [...perAuthorizer.values()];
  const result = {
    authorizers: n,
    workers,
    mirrorIndexes,
    seedSeconds: +seedSeconds.toFixed(1),
    allValidAfterSeconds: valid >= n ? +seconds.toFixed(1) : null,
    validAtEnd: valid,
    refreshesPerSecond: Math.round(valid / seconds),
    refreshCallsPerAuthorizer: { min: Math.min(...counts), max: Math.max(...counts), authorizersCalled: counts.length },
    workerPeakRssMb: procs.map((p) => Math.round(peakRssMb(p.pid))),
    ferretdbRssMb: ferret ? { before: Math.round(ferretBefore), peak: Math.round(ferretPeak) } : null,
    console: { served, servedExpired },
    cpuMsPerRefresh,
  };
  console.log(JSON.stringify(result));
  for (const p of [...procs, consoleProc]) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  await raw.dropDatabase();
  await raw.close();
  await store.close();
  await sandbox.close();
  return result;
}

const results = [];
for (const [n, w] of RUNS) results.push(await run(n, w));
const file = new URL('../results/tokens.json', import.meta.url);
const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), machine: { cores: cpus().length, node: process.version }, results, previous: previous?.results ?? null }, null, 2)}\n`,
);
process.exit(0);
