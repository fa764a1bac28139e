#!/usr/bin/env node
// Makes sure Redis and a MongoDB-wire-protocol server answer where REDIS_URL and MONGODB_URI
// point; starts local ones when they don't. Plain Node, no dependencies: it runs before the build.
//
//   node scripts/services.mjs ensure   reuse or start both (what `npm start` and `npm test` call)
//   node scripts/services.mjs status   say what answers, start nothing
//   node scripts/services.mjs mirror-indexes
//                                      FerretDB on PostgreSQL: make its collections' indexes usable
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { CACHE_DIR as cacheDir, FERRETDB_BIN, FERRETDB_VERSION, durableRedisArgs, ferretDbArgs, sqliteBackend } from './server-args.mjs';

const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const mongoUri = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/weixin3rd';
const ferretDebugAddr = process.env.FERRETDB_DEBUG_ADDR ?? '127.0.0.1:27080';

const say = (line) => process.stdout.write(`[services] ${line}\n`);
const fail = (line) => {
  process.stderr.write(`[services] ${line}\n`);
  process.exit(1);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isLocal = (host) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

/** Sends `payload` and resolves with the first chunk answered, or null when nothing answers. */
function ask(host, port, payload, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (value) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once('error', () => done(null));
    socket.once('connect', () => socket.write(payload));
    socket.once('data', (chunk) => done(chunk));
  });
}

async function redisAnswers() {
  const port = Number(redisUrl.port || 6379);
  const reply = await ask(redisUrl.hostname, port, 'PING\r\n');
  // An instance with a password answers -NOAUTH: it is there, the app will authenticate.
  return reply !== null && /^(\+PONG|-NOAUTH)/.test(reply.toString('latin1'));
}

/** A wire-protocol `ping` (OP_MSG) in a hand-built BSON document: proves a Mongo server, not just a port. */
function opMsgPing() {
  const cstr = (s) => Buffer.from(`${s}\0`, 'utf8');
  const int32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  const body = Buffer.concat([
    Buffer.from([0x10]),
    cstr('ping'),
    int32(1),
    Buffer.from([0x02]),
    cstr('$db'),
    int32(6),
    cstr('admin'),
    Buffer.from([0x00]),
  ]);
  const doc = Buffer.concat([int32(body.length + 4), body]);
  const msg = Buffer.concat([int32(0), Buffer.from([0]), doc]);
  return Buffer.concat([int32(msg.length + 16), int32(1), int32(0), int32(2013), msg]);
}

function mongoHostPort() {
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^/,?]+)/.exec(mongoUri);
  if (!m) return null; // mongodb+srv or a replica-set list: leave it to the driver
  const hostPort = m[1];
  const idx = hostPort.lastIndexOf(':');
  if (idx > 0 && !hostPort.endsWith(']')) return { host: hostPort.slice(0, idx), port: Number(hostPort.slice(idx + 1)) };
  return { host: hostPort, port: 27017 };
}

async function mongoAnswers() {
  const hp = mongoHostPort();
  if (!hp) return true;
  const reply = await ask(hp.host, hp.port, opMsgPing());
  return reply !== null && reply.length >= 16 && reply.readInt32LE(12) === 2013;
}

