/**
 * What downstream services import to follow authorizer lifecycle changes (CONTRACT.md,
 * `authorizer-events`): the queue names, the payload type, `subscribe()`, and the publisher the
 * workers use.
 */
export { QUEUE, subscriberQueue, type AuthorizerEventJob as AuthorizerEvent } from '@weixin3rd/queues';
export { EventPublisher, type AuthorizerSnapshot } from './publisher.js';
export { subscribe, type SubscribeOptions } from './subscribe.js';

/** Every event type, as job names on the queue. */
export const AUTHORIZER_EVENT_TYPES = ['authorized', 'updateauthorized', 'unauthorized', 'reauth_required', 'shop_bound'] as const;
