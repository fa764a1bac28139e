export { createAuthorizationWorker, type AuthorizationWorkerDeps, type ExchangeOutcome } from './authorization.worker.js';
export { EventPublisher } from './event-publisher.js';