async function waitFor(check, what, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(200);
  }
  fail(`${what} did not answer within ${timeoutMs / 1000}s`);
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) fail(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status})`);
}

async function ensureRedis(startAllowed) {
  if (await redisAnswers()) return say(`redis: reusing ${redisUrl.host}`);
  if (!startAllowed) return say(`redis: nothing answers at ${redisUrl.host}`);
  if (!isLocal(redisUrl.hostname))
    fail(`Redis does not answer at ${redisUrl.host} (REDIS_URL); start it, or unset REDIS_URL to use a local one`);
  if (!has('redis-server')) {
    if (!has('apt-get') || process.getuid?.() !== 0) {
      fail(
        'Redis is not running and redis-server is not installed: `apt-get install redis-server`, or run `docker compose up -d mongo redis`',
      );
    }
    say('redis: installing redis-server with apt-get');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', 'redis-server'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const dir = join(cacheDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = String(redisUrl.port || 6379);
  // Durable, as production runs it (server-args.mjs says why).
  run('redis-server', [
    '--daemonize',
    'yes',
    ...durableRedisArgs(port, dir),
    '--logfile',
    join(dir, 'redis.log'),
    '--pidfile',
    join(dir, 'redis.pid'),
  ]);
  await waitFor(redisAnswers, `redis-server on port ${port}`, 10_000);
  say(`redis: started on 127.0.0.1:${port} with AOF in ${dir} (log ${join(dir, 'redis.log')})`);
}

/** Builds FerretDB once from the Go module proxy at the exact version, cached outside the repo. */
function ferretdbBinary() {
  const bin = FERRETDB_BIN;
  if (existsSync(bin)) return bin;
  if (!has('go')) {
    fail(
      'MongoDB does not answer and Go is not installed to build FerretDB: install Go 1.22+, start MongoDB yourself (MONGODB_URI), or run `docker compose up -d mongo redis`',
    );
  }
  say(`ferretdb: building ${FERRETDB_VERSION} with Go (once; cached in ${cacheDir})`);
  const work = join(cacheDir, 'ferretdb-build');
  mkdirSync(work, { recursive: true });
  const go = (args) =>
    run('go', args, { cwd: work, env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' } });
  if (!existsSync(join(work, 'go.mod'))) go(['mod', 'init', 'weixin3rd-ferretdb-build']);
  go(['get', '-tool', `github.com/FerretDB/FerretDB/cmd/ferretdb@${FERRETDB_VERSION}`]);
  // FerretDB refuses to start without build/version/version.txt, which only its own release
  // tooling writes; build from a writable copy of the module that has it.
  const dir = spawnSync('go', ['list', '-m', '-f', '{{.Dir}}', 'github.com/FerretDB/FerretDB'], {
    cwd: work,
    encoding: 'utf8',
  }).stdout.trim();
  const src = join(work, 'src');
  run('rm', ['-rf', src]);
  run('cp', ['-r', dir, src]);
  run('chmod', ['-R', 'u+w', src]);
  writeFileSync(join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  go(['mod', 'edit', '-replace', `github.com/FerretDB/FerretDB=./src`]);
  mkdirSync(join(cacheDir, 'bin'), { recursive: true });
  const build = spawnSync('go', ['build', '-o', bin, 'github.com/FerretDB/FerretDB/cmd/ferretdb'], { cwd: work, stdio: 'inherit' });
  if (build.status !== 0) {
    say('ferretdb: plain build failed; retrying with -ldflags=-checklinkname=0');
    run('go', ['build', '-ldflags=-checklinkname=0', '-o', bin, 'github.com/FerretDB/FerretDB/cmd/ferretdb'], { cwd: work });
  }
  return bin;
}

async function ferretdbLive() {
  try {
    const res = await fetch(`http://${ferretDebugAddr}/debug/livez`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function ensureMongo(startAllowed) {
  const hp = mongoHostPort();
  if (await mongoAnswers()) return say(`mongodb: reusing ${hp ? `${hp.host}:${hp.port}` : 'MONGODB_URI'}`);
  if (!startAllowed) return say(`mongodb: nothing answers at ${hp.host}:${hp.port}`);
  if (!isLocal(hp.host))
    fail(`MongoDB does not answer at ${hp.host}:${hp.port} (MONGODB_URI); start it, or unset MONGODB_URI to use a local FerretDB`);
  const bin = ferretdbBinary();
  const dataDir = join(cacheDir, 'ferretdb', 'data');
  const stateDir = join(cacheDir, 'ferretdb', 'state');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const pidFile = join(cacheDir, 'ferretdb', 'ferretdb.pid');
  await stopWedgedFerretdb(pidFile);
  const logFile = join(cacheDir, 'ferretdb', 'ferretdb.log');
  const out = openSync(logFile, 'a');
  // PostgreSQL, where one answers, is the faster backend by far: on SQLite an update of one
  // document among 20 000 took 220-570 ms, on PostgreSQL 8 ms (measured here).
  const postgres = await postgresDatabase();
  const backend = postgres ? ['--handler=postgresql', `--postgresql-url=${postgres}`] : sqliteBackend(dataDir);
  const child = spawn(bin, ferretDbArgs(backend, stateDir, hp.port, ferretDebugAddr), { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  await waitFor(ferretdbLive, `FerretDB /debug/livez at ${ferretDebugAddr} (log ${logFile})`, 30_000);
  await waitFor(mongoAnswers, `FerretDB on 127.0.0.1:${hp.port}`, 10_000);
  say(`mongodb: FerretDB ${FERRETDB_VERSION} (${postgres ? 'PostgreSQL' : 'SQLite'}) started on 127.0.0.1:${hp.port} (log ${logFile})`);
}

/**
 * A FerretDB this script started that is alive but no longer answers the wire protocol (seen
 * here after heavy load: every connection of its PostgreSQL pool held, each new query waiting to
 * acquire one) would keep the port, so a new one could not start: stop it first.
 */
async function stopWedgedFerretdb(pidFile) {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const alive = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ferretdb');
    } catch {
      return false;
    }
  };
  if (!pid || !alive()) return;
  say(`mongodb: FerretDB (pid ${pid}) is running but does not answer; restarting it`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
}

