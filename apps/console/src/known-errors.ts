import { AuthorizerUnavailableError, LockTimeoutError, QuotaExhaustedError, TicketMissingError } from '@weixin3rd/credentials';
import { QueueUnavailableError } from '@weixin3rd/queues';
import { StoreError } from '@weixin3rd/store';
import { WeChatApiError } from '@weixin3rd/wechat-api';
import { ConsoleError } from './errors.js';

/** Driver errors that mean "a dependency is down", not "the console has a bug". */
const MONGO_DOWN = new Set(['MongoNetworkError', 'MongoServerSelectionError', 'MongoNotConnectedError', 'MongoTopologyClosedError']);
const REDIS_DOWN = new Set(['MaxRetriesPerRequestError']);

/**
 * Every state the console's dependencies can be in, as a status and a stable code, wherever the
 * error is thrown: a route that forgets one still answers clearly, and a 500 is left for bugs.
 */
export function knownError(error: unknown): ConsoleError | null {
  if (error instanceof ConsoleError) return error;
  if (error instanceof TicketMissingError) return new ConsoleError(503, 'TICKET_MISSING', error.message);
  if (error instanceof LockTimeoutError) return new ConsoleError(503, 'REFRESH_BUSY', 'a refresh is in progress; retry');
  if (error instanceof QuotaExhaustedError) return new ConsoleError(503, 'QUOTA_EXHAUSTED', error.message);
  if (error instanceof AuthorizerUnavailableError)
    return new ConsoleError(error.code === 'AUTHORIZER_NOT_FOUND' ? 404 : 409, error.code, error.message);
  if (error instanceof WeChatApiError)
    return error.retryable
      ? new ConsoleError(502, 'WECHAT_UNREACHABLE', `WeChat could not be reached (${error.call}); retry`)
      : new ConsoleError(502, 'WECHAT_ERROR', `WeChat answered ${error.code} ${error.errmsg}`);
  if (error instanceof StoreError) {
    if (error.code === 'COMPONENT_NOT_FOUND') return new ConsoleError(404, error.code, error.message);
    if (error.code === 'VERSION_CONFLICT') return new ConsoleError(409, error.code, 'changed meanwhile; retry');
    // DATA_KEY_MISMATCH, SECRET_CORRUPT: the operator's key or data, named without the secret.
    return new ConsoleError(503, error.code, error.message);
  }
  if (error instanceof QueueUnavailableError) return new ConsoleError(503, 'QUEUE_UNAVAILABLE', 'the queue is unreachable; retry');
  const name = (error as { name?: string } | null)?.name ?? '';
  if (MONGO_DOWN.has(name)) return new ConsoleError(503, 'STORE_UNAVAILABLE', 'the database is unreachable; retry');
  if (REDIS_DOWN.has(name)) return new ConsoleError(503, 'REDIS_UNAVAILABLE', 'Redis is unreachable; retry');
  return null;
}
