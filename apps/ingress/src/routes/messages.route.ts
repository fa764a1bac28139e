import { accountKey, jobIds, type MessageSequence, type Producer, type ReplyBus } from '@weixin3rd/queues';
import type { FastifyPluginAsync } from 'fastify';
import { dedupeKey } from '../dedupe-key.js';
import type { AuthorizerLookup, ComponentLookup } from '../lookups.js';
import { verifyPush, type PushQuery } from '../push-verifier.js';
import { durably } from './events.route.js';
import { AccountPath } from './path-params.js';

export interface MessagesRouteOptions {
  components: ComponentLookup;
  authorizers: AuthorizerLookup;
  messages: Producer<'account-messages'>;
  replies: ReplyBus;
  sequence: MessageSequence;
  replyBudgetMs: number;
  maxSkewSeconds: number;
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
    { schema: { params: AccountPath } },
    async (req, reply) => {
      const { componentAppId, appid } = req.params;
      const push = await verifyPush(opts.components, componentAppId, req.query, req.body, opts.maxSkewSeconds);
      // Signed with the component's key, so WeChat sent it: an account not stored yet (its
      // authorization still being processed) is accepted, never refused (wechat-protocol.md §11.7).
      if (!(await opts.authorizers.isAuthorizer(componentAppId, appid)))
        req.log.warn({ componentAppId, authorizerAppId: appid }, 'message for an account not stored (yet): accepted');
      const key = dedupeKey(componentAppId, appid, push.fields);
      const awaitingReply = opts.replyBudgetMs > 0;
      await durably(async () => {
        const { seq, priority } = await opts.sequence.assign(accountKey(componentAppId, appid), key);
        const receivedAt = new Date().toISOString();
        const job = { componentAppId, authorizerAppId: appid, dedupeKey: key, receivedAt, xml: push.xml, awaitingReply };
        return opts.messages.add('message', seq === undefined ? job : { ...job, seq }, jobIds.message(key), { priority });
      });
      const passive = await opts.replies.wait(key, opts.replyBudgetMs);
      if (typeof passive !== 'string') return reply.type('text/plain').send('success');
      const timestamp = Math.floor(Date.now() / 1000);
      return reply.type('text/xml').send(push.crypto.encryptReply(passive, { timestamp, nonce: push.nonce, keyIndex: push.keyIndex }));
    },
  );
};
