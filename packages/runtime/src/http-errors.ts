import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * A refusal an HTTP app answers as `{ error: { code, message } }` with its HTTP status: thrown
 * by a route, or what an app's `known` mapping makes of a dependency's error.
 */
export class HttpError<C extends string = string> extends Error {
  override name = 'HttpError';

  constructor(
    readonly statusCode: number,
    readonly code: C,
    message: string,
  ) {
    super(message);
  }
}

/** Node's socket errors when Redis cannot be reached or drops the connection. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** ioredis's messages for a command it could not send (no connection, offline queue off). */
const IOREDIS_DOWN = [/^Connection is closed\.?$/, /enableOfflineQueue options is false/, /^Command timed out$/];
/** Redis's own answers while it cannot serve (loading its AOF after a restart, a failover). */
const REDIS_REPLY_DOWN = /^(LOADING|BUSY|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN)\b/;

/**
 * Whether an error means "Redis is unreachable now": the one failure worth a "retry later" 503.
 * Anything else (a bug, a refused command) is not, and stays a 500.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: unknown };
  if (e.name === 'QueueUnavailableError' || e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.code === 'string' && SOCKET_CODES.has(e.code)) return true;
  if (e.name === 'ReplyError' && REDIS_REPLY_DOWN.test(e.message)) return true;
  return IOREDIS_DOWN.some((pattern) => pattern.test(e.message));
}

/** MongoDB driver errors that mean "the database is unreachable", not "the query is wrong". */
const MONGO_DOWN = new Set(['MongoNetworkError', 'MongoServerSelectionError', 'MongoNotConnectedError', 'MongoTopologyClosedError']);

/** Whether an error means "MongoDB is unreachable now". */
export function isMongoUnavailable(error: unknown): boolean {
  return error instanceof Error && MONGO_DOWN.has(error.name);
}

export interface ErrorHandlerOptions {
  /** What an error thrown by a route or a dependency is answered, when it is not an `HttpError` itself. */
  known?: (error: unknown) => HttpError | null;
  /** The code of a schema refusal, by the part of the request refused (`params`, `body`, `querystring`). */
  validationCode?: (context: string | undefined) => string;
  /**
   * Runs before a refusal (an HttpError, a known error or a schema refusal) is answered: to log
   * it, or to answer something else (the ingress's rate limit). Returning the reply answers it.
   */
  onRefusal?: (refusal: HttpError, req: FastifyRequest, reply: FastifyReply, from: 'route' | 'schema') => FastifyReply | undefined;
  /** A 500 answers `internal error` unless the app is a test tool that shows the error (the sandbox). */
  exposeInternalMessage?: boolean;
}

/**
 * The one Fastify error handler: refusals keep their status and stable code, Fastify's own 4xx
 * keep theirs, and anything else is a 500 logged with its stack.
 */
export function handleErrors(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((error, req, reply) => {
    const e = error as { statusCode?: number; code?: string; message: string; validation?: unknown; validationContext?: string };
    const schema = Boolean(e.validation);
    const refusal =
      error instanceof HttpError
        ? error
        : schema
          ? new HttpError(400, options.validationCode?.(e.validationContext) ?? 'INVALID_REQUEST', e.message)
          : (options.known?.(error) ?? null);
    if (refusal) {
      const answered = options.onRefusal?.(refusal, req, reply, schema ? 'schema' : 'route');
      if (answered) return answered;
      return reply.code(refusal.statusCode).send({ error: { code: refusal.code, message: refusal.message } });
    }
    if (e.statusCode && e.statusCode < 500)
      return reply.code(e.statusCode).send({ error: { code: e.code ?? 'BAD_REQUEST', message: e.message } });
    req.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: options.exposeInternalMessage ? e.message : 'internal error' } });
  });
}
