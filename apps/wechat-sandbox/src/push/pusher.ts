import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WeChatCrypto } from '@weixin3rd/wechat-crypto';
import { buildXml, parseXml, pushEnvelope, type XmlBuildFields, type XmlNode } from '@weixin3rd/wechat-xml';
import { MESSAGE_PERMISSION } from '../world/conversations.js';
import type { SandboxComponent } from '../world/types.js';
import type { World } from '../world/world.js';
import { PushLog, type PushKind, type PushRecord } from './push-log.js';
import { passiveReplyProblem } from './reply-check.js';

/** The account did not grant the component message management: WeChat would push nothing. */
export class MessagePermissionError extends Error {
  override readonly name = 'MessagePermissionError';
}

/** What WeChat shows a user when the account's server fails to answer. */
export const SERVICE_UNAVAILABLE = '该公众号暂时无法提供服务，请稍后再试';

export interface AuthorizationEvent {
  infoType: 'authorized' | 'updateauthorized' | 'unauthorized';
  authorizerAppId: string;
  authCode?: string;
  authCodeExpiresAtMs?: number;
  preAuthCode?: string | null;
}

export interface MessageFields {
  openid?: string;
  msgType: string;
  content?: string;
  event?: string;
  eventKey?: string;
  msgId?: string;
  /** Extra elements (Latitude, PicUrl, …). */
  extra?: Record<string, string>;
}

const cryptoFor = (c: SandboxComponent): WeChatCrypto =>
  new WeChatCrypto({ token: c.token, encodingAesKey: c.encodingAesKey, receiveId: c.appId });

/**
 * Sends pushes to the project as WeChat does (wechat-protocol.md §1.4, §2, §5): encrypted with
 * the component's key, signed in the query, a 5 s wait per delivery and up to 3 deliveries, and
 * every answer recorded. Passive replies are verified and decrypted like WeChat would.
 */
export class Pusher {
  constructor(
    private readonly world: World,
    readonly log: PushLog = new PushLog(),
  ) {}

  async pushTicket(componentAppId: string): Promise<PushRecord> {
    const component = this.world.component(componentAppId);
    const ticket = this.world.issueTicket(componentAppId);
    return this.pushEvent(component, 'ticket', {
      AppId: component.appId,
      CreateTime: Math.floor(ticket.issuedAtMs / 1000),
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: ticket.value,
    });
  }

  async pushAuthorizationEvent(componentAppId: string, event: AuthorizationEvent): Promise<PushRecord> {
    const component = this.world.component(componentAppId);
    const fields: XmlBuildFields = {
      AppId: component.appId,
      CreateTime: this.world.clock.nowSeconds(),
      InfoType: event.infoType,
      AuthorizerAppid: event.authorizerAppId,
    };
    if (event.infoType !== 'unauthorized') {
      fields.AuthorizationCode = event.authCode ?? '';
      // Real pushes carry an absolute unix time (about 1 h ahead), not seconds.
      fields.AuthorizationCodeExpiredTime = Math.floor((event.authCodeExpiresAtMs ?? this.world.clock.nowMs()) / 1000);
      fields.PreAuthCode = event.preAuthCode ?? '';
    }
    return this.pushEvent(component, 'authorization', fields);
  }

  /** A user's message or event to an authorized account, delivered to the message URL. */
  async pushMessage(componentAppId: string, authorizerAppId: string, message: MessageFields): Promise<PushRecord> {
    const component = this.world.component(componentAppId);
    const account = this.world.accounts.get(authorizerAppId);
    if (!account) throw new Error(`unknown account ${authorizerAppId}`);
    if (!component.messageUrl) throw new Error(`component ${componentAppId} has no message URL`);
    // WeChat sends a component the messages of accounts that granted it message management only.
    const authorization = this.world.authorizationOf(componentAppId, authorizerAppId);
    if (authorization?.status !== 'authorized' || !authorization.funcInfo.includes(MESSAGE_PERMISSION[account.kind]))
      throw new MessagePermissionError(
        `${authorizerAppId} has not authorized ${componentAppId} with permission set ${MESSAGE_PERMISSION[account.kind]}: WeChat pushes it no messages`,
      );
    const openid = message.openid ?? `o${randomBytes(14).toString('base64url')}`;
    this.world.conversations.userWrote(authorizerAppId, openid, this.world.clock.nowMs());
    const fields: XmlBuildFields = {
      ToUserName: account.userName,
      FromUserName: openid,
      CreateTime: this.world.clock.nowSeconds(),
      MsgType: message.msgType,
    };
    if (message.content !== undefined) fields.Content = message.content;
    if (message.event !== undefined) fields.Event = message.event;
    if (message.eventKey !== undefined) fields.EventKey = message.eventKey;
    Object.assign(fields, message.extra ?? {});
    if (message.msgType !== 'event') fields.MsgId = message.msgId ?? String(randomInt(1e9, 2 ** 47));
    const url = new URL(component.messageUrl.replaceAll('$APPID$', authorizerAppId));
    url.searchParams.set('openid', openid);
    const type = message.event ? `${message.msgType}:${message.event}` : message.msgType;
    const replyProblem = (reply: XmlNode): string | null =>
      passiveReplyProblem(account.kind, reply, { ToUserName: account.userName, FromUserName: openid });
    return this.deliver(
      component,
      'message',
      url,
      buildXml(fields),
      type,
      (encrypt) => pushEnvelope({ toUserName: account.userName, encrypt }),
      replyProblem,
    );
  }

