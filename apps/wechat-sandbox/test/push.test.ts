import { plainSignature } from '@weixin3rd/wechat-crypto';
import { encryptedEnvelope, textReply } from '@weixin3rd/wechat-xml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Fastify from 'fastify';
import { SERVICE_UNAVAILABLE } from '../src/push/pusher.js';
import { TicketSchedule } from '../src/push/ticket-schedule.js';
import { COMPONENT, MP, OA, startFakeProject, startSandbox, type Answer } from './harness.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function setup(answer: Answer) {
  const project = await startFakeProject(answer);
  const sb = await startSandbox(project.url);
  closers.push(
    () => sb.close(),
    () => project.close(),
  );
  sb.world.settings.pushTimeoutMs = 300;
  // WeChat pushes messages only for accounts that authorized with message management.
  sb.world.consent(COMPONENT.appId, OA, [1], null);
  sb.world.consent(COMPONENT.appId, MP, [19], null);
  return { project, sb };
}

describe('authorization-event pushes', () => {
  it('pushes a ticket exactly as WeChat does', async () => {
    const { project, sb } = await setup(() => 'success');
    const record = await sb.pusher.pushTicket(COMPONENT.appId);
    expect(record.outcome).toBe('acknowledged');
    const [push] = project.received;
    expect(push?.path).toBe(`/wechat/${COMPONENT.appId}/events`);
    expect(Object.keys(push?.query ?? {}).sort()).toEqual(['encrypt_type', 'msg_signature', 'nonce', 'signature', 'timestamp']);
    expect(push?.query.encrypt_type).toBe('aes');
    expect(push?.query.signature).toBe(plainSignature(COMPONENT.token, push?.query.timestamp ?? '', push?.query.nonce ?? ''));
    expect(Object.keys(push?.outer ?? {})).toEqual(['AppId', 'Encrypt']);
    expect(push?.outer.AppId).toBe(COMPONENT.appId);
    expect(push?.message).toEqual({
      AppId: COMPONENT.appId,
      CreateTime: expect.stringMatching(/^\d{10}$/),
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: sb.world.tickets[0]?.value,
    });
  });

  it('counts anything but the literal success as a failure, and records every answer', async () => {
    const { sb } = await setup(() => '<html>ok</html>');
    const record = await sb.pusher.pushTicket(COMPONENT.appId);
    expect(record.outcome).toBe('failed');
    expect(record.failure).toMatch(/literal body "success"/);
    expect(record.attempts).toHaveLength(1);
  });

  it('retries up to 3 deliveries when the project does not answer in time', async () => {
    const { project, sb } = await setup(() => null);
    const record = await sb.pusher.pushTicket(COMPONENT.appId);
    expect(record.outcome).toBe('failed');
    expect(record.attempts).toHaveLength(3);
    expect(record.attempts.every((a) => a.error === 'no answer within 300 ms')).toBe(true);
    expect(project.received).toHaveLength(3);
    expect(new Set(project.received.map((p) => p.query.msg_signature)).size).toBe(1);
  });

  it('delivers again only a push that got no answer in time; an error answer is recorded once, as the user sees it', async () => {
    const project = Fastify();
    let hits = 0;
    project.addContentTypeParser('text/xml', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    project.post('/*', async (_req, reply) => {
      hits += 1;
      return reply.code(500).send('oops');
    });
    const url = await project.listen({ host: '127.0.0.1', port: 0 });
    const sb = await startSandbox(url);
    closers.push(
      () => sb.close(),
      () => project.close(),
    );
    sb.world.consent(COMPONENT.appId, OA, [1], null);
    const ticket = await sb.pusher.pushTicket(COMPONENT.appId);
    expect(ticket).toMatchObject({ outcome: 'failed', failure: 'HTTP 500' });
    expect(ticket.attempts).toHaveLength(1);
    const message = await sb.pusher.pushMessage(COMPONENT.appId, OA, { msgType: 'text', content: 'hello' });
    expect(message.outcome).toBe('failed');
    expect(message.failure).toContain(SERVICE_UNAVAILABLE);
    expect(message.attempts).toHaveLength(1);
    expect(hits).toBe(2);
  });

  it('records a refused connection, then delivers once the URL answers', async () => {
    let n = 0;
    const project = await startFakeProject(() => 'success');
    const sb = await startSandbox(project.url);
    closers.push(
      () => sb.close(),
      () => project.close(),
    );
    sb.world.upsertComponent({ appId: COMPONENT.appId, authEventUrl: 'http://127.0.0.1:9/nothing' });
    const failed = await sb.pusher.pushTicket(COMPONENT.appId);
    expect(failed.outcome).toBe('failed');
    expect(failed.attempts[0]?.error).toBeTruthy();
    sb.world.upsertComponent({ appId: COMPONENT.appId, authEventUrl: `${project.url}/wechat/${COMPONENT.appId}/events` });
    n = project.received.length;
    expect((await sb.pusher.pushTicket(COMPONENT.appId)).outcome).toBe('acknowledged');
    expect(project.received.length).toBe(n + 1);
  });

  it('pushes authorized with code, absolute expiry and PreAuthCode, and unauthorized without', async () => {
    const { project, sb } = await setup(() => 'success');
    const consent = sb.world.consent(COMPONENT.appId, OA, [1], 'preauthcode@@@p1');
    await sb.pusher.pushAuthorizationEvent(COMPONENT.appId, {
      infoType: 'authorized',
      authorizerAppId: OA,
      authCode: consent.authCode.value,
      authCodeExpiresAtMs: consent.authCode.expiresAtMs,
      preAuthCode: 'preauthcode@@@p1',
    });
    await sb.pusher.pushAuthorizationEvent(COMPONENT.appId, { infoType: 'unauthorized', authorizerAppId: OA });
    const [authorized, unauthorized] = project.received.map((p) => p.message);
    expect(authorized).toMatchObject({
      InfoType: 'authorized',
      AuthorizerAppid: OA,
      AuthorizationCode: consent.authCode.value,
      PreAuthCode: 'preauthcode@@@p1',
    });
    // An absolute unix time, when the code really expires: 600 s, as the redirect's expires_in says.
    const expiry = Number(authorized?.AuthorizationCodeExpiredTime);
    expect(expiry).toBe(Math.floor(consent.authCode.expiresAtMs / 1000));
    expect(expiry - Math.floor(Date.now() / 1000)).toBeGreaterThan(590);
    expect(Object.keys(unauthorized ?? {})).toEqual(['AppId', 'CreateTime', 'InfoType', 'AuthorizerAppid']);
  });
});

describe('account messages', () => {
  it('substitutes $APPID$, adds openid and envelopes with ToUserName', async () => {
    const { project, sb } = await setup(() => 'success');
    const record = await sb.pusher.pushMessage(COMPONENT.appId, OA, { openid: 'oUser1', msgType: 'text', content: '你好' });
    expect(record.outcome).toBe('acknowledged');
    const [push] = project.received;
    expect(push?.path).toBe(`/wechat/${COMPONENT.appId}/accounts/${OA}/messages`);
    expect(push?.query.openid).toBe('oUser1');
    expect(Object.keys(push?.outer ?? {})).toEqual(['ToUserName', 'Encrypt']);
    expect(push?.message).toMatchObject({
      ToUserName: 'gh_5a0d1e2f3a01',
      FromUserName: 'oUser1',
      MsgType: 'text',
      Content: '你好',
      MsgId: expect.stringMatching(/^\d+$/),
    });
  });

  it('verifies and decrypts an encrypted passive reply', async () => {
    const { sb } = await setup((push, crypto) => {
      const inner = textReply({
        toUser: String(push.message.FromUserName),
        fromUser: String(push.message.ToUserName),
        createTime: 1,
        content: 'pong',
      });
      const { encrypt, msgSignature } = crypto.encryptPush(inner, { timestamp: '1700000000', nonce: '42' });
      return encryptedEnvelope({ encrypt, msgSignature, timestamp: '1700000000', nonce: '42' });
    });
    const record = await sb.pusher.pushMessage(COMPONENT.appId, OA, { openid: 'oUser1', msgType: 'text', content: 'ping' });
    expect(record.outcome).toBe('replied');
    expect(record.replyFields).toMatchObject({ ToUserName: 'oUser1', FromUserName: 'gh_5a0d1e2f3a01', Content: 'pong' });
  });

  it('fails a reply whose signature is wrong, as WeChat shows the user an error', async () => {
    const { sb } = await setup((_push, crypto) => {
      const { encrypt } = crypto.encryptPush('<xml><Content>x</Content></xml>', { timestamp: '1', nonce: '2' });
      return encryptedEnvelope({ encrypt, msgSignature: '0'.repeat(40), timestamp: '1', nonce: '2' });
    });
    const record = await sb.pusher.pushMessage(COMPONENT.appId, OA, { msgType: 'text', content: 'ping' });
    expect(record.outcome).toBe('failed');
    expect(record.failure).toMatch(/invalid passive reply.*该公众号暂时无法提供服务/);
  });

  it('fails a plain-text reply', async () => {
    const { sb } = await setup(() => 'hello');
    expect((await sb.pusher.pushMessage(COMPONENT.appId, OA, { msgType: 'text', content: 'ping' })).outcome).toBe('failed');
  });
});

describe('ticket schedule', () => {
  it('pushes every second when set to 1 s, skipping paused components', async () => {
    const { project, sb } = await setup(() => 'success');
    sb.world.settings.ticketIntervalSeconds = 1;
    const schedule = new TicketSchedule(sb.world, sb.pusher);
    schedule.start(10);
    closers.push(async () => schedule.stop());
    await vi.waitFor(() => expect(project.received.length).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 25 });
    sb.world.upsertComponent({ appId: COMPONENT.appId, ticketPushPaused: true });
    const before = project.received.length;
    // Two whole rounds after the pause (a round under way may have started before it).
    const rounds = schedule.rounds;
    await vi.waitFor(() => expect(schedule.rounds).toBeGreaterThanOrEqual(rounds + 2), { timeout: 5_000, interval: 25 });
    expect(project.received.length).toBe(before);
  });

  it('pushes at once on api_start_push_ticket', async () => {
    const { project, sb } = await setup(() => 'success');
    expect(
      await sb.call('/cgi-bin/component/api_start_push_ticket', { component_appid: COMPONENT.appId, component_secret: 'wrong' }),
    ).toMatchObject({ errcode: 40125 });
    expect(
      await sb.call('/cgi-bin/component/api_start_push_ticket', {
        component_appid: COMPONENT.appId,
        component_secret: COMPONENT.appSecret,
      }),
    ).toEqual({ errcode: 0, errmsg: 'ok' });
    for (let i = 0; i < 40 && project.received.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(project.received[0]?.message.InfoType).toBe('component_verify_ticket');
  });
});

describe('paused ticket pushes', () => {
  it('answer api_start_push_ticket ok and issue no ticket, as WeChat does when it skips pushes', async () => {
    const { sb } = await setup(() => 'success');
    sb.world.upsertComponent({ appId: COMPONENT.appId, ticketPushPaused: true });
    const ask = { component_appid: COMPONENT.appId, component_secret: COMPONENT.appSecret };
    expect(await sb.call('/cgi-bin/component/api_start_push_ticket', ask)).toEqual({ errcode: 0, errmsg: 'ok' });
    // A push issues its ticket before the answer is sent: none issued means none will be pushed.
    expect(sb.world.tickets).toHaveLength(0);
    sb.world.upsertComponent({ appId: COMPONENT.appId, ticketPushPaused: false });
    expect(await sb.call('/cgi-bin/component/api_start_push_ticket', ask)).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(sb.world.tickets).toHaveLength(1);
  });
});

describe('crypto self-test', () => {
  it('reproduces vector V7 of wechat-protocol.md, as main.ts checks at start', async () => {
    const { cryptoSelfTest } = await import('../src/crypto-self-test.js');
    expect(() => cryptoSelfTest()).not.toThrow();
  });
});
