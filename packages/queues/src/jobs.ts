import type { OutboundMessageJob } from './outbound-messages.js';

/**
 * The one map from queue and job name to payload type. Job data carries ids and values that are
 * not secrets; workers read credentials from the store. WARNING: renaming a job name strands
 * jobs already in Redis.
 */

export interface TicketJob {
  componentAppId: string;
  /** The component_verify_ticket. It is a credential only together with the app secret. */
  ticket: string;
  /** CreateTime of the push, unix seconds as WeChat sent it. */
  createTime: string;
  receivedAt: string;
}

export interface EnsureComponentTokenJob {
  componentAppId: string;
  reason: string;
}

export interface AuthorizationEventJob {
  componentAppId: string;
  authorizerAppId: string;
  authCode: string;
  /** Unix seconds. */
  authCodeExpiresAt: string;
  preAuthCode: string | null;
  createTime: string;
}

export interface UnauthorizedJob {
  componentAppId: string;
  authorizerAppId: string;
  createTime: string;
}

export interface UnknownInfoTypeJob {
  componentAppId: string;
  infoType: string;
  createTime: string;
  /** The decrypted push, kept for whoever implements this InfoType later. */
  xml: string;
}

export interface AuthCodeJob {
  componentAppId: string;
  authCode: string;
  shopId: string | null;
  preAuthCode: string | null;
}

export interface AccountMessageJob {
  componentAppId: string;
  authorizerAppId: string;
  dedupeKey: string;
  receivedAt: string;
  /** Decrypted message XML. */
  xml: string;
  /** Whether the ingress is waiting for a passive reply (false when the budget is 0). */
  awaitingReply: boolean;
  /**
   * The account's arrival number, assigned by the ingress (MessageSequence): messages reach the
   * handler in this order. Absent on a job re-added later: it joins the end of its account's line.
   */
  seq?: number;
}

export interface RefreshAuthorizerTokenJob {
  componentAppId: string;
  authorizerAppId: string;
  reason: 'sweep' | 'on-demand' | 'forced';
}

export interface AuthorizerEventJob {
  type: 'authorized' | 'updateauthorized' | 'unauthorized' | 'reauth_required' | 'shop_bound';
  componentAppId: string;
  authorizerAppId: string;
  shopId: string | null;
  funcInfo: number[];
  occurredAt: string;
  account: { nickName: string; userName: string; principalName: string; serviceType: number; verifyType: number };
}

/** Learn one account WeChat pushes messages for but the store does not hold (api_get_authorizer_info). */
export interface LearnAuthorizerJob {
  componentAppId: string;
  authorizerAppId: string;
}

export interface QueueJobs {
  tickets: { ticket: TicketJob; 'ensure-component-token': EnsureComponentTokenJob };
  authorization: {
    authorized: AuthorizationEventJob;
    updateauthorized: AuthorizationEventJob;
    unauthorized: UnauthorizedJob;
    'unknown-info-type': UnknownInfoTypeJob;
    'auth-code': AuthCodeJob;
    /** Compare with api_get_authorizer_list; `*` = every component. */
    reconcile: { componentAppId: string };
    /** Scheduled: drops auth-code claims and state nonces too old to matter (no TTL indexes on FerretDB). */
    'purge-claims': Record<string, never>;
    'learn-authorizer': LearnAuthorizerJob;
  };
  'token-refresh': { 'refresh-authorizer-token': RefreshAuthorizerTokenJob; sweep: Record<string, never> };
  'account-messages': { message: AccountMessageJob };
  'account-messages-held': { message: AccountMessageJob };
  'messages-outbound': { send: OutboundMessageJob };
  'authorizer-events': { [K in AuthorizerEventJob['type']]: AuthorizerEventJob };
}

export type JobName<Q extends keyof QueueJobs> = keyof QueueJobs[Q] & string;
export type JobData<Q extends keyof QueueJobs, N extends JobName<Q>> = QueueJobs[Q][N];
