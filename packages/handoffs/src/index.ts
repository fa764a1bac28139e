/**
 * What one process leaves in Redis for another to pick up within a user's request, keyed and
 * short-lived (minutes to an hour): the passive reply worker-messages hands back to the ingress
 * request that waits for it (ReplyBus), and the shop an authorization page was opened for,
 * which worker-authorization reads back from the `authorized` push (PreAuthSessions). Neither is
 * a queue: they live apart from `@weixin3rd/queues`, which holds what BullMQ carries.
 */
export { REPLY_TTL_SECONDS, ReplyBus, type PassiveReply } from './reply-bus.js';
export { PreAuthSessions } from './pre-auth-sessions.js';
