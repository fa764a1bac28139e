import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSupervisor, type ChildSpec } from './index.js';

const node = (name: string, script: string): ChildSpec => ({ name, command: process.execPath, args: ['-e', script] });
// The handler comes before 'up': a SIGTERM sent as soon as 'up' is read must find it in place.
const SERVE = "process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);";

function quietOptions(lines: string[]) {
  return { write: (line: string) => lines.push(line), handleSignals: false, graceMs: 300 };
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('runSupervisor', () => {
  it('stops every child together and resolves 0', async () => {
    const lines: string[] = [];
    const s = runSupervisor([node('a', SERVE), node('b', SERVE)], quietOptions(lines));
    await waitFor(() => lines.filter((l) => l.endsWith('up')).length === 2);
    s.stop();
    expect(await s.done).toBe(0);
    expect(lines).toEqual(expect.arrayContaining(['[a] up', '[b] up', '[a] bye', '[b] bye']));
  });

  it('stops the others when one crashes, with its exit code', async () => {
    const lines: string[] = [];
    // The crash waits for a file the test writes once 'ok' is up: on a loaded machine a fixed
    // delay could end before 'ok' has its SIGTERM handler, and 'bye' would never be printed.
    const go = join(mkdtempSync(join(tmpdir(), 'supervisor-')), 'go');
    const crash = `setInterval(() => { if (require('fs').existsSync(${JSON.stringify(go)})) process.exit(3); }, 10);`;
    const s = runSupervisor([node('ok', SERVE), node('crash', crash)], quietOptions(lines));
    await waitFor(() => lines.includes('[ok] up'));
    writeFileSync(go, '');
    expect(await s.done).toBe(3);
    expect(lines).toContain('[ok] bye');
    expect(lines.some((l) => l.includes('crash exited (code 3)'))).toBe(true);
  });

  it('kills a child that ignores SIGTERM after the grace period', async () => {
    const lines: string[] = [];
    const s = runSupervisor(
      [node('stubborn', "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);")],
      quietOptions(lines),
    );
    await waitFor(() => lines.includes('[stubborn] up'));
    s.stop();
    expect(await s.done).toBe(1);
    expect(lines.some((l) => l.includes('SIGKILL'))).toBe(true);
  });
});
