import { createHash } from 'node:crypto';
import { ConfigError, type ConfigProblem } from './errors.js';
import { APPID_REGEX } from './ids.js';
import { SANDBOX_DEV_COMPONENT } from './sandbox-component.js';
import type { ComponentCredentials, Config, LogLevel } from './types.js';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const APPID = APPID_REGEX;
const AES_KEY = /^[A-Za-z0-9]{43}$/;
const SUBSCRIBER = /^[a-z0-9][a-z0-9_-]*$/i;
// The queue name `messages.<service>` (CONTRACT.md, "Message routes").
const SERVICE = /^[a-z0-9-]{1,40}$/;

/** Reads and checks every variable, collecting all problems; secret values never appear in messages. */
class EnvReader {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  fail(variable: string, message: string): void {
    this.problems.push({ variable, message });
  }

  url(name: string, fallback: string, protocols: readonly string[]): string {
    const value = this.raw(name) ?? fallback;
    try {
      const u = new URL(value);
      if (!protocols.includes(u.protocol))
        this.fail(name, `must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL (got "${u.protocol}//…")`);
    } catch {
      this.fail(name, `must be a URL (got ${JSON.stringify(value)})`);
    }
    return value.replace(/\/+$/, '');
  }

  port(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || n > 65535) {
      this.fail(name, `must be an integer 0-65535 (got ${JSON.stringify(value)})`);
      return fallback;
    }
    return n;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || n < min || n > max) {
      this.fail(name, `must be an integer ${min}-${max} (got ${JSON.stringify(value)})`);
      return fallback;
    }
    return n;
  }

  bool(name: string): boolean | undefined {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    this.fail(name, `must be true or false (got ${JSON.stringify(value)})`);
    return undefined;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
}

/**
 * REDIS_CLUSTER_NODES=host:port,host:port: a Redis Cluster. Every key the service writes starts
 * with QUEUE_PREFIX, and BullMQ's scripts and ours touch several keys at once, so the prefix must
 * carry a hash tag (`{weixin3rd}`): every key in one slot.
 */
function readClusterNodes(r: EnvReader, prefix: string): { host: string; port: number }[] | null {
  const list = r.list('REDIS_CLUSTER_NODES');
  if (list.length === 0) return null;
  const nodes: { host: string; port: number }[] = [];
  for (const entry of list) {
    const m = /^(\[[0-9a-f:.]+\]|[^:\s]+):([0-9]{1,5})$/i.exec(entry);
    if (!m || Number(m[2]) > 65535) {
      r.fail('REDIS_CLUSTER_NODES', `must be host:port pairs separated by commas (got ${JSON.stringify(entry)})`);
      return null;
    }
    nodes.push({ host: (m[1] as string).replace(/^\[|\]$/g, ''), port: Number(m[2]) });
  }
  if (!/\{[^{}]+\}/.test(prefix))
    r.fail('QUEUE_PREFIX', `must contain a {hash tag} with REDIS_CLUSTER_NODES, e.g. {${prefix}} (got ${JSON.stringify(prefix)})`);
  return nodes;
}

function readComponent(r: EnvReader): ComponentCredentials | null {
  const names = ['COMPONENT_APPID', 'COMPONENT_APPSECRET', 'COMPONENT_TOKEN', 'COMPONENT_AES_KEY'] as const;
  const values = names.map((n) => r.raw(n));
  const missing = names.filter((_, i) => values[i] === undefined);
  if (missing.length === names.length) return null;
  if (missing.length > 0) {
    r.fail(missing.join(', '), 'must be set too: COMPONENT_APPID, COMPONENT_APPSECRET, COMPONENT_TOKEN and COMPONENT_AES_KEY go together');
    return null;
  }
  const [appId = '', appSecret = '', token = '', encodingAesKey = ''] = values;
  if (!APPID.test(appId)) r.fail('COMPONENT_APPID', `must look like wx followed by 16 hex digits (got ${JSON.stringify(appId)})`);
  if (!/^[A-Za-z0-9]{3,32}$/.test(token)) r.fail('COMPONENT_TOKEN', 'must be 3-32 letters or digits');
  if (!AES_KEY.test(encodingAesKey)) r.fail('COMPONENT_AES_KEY', `must be 43 letters or digits (got ${encodingAesKey.length} characters)`);
  return { appId, appSecret, token, encodingAesKey };
}