  private pushEvent(component: SandboxComponent, kind: PushKind, fields: XmlBuildFields): Promise<PushRecord> {
    if (!component.authEventUrl) throw new Error(`component ${component.appId} has no authorization-event URL`);
    return this.deliver(component, kind, new URL(component.authEventUrl), buildXml(fields), String(fields.InfoType), (encrypt) =>
      pushEnvelope({ appId: component.appId, encrypt }),
    );
  }

  private async deliver(
    component: SandboxComponent,
    kind: PushKind,
    url: URL,
    plaintext: string,
    type: string,
    envelope: (encrypt: string) => string,
    replyProblem: (reply: XmlNode) => string | null = () => null,
  ): Promise<PushRecord> {
    const record = this.log.start({ kind, componentAppId: component.appId, url: url.toString(), type, plaintext });
    const crypto = cryptoFor(component);
    const timestamp = String(this.world.clock.nowSeconds());
    const nonce = String(randomInt(1e8, 1e10));
    // WeChat re-sends the same ciphertext on retries: same signature, same nonce.
    const parts = crypto.encryptPush(plaintext, { timestamp, nonce });
    url.searchParams.set('signature', parts.signature);
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('nonce', nonce);
    url.searchParams.set('encrypt_type', 'aes');
    url.searchParams.set('msg_signature', parts.msgSignature);
    const body = envelope(parts.encrypt);

    const timedOut = `no answer within ${this.world.settings.pushTimeoutMs} ms`;
    for (let attempt = 0; attempt < Math.max(1, this.world.settings.pushAttempts); attempt++) {
      const previous = record.attempts.at(-1);
      // A timeout already waited; a refused connection is tried again after a pause.
      if (previous && previous.error !== timedOut) await sleep(this.world.settings.pushRetryDelayMs);
      const started = Date.now();
      let status: number | null = null;
      let text = '';
      let error: string | null = null;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'text/xml', 'user-agent': 'Mozilla/4.0 (weixin3rd sandbox)' },
          body,
          signal: AbortSignal.timeout(this.world.settings.pushTimeoutMs),
        });
        status = res.status;
        text = await res.text();
      } catch (e) {
        error = e instanceof Error && e.name === 'TimeoutError' ? timedOut : String((e as Error).message);
      }
      record.attempts.push({ at: new Date().toISOString(), status, body: text.slice(0, 4096), durationMs: Date.now() - started, error });
      // WeChat delivers again only when no answer came within 5 s (wechat-protocol.md §5, §11).
      if (error !== null) continue;
      if (status !== 200) {
        // An answer, even an error one, is final: the user sees WeChat's error; no silent retry.
        fail(record, kind === 'message' ? `HTTP ${status}; the user sees "${SERVICE_UNAVAILABLE}"` : `HTTP ${status}`);
        return record;
      }
      // A wrong answer, unlike a missing one, is not retried: WeChat shows the error at once.
      this.judge(record, kind, text, crypto, component, replyProblem);
      return record;
    }
    record.outcome = 'failed';
    record.failure ??= record.attempts.at(-1)?.error ?? 'no answer';
    return record;
  }

  /** Decides what the project's 200 answer means, as WeChat would. */
  private judge(
    record: PushRecord,
    kind: PushKind,
    text: string,
    crypto: WeChatCrypto,
    component: SandboxComponent,
    replyProblem: (reply: XmlNode) => string | null,
  ): void {
    const trimmed = text.trim();
    if (kind !== 'message') {
      if (trimmed === 'success') record.outcome = 'acknowledged';
      else fail(record, `expected the literal body "success", got ${JSON.stringify(trimmed.slice(0, 80))}`);
      return;
    }
    if (trimmed === '' || trimmed === 'success') {
      record.outcome = 'acknowledged';
      return;
    }
    try {
      const outer = parseXml(trimmed);
      const get = (name: string): string => {
        const v = outer[name];
        if (typeof v !== 'string' || v === '') throw new Error(`reply lacks <${name}>`);
        return v;
      };
      const decrypted = crypto.decryptPush({
        encrypt: get('Encrypt'),
        msgSignature: get('MsgSignature'),
        timestamp: get('TimeStamp'),
        nonce: get('Nonce'),
      });
      if (decrypted.receiveId !== component.appId) throw new Error(`reply receiveid ${decrypted.receiveId} is not the component appid`);
      record.reply = decrypted.message;
      const fields = parseXml(decrypted.message);
      record.replyFields = fields;
      const problem = replyProblem(fields);
      if (problem) throw new Error(problem);
      record.outcome = 'replied';
    } catch (e) {
      fail(record, `invalid passive reply (${(e as Error).message}); the user sees "${SERVICE_UNAVAILABLE}"`);
    }
  }
}

function fail(record: PushRecord, reason: string): void {
  record.outcome = 'failed';
  record.failure = reason;
}
