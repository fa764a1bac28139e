import { keyDigest } from './key-digest.js';

const digest = (...parts: string[]): string => keyDigest(parts, 32);

// The refresh id's shorter hash is kept as it was: ids of jobs already in Redis stay the same.
const short = (text: string): string => keyDigest(text, 16);

/**
 * What a job id of these queues looks like: every id below, BullMQ's own numeric ids and its
 * `repeat:…` ids of scheduled jobs, at most 100 long (Fastify's longest path parameter). A path
 * parameter naming a job is checked against it.
 */
export const JOB_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,100}$';

/** Deterministic job ids: a retried push or a repeated request collapses onto the same job. */
export const jobIds = {
  ticket: (componentAppId: string, ticket: string): string => `ticket-${componentAppId}-${digest(ticket)}`,
  authorizationEvent: (infoType: string, componentAppId: string, authorizerAppId: string, createTime: string): string =>
    `${infoType}-${componentAppId}-${authorizerAppId}-${createTime}`,
  unknownInfoType: (componentAppId: string, infoType: string, createTime: string, xml: string): string =>
    `info-${componentAppId}-${digest(infoType, createTime, xml)}`,
  authCode: (componentAppId: string, authCode: string): string => `code-${componentAppId}-${digest(authCode)}`,
  /** The 全网发布 responder asks for a code's exchange; distinct from the redirect's, which binds a shop. */
  authCodeFromMessage: (componentAppId: string, authCode: string): string => `code-msg-${componentAppId}-${digest(authCode)}`,
  message: (dedupeKey: string): string => `msg-${digest(dedupeKey)}`,
  /** The same message on `messages.<service>`: a retried routing job adds nothing new. */
  serviceMessage: (dedupeKey: string): string => `msg-${digest(dedupeKey)}`,
  outbound: (dedupeKey: string): string => `out-${digest(dedupeKey)}`,
  /** One lookup per account per minute, however many of its messages wait. */
  learnAuthorizer: (componentAppId: string, authorizerAppId: string, nowMs = Date.now()): string =>
    `learn-${componentAppId}-${authorizerAppId}-${Math.floor(nowMs / 60_000)}`,
  /** One refresh per authorizer, token expiry and version: any number of sweeping workers add it once. */
  refresh: (componentAppId: string, authorizerAppId: string, expiresAt: Date | null, tokenVersion: number): string =>
    `refresh-${authorizerAppId}-${short(`${componentAppId}/${expiresAt?.toISOString() ?? 'missing'}/${tokenVersion}`)}`,
  /** An on-demand reconciliation: each request runs (a daily scheduler covers every component). */
  reconcile: (componentAppId: string, nowMs = Date.now()): string => `reconcile-${componentAppId}-${nowMs}`,
  authorizerEvent: (type: string, authorizerAppId: string, version: string): string => `${type}-${authorizerAppId}-${digest(version)}`,
};
