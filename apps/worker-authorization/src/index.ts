export { createAuthorizationWorker, type AuthorizationWorkerDeps, type ExchangeOutcome } from './authorization.worker.js';
export { CodeExchange, type CodeRequest } from './code-exchange.js';
export { purgeClaims } from './purge-claims.js';