function readDataKey(r: EnvReader, sandboxMode: boolean): { key: Buffer; development: boolean } {
  const value = r.raw('DATA_KEY');
  // A fixed key in sandbox mode lets restarts read back what earlier runs stored.
  const development = createHash('sha256').update('weixin3rd-sandbox-dev-key').digest();
  if (value === undefined) {
    if (!sandboxMode) r.fail('DATA_KEY', 'is required outside sandbox mode (base64 of 32 random bytes: openssl rand -base64 32)');
    return { key: development, development: true };
  }
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) r.fail('DATA_KEY', `must be base64 of 32 bytes (got ${key.length} bytes)`);
  return { key, development: false };
}

/** DATA_KEY_PREVIOUS: keys from before a rotation, accepted for reading only (comma-separated). */
function readPreviousDataKeys(r: EnvReader, current: Buffer): Buffer[] {
  const keys = r
    .list('DATA_KEY_PREVIOUS')
    .map((value) => (/^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0)));
  if (keys.some((k) => k.length !== 32)) r.fail('DATA_KEY_PREVIOUS', 'every key must be base64 of 32 bytes');
  else if (keys.some((k) => k.equals(current))) r.fail('DATA_KEY_PREVIOUS', 'must not repeat DATA_KEY');
  return keys;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validates the environment of CONTRACT.md; throws one {@link ConfigError} listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = new EnvReader(env);
  const explicitSandbox = r.bool('SANDBOX_MODE');
  const sandboxMode = explicitSandbox ?? r.raw('COMPONENT_APPSECRET') === undefined;
  const sandboxPort = r.port('SANDBOX_PORT', 3002);
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;

  const prefix = r.raw('QUEUE_PREFIX') ?? 'weixin3rd';
  if (/\s/.test(prefix)) r.fail('QUEUE_PREFIX', 'must not contain spaces');

  const logLevel = (r.raw('LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) r.fail('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(logLevel)})`);
  // Human-readable on a terminal, JSON lines for machines; npm start's supervisor passes its own terminal's choice on.
  const logFormat = (r.raw('LOG_FORMAT') ?? (process.stdout.isTTY ? 'pretty' : 'json')).toLowerCase();
  if (logFormat !== 'json' && logFormat !== 'pretty') r.fail('LOG_FORMAT', `must be json or pretty (got ${JSON.stringify(logFormat)})`);

  const apiTokens = r.list('API_TOKENS');
  if (apiTokens.some((t) => t.length < 16)) r.fail('API_TOKENS', 'every token must be at least 16 characters');

  const subscribers = r.list('AUTHORIZER_EVENT_SUBSCRIBERS');
  const badSubscriber = subscribers.find((s) => !SUBSCRIBER.test(s));
  if (badSubscriber !== undefined)
    r.fail('AUTHORIZER_EVENT_SUBSCRIBERS', `names must be letters, digits, - or _ (got ${JSON.stringify(badSubscriber)})`);
  else if (new Set(subscribers).size !== subscribers.length) r.fail('AUTHORIZER_EVENT_SUBSCRIBERS', 'lists a name twice');

  const defaultService = r.raw('MESSAGE_DEFAULT_SERVICE') ?? null;
  if (defaultService !== null && !SERVICE.test(defaultService))
    r.fail('MESSAGE_DEFAULT_SERVICE', `must be 1-40 of a-z, 0-9 and - (got ${JSON.stringify(defaultService)})`);

  const clusterNodes = readClusterNodes(r, prefix);
  const component = readComponent(r);
  const dataKey = readDataKey(r, sandboxMode);
  const dataKeyPrevious = readPreviousDataKeys(r, dataKey.key);

  const config: Config = {
    redis: { url: r.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']), clusterNodes },
    mongo: { uri: r.url('MONGODB_URI', 'mongodb://127.0.0.1:27017/weixin3rd', ['mongodb:', 'mongodb+srv:']) },
    queue: { prefix },
    http: {
      host: r.raw('HOST') ?? '0.0.0.0',
      ingressPort: r.port('INGRESS_PORT', 3000),
      consolePort: r.port('CONSOLE_PORT', 3001),
      sandboxPort,
      publicBaseUrl: r.url('PUBLIC_BASE_URL', 'http://localhost:3000', ['http:', 'https:']),
    },
    wechat: {
      apiBase: r.url('WECHAT_API_BASE', sandboxMode ? sandboxUrl : 'https://api.weixin.qq.com', ['http:', 'https:']),
      mpBase: r.url('WECHAT_MP_BASE', sandboxMode ? sandboxUrl : 'https://mp.weixin.qq.com', ['http:', 'https:']),
      openBase: r.url('WECHAT_OPEN_BASE', sandboxMode ? sandboxUrl : 'https://open.weixin.qq.com', ['http:', 'https:']),
    },
    metrics: { port: r.raw('METRICS_PORT') === undefined ? null : r.port('METRICS_PORT', 0) },
    ingress: {
      replyBudgetMs: r.int('INGRESS_REPLY_BUDGET_MS', 4000, 0, 4800),
      bodyLimit: r.int('INGRESS_BODY_LIMIT', 64 * 1024, 1024, 16 * 1024 * 1024),
      maxTimestampSkewSeconds: r.int('INGRESS_MAX_TIMESTAMP_SKEW_SECONDS', 0, 0, 86400),
      rateLimitPerSecond: r.int('INGRESS_RATE_LIMIT', 2000, 1, 1_000_000),
      ticketWaitMs: r.int('INGRESS_TICKET_WAIT_MS', 5000, 0, 20_000),
      storeDeadlineMs: r.int('INGRESS_STORE_DEADLINE_MS', 1500, 100, 4000),
    },
    tokens: {
      refreshPerSecond: r.int('TOKEN_REFRESH_RATE', 200, 1, 100_000),
      concurrency: r.int('TOKEN_REFRESH_CONCURRENCY', 16, 1, 1000),
    },
    messages: {
      defaultService,
      handlerTimeoutMs: r.int('MESSAGE_HANDLER_TIMEOUT_MS', 30_000, 1000, 3_600_000),
      routesReloadSeconds: r.int('MESSAGE_ROUTES_RELOAD_SECONDS', 30, 1, 3600),
      concurrency: r.int('MESSAGE_ROUTING_CONCURRENCY', 32, 1, 1000),
      outboundPerAccountPerSecond: r.int('MESSAGE_OUTBOUND_RATE', 20, 1, 1000),
    },
    sandbox: { ticketIntervalSeconds: r.int('TICKET_INTERVAL_SECONDS', 600, 0, 86_400) },
    sandboxMode,
    dataKey: dataKey.key,
    dataKeyIsDevelopment: dataKey.development,
    dataKeyPrevious,
    apiTokens,
    bootstrapComponent: component ?? (sandboxMode ? { ...SANDBOX_DEV_COMPONENT } : null),
    authorizerEventSubscribers: subscribers,
    logLevel,
    logFormat: logFormat === 'pretty' ? 'pretty' : 'json',
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze(config);
}

export interface ExitHooks {
  exit?: (code: number) => never;
  write?: (line: string) => void;
}

/** EX_CONFIG from sysexits.h: a supervisor can tell configuration errors from crashes. */
export const EXIT_CONFIG = 78;

/** Loads the configuration or stops the process with one line on stderr and exit code 78. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env, hooks: ExitHooks = {}): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    (hooks.write ?? ((line) => process.stderr.write(line)))(`${error.message}\n`);
    return (hooks.exit ?? ((code: number) => process.exit(code)))(EXIT_CONFIG);
  }
}
