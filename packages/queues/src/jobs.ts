import { Type, type Static, type TSchema } from 'typebox';
import { SERVICE_MESSAGE_JOB } from './names.js';
import { OutboundMessageJob } from './outbound-messages.js';
import { ServiceMessageJob } from './service-messages.js';

/**
 * The one declaration of every job payload, as schemas: the TypeScript types below are derived
 * from them and workers validate with them (parse-job.ts). Job data carries ids and values that
 * are not secrets; workers read credentials from the store. WARNING: renaming a job name strands
 * jobs already in Redis.
 */

/** A string WeChat or we always fill in: an empty one is a bug upstream. */
const Text = Type.String({ minLength: 1 });
const TextOrNull = Type.Union([Type.String(), Type.Null()]);

/**
 * The `componentAppId` of a scheduled job meant for every component (ensure-component-token,
 * reconcile): the worker fans it out over the components in the store. Not an AppId, so no real
 * component can be taken for it.
 */
export const ALL_COMPONENTS = '*';

export const TicketJob = Type.Object({
  componentAppId: Text,
  /** The component_verify_ticket. It is a credential only together with the app secret. */
  ticket: Text,
  /** CreateTime of the push, unix seconds as WeChat sent it. */
  createTime: Text,
  receivedAt: Text,
});

export const EnsureComponentTokenJob = Type.Object({
  /** An AppId, or ALL_COMPONENTS for the scheduled check of every component. */
  componentAppId: Text,
  reason: Text,
});

export const AuthorizationEventJob = Type.Object({
  componentAppId: Text,
  authorizerAppId: Text,
  authCode: Text,
  /** Unix seconds. */
  authCodeExpiresAt: Text,
  preAuthCode: TextOrNull,
  createTime: Text,
});

export const UnauthorizedJob = Type.Object({ componentAppId: Text, authorizerAppId: Text, createTime: Text });

export const UnknownInfoTypeJob = Type.Object({
  componentAppId: Text,
  infoType: Text,
  createTime: Text,
  /** The decrypted push, kept for whoever implements this InfoType later. */
  xml: Text,
});

export const AuthCodeJob = Type.Object({ componentAppId: Text, authCode: Text, shopId: TextOrNull, preAuthCode: TextOrNull });

/** Compare with api_get_authorizer_list; ALL_COMPONENTS = every component. */
export const ReconcileJob = Type.Object({ componentAppId: Text });

export const AccountMessageJob = Type.Object({
  componentAppId: Text,
  authorizerAppId: Text,
  dedupeKey: Text,
  receivedAt: Text,
  /** Decrypted message XML. */
  xml: Text,
  /** Whether the ingress is waiting for a passive reply (false when the budget is 0). */
  awaitingReply: Type.Boolean(),
  /**
   * The account's arrival number, assigned by the ingress (MessageSequence): messages reach the
   * handler in this order. Absent on a job re-added later: it joins the end of its account's line.
   */
  seq: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
});

export const RefreshAuthorizerTokenJob = Type.Object({
  componentAppId: Text,
  authorizerAppId: Text,
  /** Only the sweep enqueues refreshes; callers that need a token at once ask the token service. */
  reason: Type.Literal('sweep'),
});

export const SweepJob = Type.Object({});

/** Scheduled: drops auth-code claims and state nonces too old to matter (no TTL indexes on FerretDB). */
export const PurgeClaimsJob = Type.Object({});

/** Learn one account WeChat pushes messages for but the store does not hold (api_get_authorizer_info). */
export const LearnAuthorizerJob = Type.Object({ componentAppId: Text, authorizerAppId: Text });

/** Every authorizer lifecycle event, as job names on `authorizer-events` (CONTRACT.md). */
export const AUTHORIZER_EVENT_TYPES = ['authorized', 'updateauthorized', 'unauthorized', 'reauth_required', 'shop_bound'] as const;
export type AuthorizerEventType = (typeof AUTHORIZER_EVENT_TYPES)[number];

