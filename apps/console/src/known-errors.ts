import { AuthorizerUnavailableError, LockTimeoutError, QuotaExhaustedError, TicketMissingError } from '@weixin3rd/credentials';
import { QueueUnavailableError } from '@weixin3rd/queues';
import { StoreError } from '@weixin3rd/store';
import { WeChatApiError } from '@weixin3rd/wechat-api';
import { HttpError, isMongoUnavailable, isRedisUnavailable } from '@weixin3rd/runtime';

/**
 * Every state the console's dependencies can be in, as a status and a stable code, wherever the
 * error is thrown: a route that forgets one still answers clearly, and a 500 is left for bugs.
 */
export function knownError(error: unknown): HttpError | null {
  if (error instanceof TicketMissingError) return new HttpError(503, 'TICKET_MISSING', error.message);
  if (error instanceof LockTimeoutError) return new HttpError(503, 'REFRESH_BUSY', 'a refresh is in progress; retry');
  if (error instanceof QuotaExhaustedError) return new HttpError(503, 'QUOTA_EXHAUSTED', error.message);
  if (error instanceof AuthorizerUnavailableError)
    return new HttpError(error.code === 'AUTHORIZER_NOT_FOUND' ? 404 : 409, error.code, error.message);
  if (error instanceof WeChatApiError)
    return error.retryable
      ? new HttpError(502, 'WECHAT_UNREACHABLE', `WeChat could not be reached (${error.call}); retry`)
      : new HttpError(502, 'WECHAT_ERROR', `WeChat answered ${error.code} ${error.errmsg}`);
  // DATA_KEY_MISMATCH, SECRET_CORRUPT: the operator's key or data, named without the secret.
  if (error instanceof StoreError) return new HttpError(503, error.code, error.message);
  if (error instanceof QueueUnavailableError) return new HttpError(503, 'QUEUE_UNAVAILABLE', 'the queue is unreachable; retry');
  if (isMongoUnavailable(error)) return new HttpError(503, 'STORE_UNAVAILABLE', 'the database is unreachable; retry');
  if (isRedisUnavailable(error)) return new HttpError(503, 'REDIS_UNAVAILABLE', 'Redis is unreachable; retry');
  return null;
}
