import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface SupervisorOptions {
  /** Time between SIGTERM and SIGKILL when stopping (default 10 s). */
  graceMs?: number;
  /** Receives each output line prefixed with `[name]`; stdout/stderr of this process by default. */
  write?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Forward SIGTERM/SIGINT of this process to the children (default true). */
  handleSignals?: boolean;
}

export interface Supervisor {
  /** Stops every child: SIGTERM, then SIGKILL after the grace period. */
  stop(signal?: NodeJS.Signals): void;
  /** 0 when stopped on purpose and every child exited cleanly; else the first failing child's code. */
  done: Promise<number>;
  children: ReadonlyMap<string, ChildProcess>;
}

/**
 * Runs several processes as one: their output is prefixed with their name, a signal stops them
 * all, and when any of them exits on its own the others are stopped too, so `npm start` never
 * leaves half a system running.
 */
export function runSupervisor(specs: ChildSpec[], options: SupervisorOptions = {}): Supervisor {
  const graceMs = options.graceMs ?? 10_000;
  const write = options.write ?? ((line, stream) => (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`));
  const children = new Map<string, ChildProcess>();
  const running = new Set<string>();
  let stopping = false;
  let result: number | null = null;
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let killTimer: NodeJS.Timeout | undefined;

  const stop = (signal: NodeJS.Signals = 'SIGTERM'): void => {
    if (stopping) return;
    stopping = true;
    for (const name of running) children.get(name)?.kill(signal);
    killTimer = setTimeout(() => {
      for (const name of running) {
        write(`[supervisor] ${name} did not stop within ${graceMs} ms: SIGKILL`, 'stderr');
        children.get(name)?.kill('SIGKILL');
      }
    }, graceMs);
    killTimer.unref();
  };

  for (const spec of specs) {
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.set(spec.name, child);
    running.add(spec.name);
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (source) createInterface({ input: source }).on('line', (line) => write(`[${spec.name}] ${line}`, stream));
    }
    child.on('error', (error) => write(`[supervisor] ${spec.name} failed to start: ${error.message}`, 'stderr'));
    // 'close', not 'exit': it comes after the child's output is read to the end, so its last lines print first.
    child.on('close', (code, signal) => {
      running.delete(spec.name);
      const clean = code === 0 || (stopping && (signal === 'SIGTERM' || signal === 'SIGINT'));
      if (!clean && result === null) result = code ?? 1;
      if (!stopping) {
        write(`[supervisor] ${spec.name} exited (${signal ?? `code ${code}`}): stopping the others`, 'stderr');
        if (result === null) result = 1;
        stop();
      }
      if (running.size === 0) {
        clearTimeout(killTimer);
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolveDone(result ?? 0);
      }
    });
  }

  function onSignal(signal: NodeJS.Signals): void {
    stop(signal);
  }
  if (options.handleSignals ?? true) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  if (specs.length === 0) resolveDone(0);

  return { stop, done, children };
}