export const AuthorizerEventJob = Type.Object({
  type: Type.Enum(AUTHORIZER_EVENT_TYPES),
  componentAppId: Text,
  authorizerAppId: Text,
  shopId: TextOrNull,
  funcInfo: Type.Array(Type.Integer()),
  occurredAt: Text,
  account: Type.Object({
    nickName: Type.String(),
    userName: Type.String(),
    principalName: Type.String(),
    serviceType: Type.Number(),
    verifyType: Type.Number(),
  }),
});

const authorizerEvents = Object.fromEntries(AUTHORIZER_EVENT_TYPES.map((t) => [t, AuthorizerEventJob])) as {
  [K in AuthorizerEventType]: typeof AuthorizerEventJob;
};

/** Queue → job name → payload schema. A worker must handle every name of its queue. */
export const JOB_SCHEMAS = {
  tickets: { ticket: TicketJob, 'ensure-component-token': EnsureComponentTokenJob },
  authorization: {
    authorized: AuthorizationEventJob,
    updateauthorized: AuthorizationEventJob,
    unauthorized: UnauthorizedJob,
    'unknown-info-type': UnknownInfoTypeJob,
    'auth-code': AuthCodeJob,
    reconcile: ReconcileJob,
    'purge-claims': PurgeClaimsJob,
    'learn-authorizer': LearnAuthorizerJob,
  },
  'token-refresh': { 'refresh-authorizer-token': RefreshAuthorizerTokenJob, sweep: SweepJob },
  'account-messages': { message: AccountMessageJob },
  /** A message of an account not in the store yet, held until the account is learned. */
  'account-messages-held': { message: AccountMessageJob },
  /** A reply sent through the customer-service API (outbound-messages.ts). */
  'messages-outbound': { send: OutboundMessageJob },
  'authorizer-events': authorizerEvents,
  /**
   * Every `messages.<service>` queue (serviceQueue): one contract, a queue per downstream service
   * (service-messages.ts, CONTRACT.md). A producer names its queue (`queueName`).
   */
  'messages.<service>': { [SERVICE_MESSAGE_JOB]: ServiceMessageJob },
} satisfies Record<string, Record<string, TSchema>>;

export type TicketJob = Static<typeof TicketJob>;
export type EnsureComponentTokenJob = Static<typeof EnsureComponentTokenJob>;
export type AuthorizationEventJob = Static<typeof AuthorizationEventJob>;
export type UnauthorizedJob = Static<typeof UnauthorizedJob>;
export type UnknownInfoTypeJob = Static<typeof UnknownInfoTypeJob>;
export type AuthCodeJob = Static<typeof AuthCodeJob>;
export type ReconcileJob = Static<typeof ReconcileJob>;
export type AccountMessageJob = Static<typeof AccountMessageJob>;
export type RefreshAuthorizerTokenJob = Static<typeof RefreshAuthorizerTokenJob>;
export type PurgeClaimsJob = Static<typeof PurgeClaimsJob>;
export type LearnAuthorizerJob = Static<typeof LearnAuthorizerJob>;
export type AuthorizerEventJob = Static<typeof AuthorizerEventJob>;

type Schemas = typeof JOB_SCHEMAS;
export type QueueJobs = {
  [Q in keyof Schemas]: { [N in keyof Schemas[Q]]: Schemas[Q][N] extends TSchema ? Static<Schemas[Q][N]> : never };
};
export type JobName<Q extends keyof QueueJobs> = keyof QueueJobs[Q] & string;
export type JobData<Q extends keyof QueueJobs, N extends JobName<Q>> = QueueJobs[Q][N];
/** Any payload of queue Q (what BullMQ's Queue and Worker are parameterised with). */
export type QueueData<Q extends keyof QueueJobs> = QueueJobs[Q][JobName<Q>];
