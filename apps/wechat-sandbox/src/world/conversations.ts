import type { AccountKind } from './types.js';
import { WxError } from './wx-error.js';

/** The customer-service window WeChat opens when a user writes to an account: 48 hours. */
export const CUSTOM_WINDOW_MS = 48 * 3600_000;
/** Messages a mini program may send through custom/send per user message within the window. */
export const MINI_PROGRAM_SENDS_PER_WINDOW = 5;

/** The permission set a push or a customer-service message needs: 消息管理 (1), 客服消息管理 (19). */
export const MESSAGE_PERMISSION: Readonly<Record<AccountKind, number>> = { official: 1, mini: 19 };

interface Conversation {
  lastUserMessageMs: number;
  sentSinceLastUserMessage: number;
}

/**
 * Which user may get customer-service messages from which account, and how many more: WeChat lets
 * an account answer through custom/send only within 48 h of the user's last message (45015), and
 * a mini program at most 5 times per user message (45047).
 */
export class Conversations {
  private readonly byUser = new Map<string, Conversation>();

  clear(): void {
    this.byUser.clear();
  }

  /** A user wrote to the account (a message or event was pushed): the window opens again. */
  userWrote(authorizerAppId: string, openid: string, nowMs: number): void {
    this.byUser.set(`${authorizerAppId}/${openid}`, { lastUserMessageMs: nowMs, sentSinceLastUserMessage: 0 });
  }

  /** Counts one custom/send, or answers the errcode WeChat would. */
  send(kind: AccountKind, authorizerAppId: string, openid: string, nowMs: number): void {
    const c = this.byUser.get(`${authorizerAppId}/${openid}`);
    // An openid that never wrote to this account is not one of its users.
    if (!c) throw new WxError(40003);
    if (nowMs - c.lastUserMessageMs > CUSTOM_WINDOW_MS) throw new WxError(45015);
    if (kind === 'mini' && c.sentSinceLastUserMessage >= MINI_PROGRAM_SENDS_PER_WINDOW) throw new WxError(45047);
    c.sentSinceLastUserMessage += 1;
  }
}
