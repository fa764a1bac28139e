export { REFRESH_WINDOW_MS, createTokenSweep, type SweepResult, type TokenSweepDeps } from './token-sweep.js';
export { createTokensWorker, type TokensWorkerDeps } from './tokens.worker.js';
