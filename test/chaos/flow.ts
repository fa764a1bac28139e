import { createServer, connect, type Server, type Socket } from 'node:net';
import { createRedis, type RedisTarget } from '@weixin3rd/queues';
import { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import { expect } from 'vitest';
import { waitFor } from '../e2e/processes.js';
import type { ChaosRow } from './report.js';
import type { Stack } from './stack.js';
import {
  COMPONENT,
  MessagePushes,
  completionsPerMessage,
  accountId,
  acknowledged,
  drive,
  type PushRecord,
  type SandboxCall,
} from './stack.js';

/**
 * A TCP round-robin balancer in front of several processes of one kind (each connection to the
 * next one), as a load balancer would put them behind one address.
 */
export class RoundRobin {
  private next = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async listen(port: number, targets: () => number[]): Promise<RoundRobin> {
    let balancer: RoundRobin | null = null;
    const server = createServer((client) => {
      const ports = targets();
      const b = balancer as RoundRobin;
      const upstream = connect(ports[b.next++ % ports.length] as number, '127.0.0.1');
      for (const s of [client, upstream]) {
        b.sockets.add(s);
        s.on('close', () => b.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    balancer = new RoundRobin(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return balancer;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface FlowOptions {
  stack: Stack;
  db: Connection;
  redis: RedisTarget;
  prefix: string;
  /** Console base URLs: callers are spread over them. */
  consoles: string[];
  apiToken: string;
  /** Series of the sandbox accounts (accountId): one per suite. */
  series: number;
  accounts?: number;
  messages?: number;
}

export interface FlowFigures {
  tickets: { sent: number; stored: number };
  authorizations: { sent: number; acknowledged: number; stored: number; events: number; duplicatedEvents: number };
  refreshes: { accounts: number; byWorker: number; byConsole: number; calls: number; overlapping: number; tokensPerAccount: number };
  messages: { sent: number; acknowledged: number; completed: number; recorded: number; duplicated: number };
}

/**
 * The end-to-end flow under some load, checking each step's effect once: tickets pushed and
 * stored; consents pushed and their accounts stored with one `authorized` event each; every
 * account's token refreshed once (half by worker-tokens' jobs, half by console callers, two per
 * account at once over the consoles) with one WeChat call each and none at once; text messages
 * processed once and recorded.
 */
export async function runFlow(o: FlowOptions): Promise<FlowFigures> {
  const { stack, db } = o;
  const n = o.accounts ?? 12;
  const connection = createRedis(o.redis, 'worker');
  const queue = (name: string) => new Queue(name, { connection, prefix: o.prefix });
  const queues = {
    tickets: queue('tickets'),
    events: queue('authorizer-events'),
    refresh: queue('token-refresh'),
    messages: queue('account-messages'),
  };
  try {
    // Tickets: each push a new ticket (its own job id), each stored once.
    const ticketJobs = async () => (await queues.tickets.getJobs(['completed'])).filter((j) => j.name === 'ticket').length;
    const ticketsBefore = await ticketJobs();
    const ticketPushes = 6;
    let ticketsAcked = 0;
    for (let i = 0; i < ticketPushes; i++) {
      const push = await stack.sandbox<PushRecord>('POST', `/sandbox/components/${COMPONENT}/push-ticket`);
      if (acknowledged(push)) ticketsAcked += 1;
    }
    const ticketsStored = await waitFor(
      async () => {
        const count = (await ticketJobs()) - ticketsBefore;
        return count >= ticketsAcked ? count : undefined;
      },
      60_000,
      'every acknowledged ticket stored',
    );

    // Authorizations.
    const accounts = Array.from({ length: n }, (_, i) => accountId(o.series, i));
    const acked: string[] = [];
    await drive(n, 4, async (i) => {
      const a = accounts[i] as { appId: string; userName: string };
      await stack.sandbox('POST', '/sandbox/accounts', { ...a, nickName: `flow ${a.appId}`, kind: 'official' });
      const { push } = await stack.sandbox<{ push: PushRecord }>('POST', '/sandbox/consent', {
        componentAppId: COMPONENT,
        authorizerAppId: a.appId,
      });
      if (acknowledged(push)) acked.push(a.appId);
    });
    const ids = accounts.map((a) => a.appId);
    const authorizers = db.collection<{ appId: string; tokenVersion: number }>('authorizers');
    await waitFor(
      async () =>
        (await authorizers.countDocuments({ appId: { $in: acked }, status: 'authorized', refreshToken: { $ne: null } })) === acked.length
          ? true
          : undefined,
      120_000,
      'every acknowledged authorization stored',
    );
    const perAccount = await waitFor(
      async () => {
        const jobs = await queues.events.getJobs(['waiting', 'prioritized', 'completed', 'active', 'delayed', 'failed']);
        const counts = new Map<string, number>();
        for (const e of jobs)
          if (e.name === 'authorized' && ids.includes(String(e.data.authorizerAppId)))
            counts.set(String(e.data.authorizerAppId), (counts.get(String(e.data.authorizerAppId)) ?? 0) + 1);
        return counts.size === acked.length ? counts : undefined;
      },
      60_000,
      'one authorized event per account',
    );

    // Token refresh: half by worker-tokens, half by console callers.
    const since = (await stack.sandbox<{ seq: number }[]>('GET', '/sandbox/calls')).at(-1)?.seq ?? 0;
    const versionsBefore = new Map((await authorizers.find({ appId: { $in: ids } }).toArray()).map((d) => [d.appId, d.tokenVersion]));
    const byWorker = ids.slice(0, n / 2);
    const byConsole = ids.slice(n / 2);
    await authorizers.updateMany({ appId: { $in: byWorker } }, { $set: { accessTokenExpiresAt: new Date(Date.now() + 60_000) } });
    await authorizers.updateMany({ appId: { $in: byConsole } }, { $set: { accessTokenExpiresAt: new Date(Date.now() - 1000) } });
    const stamp = Date.now();
    for (const appId of byWorker)
      await queues.refresh.add(
        'refresh-authorizer-token',
        { componentAppId: COMPONENT, authorizerAppId: appId, reason: 'sweep' },
        { jobId: `flow-${appId}-${stamp}` },
      );
    const ask = async (base: string, appId: string): Promise<string | null> => {
      const res = await fetch(`${base}/api/v1/authorizers/${appId}/access-token`, { headers: { authorization: `Bearer ${o.apiToken}` } });
      return res.status === 200 ? ((await res.json()) as { accessToken: string }).accessToken : null;
    };
    // Two callers per account at once: one at each console, or both at the only one.
    const callers = o.consoles.length > 1 ? o.consoles : [o.consoles[0] as string, o.consoles[0] as string];
    const served = await Promise.all(
      byConsole.map(async (appId) => {
        const answers = await Promise.all(
          callers.map((base) => waitFor(() => ask(base, appId).then((t) => t ?? undefined), 60_000, appId)),
        );
        return new Set(answers).size;
      }),
    );
    await waitFor(
      async () => {
        const states = await Promise.all(byWorker.map((a) => queues.refresh.getJobState(`flow-${a}-${stamp}`)));
        return states.every((s) => s === 'completed') ? true : undefined;
      },
      60_000,
      'every refresh job completed',
    );
    const versionsAfter = new Map((await authorizers.find({ appId: { $in: ids } }).toArray()).map((d) => [d.appId, d.tokenVersion]));
    const refreshed = ids.filter((a) => (versionsAfter.get(a) ?? 0) - (versionsBefore.get(a) ?? 0) === 1).length;
    const calls = (
      await stack.sandbox<(SandboxCall & { receivedAt: string })[]>('GET', `/sandbox/calls?api=api_authorizer_token&since=${since}`)
    ).filter((c) => c.errcode === 0 && ids.includes(String(c.body.authorizer_appid)));
    const spans = new Map<string, { from: number; to: number }[]>();
    for (const c of calls) {
      const list = spans.get(String(c.body.authorizer_appid)) ?? [];
      list.push({ from: Date.parse(c.receivedAt), to: Date.parse(c.at) });
      spans.set(String(c.body.authorizer_appid), list);
    }
    let overlapping = 0;
    for (const list of spans.values()) {
      list.sort((a, b) => a.from - b.from);
      for (let i = 1; i < list.length; i++) if ((list[i] as { from: number }).from < (list[i - 1] as { to: number }).to) overlapping += 1;
    }

    // Messages, spread over the accounts.
    const total = o.messages ?? 120;
    const pushes = new MessagePushes(stack, {
      firstMsgId: 6_000_000_000 + o.series * 100_000,
      account: (i) => ids[i % n] as string,
      label: 'flow',
    });
    const sent = await pushes.run(total, 8);
    const ackedMsgIds = pushes.acked;
    const perMsg = await completionsPerMessage(queues.messages, ackedMsgIds);
    const recorded = await db
      .collection<{ _id: string }>('messages')
      .find({ authorizerAppId: { $in: ids } })
      .project<{ _id: string }>({ _id: 1 })
      .toArray();
    const recordedIds = new Set(recorded.map((r) => r._id.split('/msg/')[1] ?? ''));
    return {
      tickets: { sent: ticketPushes, stored: ticketsStored },
      authorizations: {
        sent: n,
        acknowledged: acked.length,
        stored: acked.length,
        events: perAccount.size,
        duplicatedEvents: [...perAccount.values()].reduce((s, c) => s + c - 1, 0),
      },
      refreshes: {
        accounts: refreshed,
        byWorker: byWorker.length,
        byConsole: byConsole.length,
        calls: calls.length,
        overlapping,
        tokensPerAccount: Math.max(...served),
      },
      messages: {
        sent,
        acknowledged: ackedMsgIds.size,
        completed: [...ackedMsgIds].filter((id) => perMsg.has(id)).length,
        recorded: [...ackedMsgIds].filter((id) => recordedIds.has(id)).length,
        duplicated: [...perMsg.values()].reduce((s, c) => s + c - 1, 0),
      },
    };
  } finally {
    await Promise.all(Object.values(queues).map((q) => q.close()));
    connection.disconnect();
  }
}

/** A flow's part of a RELIABILITY row: its load, what it checked, and the totals. */
export function flowRow(f: FlowFigures): Omit<ChaosRow, 'case' | 'done' | 'recoveryMs'> {
  const acknowledged = f.tickets.sent + f.authorizations.acknowledged + f.messages.acknowledged;
  const processed =
    Math.min(f.tickets.stored, f.tickets.sent) + f.authorizations.events + Math.min(f.messages.completed, f.messages.recorded);
  return {
    load: `${f.tickets.sent} ticket pushes, ${f.authorizations.sent} consents (4 at a time), ${f.refreshes.byWorker + f.refreshes.byConsole} token refreshes, ${f.messages.sent} text messages (8 in flight)`,
    sent: f.tickets.sent + f.authorizations.sent + f.messages.sent,
    acknowledged,
    processed,
    lost: acknowledged - processed,
    duplicated:
      f.authorizations.duplicatedEvents +
      f.messages.duplicated +
      f.refreshes.overlapping +
      Math.max(0, f.refreshes.calls - f.refreshes.accounts),
    checked:
      `tickets stored ${f.tickets.stored}/${f.tickets.sent}; accounts authorized with one event each ${f.authorizations.events}/${f.authorizations.acknowledged}; ` +
      `tokens refreshed once ${f.refreshes.accounts}/${f.refreshes.byWorker + f.refreshes.byConsole} (${f.refreshes.byWorker} by worker-tokens jobs, ${f.refreshes.byConsole} by two console callers at once, ${f.refreshes.tokensPerAccount} token per account served) with ${f.refreshes.calls} WeChat calls, ${f.refreshes.overlapping} at once; ` +
      `messages completed once and recorded ${Math.min(f.messages.completed, f.messages.recorded)}/${f.messages.acknowledged}`,
  };
}

/** What the flow promises: every acknowledged push processed, every effect applied once. */
export function expectEveryEffectOnce(f: FlowFigures): void {
  const row = flowRow(f);
  expect(f.tickets.stored).toBe(f.tickets.sent);
  expect(f.authorizations.events).toBe(f.authorizations.acknowledged);
  expect(f.refreshes.accounts).toBe(f.refreshes.byWorker + f.refreshes.byConsole);
  expect(f.refreshes.tokensPerAccount).toBe(1);
  expect(f.messages.completed).toBe(f.messages.acknowledged);
  expect(f.messages.recorded).toBe(f.messages.acknowledged);
  expect(row.lost).toBe(0);
  expect(row.duplicated).toBe(0);
}
