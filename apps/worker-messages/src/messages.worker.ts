import {
  QUEUE,
  accountKey,
  createWorker,
  jobIds,
  type AccountMessageJob,
  type MessageSequence,
  type RouteTable,
  type ServiceMessageJob,
  type WeChatMessage,
} from '@weixin3rd/queues';
import type { ReplyBus } from '@weixin3rd/handoffs';
import type { Store } from '@weixin3rd/store';
import { parseXml, type XmlNode } from '@weixin3rd/wechat-xml';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { LineKeeper } from './line/line-keeper.js';
import { releaseApiReply, type ReleaseApiDeps } from './release-api-reply.js';
import { releaseAction, type ReleaseAction } from './release-responder.js';
import type { AccountInfoCache } from './routing/account-info.js';

export interface MessagesWorkerDeps {
  /** The 全网发布 QUERY_AUTH_CODE case: the code's exchange and the outbound sender. */
  release: ReleaseApiDeps;
  replies: ReplyBus;
  connection: Redis;
  prefix: string;
  store: Pick<Store, 'messages'>;
  routes: { readonly current: RouteTable };
  sequence: MessageSequence;
  line: Pick<LineKeeper, 'release'>;
  accounts: AccountInfoCache;
  concurrency?: number;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** The message's top-level fields, every one a string as WeChat sent it; nested ones stay in `xml`. */
export function wechatMessage(fields: XmlNode): WeChatMessage {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) if (typeof value === 'string') flat[name] = value;
  return { ToUserName: '', FromUserName: '', CreateTime: '', MsgType: '', ...flat };
}

/**
 * Processes `account-messages`: parses each message once, answers the 全网发布 test accounts
 * (built-in), matches the rules and puts the message in its account's line
 * (MessageSequence); the line releases it to `messages.<service>` when the account's previous
 * message has finished. Every message ends with a word to the waiting ingress request: the
 * reply, or "none" so it answers `success` at once.
 */
export function createMessagesWorker(deps: MessagesWorkerDeps): Worker {
  const releaseTest = async (job: AccountMessageJob, action: ReleaseAction): Promise<void> => {
    await deps.replies.offer(job.dedupeKey, action.kind === 'reply' ? action.xml : null);
    if (action.kind === 'api') {
      // Case 4/5: with the token of the exchange this service made with that (single-use) code.
      await releaseApiReply(deps.release, job, action);
      deps.logger.info({ authorizerAppId: job.authorizerAppId }, 'release test: customer-service reply queued');
    }
  };

  /** Gives up the message's turn in its line; releases whoever is next. */
  const skip = async (job: AccountMessageJob): Promise<void> => {
    const next = await deps.sequence.skip(accountKey(job.componentAppId, job.authorizerAppId), job.seq, job.dedupeKey);
    if (next) await deps.line.release(next);
  };

  const worker = createWorker(
    QUEUE.accountMessages,
    {
      message: async (job: AccountMessageJob) => {
        const fields = parseXml(job.xml);
        const message = wechatMessage(fields);
        const account = await deps.accounts.get(job.componentAppId, job.authorizerAppId);
        const record = {
          _id: job.dedupeKey,
          componentAppId: job.componentAppId,
          authorizerAppId: job.authorizerAppId,
          shopId: account.shopId,
          openid: message.FromUserName,
          msgType: message.MsgType,
          event: message.Event ?? null,
          seq: job.seq ?? null,
          receivedAt: new Date(job.receivedAt),
        };
        const action = releaseAction(job.authorizerAppId, fields);
        if (action.kind !== 'none') {
          await deps.store.messages.record({ ...record, routeId: null, service: null, status: 'release-test' });
          await releaseTest(job, action);
          await skip(job);
          return action.kind;
        }
        const decision = deps.routes.current.match({ ...job, shopId: account.shopId, message });
        if (!decision) {
          await deps.store.messages.record({ ...record, routeId: null, service: null, status: 'unrouted' });
          await deps.replies.offer(job.dedupeKey, null);
          await skip(job);
          return 'unrouted';
        }
        const serviceJob: ServiceMessageJob = {
          componentAppId: job.componentAppId,
          authorizerAppId: job.authorizerAppId,
          shopId: account.shopId,
          dedupeKey: job.dedupeKey,
          receivedAt: job.receivedAt,
          message,
          xml: job.xml,
        };
        // The record is not on the path to the handler (finish() upserts): the line moves on while
        // it is written, and the job completes only once it is (a retry writes it again).
        const recorded = deps.store.messages.record({ ...record, routeId: decision.routeId, service: decision.service, status: 'queued' });
        recorded.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
        const next = await deps.sequence.put(accountKey(job.componentAppId, job.authorizerAppId), job.seq, {
          jobId: jobIds.serviceMessage(job.dedupeKey),
          service: decision.service,
          routeId: decision.routeId,
          kind: account.kind,
          job: serviceJob,
        });
        if (next) await deps.line.release(next);
        await recorded;
        return 'queued';
      },
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 32 },
  );
  // A message that can never be routed gives up its turn at once instead of leaving a gap.
  worker.on('failed', (job, err) => {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    deps.logger.warn({ dedupeKey: job.data.dedupeKey, err }, 'message failed for good');
    skip(job.data).catch((e: unknown) => deps.logger.warn({ err: e }, 'message line: skip failed'));
  });
  return worker;
}
