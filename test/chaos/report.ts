import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

/** One chaos case: what was done to the running system, and what the counts came to. */
export interface ChaosRow {
  case: string;
  done: string;
  load: string;
  checked: string;
  sent: number;
  acknowledged: number;
  processed: number;
  lost: number;
  duplicated: number;
  /** From the fault's end (restart, fault cleared) to the system doing its work again. */
  recoveryMs: number | null;
}

/** How long a queue took to run a job again after the worker holding it was killed. */
export interface StalledRow {
  queue: string;
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
  recoveryMs: number;
}

interface Section {
  suite: string;
  at: string;
  chaos?: ChaosRow[];
  stalled?: StalledRow[];
}

/**
 * Each suite records its rows in results/<suite>.json; RELIABILITY.md is rendered from every
 * file there, so suites running in parallel (or separately: npm test, npm run test:chaos) each
 * refresh their own rows without losing the others'.
 */
export function record(suite: string, rows: Omit<Section, 'suite' | 'at'>): void {
  mkdirSync(RESULTS, { recursive: true });
  const section: Section = { suite, at: new Date().toISOString(), ...rows };
  writeAtomically(`${RESULTS}${suite}.json`, `${JSON.stringify(section, null, 2)}\n`);
  render();
}

function writeAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

const seconds = (ms: number | null): string => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);

function redisVersion(): string {
  const out = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /v=([\d.]+)/.exec(out)?.[1] ?? 'unknown';
}

function render(): void {
  const sections = readdirSync(RESULTS)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(`${RESULTS}${f}`, 'utf8')) as Section);
  const chaos = sections.flatMap((s) => (s.chaos ?? []).map((row) => ({ ...row, at: s.at })));
  const stalled = sections.flatMap((s) => s.stalled ?? []);
  const cpu = cpus();
  const lines = [
    '# RELIABILITY',
    '',
    'Written by the chaos suite (`test/chaos`; the cases that fit in about a minute run in `npm test`,',
    'the others in `npm run test:chaos`). Every row is a real process tree (apps/*/dist/main.js) driven',
    'by the WeChat sandbox over HTTP, against real Redis and FerretDB. Do not edit by hand.',
    '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, redis-server ${redisVersion()}, host ${hostname()}.`,
    '',
    '## Cases',
    '',
    'sent: pushes or jobs the load generator sent; acknowledged: answered 2xx; processed: acknowledged',
    'and run to completion; lost = acknowledged − processed; duplicated: effects applied more than once',
    '(second WeChat calls, second events, jobs completed twice); recovery: from the fault ending to the',
    'system working again.',
    '',
    '| case | what was done | load | checked | sent | ack | processed | lost | dup | recovery | run at (UTC) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...chaos.map(
      (r) =>
        `| ${r.case} | ${r.done} | ${r.load} | ${r.checked} | ${r.sent} | ${r.acknowledged} | ${r.processed} | ${r.lost} | ${r.duplicated} | ${seconds(r.recoveryMs)} | ${r.at.slice(0, 16).replace('T', ' ')} |`,
    ),
    '',
    '## Stalled-job recovery per queue',
    '',
    'A worker process holding a job is killed with SIGKILL; a live worker of the same queue runs the',
    'job again once its lock expired and its stalled check ran (`STALLED_JOB_OPTIONS` in',
    'packages/queues; docs/ARCHITECTURE.md says why each value).',
    '',
    '| queue | lockDuration | stalledInterval | maxStalledCount | kill → completed elsewhere |',
    '|---|---|---|---|---|',
    ...stalled.map(
      (r) =>
        `| ${r.queue} | ${r.lockDuration / 1000} s | ${r.stalledInterval / 1000} s | ${r.maxStalledCount} | ${seconds(r.recoveryMs)} |`,
    ),
    '',
  ];
  writeAtomically(`${ROOT}RELIABILITY.md`, lines.join('\n'));
}
