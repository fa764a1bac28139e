export { createMessagesWorker, type MessagesWorkerDeps } from './messages.worker.js';
export { releaseAction, type ReleaseAction } from './release-responder.js';
