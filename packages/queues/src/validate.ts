import { UnrecoverableError } from 'bullmq';
import type { JobData, JobName, QueueJobs } from './jobs.js';

type Shape = Record<string, 'string' | 'string?' | 'string|null' | 'boolean' | 'number?' | 'number[]' | 'object'>;

const TICKET: Shape = { componentAppId: 'string', ticket: 'string', createTime: 'string', receivedAt: 'string' };
const AUTH_EVENT: Shape = {
  componentAppId: 'string',
  authorizerAppId: 'string',
  authCode: 'string',
  authCodeExpiresAt: 'string',
  preAuthCode: 'string|null',
  createTime: 'string',
};
const AUTHORIZER_EVENT: Shape = {
  type: 'string',
  componentAppId: 'string',
  authorizerAppId: 'string',
  shopId: 'string|null',
  funcInfo: 'number[]',
  occurredAt: 'string',
  account: 'object',
};

const ACCOUNT_MESSAGE: Shape = {
  componentAppId: 'string',
  authorizerAppId: 'string',
  dedupeKey: 'string',
  receivedAt: 'string',
  xml: 'string',
  awaitingReply: 'boolean',
  seq: 'number?',
};

const SHAPES: { [Q in keyof QueueJobs]: Record<JobName<Q>, Shape> } = {
  tickets: { ticket: TICKET, 'ensure-component-token': { componentAppId: 'string', reason: 'string' } },
  authorization: {
    authorized: AUTH_EVENT,
    updateauthorized: AUTH_EVENT,
    unauthorized: { componentAppId: 'string', authorizerAppId: 'string', createTime: 'string' },
    'unknown-info-type': { componentAppId: 'string', infoType: 'string', createTime: 'string', xml: 'string' },
    'auth-code': { componentAppId: 'string', authCode: 'string', shopId: 'string|null', preAuthCode: 'string|null' },
    reconcile: { componentAppId: 'string' },
    'purge-claims': {},
    'learn-authorizer': { componentAppId: 'string', authorizerAppId: 'string' },
  },
  'token-refresh': {
    'refresh-authorizer-token': { componentAppId: 'string', authorizerAppId: 'string', reason: 'string' },
    sweep: {},
  },
  'account-messages': { message: ACCOUNT_MESSAGE },
  'account-messages-held': { message: ACCOUNT_MESSAGE },
  // The reply is checked against its TypeBox schema (OutboundMessageJob) too.
  'messages-outbound': {
    send: { componentAppId: 'string', authorizerAppId: 'string', openid: 'string', dedupeKey: 'string', reason: 'string', reply: 'object' },
  },
  'authorizer-events': {
    authorized: AUTHORIZER_EVENT,
    updateauthorized: AUTHORIZER_EVENT,
    unauthorized: AUTHORIZER_EVENT,
    reauth_required: AUTHORIZER_EVENT,
    shop_bound: AUTHORIZER_EVENT,
  },
};

/** The job names a queue accepts; a worker refuses to start without a handler for each. */
export function jobNamesOf<Q extends keyof QueueJobs>(queue: Q): JobName<Q>[] {
  return Object.keys(SHAPES[queue]) as JobName<Q>[];
}

function fits(value: unknown, kind: Shape[string]): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string' && value !== '';
    case 'string?':
      return value === undefined || typeof value === 'string';
    case 'string|null':
      return value === null || typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'number?':
      return value === undefined || (Number.isSafeInteger(value) && (value as number) > 0);
    case 'number[]':
      return Array.isArray(value) && value.every((n) => Number.isInteger(n));
    case 'object':
      return typeof value === 'object' && value !== null;
  }
}

/**
 * Checks a job's payload against its declared shape. A bad payload will never succeed, so it
 * fails with UnrecoverableError (no retries) and a message naming the field.
 */
export function parseJob<Q extends keyof QueueJobs, N extends JobName<Q>>(queue: Q, name: N, data: unknown): JobData<Q, N> {
  const shape = (SHAPES[queue] as Record<string, Shape | undefined>)[name];
  if (!shape) throw new UnrecoverableError(`queue ${queue} has no job named ${JSON.stringify(name)}`);
  if (typeof data !== 'object' || data === null) throw new UnrecoverableError(`${queue}/${name}: payload must be an object`);
  for (const [field, kind] of Object.entries(shape)) {
    if (!fits((data as Record<string, unknown>)[field], kind))
      throw new UnrecoverableError(`${queue}/${name}: field ${field} must be ${kind}`);
  }
  return data as JobData<Q, N>;
}
