import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../e2e/processes.js';

/** A fresh directory under the system's temp dir, for one server's data. */
export const tempDir = (kind: string): string => mkdtempSync(join(tmpdir(), `weixin3rd-${kind}-`));

/**
 * A server a test runs as a child process (redis-server, FerretDB): one command line, one data
 * directory, started and waited for until it answers, killed with SIGKILL as a crash would, and
 * started again on the same data.
 */
export class ChildServer {
  private child: ChildProcess | null = null;

  constructor(
    /** Names the server in a failed wait. */
    readonly what: string,
    private readonly command: string,
    private readonly args: readonly string[],
    readonly dir: string,
    /** True once the server answers a real request (not merely accepts connections). */
    private readonly answers: () => Promise<boolean>,
  ) {}

  /** Starts (again) with the same arguments and directory; resolves once it answers. */
  async restart(): Promise<void> {
    const child = spawn(this.command, [...this.args], { stdio: 'ignore' });
    this.child = child;
    // A suite that fails must not leave its servers behind.
    process.once('exit', () => child.kill('SIGKILL'));
    await waitFor(async () => ((await this.answers()) ? true : undefined), 30_000, this.what);
  }

  /**
   * SIGSTOP: the process stays, its connections stay open, and nothing is answered, as a wedged
   * server (every pool connection held) or a host that stopped responding would look.
   */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT after {@link freeze}: what was sent meanwhile is answered. */
  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL, as a crash or a lost host would (a frozen one too); resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Killed, and its directory removed. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
