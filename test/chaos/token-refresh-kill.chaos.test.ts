import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, waitFor } from '../e2e/processes.js';
import { record, type ChaosRow } from './report.js';
import { COMPONENT, Stack, accountId, acknowledged, type PushRecord, type SandboxCall } from './stack.js';

const API_TOKEN = 'chaos-tokens-console-0123456789';
/** Every refresh call waits this long in the sandbox, so a kill finds refreshes in flight. */
const LATENCY_MS = 1500;
const ACCOUNTS = 24;
let db: TestDatabase;
let redis: TestRedis;
let stack: Stack;
const rows: ChaosRow[] = [];
const accounts = Array.from({ length: ACCOUNTS }, (_, i) => accountId(7, i).appId);

beforeAll(async () => {
  db = await openTestDatabase('chaos-tokens');
  redis = openTestRedis('chaos-tokens');
  const { env, ...urls } = await stackEnv(db.uri, redis.url, redis.prefix, { API_TOKENS: API_TOKEN, TOKEN_REFRESH_CONCURRENCY: '8' });
  stack = new Stack(env, urls);
  for (const name of ['wechat-sandbox', 'ingress', 'worker-tickets', 'worker-authorization', 'worker-tokens', 'console'])
    await stack.start(name);
  await stack.waitForComponentToken();
  for (const [i, appId] of accounts.entries()) {
    await stack.sandbox('POST', '/sandbox/accounts', { ...accountId(7, i), nickName: `tokens ${appId}`, kind: 'official' });
    const { push } = await stack.sandbox<{ push: PushRecord }>('POST', '/sandbox/consent', {
      componentAppId: COMPONENT,
      authorizerAppId: appId,
    });
    expect(acknowledged(push)).toBe(true);
  }
  await waitFor(
    async () =>
      (await authorizers().countDocuments({ appId: { $in: accounts }, status: 'authorized', accessToken: { $ne: null } })) === ACCOUNTS
        ? true
        : undefined,
    120_000,
    'every account authorized',
  );
}, 240_000);

afterAll(async () => {
  record('token-refresh-kill', { chaos: rows });
  await stack.sandbox('DELETE', '/sandbox/faults').catch(() => undefined);
  await stack.stopAll();
  await db.drop();
  await redis.cleanup();
});

const authorizers = () => db.connection.collection<{ appId: string; tokenVersion: number; status: string }>('authorizers');

async function versions(): Promise<Map<string, number>> {
  const docs = await authorizers()
    .find({ appId: { $in: accounts } })
    .toArray();
  return new Map(docs.map((d) => [d.appId, d.tokenVersion]));
}

/** Expires every account's access token in the store (due for a refresh), and slows WeChat's refresh API. */
async function expireAll(inMs: number): Promise<void> {
  await authorizers().updateMany({ appId: { $in: accounts } }, { $set: { accessTokenExpiresAt: new Date(Date.now() + inMs) } });
  await stack.sandbox('DELETE', '/sandbox/faults');
  await stack.sandbox('POST', '/sandbox/faults', { api: 'api_authorizer_token', kind: 'latency', delayMs: LATENCY_MS, remaining: null });
}

/**
 * What WeChat saw since `since` (a call seq): refresh calls per account, those of one account
 * that overlapped in time (two refreshes of one token at once), and refusals of a refresh token.
 */
async function refreshCalls(since: number) {
  const calls = (
    await stack.sandbox<(SandboxCall & { seq: number; receivedAt: string })[]>(
      'GET',
      `/sandbox/calls?api=api_authorizer_token&since=${since}`,
    )
  ).filter((c) => accounts.includes(String(c.body.authorizer_appid)));
  const byAccount = new Map<string, { from: number; to: number }[]>();
  for (const c of calls) {
    const list = byAccount.get(String(c.body.authorizer_appid)) ?? [];
    list.push({ from: Date.parse(c.receivedAt), to: Date.parse(c.at) });
    byAccount.set(String(c.body.authorizer_appid), list);
  }
  let overlapping = 0;
  for (const list of byAccount.values()) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 1; i < list.length; i++) if ((list[i] as { from: number }).from < (list[i - 1] as { to: number }).to) overlapping += 1;
  }
  return {
    total: calls.length,
    succeeded: calls.filter((c) => c.errcode === 0).length,
    refused: calls.filter((c) => c.errcode === 61023 || c.errcode === 61003).length,
    overlapping,
  };
}

