import { waitFor, type RunningProcess } from '../e2e/processes.js';
import { parsePrometheus, sum } from '../e2e/prometheus-text.js';
import type { Stack } from './stack.js';

/** A kind of worker process, the queue it consumes, and how to give that queue one more job. */
export interface WorkerKind {
  kind: string;
  queue: string;
  /** Makes one more job on `queue` (the i-th extra one), e.g. a push through the sandbox. */
  feed(i: number): Promise<void>;
}

/** Jobs of `queue` each process of a kind completed, in the order the processes started. */
export type Completed = Map<string, number[]>;

/**
 * Where a process serves /metrics: started with METRICS_PORT=0, it names the port it took in its
 * ready line (which Stack.start has waited for).
 */
function metricsUrl(p: RunningProcess): string {
  const port = /"metricsPort":(\d+)/.exec(p.output.join(''))?.[1];
  if (!port) throw new Error(`${p.name} serves no metrics: start it with METRICS_PORT=0`);
  return `http://127.0.0.1:${port}/metrics`;
}

/** `weixin3rd_jobs_total{queue, outcome="completed"}` of one process. */
async function completedOn(p: RunningProcess, queue: string): Promise<number> {
  const res = await fetch(metricsUrl(p));
  if (!res.ok) throw new Error(`${p.name} /metrics: ${res.status}`);
  return sum(parsePrometheus(await res.text()), 'weixin3rd_jobs_total', { queue, outcome: 'completed' });
}

/** What every process of each kind has completed so far on its queue. */
export async function completedJobs(stack: Stack, kinds: readonly WorkerKind[]): Promise<Completed> {
  const out: Completed = new Map();
  for (const { kind, queue } of kinds)
    out.set(kind, await Promise.all((stack.processes.get(kind) ?? []).map((p) => completedOn(p, queue))));
  return out;
}

const total = (completed: Completed, kind: string): number => (completed.get(kind) ?? []).reduce((a, b) => a + b, 0);

/** Per kind, what each process completed since `baseline`. */
const since = (now: Completed, baseline: Completed): Completed =>
  new Map([...now].map(([kind, counts]) => [kind, counts.map((n, i) => n - (baseline.get(kind)?.[i] ?? 0))]));

/**
 * Until every process of every kind has completed at least one job since `baseline`, feeds the
 * kinds that still have an idle process one job at a time, each fed job waited for before the
 * next (so a process that finished a job queues up behind its idle sibling for the next one).
 * Which process BullMQ hands a job to is not ours to choose: feeding until each has one, rather
 * than asserting on a fixed load, is what keeps this from being flaky. Gives up after `timeoutMs`
 * and returns what it got, for the caller's assertion to show.
 */
export async function untilEveryProcessWorked(
  stack: Stack,
  kinds: readonly WorkerKind[],
  baseline: Completed,
  timeoutMs = 60_000,
): Promise<{ completed: Completed; fed: Map<string, number> }> {
  const deadline = Date.now() + timeoutMs;
  const fed = new Map(kinds.map((k) => [k.kind, 0]));
  let completed = since(await completedJobs(stack, kinds), baseline);
  for (;;) {
    const idle = kinds.filter((k) => (completed.get(k.kind) ?? []).some((n) => n < 1));
    if (idle.length === 0 || Date.now() > deadline) return { completed, fed };
    for (const k of idle) {
      const before = total(completed, k.kind);
      await k.feed(fed.get(k.kind) ?? 0);
      fed.set(k.kind, (fed.get(k.kind) ?? 0) + 1);
      // The fed job done (by whichever process) before the next: scraped, not slept on.
      completed = await waitFor(
        async () => {
          const now = since(await completedJobs(stack, kinds), baseline);
          return total(now, k.kind) > before ? now : undefined;
        },
        Math.max(0, deadline - Date.now()),
        `a fed ${k.queue} job completed`,
      ).catch(async () => since(await completedJobs(stack, kinds), baseline));
    }
  }
}

/** `worker-tickets 4 + 2, …` for a RELIABILITY row. */
export const describeCompleted = (completed: Completed): string =>
  [...completed].map(([kind, counts]) => `${kind} ${counts.join(' + ')}`).join(', ');
