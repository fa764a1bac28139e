export { createAuthorizationWorker, type AuthorizationWorkerDeps, type ExchangeOutcome } from './authorization.worker.js';
