/**
 * What every process shares: the bootstrap (`bootService`, `bootProcess`), the redacting logger,
 * graceful shutdown, and the supervisor of `npm start`.
 */
export { REDACT_PATHS, createLogger, type CreateLoggerOptions, type Logger } from './logger.js';
export { requestForLog, urlForLog } from './request-log.js';
export { escapeHtml } from './html.js';
export { onShutdown, type ShutdownOptions, type SignalSource } from './shutdown.js';
export { runSupervisor, type ChildSpec, type Supervisor, type SupervisorOptions } from './supervisor.js';
export { runMain } from './run-main.js';
export { bootProcess, bootService, type Closer, type ProcessKit, type ReadyFields, type ServiceKit } from './boot.js';
export {
  countListedWithoutRefreshToken,
  instrumentProcess,
  instrumentWorker,
  serveMetrics,
  type ListedWithoutRefreshTokenSeenIn,
} from './metrics.js';
/** prom-client's collectors, so apps measure through one package (and one prom-client instance). */
export { Counter, Gauge, Histogram, Registry } from 'prom-client';
export { HttpError, handleErrors, isMongoUnavailable, isRedisUnavailable, type ErrorHandlerOptions } from './http-errors.js';
