export { REFRESH_WINDOW_MS, createTokensWorker, type TokensWorkerDeps } from './tokens.worker.js';
