import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { FERRETDB_BIN, ferretDbArgs, sqliteBackend } from '../../scripts/server-args.mjs';
import { freePort } from '../e2e/processes.js';
import { ChildServer, tempDir } from './child-server.js';

/**
 * A FerretDB of the test's own: its own port and SQLite directory under a temp dir, so it can be
 * killed and started again (restart: on the same data) without touching the shared one (27017)
 * other suites use.
 */
export class FerretDbServer extends ChildServer {
  private constructor(
    readonly port: number,
    readonly debugPort: number,
    dir: string,
  ) {
    super(
      `FerretDB on ${port}`,
      FERRETDB_BIN,
      ferretDbArgs(sqliteBackend(join(dir, 'data')), join(dir, 'state'), port, `127.0.0.1:${debugPort}`),
      dir,
      () => mongoAnswers(`mongodb://127.0.0.1:${port}/admin`),
    );
  }

  static async start(): Promise<FerretDbServer> {
    if (!existsSync(FERRETDB_BIN)) throw new Error(`${FERRETDB_BIN} is missing: run \`node scripts/services.mjs ensure\` once to build it`);
    const server = new FerretDbServer(await freePort(), await freePort(), tempDir('ferretdb'));
    mkdirSync(join(server.dir, 'data'));
    mkdirSync(join(server.dir, 'state'));
    await server.restart();
    return server;
  }

  uri(database: string): string {
    return `mongodb://127.0.0.1:${this.port}/${database}`;
  }
}

/** A ping answered on `uri`. */
async function mongoAnswers(uri: string): Promise<boolean> {
  const probe = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 500 });
  try {
    await probe.asPromise();
    await probe.db?.admin().ping();
    return true;
  } catch {
    return false;
  } finally {
    await probe.close().catch(() => undefined);
  }
}
