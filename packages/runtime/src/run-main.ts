/**
 * Runs a process's start-up. A failure there (wrong DATA_KEY, unreachable database, port in use)
 * is reported as one line naming its code, not a stack trace, and the process exits: 78 for
 * configuration problems, 1 otherwise.
 */
export async function runMain(
  name: string,
  start: () => Promise<void>,
  exit: (code: number) => void = (c) => process.exit(c),
): Promise<void> {
  try {
    await start();
  } catch (error) {
    const e = error as { code?: unknown; message?: string };
    const code = typeof e.code === 'string' ? e.code : 'START_FAILED';
    process.stderr.write(`${name}: ${code}: ${e.message ?? String(error)}\n`);
    exit(code === 'DATA_KEY_MISMATCH' || code === 'CONFIG_INVALID' ? 78 : 1);
  }
}
