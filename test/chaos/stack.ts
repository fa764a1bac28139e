import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { READY, startApp, waitFor, type RunningProcess } from '../e2e/processes.js';

export const COMPONENT = SANDBOX_DEV_COMPONENT.appId;

/** Processes of one isolated stack by name, each killable with SIGKILL and restartable. */
export class Stack {
  readonly processes = new Map<string, RunningProcess[]>();

  constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly urls: { sandboxUrl: string; consoleUrl: string; ingressUrl: string },
  ) {}

  /** Starts `count` processes of an app (a second one of a kind runs beside the first). */
  async start(name: string, count = 1, env: NodeJS.ProcessEnv = {}): Promise<void> {
    for (let i = 0; i < count; i++) {
      const running = await startApp(name, { ...this.env, ...env }, READY[name] as RegExp, 60_000);
      this.processes.set(name, [...(this.processes.get(name) ?? []), running]);
    }
  }

  /** SIGKILL of every process of that app, as a crash or the OOM killer would; resolves once gone. */
  async kill(name: string): Promise<void> {
    const victims = this.processes.get(name) ?? [];
    this.processes.delete(name);
    await Promise.all(
      victims.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
            p.child.once('exit', () => resolve());
            p.child.kill('SIGKILL');
          }),
      ),
    );
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.values()].flat().map((p) => p.stop()));
    this.processes.clear();
  }

  /** JSON from the sandbox's control API. */
  async sandbox<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.urls.sandboxUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** WeChat API calls the sandbox received, optionally of one API. */
  calls(api?: string): Promise<SandboxCall[]> {
    return this.sandbox('GET', `/sandbox/calls${api ? `?api=${api}` : ''}`);
  }

  async waitForComponentToken(): Promise<void> {
    await waitFor(
      async () => ((await this.calls('api_component_token')).some((c) => c.errcode === 0) ? true : undefined),
      60_000,
      'the component token',
    );
  }
}

export interface SandboxCall {
  api: string;
  errcode: number;
  body: Record<string, unknown>;
  at: string;
}

export interface PushRecord {
  outcome: 'pending' | 'acknowledged' | 'replied' | 'failed';
  plaintext: string;
  attempts: { status: number | null; error: string | null; durationMs: number }[];
}

export const acknowledged = (r: PushRecord): boolean => r.outcome === 'acknowledged' || r.outcome === 'replied';

/**
 * Runs `task(i)` for i = 0, 1, … with `concurrency` in flight, at least `total` of them and on
 * while `more()` holds (a fault still in progress): the load never runs out before the recovery.
 * Resolves with how many were sent.
 */
export async function drive(total: number, concurrency: number, task: (i: number) => Promise<void>, more = () => false): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total || more()) await task(next++);
    }),
  );
  return next;
}

/**
 * Text messages pushed through the sandbox (WeChat delivering each to the ingress, re-delivering
 * as WeChat does), tallied as they are answered. `acked` grows while the load runs, so a fault can
 * be started on it.
 */
export class MessagePushes {
  /** MsgIds answered 2xx. */
  readonly acked = new Set<string>();
  /** Pushes WeChat gave up on after three deliveries (not acknowledged, so not ours to keep), by last answer. */
  readonly refused = new Map<string, number>();

  constructor(
    private readonly stack: Stack,
    private readonly o: {
      /** MsgId of message 0; message i has firstMsgId + i. */
      firstMsgId: number;
      /** The account message i goes to. */
      account: (i: number) => string;
      /** Content is `<label> <i>`. */
      label: string;
      /** Sees every push's record (its attempts), answered or not. */
      onPush?: (push: PushRecord) => void;
    },
  ) {}

  /** Pushes messages 0, 1, … as drive() runs tasks; resolves with how many were sent. */
  run(total: number, concurrency: number, more?: () => boolean): Promise<number> {
    return drive(total, concurrency, (i) => this.push(i), more);
  }

  /** Pushes message i and tallies its answer. */
  async push(i: number): Promise<void> {
    const msgId = String(this.o.firstMsgId + i);
    const push = await this.stack.sandbox<PushRecord>('POST', '/sandbox/messages', {
      componentAppId: COMPONENT,
      authorizerAppId: this.o.account(i),
      msgType: 'text',
      content: `${this.o.label} ${i}`,
      msgId,
    });
    this.o.onPush?.(push);
    if (acknowledged(push)) this.acked.add(msgId);
    else {
      const last = push.attempts.at(-1);
      const why = last?.status ? `HTTP ${last.status}` : (last?.error ?? 'no answer');
      this.refused.set(why, (this.refused.get(why) ?? 0) + 1);
    }
  }

  /** `n × why` for the pushes not acknowledged, or `none`. */
  get unacknowledged(): string {
    return [...this.refused].map(([why, n]) => `${n} × ${why}`).join(', ') || 'none';
  }
}

/** An account the sandbox knows, numbered: `wx` + 16 hex digits, `gh_` + 12. */
export const accountId = (series: number, i: number): { appId: string; userName: string } => {
  const hex = (series * 0x10000 + i).toString(16).padStart(12, '0');
  return { appId: `wxc4a05${hex.slice(1)}`, userName: `gh_${hex}` };
};

const msgIdOf = (xml: string): string => /<MsgId>(?:<!\[CDATA\[)?(\d+)/.exec(xml)?.[1] ?? '';

/**
 * Waits until every acknowledged MsgId has a completed `account-messages` job, then counts the
 * completed jobs per MsgId (a count above 1 is a message processed twice).
 */
export async function completionsPerMessage(
  queue: { getJobs(types: ['completed']): Promise<{ data: { xml: string } }[]> },
  ackedMsgIds: Iterable<string>,
  timeoutMs = 120_000,
): Promise<Map<string, number>> {
  const acked = [...ackedMsgIds];
  const completed = await waitFor(
    async () => {
      const jobs = await queue.getJobs(['completed']);
      const done = new Set(jobs.map((j) => msgIdOf(String(j.data.xml))));
      return acked.every((id) => done.has(id)) ? jobs : undefined;
    },
    timeoutMs,
    'every acknowledged message processed',
  );
  const perMsg = new Map<string, number>();
  for (const j of completed) perMsg.set(msgIdOf(String(j.data.xml)), (perMsg.get(msgIdOf(String(j.data.xml))) ?? 0) + 1);
  return perMsg;
}
