export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface ComponentCredentials {
  appId: string;
  appSecret: string;
  token: string;
  encodingAesKey: string;
}

/** The validated, frozen environment of CONTRACT.md. */
export interface Config {
  readonly redis: {
    readonly url: string;
    /**
     * REDIS_CLUSTER_NODES: seed nodes (`host:port`) of a Redis Cluster, or null for a single Redis.
     * REDIS_URL then only lends its credentials and TLS (`rediss:`) to every node.
     */
    readonly clusterNodes: readonly { readonly host: string; readonly port: number }[] | null;
  };
  readonly mongo: { readonly uri: string };
  readonly queue: { readonly prefix: string };
  readonly http: {
    readonly host: string;
    readonly ingressPort: number;
    readonly consolePort: number;
    readonly sandboxPort: number;
    /** No trailing slash. */
    readonly publicBaseUrl: string;
  };
  readonly wechat: {
    readonly apiBase: string;
    /** WECHAT_MP_BASE: the PC consent page (componentloginpage). */
    readonly mpBase: string;
    /** WECHAT_OPEN_BASE: the H5 consent page (wxaopen/safe/bindcomponent), on another host than the PC one. */
    readonly openBase: string;
  };
  /** METRICS_PORT: where this process serves Prometheus text at /metrics on a port of its own (0: any free port; unset: none, the console still serves /metrics on its HTTP port). */
  readonly metrics: { readonly port: number | null };
  /** Tuning of the push path (defaults suit WeChat's 5 s rule). */
  readonly ingress: {
    /** INGRESS_REPLY_BUDGET_MS: longest wait for a passive reply (0 disables; default 4000). */
    readonly replyBudgetMs: number;
    /** INGRESS_BODY_LIMIT: largest push body in bytes (default 65536). */
    readonly bodyLimit: number;
    /** INGRESS_MAX_TIMESTAMP_SKEW_SECONDS: reject pushes whose timestamp is further off (0 = accept all, the default). */
    readonly maxTimestampSkewSeconds: number;
    /** INGRESS_RATE_LIMIT: per source address and second, pushes that fail verification and /authorize views (default 2000); a correctly signed push is never limited. */
    readonly rateLimitPerSecond: number;
    /** INGRESS_TICKET_WAIT_MS: how long the authorization page waits for a component_verify_ticket it asked for (0 = not at all; default 5000). */
    readonly ticketWaitMs: number;
    /** INGRESS_STORE_DEADLINE_MS: longest a push waits on a store lookup of its component or account (default 1500, 100-4000); then 503, or the held queue for an account. */
    readonly storeDeadlineMs: number;
  };
  readonly tokens: {
    /** TOKEN_REFRESH_RATE: outbound api_authorizer_token calls per second across every worker of the queue (BullMQ's limiter is queue-wide; default 200). */
    readonly refreshPerSecond: number;
    /** TOKEN_REFRESH_CONCURRENCY: refreshes in flight per worker (default 16). */
    readonly concurrency: number;
  };
  readonly messages: {
    /** MESSAGE_DEFAULT_SERVICE: where a message no route matches goes (unset: recorded and answered `success`). */
    readonly defaultService: string | null;
    /** MESSAGE_HANDLER_TIMEOUT_MS: longest a handler may hold its account's line before the next message is released (default 30000). */
    readonly handlerTimeoutMs: number;
    /** MESSAGE_ROUTES_RELOAD_SECONDS: safety reload of the rules when no change notice came (default 30). */
    readonly routesReloadSeconds: number;
    /** MESSAGE_ROUTING_CONCURRENCY: account-messages jobs routed at once per worker-messages process (default 32). */
    readonly concurrency: number;
    /** MESSAGE_OUTBOUND_RATE: customer-service sends per second per account, across every worker (default 20). */
    readonly outboundPerAccountPerSecond: number;
  };
  /** The WeChat sandbox process only. */
  readonly sandbox: {
    /** TICKET_INTERVAL_SECONDS: period of the sandbox's component_verify_ticket pushes (0 disables; default 600). */
    readonly ticketIntervalSeconds: number;
  };
  /** No real WeChat credentials: the local sandbox plays WeChat. */
  readonly sandboxMode: boolean;
  readonly dataKey: Buffer;
  /** True when DATA_KEY was not set and the fixed sandbox development key is used. */
  readonly dataKeyIsDevelopment: boolean;
  /** DATA_KEY_PREVIOUS: keys of before a rotation, accepted for reading until `npm run rotate-data-key` has re-sealed everything. */
  readonly dataKeyPrevious: readonly Buffer[];
  readonly apiTokens: readonly string[];
  /** COMPONENT_* when set; in sandbox mode without them, the sandbox's development component. */
  readonly bootstrapComponent: Readonly<ComponentCredentials> | null;
  readonly authorizerEventSubscribers: readonly string[];
  readonly logLevel: LogLevel;
  /** LOG_FORMAT: `pretty` (pino-pretty) or `json` lines; default pretty when stdout is a terminal. */
  readonly logFormat: 'json' | 'pretty';
}
