import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import { requestForLog } from './request-log.js';

/** Field names that hold secrets wherever they appear (top level, one or two levels down). */
const SECRET_FIELDS = [
  'appSecret',
  'app_secret',
  'component_appsecret',
  'component_secret',
  'appsecret',
  'secret',
  'accessToken',
  'access_token',
  'component_access_token',
  'authorizer_access_token',
  'refreshToken',
  'refresh_token',
  'authorizer_refresh_token',
  'encodingAesKey',
  'previousEncodingAesKey',
  'aesKey',
  'Encrypt',
  'encrypt',
  'token',
  'ticket',
  'component_verify_ticket',
  'ComponentVerifyTicket',
  'dataKey',
  'password',
  'authorization',
];

/** pino redact paths: every secret field at depth 0–2, and credentials in request headers. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

export interface CreateLoggerOptions {
  name: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
  /** Human-readable lines (pino-pretty) instead of JSON; redaction applies the same. */
  pretty?: boolean;
}

/** A pino logger writing JSON lines, with every secret field replaced by `[redacted]` and no query values in request URLs. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    base: { pid: process.pid },
    // Fastify prefers the logger's serializers to its own: request URLs lose their query values.
    serializers: { req: requestForLog },
  };
  if (options.destination) return pino(config, options.destination);
  if (options.pretty) return pino(config, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  return pino(config);
}

export type { Logger };
