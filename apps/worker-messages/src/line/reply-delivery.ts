import { isMessageReply, replyProblem, type MessageReply, type SequencedMessage } from '@weixin3rd/queues';
import type { ReplyBus } from '@weixin3rd/handoffs';
import type { Store } from '@weixin3rd/store';
import { passiveReply } from '@weixin3rd/wechat-xml';
import type { HandlerOutcome } from './line-keeper.js';

/** What goes to the customer-service API path (messages-out's OutboundSender takes it). */
export interface OutboundRequest {
  componentAppId: string;
  authorizerAppId: string;
  openid: string;
  dedupeKey: string;
  reply: MessageReply;
  reason: 'late' | 'mini-program';
}

/** The outbound sender: enqueues a customer-service send and resolves once Redis holds it. */
export interface OutboundPort {
  send(request: OutboundRequest): Promise<unknown>;
}

export interface ReplyDeliveryDeps {
  replies: ReplyBus;
  /** Null only where no outbound path is wired (a late reply is then recorded `dropped`). */
  outbound: OutboundPort | null;
  store: Pick<Store, 'messages'>;
  logger: { warn(obj: object, msg: string): void };
}

/**
 * Decides, once per message, how its reply leaves: passively when the ingress still waits for it
 * (the ReplyBus claim) and the account takes it passively, otherwise through the outbound sender.
 * Mini programs take only `transfer_customer_service` passively. Records the outcome.
 */
export class ReplyDelivery {
  constructor(private readonly deps: ReplyDeliveryDeps) {}

  async finished(message: SequencedMessage, outcome: HandlerOutcome): Promise<void> {
    const { job } = message;
    const key = job.dedupeKey;
    if (outcome.kind !== 'completed') {
      await this.deps.replies.offer(key, null);
      const status = outcome.kind === 'failed' ? 'failed' : 'timed_out';
      await this.deps.store.messages.finish(key, { status, error: outcome.kind === 'failed' ? outcome.reason : 'HANDLER_TIMEOUT' });
      return;
    }
    const value = outcome.value;
    if (value === null || value === undefined || value === '') {
      await this.deps.replies.offer(key, null);
      await this.deps.store.messages.finish(key, { status: 'handled' });
      return;
    }
    if (!isMessageReply(value)) {
      await this.deps.replies.offer(key, null);
      await this.deps.store.messages.finish(key, { status: 'failed', error: `REPLY_INVALID: ${replyProblem(value)}` });
      return;
    }
    const passiveAllowed = message.kind !== 'mini' || value.type === 'transfer_customer_service';
    const xml = passiveAllowed
      ? passiveReply(
          { toUser: job.message.FromUserName, fromUser: job.message.ToUserName, createTime: Math.floor(Date.now() / 1000) },
          value,
        )
      : null;
    // A lost claim means the ingress answered `success` already: the reply goes out late.
    const passive = (await this.deps.replies.offer(key, xml)) && xml !== null;
    let delivery: 'passive' | 'outbound' | 'dropped' = 'passive';
    if (!passive) {
      if (this.deps.outbound) {
        await this.deps.outbound.send({
          componentAppId: job.componentAppId,
          authorizerAppId: job.authorizerAppId,
          openid: job.message.FromUserName,
          dedupeKey: key,
          reply: value,
          reason: passiveAllowed ? 'late' : 'mini-program',
        });
        delivery = 'outbound';
      } else {
        this.deps.logger.warn({ dedupeKey: key }, 'reply could not go passively and no outbound sender is wired: dropped');
        delivery = 'dropped';
      }
    }
    await this.deps.store.messages.finish(key, { status: 'handled', reply: { type: value.type, delivery } });
  }
}
