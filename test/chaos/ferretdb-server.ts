import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { freePort, waitFor } from '../e2e/processes.js';

/** The binary scripts/services.mjs builds once (FERRETDB_VERSION there) and caches. */
const FERRETDB_BIN = join(process.env.WEIXIN3RD_CACHE ?? join(homedir(), '.cache', 'weixin3rd'), 'bin', 'ferretdb-v1.24.2');

/**
 * A FerretDB of the test's own: its own port and SQLite directory under a temp dir, so it can be
 * killed and started again without touching the shared one (27017) other suites use.
 */
export class FerretDbServer {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly debugPort: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<FerretDbServer> {
    if (!existsSync(FERRETDB_BIN)) throw new Error(`${FERRETDB_BIN} is missing: run \`node scripts/services.mjs ensure\` once to build it`);
    const server = new FerretDbServer(await freePort(), await freePort(), mkdtempSync(join(tmpdir(), 'weixin3rd-ferretdb-')));
    mkdirSync(join(server.dir, 'data'));
    mkdirSync(join(server.dir, 'state'));
    await server.restart();
    return server;
  }

  uri(database: string): string {
    return `mongodb://127.0.0.1:${this.port}/${database}`;
  }

  /** Starts (again) on the same port and data: what was written before a stop is there. */
  async restart(): Promise<void> {
    const child = spawn(
      FERRETDB_BIN,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${join(this.dir, 'data')}/`,
        `--state-dir=${join(this.dir, 'state')}`,
        `--listen-addr=127.0.0.1:${this.port}`,
        `--debug-addr=127.0.0.1:${this.debugPort}`,
        '--telemetry=disable',
        '--log-level=warn',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    process.once('exit', () => child.kill('SIGKILL'));
    await waitFor(
      async () => {
        const probe = mongoose.createConnection(this.uri('admin'), { serverSelectionTimeoutMS: 500 });
        try {
          await probe.asPromise();
          await probe.db?.admin().ping();
          return true;
        } catch {
          return undefined;
        } finally {
          await probe.close().catch(() => undefined);
        }
      },
      30_000,
      `FerretDB on ${this.port}`,
    );
  }

  /**
   * SIGSTOP: the process stays, its connections stay open, and nothing is answered, as a wedged
   * database (every pool connection held) or a host that stopped responding would look.
   */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT after {@link freeze}: the queries sent meanwhile are answered. */
  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL, as a crash or a lost host would; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || (child.signalCode !== null && child.signalCode !== 'SIGSTOP')) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
