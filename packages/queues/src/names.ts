/**
 * Queue names. WARNING: renaming one strands every job already waiting in Redis under the old
 * name; add a new queue and drain the old one instead.
 */
export const QUEUE = {
  tickets: 'tickets',
  authorization: 'authorization',
  tokenRefresh: 'token-refresh',
  accountMessages: 'account-messages',
  /** Messages of accounts not in the store yet, held until the account is learned. */
  heldMessages: 'account-messages-held',
  /** Replies sent through the customer-service API. */
  messagesOutbound: 'messages-outbound',
  authorizerEvents: 'authorizer-events',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

/** The per-subscriber copy of `authorizer-events` (AUTHORIZER_EVENT_SUBSCRIBERS). */
export const subscriberQueue = (subscriber: string): string => `${QUEUE.authorizerEvents}.${subscriber}`;

/** A downstream service's name (MESSAGE routes' `service`): what `messages.<service>` may carry. */
export const SERVICE_NAME_PATTERN = '^[a-z0-9-]{1,40}$';

/** Every `messages.<service>` queue name (serviceQueue), e.g. for a path parameter naming one. */
export const SERVICE_QUEUE_PATTERN = `^messages\\.${SERVICE_NAME_PATTERN.slice(1)}`;

/** Job name on every `messages.<service>` queue. */
export const SERVICE_MESSAGE_JOB = 'message';

/**
 * The queue a downstream service consumes its routed messages from: `messages.<service>`
 * (CONTRACT.md, "Message routes"). `service` matches {@link ServiceName}.
 */
export const serviceQueue = (service: string): string => `messages.${service}`;
