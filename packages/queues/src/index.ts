/**
 * What BullMQ carries between processes: queue names, the job payload schemas (and the types
 * derived from them), their validation, deterministic job ids, and typed producers and workers.
 */
export {
  QUEUE,
  SERVICE_MESSAGE_JOB,
  SERVICE_NAME_PATTERN,
  SERVICE_QUEUE_PATTERN,
  serviceQueue,
  subscriberQueue,
  type QueueName,
} from './names.js';
export {
  ALL_COMPONENTS,
  AUTHORIZER_EVENT_TYPES,
  AccountMessageJob,
  AuthCodeJob,
  AuthorizationEventJob,
  AuthorizerEventJob,
  EnsureComponentTokenJob,
  JOB_SCHEMAS,
  LearnAuthorizerJob,
  PurgeClaimsJob,
  ReconcileJob,
  RefreshAuthorizerTokenJob,
  SweepJob,
  TicketJob,
  UnauthorizedJob,
  UnknownInfoTypeJob,
  type AuthorizerEventType,
  type JobData,
  type JobName,
  type QueueData,
  type QueueJobs,
} from './jobs.js';
export { isJobName, jobNamesOf, parseJob } from './parse-job.js';
export { JOB_ID_PATTERN, jobIds } from './job-ids.js';
export { keyDigest } from './key-digest.js';
export { DEFAULT_JOB_OPTIONS, STALLED_JOB_OPTIONS, type StalledJobOptions } from './defaults.js';
export { ChannelSubscription, createRedis, subscribeWhenReady, type RedisRole, type RedisTarget } from './redis.js';
export { Producer, QueueUnavailableError, type BulkJob, type JobOutcome } from './producer.js';
export { createWorker, type CreateWorkerOptions, type Handlers } from './worker.js';
export {
  MessageReply,
  SERVICE_MESSAGE_JOB_OPTIONS,
  SERVICE_MESSAGE_STALLED_OPTIONS,
  ServiceMessageJob,
  ServiceName,
  WeChatMessage,
  isMessageReply,
  isServiceMessageJob,
  replyProblem,
  type MessageReplyType,
} from './service-messages.js';
export { MessageSequence, accountKey, type SequencedMessage } from './message-sequence.js';
export {
  RouteTable,
  patternProblem,
  routesChangedChannel,
  type RouteDecision,
  type RoutableMessage,
  type RouteRule,
} from './route-matcher.js';
export { openQueueEvents, openServiceQueueEvents, type QueueEvents } from './queue-events.js';
export { QueueInspector, openQueue, openQueues, type FailedJob, type OpenedQueues } from './inspect.js';
export { AUTH_CODE_OUTCOMES, isAuthCodeOutcome, type AuthCodeOutcome } from './authorization-results.js';
export { OutboundMessageJob, OutboundReply } from './outbound-messages.js';
