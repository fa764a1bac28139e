import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { SERVICE_NAME_PATTERN } from './names.js';

/**
 * The public contract of `messages.<service>` (CONTRACT.md, "Message routes"): what a downstream
 * handler receives and what it may return. WARNING: these shapes are read by other teams' code;
 * change them only compatibly.
 */

/** A downstream service name: the queue is `messages.<service>`. */
export const ServiceName = Type.String({ pattern: SERVICE_NAME_PATTERN });

/** WeChat's message fields, every one a string exactly as WeChat sent it. */
export const WeChatMessage = Type.Object(
  {
    ToUserName: Type.String(),
    FromUserName: Type.String(),
    CreateTime: Type.String(),
    MsgType: Type.String(),
    Content: Type.Optional(Type.String()),
    MsgId: Type.Optional(Type.String()),
    Event: Type.Optional(Type.String()),
    EventKey: Type.Optional(Type.String()),
  },
  { additionalProperties: Type.String() },
);

export const ServiceMessageJob = Type.Object({
  componentAppId: Type.String(),
  authorizerAppId: Type.String(),
  shopId: Type.Union([Type.String(), Type.Null()]),
  dedupeKey: Type.String(),
  receivedAt: Type.String(),
  message: WeChatMessage,
  /** The decrypted XML, for fields the payload does not model. */
  xml: Type.String(),
});

const Text = Type.Object({ type: Type.Literal('text'), content: Type.String({ minLength: 1 }) });
const Image = Type.Object({ type: Type.Literal('image'), mediaId: Type.String({ minLength: 1 }) });
const Voice = Type.Object({ type: Type.Literal('voice'), mediaId: Type.String({ minLength: 1 }) });
const Video = Type.Object({
  type: Type.Literal('video'),
  mediaId: Type.String({ minLength: 1 }),
  title: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
});
const Music = Type.Object({
  type: Type.Literal('music'),
  title: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  musicUrl: Type.Optional(Type.String()),
  hqMusicUrl: Type.Optional(Type.String()),
  thumbMediaId: Type.String({ minLength: 1 }),
});
const Article = Type.Object({ title: Type.String(), description: Type.String(), picUrl: Type.String(), url: Type.String() });
// WeChat takes at most 8 articles in a reply (1 through the customer-service API since 2018).
const News = Type.Object({ type: Type.Literal('news'), articles: Type.Array(Article, { minItems: 1, maxItems: 8 }) });
const TransferCustomerService = Type.Object({ type: Type.Literal('transfer_customer_service') });

/** What a handler may return: the reply to the user, sent passively or through custom/send. */
export const MessageReply = Type.Union([Text, Image, Voice, Video, Music, News, TransferCustomerService]);

export type ServiceMessageJob = Static<typeof ServiceMessageJob>;
export type WeChatMessage = Static<typeof WeChatMessage>;
export type MessageReply = Static<typeof MessageReply>;
export type MessageReplyType = MessageReply['type'];

const checkJob = Compile(ServiceMessageJob);
const checkReply = Compile(MessageReply);

/** Whether a value is a `messages.<service>` payload (downstream helpers check before the handler sees it). */
export const isServiceMessageJob = (value: unknown): value is ServiceMessageJob => checkJob.Check(value);

/** Whether a handler's return value is a reply WeChat can take. */
export const isMessageReply = (value: unknown): value is MessageReply => checkReply.Check(value);

/** The first problem of an invalid reply, for the error recorded on the message. */
export const replyProblem = (value: unknown): string => {
  const [first] = checkReply.Errors(value);
  return first ? `${first.instancePath || '/'} ${first.message}` : 'invalid reply';
};

/** `messages.<service>` job options: a failing handler is retried twice; jobs are kept to absorb duplicates and for the line's checks. */
export const SERVICE_MESSAGE_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 100000 },
  removeOnFail: { age: 7 * 86400 },
} as const;

/**
 * Stalled-job check of `messages.<service>` workers (handleMessages): a handler process that dies
 * holds its account's line until its job is recovered, 10-20 s, within MESSAGE_HANDLER_TIMEOUT_MS.
 */
export const SERVICE_MESSAGE_STALLED_OPTIONS = { lockDuration: 10_000, stalledInterval: 5000, maxStalledCount: 2 } as const;