const pgHost = process.env.FERRETDB_PG_HOST ?? '127.0.0.1';
const pgDatabase = 'weixin3rd_ferretdb';
const psql = (sql, database = 'postgres') =>
  spawnSync('psql', ['-h', pgHost, '-U', 'postgres', '-d', database, '-tAc', sql], { encoding: 'utf8' });

/** A PostgreSQL database for FerretDB when a local server answers (trust auth, psql present); else null. */
async function postgresDatabase() {
  const host = pgHost;
  const answers = await new Promise((resolve) => {
    const socket = createConnection({ host, port: 5432 });
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
  if (!answers) return null;
  const database = pgDatabase;
  const exists = psql(`select 1 from pg_database where datname = '${database}'`);
  if (exists.status !== 0) return null;
  if (exists.stdout.trim() !== '1' && psql(`create database ${database}`).status !== 0) return null;
  // FerretDB's pool defaults to 50 connections, and a query waits for one without bound; the
  // suite's processes at full tilt (and connections held by cursors) came close to it.
  return `postgres://postgres@${host}:5432/${database}?pool_max_conns=80`;
}

/**
 * FerretDB v1.24 turns every equality filter into `_jsonb->$key @> $value`, which the btree
 * expression indexes it builds for createIndex can't serve: each filtered find or update scans the
 * whole table (10 ms at 10 000 documents, growing linearly). A GIN index on the same expression
 * serves `@>`, so for every field of every index a collection declares we add one. MongoDB needs
 * none of this; it is for load on the local stand-in (bench/tokens), not for correctness.
 */
function mirrorIndexes() {
  const schemas = psql(`select table_schema from information_schema.tables where table_name = '_ferretdb_database_metadata'`, pgDatabase);
  if (schemas.status !== 0) fail(`mirror-indexes: no FerretDB PostgreSQL database "${pgDatabase}" at ${pgHost}: ${schemas.stderr.trim()}`);
  let created = 0;
  for (const schema of schemas.stdout.split('\n').filter(Boolean)) {
    // jsonb sorts object keys, so an index's key order comes from the type data FerretDB keeps ($k).
    const rows = psql(
      `select _jsonb->>'table', _jsonb->'indexes', _jsonb->'$s'->'p'->'indexes'->'i' from "${schema}"._ferretdb_database_metadata`,
      pgDatabase,
    );
    for (const line of rows.stdout.split('\n').filter(Boolean)) {
      const [table, indexes, indexTypes] = line.split('|');
      // FerretDB keeps each field's type in the document; one document tells which fields hold strings.
      const types = JSON.parse(psql(`select _jsonb->'$s'->'p' from "${schema}"."${table}" limit 1`, pgDatabase).stdout.trim() || '{}');
      const isString = (field) => types[field]?.t === 'string';
      // Every index costs each update (FerretDB's updates are never HOT), so one GIN per index:
      // on its last string key, the most specific equality a lookup by that index names.
      const keyOrder = JSON.parse(indexTypes).map((t) => t.$s.p.key.$s.$k);
      const fields = new Set(
        JSON.parse(indexes)
          .map((index, i) => (index.name === '_id_' ? undefined : keyOrder[i].filter(isString).at(-1)))
          .filter(Boolean),
      );
      for (const field of fields) {
        if (!/^[A-Za-z0-9_]+$/.test(field)) continue;
        const expression = `_jsonb->'${field}'`;
        const name = `w3gin_${table}_${field.replace(/\W/g, '_')}`.slice(0, 63);
        const result = psql(
          `create index if not exists "${name}" on "${schema}"."${table}" using gin ((${expression})) with (fastupdate = off)`,
          pgDatabase,
        );
        if (result.status !== 0) fail(`mirror-indexes: ${schema}.${table} ${field}: ${result.stderr.trim()}`);
        created += 1;
      }
      psql(`analyze "${schema}"."${table}"`, pgDatabase);
    }
  }
  say(`mirror-indexes: ${created} GIN indexes present in ${pgDatabase}`);
}

const command = process.argv[2] ?? 'ensure';
if (command === 'mirror-indexes') {
  mirrorIndexes();
  process.exit(0);
}
if (!['ensure', 'status'].includes(command)) fail(`unknown command "${command}": use ensure, status or mirror-indexes`);
await ensureRedis(command === 'ensure');
await ensureMongo(command === 'ensure');
