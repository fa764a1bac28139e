// What the benches read of a process from /proc: memory and CPU time. The machine's cores are what
// every process in a run shares, so CPU time per operation tells where a higher rate would come from.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const statusKb = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

/** Peak resident set size in MB, from the kernel (VmHWM). */
export const peakRssMb = (pid) => statusKb(pid, 'VmHWM') / 1024;

/** Current resident set size in MB (VmRSS). */
export const rssMb = (pid) => statusKb(pid, 'VmRSS') / 1024;

/** CPU seconds (user + system) a process has used; 0 once it is gone. */
export function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** Pids whose command line matches `pattern` (pgrep -f); write `[r]edis` so pgrep's own shell isn't one. */
export function pids(pattern) {
  try {
    return execSync(`pgrep -f '${pattern}'`).toString().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
