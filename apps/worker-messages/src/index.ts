export { createMessagesWorker, wechatMessage, type MessagesWorkerDeps } from './messages.worker.js';
export { releaseAction, type ReleaseAction } from './release-responder.js';
export { LineKeeper, type HandlerOutcome, type LineKeeperDeps } from './line/line-keeper.js';
export { ReplyDelivery, type OutboundPort, type OutboundRequest } from './line/reply-delivery.js';
export { AccountInfoCache } from './routing/account-info.js';
export { RouteReloader } from './routing/route-reloader.js';
