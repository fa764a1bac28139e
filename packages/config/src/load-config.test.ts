import { describe, expect, it } from 'vitest';
import { ConfigError, EXIT_CONFIG, SANDBOX_DEV_COMPONENT, loadConfig, loadConfigOrExit } from './index.js';

const DATA_KEY = Buffer.alloc(32, 7).toString('base64');
const REAL = {
  COMPONENT_APPID: 'wx0123456789abcdef',
  COMPONENT_APPSECRET: 'super-secret-value-1234',
  COMPONENT_TOKEN: 'tok123',
  COMPONENT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  DATA_KEY,
};

function problemsOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the defaults of CONTRACT.md in sandbox mode', () => {
    const c = loadConfig({});
    expect(c.sandboxMode).toBe(true);
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.redis.clusterNodes).toBeNull();
    expect(c.mongo.uri).toBe('mongodb://127.0.0.1:27017/weixin3rd');
    expect(c.queue.prefix).toBe('weixin3rd');
    expect(c.http).toEqual({
      host: '0.0.0.0',
      ingressPort: 3000,
      consolePort: 3001,
      sandboxPort: 3002,
      publicBaseUrl: 'http://localhost:3000',
    });
    expect(c.wechat).toEqual({ apiBase: 'http://127.0.0.1:3002', mpBase: 'http://127.0.0.1:3002', openBase: 'http://127.0.0.1:3002' });
    expect(c.dataKey).toHaveLength(32);
    expect(c.dataKeyIsDevelopment).toBe(true);
    expect(c.bootstrapComponent).toEqual(SANDBOX_DEV_COMPONENT);
    expect(c.apiTokens).toEqual([]);
    expect(c.logLevel).toBe('info');
    expect(c.ingress).toEqual({
      replyBudgetMs: 4000,
      bodyLimit: 65536,
      maxTimestampSkewSeconds: 0,
      rateLimitPerSecond: 2000,
      ticketWaitMs: 5000,
      storeDeadlineMs: 1500,
    });
  });

  it('uses real WeChat when credentials are set', () => {
    const c = loadConfig({ ...REAL, PUBLIC_BASE_URL: 'https://wx.example.com/', API_TOKENS: ' aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb,, ' });
    expect(c.sandboxMode).toBe(false);
    expect(c.wechat).toEqual({
      apiBase: 'https://api.weixin.qq.com',
      mpBase: 'https://mp.weixin.qq.com',
      // The current H5 consent link lives on open.weixin.qq.com (wechat-protocol.md §11.3).
      openBase: 'https://open.weixin.qq.com',
    });
    expect(c.http.publicBaseUrl).toBe('https://wx.example.com');
    expect(c.apiTokens).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(c.bootstrapComponent?.appId).toBe('wx0123456789abcdef');
    expect(c.dataKey.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(c.dataKeyIsDevelopment).toBe(false);
  });

  it('lets SANDBOX_MODE override the rule and keeps an explicit API base', () => {
    expect(loadConfig({ ...REAL, SANDBOX_MODE: 'true' }).wechat.apiBase).toBe('http://127.0.0.1:3002');
    expect(loadConfig({ SANDBOX_MODE: '1', SANDBOX_PORT: '4002', WECHAT_API_BASE: 'http://sandbox:9' }).wechat).toEqual({
      apiBase: 'http://sandbox:9',
      mpBase: 'http://127.0.0.1:4002',
      openBase: 'http://127.0.0.1:4002',
    });
    expect(problemsOf({ SANDBOX_MODE: '0' }).problems.map((p) => p.variable)).toEqual(['DATA_KEY']);
  });

  it('reads a Redis Cluster from REDIS_CLUSTER_NODES, with a hash-tagged QUEUE_PREFIX', () => {
    const c = loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000, 10.0.0.2:7001,[::1]:7002', QUEUE_PREFIX: '{weixin3rd}' });
    expect(c.redis.clusterNodes).toEqual([
      { host: 'r1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(c.queue.prefix).toBe('{weixin3rd}');
  });

  it('names each bad variable', () => {
    const cases: [NodeJS.ProcessEnv, string, RegExp][] = [
      [{ REDIS_URL: 'http://x' }, 'REDIS_URL', /redis:/],
      [{ MONGODB_URI: 'nope' }, 'MONGODB_URI', /must be a URL/],
      [{ INGRESS_PORT: 'abc' }, 'INGRESS_PORT', /integer 0-65535/],
      [{ CONSOLE_PORT: '70000' }, 'CONSOLE_PORT', /integer/],
      [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL', /http/],
      [{ QUEUE_PREFIX: 'a b' }, 'QUEUE_PREFIX', /spaces/],
      [{ REDIS_CLUSTER_NODES: 'r1:7000,r2', QUEUE_PREFIX: '{w}' }, 'REDIS_CLUSTER_NODES', /host:port/],
      [{ REDIS_CLUSTER_NODES: 'r1:7000' }, 'QUEUE_PREFIX', /\{hash tag\}/],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of/],
      [{ API_TOKENS: 'short' }, 'API_TOKENS', /16 characters/],
      [{ AUTHORIZER_EVENT_SUBSCRIBERS: 'a,b c' }, 'AUTHORIZER_EVENT_SUBSCRIBERS', /letters/],
      [{ AUTHORIZER_EVENT_SUBSCRIBERS: 'a,a' }, 'AUTHORIZER_EVENT_SUBSCRIBERS', /twice/],
      [{ SANDBOX_MODE: 'maybe' }, 'SANDBOX_MODE', /true or false/],
      [{ INGRESS_REPLY_BUDGET_MS: '6000' }, 'INGRESS_REPLY_BUDGET_MS', /integer 0-4800/],
      [{ INGRESS_BODY_LIMIT: '12' }, 'INGRESS_BODY_LIMIT', /integer 1024-/],
      [{ INGRESS_STORE_DEADLINE_MS: '5000' }, 'INGRESS_STORE_DEADLINE_MS', /integer 100-4000/],
      [{ DATA_KEY: 'c2hvcnQ=' }, 'DATA_KEY', /32 bytes \(got 5 bytes\)/],
      [{ ...REAL, DATA_KEY: undefined }, 'DATA_KEY', /required outside sandbox mode/],
      [{ ...REAL, COMPONENT_APPID: 'appid' }, 'COMPONENT_APPID', /16 hex/],
      [{ ...REAL, COMPONENT_AES_KEY: 'short' }, 'COMPONENT_AES_KEY', /43/],
      [{ COMPONENT_APPID: 'wx0123456789abcdef' }, 'COMPONENT_APPSECRET, COMPONENT_TOKEN, COMPONENT_AES_KEY', /go together/],
    ];
    for (const [env, variable, pattern] of cases) {
      const error = problemsOf(env);
      expect(error.problems.map((p) => p.variable)).toEqual([variable]);
      expect(error.message).toMatch(pattern);
      expect(error.code).toBe('CONFIG_INVALID');
    }
  });

  it('reports several problems in one line', () => {
    const error = problemsOf({ INGRESS_PORT: 'x', LOG_LEVEL: 'y', REDIS_URL: 'z' });
    expect(error.problems).toHaveLength(3);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toMatch(/^invalid configuration: /);
    for (const v of ['INGRESS_PORT', 'LOG_LEVEL', 'REDIS_URL']) expect(error.message).toContain(v);
  });

  it('never echoes secret values', () => {
    const secretKey = Buffer.alloc(12, 1).toString('base64');
    const error = problemsOf({
      ...REAL,
      DATA_KEY: secretKey,
      API_TOKENS: 'tiny-secret',
      COMPONENT_AES_KEY: 'aes-secret-value',
      COMPONENT_APPID: 'x',
    });
    for (const secret of [secretKey, 'tiny-secret', 'aes-secret-value', REAL.COMPONENT_APPSECRET])
      expect(error.message).not.toContain(secret);
  });

  it('reads DATA_KEY_PREVIOUS (keys of before a rotation) and refuses a bad or repeated one without echoing it', () => {
    const old = [Buffer.alloc(32, 5), Buffer.alloc(32, 6)];
    expect(loadConfig({ ...REAL, DATA_KEY_PREVIOUS: old.map((k) => k.toString('base64')).join(',') }).dataKeyPrevious).toEqual(old);
    expect(loadConfig({ ...REAL }).dataKeyPrevious).toEqual([]);
    for (const bad of [Buffer.alloc(31, 5).toString('base64'), DATA_KEY]) {
      const error = problemsOf({ ...REAL, DATA_KEY_PREVIOUS: bad });
      expect(error.problems.map((p) => p.variable)).toEqual(['DATA_KEY_PREVIOUS']);
      expect(error.message).not.toContain(bad);
    }
  });

  it('freezes the result deeply', () => {
    const c = loadConfig({});
    expect(() => {
      (c.http as { ingressPort: number }).ingressPort = 1;
    }).toThrow(TypeError);
    expect(Object.isFrozen(c.bootstrapComponent)).toBe(true);
  });
});

describe('loadConfigOrExit', () => {
  it('prints one line and exits 78', () => {
    const lines: string[] = [];
    expect(() =>
      loadConfigOrExit(
        { INGRESS_PORT: 'x' },
        {
          write: (l) => lines.push(l),
          exit: (code) => {
            throw new Error(`exit ${code}`);
          },
        },
      ),
    ).toThrow(`exit ${EXIT_CONFIG}`);
    expect(lines).toEqual(['invalid configuration: INGRESS_PORT must be an integer 0-65535 (got "x")\n']);
  });
});
