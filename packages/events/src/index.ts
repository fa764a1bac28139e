/**
 * What downstream services import: authorizer lifecycle events (CONTRACT.md, `authorizer-events`)
 * with `subscribe()`, and routed messages (`messages.<service>`) with `handleMessages()`.
 */
export { AUTHORIZER_EVENT_TYPES, QUEUE, subscriberQueue, type AuthorizerEventJob as AuthorizerEvent } from '@weixin3rd/queues';
export { serviceQueue, type MessageReply, type ServiceMessageJob, type WeChatMessage } from '@weixin3rd/queues';
export { EventPublisher, type AuthorizerSnapshot } from './publisher.js';
export { subscribe, type SubscribeOptions } from './subscribe.js';
export { handleMessages, type HandleMessagesOptions, type MessageHandler } from './handle-messages.js';
