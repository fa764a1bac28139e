import type { Logger } from 'pino';

type Signal = 'SIGTERM' | 'SIGINT';

/** The part of `process` the shutdown helper needs; a fake in tests. */
export interface SignalSource {
  once(signal: Signal, listener: () => void): unknown;
  on(signal: Signal, listener: () => void): unknown;
}

export interface ShutdownOptions {
  /** Hard limit: exit 1 if the handler has not finished by then (default 10 s). */
  timeoutMs?: number;
  signals?: Signal[];
  exit?: (code: number) => void;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  processLike?: SignalSource;
}

/**
 * Runs `handler` once on the first SIGTERM/SIGINT (stop taking work, finish in-flight work,
 * close connections), then exits 0, or 1 if it fails or outlives the hard timeout. A second
 * signal during shutdown is logged and ignored: the timeout already bounds the wait, and a
 * supervisor that wants it faster sends SIGKILL.
 */
export function onShutdown(handler: (signal: Signal) => Promise<void>, options: ShutdownOptions = {}): void {
  const { timeoutMs = 10_000, signals = ['SIGTERM', 'SIGINT'], exit = (code: number) => process.exit(code), logger } = options;
  const source = options.processLike ?? process;
  let started = false;

  const run = (signal: Signal): void => {
    if (started) {
      logger?.warn({ signal }, 'shutdown already in progress');
      return;
    }
    started = true;
    logger?.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger?.error({ timeoutMs }, 'shutdown timed out');
      exit(1);
    }, timeoutMs);
    timer.unref();
    handler(signal).then(
      () => {
        clearTimeout(timer);
        logger?.info('shutdown complete');
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        logger?.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };

  for (const signal of signals) source.on(signal, () => run(signal));
}
