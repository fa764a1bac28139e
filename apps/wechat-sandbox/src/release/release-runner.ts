import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PushRecord } from '../push/push-log.js';
import type { Pusher } from '../push/pusher.js';
import { RELEASE_TEST, RELEASE_TEST_GROUPS } from '@weixin3rd/wechat-api';
import type { World } from '../world/world.js';

/** One row of the report, named like WeChat's 全网发布 console rows. */
export interface ReleaseCase {
  name: string;
  passed: boolean;
  reason: string | null;
}

export interface ReleaseReport {
  componentAppId: string;
  group: number;
  passed: boolean;
  cases: ReleaseCase[];
}

export interface ReleaseOptions {
  componentAppId: string;
  /** Test group 1–5; random when left out, as WeChat picks one. */
  group?: number;
  /** How long the project gets to answer through the customer-service API (default 10 s). */
  apiReplyWaitMs?: number;
}

const pushProblem = (record: PushRecord, expected: 'acknowledged' | 'replied'): string | null => {
  if (record.outcome === expected) return null;
  if (record.outcome === 'failed') return record.failure ?? 'push failed';
  return expected === 'replied'
    ? 'expected an encrypted passive reply, got an empty answer'
    : 'expected an empty answer or "success", got a passive reply';
};

/**
 * The 全网发布 automated test of wechat-protocol.md §6, run against the project: ticket,
 * auto-authorization of a test account, passive text reply, QUERY_AUTH_CODE through the
 * customer-service API (official account and mini program), the legacy event case, and revoking.
 */
export async function runReleaseTest(world: World, pusher: Pusher, options: ReleaseOptions): Promise<ReleaseReport> {
  const group = options.group ?? 1 + Math.floor(Math.random() * RELEASE_TEST_GROUPS.length);
  const row = RELEASE_TEST_GROUPS.find(([g]) => g === group);
  if (!row) throw new Error(`release test group must be 1-${RELEASE_TEST_GROUPS.length}`);
  const [, oaAppId, , mpAppId] = row;
  const componentAppId = options.componentAppId;
  world.component(componentAppId);
  const waitMs = options.apiReplyWaitMs ?? 10_000;
  const cases: ReleaseCase[] = [];
  const add = (name: string, reason: string | null): boolean => {
    cases.push({ name, passed: reason === null, reason });
    return reason === null;
  };

  const ticket = await pusher.pushTicket(componentAppId);
  add('组件ticket正确接收', pushProblem(ticket, 'acknowledged'));

  const authorize = async (appId: string): Promise<{ code: string; problem: string | null }> => {
    const account = world.accounts.get(appId);
    const consent = world.consent(componentAppId, appId, account?.funcInfo ?? [], null);
    const push = await pusher.pushAuthorizationEvent(componentAppId, {
      infoType: consent.infoType,
      authorizerAppId: appId,
      authCode: consent.authCode.value,
      authCodeExpiresAtMs: consent.authCode.expiresAtMs,
      preAuthCode: null,
    });
    return { code: consent.authCode.value, problem: pushProblem(push, 'acknowledged') };
  };

  const oa = await authorize(oaAppId);
  add('授权', oa.problem);

  const openid = `o${randomBytes(14).toString('base64url')}`;
  const oaUser = world.accounts.get(oaAppId)?.userName ?? '';
  const text = await pusher.pushMessage(componentAppId, oaAppId, { openid, msgType: 'text', content: RELEASE_TEST.text });
  add('返回普通文本消息', pushProblem(text, 'replied') ?? replyProblem(text, openid, oaUser, RELEASE_TEST.textReply));

  const apiCase = async (appId: string, code: string): Promise<string | null> => {
    const started = world.customMessages.length;
    const push = await pusher.pushMessage(componentAppId, appId, {
      openid,
      msgType: 'text',
      content: `${RELEASE_TEST.queryAuthCodePrefix}${code}`,
    });
    const problem = pushProblem(push, 'acknowledged');
    if (problem) return problem;
    const expected = `${code}${RELEASE_TEST.apiReplySuffix}`;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const sent = world.customMessages.slice(started).find((m) => m.authorizerAppId === appId && m.touser === openid);
      if (sent) {
        if (sent.content !== expected)
          return `customer-service message was ${JSON.stringify(sent.content)}, expected ${JSON.stringify(expected)}`;
        const exchanged = world.calls.some(
          (c) =>
            c.api === 'api_query_auth' && c.errcode === 0 && (c.body as Record<string, unknown> | undefined)?.authorization_code === code,
        );
        return exchanged ? null : 'the message was sent without exchanging the QUERY_AUTH_CODE through api_query_auth';
      }
      await sleep(50);
    }
    return `no customer-service message "${expected}" to ${openid} within ${waitMs} ms`;
  };

  add('返回Api文本消息', await apiCase(oaAppId, oa.code));

  const mp = await authorize(mpAppId);
  add('小程序返回Api文本消息', mp.problem ?? (await apiCase(mpAppId, mp.code)));

  const event = await pusher.pushMessage(componentAppId, oaAppId, {
    openid,
    msgType: 'event',
    event: 'LOCATION',
    extra: { Latitude: '23.137466', Longitude: '113.352425', Precision: '119.385040' },
  });
  add('发送事件消息', pushProblem(event, 'replied') ?? replyProblem(event, openid, oaUser, `LOCATION${RELEASE_TEST.eventReplySuffix}`));

  const revoked: (string | null)[] = [];
  for (const appId of [oaAppId, mpAppId]) {
    if (world.authorizationOf(componentAppId, appId)?.status !== 'authorized') continue;
    world.revoke(componentAppId, appId);
    revoked.push(
      pushProblem(
        await pusher.pushAuthorizationEvent(componentAppId, { infoType: 'unauthorized', authorizerAppId: appId }),
        'acknowledged',
      ),
    );
  }
  add('取消授权', revoked.find((r) => r !== null) ?? null);

  return { componentAppId, group, passed: cases.every((c) => c.passed), cases };
}

function replyProblem(record: PushRecord, openid: string, userName: string, content: string): string | null {
  const f = record.replyFields ?? {};
  if (f.MsgType !== 'text') return `reply MsgType is ${JSON.stringify(f.MsgType)}, expected "text"`;
  if (f.Content !== content) return `reply Content is ${JSON.stringify(f.Content)}, expected ${JSON.stringify(content)}`;
  if (f.ToUserName !== openid || f.FromUserName !== userName) return 'reply must swap ToUserName and FromUserName of the message';
  return null;
}
