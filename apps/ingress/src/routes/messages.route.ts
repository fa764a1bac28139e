import { accountKey, jobIds, type MessageSequence, type Producer } from '@weixin3rd/queues';
import type { ReplyBus } from '@weixin3rd/handoffs';
import type { FastifyPluginAsync } from 'fastify';
import { dedupeKey } from '../dedupe-key.js';
import type { AuthorizerLookup, ComponentLookup } from '../lookups.js';
import { verifyPush } from '../push-verifier.js';
import { durably } from './events.route.js';
import { AccountPath } from './path-params.js';
import { pushRouteSchema, refuseInvalidPath, type PushQuery } from './push-query.js';

export interface MessagesRouteOptions {
  components: ComponentLookup;
  authorizers: AuthorizerLookup;
  messages: Producer<'account-messages'>;
  /** Messages of accounts the store does not hold yet: kept until worker-messages learns them. */
  held: Producer<'account-messages-held'>;
  replies: ReplyBus;
  sequence: MessageSequence;
  replyBudgetMs: number;
  maxSkewSeconds: number;
  /** What became of the wait for a passive reply (metrics). */
  onReply?: (outcome: 'in_time' | 'none' | 'late') => void;
}

/**
 * 消息与事件接收URL: verify, dedupe, number the message in its account's line, enqueue, then wait
 * (at most the budget) for worker-messages to say whether there is a passive reply. A duplicate
 * delivery waits on the same outcome; once the budget is out the reply goes by the
 * customer-service API instead and every delivery answers `success`.
 */
export const messagesRoute: FastifyPluginAsync<MessagesRouteOptions> = async (app, opts) => {
  app.post<{ Params: AccountPath; Querystring: PushQuery }>(
    '/wechat/:componentAppId/accounts/:appid/messages',
    pushRouteSchema(AccountPath),
    async (req, reply) => {
      const startedAt = performance.now();
      refuseInvalidPath(req);
      const { componentAppId, appid } = req.params;
      const push = await verifyPush(opts.components, componentAppId, req.query, req.body, opts.maxSkewSeconds);
      // A correctly signed message is never refused: WeChat would show the user "该公众号暂时无法提供
      //服务". One for an account we do not hold yet is kept (held) while the account is learned,
      // and so is one whose account the store could not confirm in time (the held worker releases
      // it as soon as the store answers that it holds the account).
      const known = (await opts.authorizers.isAuthorizer(componentAppId, appid)) === true;
      const key = dedupeKey(componentAppId, appid, push.fields);
      const awaitingReply = opts.replyBudgetMs > 0;
      const receivedAt = new Date().toISOString();
      const job = { componentAppId, authorizerAppId: appid, dedupeKey: key, receivedAt, xml: push.xml, awaitingReply };
      await durably(async () => {
        // Held messages take no place in the account's line: they join its end once released.
        if (!known) return opts.held.add('message', job, jobIds.message(key));
        const { seq, priority } = await opts.sequence.assign(accountKey(componentAppId, appid), key);
        return opts.messages.add('message', seq === undefined ? job : { ...job, seq }, jobIds.message(key), { priority });
      });
      // The budget counts from the request's arrival: time spent on lookups is not given twice.
      const passive = await opts.replies.wait(key, Math.max(0, opts.replyBudgetMs - (performance.now() - startedAt)));
      if (awaitingReply) opts.onReply?.(typeof passive === 'string' ? 'in_time' : passive === null ? 'none' : 'late');
      if (typeof passive !== 'string') return reply.type('text/plain').send('success');
      const timestamp = Math.floor(Date.now() / 1000);
      return reply.type('text/xml').send(push.crypto.encryptReply(passive, { timestamp, nonce: push.nonce, keyIndex: push.keyIndex }));
    },
  );
};
