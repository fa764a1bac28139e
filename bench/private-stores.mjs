// Stores of a bench's own: a FerretDB (SQLite backend) and a redis-server on free ports, each in a
// temp dir removed at the end. A load of hundreds of pushes a second must never land on the shared
// FerretDB (PostgreSQL) the tests use: it wedged there, every pool connection held. BENCH_MONGODB_URI
// (a real MongoDB, say) and BENCH_REDIS_URL replace them.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FERRETDB_BIN, durableRedisArgs, ferretDbArgs, sqliteBackend } from '../scripts/server-args.mjs';
import { freePort, track } from './world.mjs';

/** Resolves once something accepts connections on the port (the servers answer right after). */
async function listening(port, what, child) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) at start`);
    const open = await new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${port} within 30 s`);
}

/** A private FerretDB on SQLite; `pid` for /proc figures. */
async function privateFerretDb(dir) {
  if (!existsSync(FERRETDB_BIN)) throw new Error(`${FERRETDB_BIN} is missing: run \`node scripts/services.mjs ensure\` once to build it`);
  const [port, debugPort] = [await freePort(), await freePort()];
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'state'));
  const child = track(
    spawn(FERRETDB_BIN, ferretDbArgs(sqliteBackend(join(dir, 'data')), join(dir, 'state'), port, `127.0.0.1:${debugPort}`), {
      stdio: 'ignore',
    }),
  );
  await listening(port, 'FerretDB', child);
  return { name: 'ferretdb', child, uri: (db) => `mongodb://127.0.0.1:${port}/${db}`, dataDir: join(dir, 'data') };
}

/**
 * FerretDB v1.24's SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"` but looks a document up
 * by `_id` with `_ferretdb_sjson->'$._id' = ?`: SQLite matches index expressions as written, so
 * every lookup, update and upsert by `_id` scans the whole table (measured: 500 upserts took 1.8 s
 * on 1 000 messages and 5.3 s on 4 000). MongoDB (and FerretDB on PostgreSQL) use their `_id`
 * index. This adds an index on the expression the queries use to every table of every database,
 * as `scripts/services.mjs mirror-indexes` does for PostgreSQL; run it once the collections exist.
 */
export function mirrorIdIndexes(dataDir) {
  for (const file of readdirSync(dataDir).filter((f) => f.endsWith('.sqlite'))) {
    const db = join(dataDir, file);
    const tables = execFileSync('sqlite3', [db, 'SELECT table_name FROM _ferretdb_collections'], { encoding: 'utf8' })
      .split('\n')
      .filter((t) => /^[A-Za-z0-9_]+$/.test(t));
    const sql = tables.map((t) => `CREATE INDEX IF NOT EXISTS "${t}__id_pushdown" ON "${t}" (_ferretdb_sjson->'$._id');`).join('\n');
    if (sql) execFileSync('sqlite3', ['-cmd', '.timeout 10000', db, sql]);
  }
}

/** A private redis-server: AOF fsynced every second and noeviction, as in production. */
async function privateRedis(dir) {
  const port = await freePort();
  const child = track(spawn('redis-server', durableRedisArgs(port, dir), { stdio: 'ignore' }));
  await listening(port, 'redis-server', child);
  return { name: 'redis', child, url: `redis://127.0.0.1:${port}` };
}

/**
 * The bench's stores: `mongoUri(db)`, `redisUrl`, the processes it started (for RSS/CPU) and
 * `stop()`.
 */
export async function privateStores() {
  const dir = mkdtempSync(join(tmpdir(), 'weixin3rd-bench-'));
  // However the bench ends (its children are killed on exit by world.mjs's track()).
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const started = [];
  let mongoUri;
  if (process.env.BENCH_MONGODB_URI) {
    const base = new URL(process.env.BENCH_MONGODB_URI);
    mongoUri = (db) => Object.assign(new URL(base), { pathname: `/${db}` }).toString();
  } else {
    mkdirSync(join(dir, 'ferretdb'));
    const ferret = await privateFerretDb(join(dir, 'ferretdb'));
    started.push(ferret);
    mongoUri = ferret.uri;
  }
  let redisUrl = process.env.BENCH_REDIS_URL;
  if (!redisUrl) {
    mkdirSync(join(dir, 'redis'));
    const redis = await privateRedis(join(dir, 'redis'));
    started.push(redis);
    redisUrl = redis.url;
  }
  return {
    mongoUri,
    redisUrl,
    mongoKind: process.env.BENCH_MONGODB_URI ? 'BENCH_MONGODB_URI' : 'private FerretDB v1.24.2 (SQLite backend)',
    redisKind: process.env.BENCH_REDIS_URL ? 'BENCH_REDIS_URL' : 'private redis-server (AOF everysec)',
    processes: started,
    /** After the collections exist: the `_id` index FerretDB's SQLite queries can use (a no-op otherwise). */
    mirrorIndexes: () => {
      const ferret = started.find((p) => p.name === 'ferretdb');
      if (ferret) mirrorIdIndexes(ferret.dataDir);
    },
    async stop() {
      for (const { child } of started) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
