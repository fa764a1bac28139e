import { SANDBOX_DEV_COMPONENT } from '@weixin3rd/config';
import { Producer, openQueueEvents } from '@weixin3rd/queues';
import { openTestDatabase, openTestRedis, type TestDatabase, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stackEnv, startApp, waitFor, type RunningProcess } from './processes.js';

const C = SANDBOX_DEV_COMPONENT.appId;
const API_TOKEN = 'e2e-console-token-0123456789';
let db: TestDatabase;
let redis: TestRedis;
let env: NodeJS.ProcessEnv;
let sandboxUrl: string;
let consoleUrl: string;
const running: RunningProcess[] = [];

interface Call {
  api: string;
  errcode: number;
  body: Record<string, unknown>;
}

async function startProject(): Promise<void> {
  running.push(await startApp('ingress', env, /Server listening/));
  running.push(await startApp('worker-tickets', env, /worker-tickets ready/));
  running.push(await startApp('console', env, /Server listening/));
}

async function stopProject(): Promise<void> {
  const project = running.splice(1);
  const codes = await Promise.all(project.map((p) => p.stop()));
  expect(codes).toEqual(project.map(() => 0));
}

const calls = async (api: string): Promise<Call[]> => (await (await fetch(`${sandboxUrl}/sandbox/calls?api=${api}`)).json()) as Call[];
const consoleGet = (path: string, token = API_TOKEN) => fetch(`${consoleUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  db = await openTestDatabase('e2e-component');
  redis = openTestRedis('e2e-component');
  const stack = await stackEnv(db.uri, redis.url, redis.prefix, { API_TOKENS: API_TOKEN });
  ({ env, sandboxUrl, consoleUrl } = stack);
  running.push(await startApp('wechat-sandbox', env, /wechat-sandbox ready/));
  await startProject();
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await db.drop();
  await redis.cleanup();
});

describe('ticket → token through real processes', () => {
  it('turns one pushed ticket into exactly one api_component_token call and serves the token', async () => {
    // worker-tickets starts without a ticket, asks WeChat to push one (api_start_push_ticket),
    // and the sandbox pushes it to the ingress.
    const [call] = await waitFor(
      async () => {
        const list = (await calls('api_component_token')).filter((c) => c.errcode === 0);
        return list.length > 0 ? list : undefined;
      },
      15_000,
      'api_component_token',
    );
    expect(await calls('api_start_push_ticket')).toHaveLength(1);
    const pushes = (await (await fetch(`${sandboxUrl}/sandbox/pushes?kind=ticket`)).json()) as { outcome: string; plaintext: string }[];
    const tickets = pushes
      .filter((p) => p.outcome === 'acknowledged')
      .map((p) => /<ComponentVerifyTicket><!\[CDATA\[(.+?)\]\]>/.exec(p.plaintext)?.[1]);
    expect(tickets).toHaveLength(1);
    expect(call?.body.component_verify_ticket).toBe(tickets[0]);

    // The next ticket (every 10 minutes) is stored, but the token is fresh: no new call.
    const push = (await (await fetch(`${sandboxUrl}/sandbox/components/${C}/push-ticket`, { method: 'POST' })).json()) as {
      outcome: string;
    };
    expect(push.outcome).toBe('acknowledged');

    const res = await consoleGet(`/api/v1/components/${C}/access-token`);
    expect(res.status).toBe(200);
    const token = (await res.json()) as { accessToken: string; expiresAt: string; refreshAt: string };
    // Replaced 20 min before WeChat's 2 h, usable 5 min beyond that (CONTRACT.md, Token answers).
    expect(new Date(token.refreshAt).getTime()).toBeGreaterThan(Date.now() + 5_900_000);
    expect(new Date(token.expiresAt).getTime() - new Date(token.refreshAt).getTime()).toBe(300_000);
    const check = (await (
      await fetch(`${sandboxUrl}/cgi-bin/component/api_create_preauthcode?component_access_token=${token.accessToken}`, {
        method: 'POST',
        body: JSON.stringify({ component_appid: C }),
      })
    ).json()) as Record<string, unknown>;
    expect(check).toHaveProperty('pre_auth_code');

    const described = (await (await consoleGet(`/api/v1/components/${C}`)).json()) as Record<string, unknown>;
    expect(described).toMatchObject({ appId: C, lastError: null });
    expect(described.ticketUpdatedAt).toBeTruthy();
    expect(JSON.stringify(described)).not.toContain(SANDBOX_DEV_COMPONENT.appSecret);

    const metrics = await (await fetch(`${consoleUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`weixin3rd_component_ticket_age_seconds\\{component="${C}"\\} \\d+`));
    expect(metrics).toMatch(new RegExp(`weixin3rd_component_token_expires_in_seconds\\{component="${C}"\\} 7\\d{3}`));
    expect(metrics).toContain(`weixin3rd_component_config_error{component="${C}"} 0`);

    // Restart every process of the project: the same token, and no new call to WeChat.
    await stopProject();
    await startProject();
    const again = (await (await consoleGet(`/api/v1/components/${C}/access-token`)).json()) as { accessToken: string };
    expect(again.accessToken).toBe(token.accessToken);
    // Proving "no call": the restarted worker-tickets would call WeChat while checking the token
    // (its every-minute job). Run that check now and wait for it to finish: any call it would make
    // has been made by then.
    const ticketsQueue = new Producer('tickets', redis.connect(), redis.prefix);
    const events = openQueueEvents('tickets', redis.connect(), redis.prefix);
    try {
      await Promise.all([ticketsQueue.ready(), events.waitUntilReady()]);
      const jobId = await ticketsQueue.add(
        'ensure-component-token',
        { componentAppId: C, reason: 'e2e-after-restart' },
        'e2e-after-restart',
      );
      expect(await ticketsQueue.waitFor(jobId, events, 15_000)).toMatchObject({ status: 'completed' });
    } finally {
      await events.close();
      await ticketsQueue.close();
    }
    expect((await calls('api_component_token')).filter((c) => c.errcode === 0)).toHaveLength(1);
  });

  it('stops with one line, changing nothing, when DATA_KEY is not the key the data was written with', async () => {
    const wrongKey = Buffer.alloc(32, 0x42).toString('base64');
    const error = await startApp(
      'console',
      { ...env, DATA_KEY: wrongKey, CONSOLE_PORT: String(await freePort()) },
      /Server listening/,
    ).catch((e: unknown) => e as Error);
    expect(String(error)).toMatch(
      /exited with 78 before it was ready:\nconsole: DATA_KEY_MISMATCH: DATA_KEY is not the key this database was written with/,
    );
    expect((await consoleGet(`/api/v1/components/${C}`)).status).toBe(200);
  });

  it('refuses the console API without or with a wrong token', async () => {
    expect((await fetch(`${consoleUrl}/api/v1/components/${C}`)).status).toBe(401);
    expect((await consoleGet(`/api/v1/components/${C}`, 'wrong-token-wrong-token')).status).toBe(401);
    expect((await fetch(`${consoleUrl}/healthz`)).status).toBe(200);
  });
});
