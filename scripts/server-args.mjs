// The command lines of the servers this project starts itself, in one place: the Redis and
// FerretDB that `npm start`/`npm test` start when none answers (services.mjs), the chaos tests'
// own servers (test/chaos) and the benches' private stores (bench/private-stores.mjs).
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The exact FerretDB release (the module proxy refuses `@latest`); services.mjs builds it once. */
export const FERRETDB_VERSION = 'v1.24.2';

/** Where services.mjs caches what it builds (WEIXIN3RD_CACHE, else ~/.cache/weixin3rd). */
export const CACHE_DIR = process.env.WEIXIN3RD_CACHE ?? join(homedir(), '.cache', 'weixin3rd');

/** The FerretDB binary services.mjs builds and caches. */
export const FERRETDB_BIN = join(CACHE_DIR, 'bin', `ferretdb-${FERRETDB_VERSION}`);

/**
 * redis-server as production runs it. Durable by default: every acknowledged push is a job in
 * Redis until a worker finishes it, so Redis keeps an append-only file fsynced once a second (a
 * host crash loses at most ~1 s; a Redis crash alone loses nothing). No RDB snapshots: the AOF is
 * the one copy. noeviction: a full Redis refuses writes rather than dropping jobs.
 */
export function durableRedisArgs(port, dir) {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
  ];
}

/** FerretDB listening on 127.0.0.1:`port` with `backend` (its --handler flags) and its state in `stateDir`. */
export function ferretDbArgs(backend, stateDir, port, debugAddr) {
  return [
    ...backend,
    `--state-dir=${stateDir}`,
    `--listen-addr=127.0.0.1:${port}`,
    `--debug-addr=${debugAddr}`,
    '--telemetry=disable',
    '--log-level=warn',
  ];
}

/** The SQLite backend's flags: one file per database under `dataDir`. */
export const sqliteBackend = (dataDir) => ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`];