/** Resolves once some refreshes were answered and others are at WeChat, waiting for its answer: with how many are. */
async function midRefresh(since: number, answered = 4): Promise<number> {
  return waitFor(
    async () => {
      if ((await refreshCalls(since)).succeeded < answered) return undefined;
      const { inFlight } = await stack.sandbox<{ inFlight: number }>('GET', '/sandbox/calls/in-flight?api=api_authorizer_token');
      return inFlight >= 4 ? inFlight : undefined;
    },
    60_000,
    'refreshes answered and others in flight',
  );
}

const lastSeq = async (): Promise<number> => {
  const calls = await stack.sandbox<{ seq: number }[]>('GET', '/sandbox/calls');
  return calls.at(-1)?.seq ?? 0;
};

describe('kill -9 mid-refresh of the token owners, then restart', () => {
  it(
    'worker-tokens killed with refreshes in flight: every refresh completes once, no two at once, no refresh token lost',
    { timeout: 300_000 },
    async () => {
      const since = await lastSeq();
      const before = await versions();
      await expireAll(60_000);
      const queue = new Queue('token-refresh', { connection: redis.connect(), prefix: redis.prefix });
      const stamp = Date.now();
      for (const appId of accounts)
        await queue.add(
          'refresh-authorizer-token',
          { componentAppId: COMPONENT, authorizerAppId: appId, reason: 'sweep' },
          { jobId: `chaos-${appId}-${stamp}`, attempts: 5, backoff: { type: 'exponential', delay: 2000 } },
        );
      // Some refreshes done, the next ones in flight (each waits LATENCY_MS at WeChat): kill.
      const inFlight = await midRefresh(since);
      await stack.kill('worker-tokens');
      const atKill = await refreshCalls(since);
      await stack.start('worker-tokens');
      const restartedAt = Date.now();
      const jobIds = accounts.map((a) => `chaos-${a}-${stamp}`);
      await waitFor(
        async () => {
          const states = await Promise.all(jobIds.map((id) => queue.getJobState(id)));
          return states.every((s) => s === 'completed' || s === 'failed') ? true : undefined;
        },
        180_000,
        'every refresh job finished',
      );
      const recoveryMs = Date.now() - restartedAt;
      const states = await Promise.all(jobIds.map((id) => queue.getJobState(id)));
      await queue.close();
      // Calls the killed worker left at WeChat were answered long before (the stalled jobs waited out their lock).
      const after = await versions();
      const calls = await refreshCalls(since);
      await stack.sandbox('DELETE', '/sandbox/faults');
      const completed = states.filter((s) => s === 'completed').length;
      const savedTwice = accounts.filter((a) => (after.get(a) ?? 0) - (before.get(a) ?? 0) > 1).length;
      const refreshed = accounts.filter((a) => (after.get(a) ?? 0) - (before.get(a) ?? 0) === 1).length;
      const stillAuthorized = await authorizers().countDocuments({ appId: { $in: accounts }, status: 'authorized' });
      rows.push({
        case: 'kill -9 worker-tokens mid-refresh',
        done: `SIGKILL of worker-tokens (concurrency 8) after ${atKill.succeeded} refreshes answered, with ${inFlight} at WeChat (answering in ${LATENCY_MS} ms), restarted`,
        load: `${ACCOUNTS} accounts due, one refresh job each`,
        checked: `each account's token saved exactly once (${refreshed} of ${ACCOUNTS}); WeChat refresh calls: ${calls.total} (${calls.succeeded} ok, ${calls.total - ACCOUNTS} answered to the killed worker or made again), ${calls.overlapping} of one account at once, ${calls.refused} refresh tokens refused (61023); ${stillAuthorized} still authorized`,
        sent: ACCOUNTS,
        acknowledged: ACCOUNTS,
        processed: completed,
        lost: ACCOUNTS - refreshed,
        duplicated: savedTwice + calls.overlapping,
        recoveryMs,
      });
      expect(completed).toBe(ACCOUNTS);
      expect(refreshed).toBe(ACCOUNTS);
      expect(savedTwice).toBe(0);
      expect(calls.overlapping).toBe(0);
      expect(calls.refused).toBe(0);
      expect(stillAuthorized).toBe(ACCOUNTS);
    },
  );

  it(
    'the console killed mid-refresh (callers waiting on expired tokens): every caller served after the restart, one refresh per token, none at once',
    { timeout: 300_000 },
    async () => {
      const since = await lastSeq();
      const before = await versions();
      await expireAll(-1000);
      const get = async (appId: string): Promise<{ status: number; accessToken?: string }> => {
        try {
          const res = await fetch(`${stack.urls.consoleUrl}/api/v1/authorizers/${appId}/access-token`, {
            headers: { authorization: `Bearer ${API_TOKEN}` },
            signal: AbortSignal.timeout(30_000),
          });
          const body = (await res.json()) as { accessToken?: string };
          return { status: res.status, accessToken: body.accessToken };
        } catch {
          return { status: 0 };
        }
      };
      // Two callers per account at once, as downstream services would ask; half the accounts first,
      // the other half once some of those were answered, so the kill finds both done and in-flight refreshes.
      const half = accounts.slice(0, ACCOUNTS / 2).flatMap((a) => [get(a), get(a)]);
      await waitFor(async () => ((await refreshCalls(since)).succeeded >= 4 ? true : undefined), 60_000, 'the first refreshes');
      const first = Promise.all([...half, ...accounts.slice(ACCOUNTS / 2).flatMap((a) => [get(a), get(a)])]);
      const inFlight = await midRefresh(since);
      await stack.kill('console');
      const atKill = await refreshCalls(since);
      const firstAnswers = await first;
      await stack.start('console');
      const restartedAt = Date.now();
      const served = await waitFor(
        async () => {
          const answers = await Promise.all(accounts.map((a) => get(a)));
          return answers.every((a) => a.status === 200) ? answers : undefined;
        },
        120_000,
        'every caller served',
      );
      const recoveryMs = Date.now() - restartedAt;
      const after = await versions();
      const calls = await refreshCalls(since);
      await stack.sandbox('DELETE', '/sandbox/faults');
      const savedTwice = accounts.filter((a) => (after.get(a) ?? 0) - (before.get(a) ?? 0) > 1).length;
      const refreshed = accounts.filter((a) => (after.get(a) ?? 0) - (before.get(a) ?? 0) === 1).length;
      const statuses = new Map<number, number>();
      for (const a of firstAnswers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      const answered = [...statuses].map(([s, n]) => `${n} × ${s === 0 ? 'connection lost' : s}`).join(', ');
      const stillAuthorized = await authorizers().countDocuments({ appId: { $in: accounts }, status: 'authorized' });
      rows.push({
        case: 'kill -9 console mid-refresh',
        done: `SIGKILL of the console after ${atKill.succeeded} refreshes answered, with ${inFlight} at WeChat (answering in ${LATENCY_MS} ms), restarted`,
        load: `${ACCOUNTS} accounts with expired tokens, 2 callers each at once (half of them after the first refreshes) (first answers ${answered}), then one each until served`,
        checked: `every caller served after the restart; each token saved once (${refreshed} of ${ACCOUNTS}); WeChat refresh calls: ${calls.total} (${calls.succeeded} ok, ${calls.total - ACCOUNTS} answered to the killed console or made again), ${calls.overlapping} of one account at once, ${calls.refused} refresh tokens refused (61023); ${stillAuthorized} still authorized`,
        sent: ACCOUNTS * 2,
        acknowledged: ACCOUNTS,
        processed: served.length,
        lost: ACCOUNTS - refreshed,
        duplicated: savedTwice + calls.overlapping,
        recoveryMs,
      });
      expect(refreshed).toBe(ACCOUNTS);
      expect(savedTwice).toBe(0);
      expect(calls.overlapping).toBe(0);
      expect(calls.refused).toBe(0);
      expect(stillAuthorized).toBe(ACCOUNTS);
    },
  );
});
