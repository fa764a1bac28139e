import type { ComponentTokenService } from '@weixin3rd/credentials';
import { QUEUE, createWorker, type AccountMessageJob, type ReplyBus } from '@weixin3rd/queues';
import { AuthorizerApi, type Transport } from '@weixin3rd/wechat-api';
import { parseXml } from '@weixin3rd/wechat-xml';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { releaseAction } from './release-responder.js';

export interface MessagesWorkerDeps {
  tokens: ComponentTokenService;
  transport: Transport;
  replies: ReplyBus;
  connection: Redis;
  prefix: string;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * Processes `account-messages`. Every message ends with a word to the waiting ingress request:
 * a passive reply, or "none" so it answers `success` at once instead of waiting out the budget.
 * Routing to downstream queues by rules comes with its issue; the 全网发布 responder is built in.
 */
export function createMessagesWorker(deps: MessagesWorkerDeps): Worker {
  const authorizerApi = new AuthorizerApi(deps.transport);
  return createWorker(
    QUEUE.accountMessages,
    {
      message: async (job: AccountMessageJob) => {
        const fields = parseXml(job.xml);
        const action = releaseAction(job.authorizerAppId, fields);
        if (job.awaitingReply) await deps.replies.publish(job.dedupeKey, action.kind === 'reply' ? action.xml : null);
        if (action.kind === 'api') {
          // Case 4/5: the token must come from this very code's exchange, not from a cache.
          const auth = await deps.tokens.api(job.componentAppId).queryAuth(action.authCode);
          const token = auth.authorization_info.authorizer_access_token;
          if (!token) throw new Error('api_query_auth returned no authorizer_access_token');
          await authorizerApi.sendCustomText(token, action.touser, action.content);
          deps.logger.info({ authorizerAppId: job.authorizerAppId }, 'release test: customer-service reply sent');
        }
        return action.kind;
      },
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 16 },
  );
}
