import { loadConfigOrExit, type Config } from '@weixin3rd/config';
import { AuthorizerTokenService, ComponentTokenService } from '@weixin3rd/credentials';
import { createRedis, type RedisRole } from '@weixin3rd/queues';
import { connectStore, type Authorizer, type Store } from '@weixin3rd/store';
import { Transport } from '@weixin3rd/wechat-api';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger, type Logger } from './logger.js';
import { countListedWithoutRefreshToken, instrumentProcess, instrumentStore, instrumentWorker, serveMetrics } from './metrics.js';
import { runMain } from './run-main.js';
import { onShutdown } from './shutdown.js';

/** Something to stop at shutdown: a server, a worker, a producer, a connection. */
export type Closer = () => Promise<unknown> | void;

/** What every process gets from the bootstrap; `main.ts` adds only what is its own. */
export interface ProcessKit {
  readonly name: string;
  readonly config: Config;
  readonly logger: Logger;
  /**
   * This process's Prometheus registry. Collectors are registered here by whatever measures
   * something; a process that serves `/metrics` serves this registry.
   */
  readonly metrics: Registry;
  /** A new Redis connection that logs its errors (ioredis crashes a process on an unheard one) and is closed last. */
  redis(role: RedisRole): Redis;
  /**
   * Registers a closer. At SIGTERM/SIGINT closers run one by one, the last registered first: what
   * is built on a connection is registered after it, so it stops before the connection goes.
   */
  onClose(closer: Closer): void;
  /** Logs a worker's failed jobs and closes it at shutdown (first, with the other late closers). */
  manage(worker: Worker): Worker;
}

/** Fields the app adds to its `<name> ready` log line. */
export type ReadyFields = Record<string, unknown>;

/** A process that uses the database: the bootstrap component is already in it. */
export interface ServiceKit extends ProcessKit {
  readonly store: Store;
  /** The component token owner on `connection` (its single-flight lock), calling WECHAT_API_BASE. */
  componentTokens(connection: Redis): ComponentTokenService;
  /**
   * The authorizer token owner on `connection` (its single-flight lock): a refresh WeChat refused
   * that finds the account listed without a refresh token is counted in this process's registry
   * (`weixin3rd_authorizer_list_without_refresh_token_total`, `seen_in="recovery_61023"`).
   */
  authorizerTokens(
    components: ComponentTokenService,
    connection: Redis,
    onReauthRequired?: (authorizer: Authorizer) => Promise<void>,
  ): AuthorizerTokenService;
}

/**
 * Boots a process: configuration, logger, the app's part, graceful shutdown. A failure during
 * start-up is one line with its code and an exit code (see `runMain`).
 */
export function bootProcess(name: string, start: (kit: ProcessKit) => Promise<ReadyFields | void>): Promise<void> {
  return runMain(name, async () => {
    const config = loadConfigOrExit();
    const logger = createLogger({ name, level: config.logLevel, pretty: config.logFormat === 'pretty' });
    const kit = processKit(name, config, logger);
    const fields: ReadyFields = { ...(await start(kit)) };
    if (config.metrics.port !== null) {
      const served = await serveMetrics(kit.metrics, config.metrics.port, config.http.host);
      kit.onClose(() => new Promise((resolve) => served.server.close(resolve)));
      fields.metricsPort = served.port;
    }
    // Supervisors and the end-to-end tests wait for this line.
    logger.info(fields, `${name} ready`);
  });
}

/**
 * Boots a process that uses the database: as `bootProcess`, with the store connected (DATA_KEY
 * checked) and the configured bootstrap component upserted, in every process alike, so whichever
 * starts first finds it.
 */
export function bootService(name: string, start: (kit: ServiceKit) => Promise<ReadyFields | void>): Promise<void> {
  return bootProcess(name, async (kit) => {
    const store = await connectStore(kit.config.mongo.uri, {
      dataKey: kit.config.dataKey,
      previousDataKeys: [...kit.config.dataKeyPrevious],
      onCommand: instrumentStore(kit.metrics),
    });
    kit.onClose(() => store.close());
    if (kit.config.bootstrapComponent) await store.components.upsert(kit.config.bootstrapComponent);
    const componentTokens = (connection: Redis): ComponentTokenService =>
      new ComponentTokenService({
        store,
        redis: connection,
        prefix: kit.config.queue.prefix,
        transport: new Transport({ baseUrl: kit.config.wechat.apiBase }),
        logger: kit.logger,
      });
    const listedWithoutRefreshToken = countListedWithoutRefreshToken(kit.metrics, 'recovery_61023');
    const authorizerTokens: ServiceKit['authorizerTokens'] = (components, connection, onReauthRequired) =>
      new AuthorizerTokenService({
        store,
        components,
        redis: connection,
        prefix: kit.config.queue.prefix,
        logger: kit.logger,
        onListedWithoutRefreshToken: listedWithoutRefreshToken,
        ...(onReauthRequired ? { onReauthRequired } : {}),
      });
    return start({ ...kit, store, componentTokens, authorizerTokens });
  });
}

function processKit(name: string, config: Config, logger: Logger): ProcessKit {
  const closers: Closer[] = [];
  const metrics = new Registry();
  metrics.setDefaultLabels({ process: name });
  const onClose = (closer: Closer): void => void closers.push(closer);
  onClose(instrumentProcess(metrics));

  onShutdown(
    async () => {
      for (const closer of closers.reverse()) await closer();
    },
    { logger },
  );

  return {
    name,
    config,
    logger,
    metrics,
    onClose,
    redis(role) {
      const redis = createRedis(config.redis, role, (err) => logger.warn({ err }, 'redis'));
      onClose(() => redis.disconnect());
      return redis;
    },
    manage(worker) {
      worker.on('failed', (job, err) => logger.warn({ job: job?.name, attempts: job?.attemptsMade, err }, 'job failed'));
      // Closed after the worker (closers run last-registered first): the scrape reads through it until then.
      onClose(instrumentWorker(metrics, worker));
      onClose(() => worker.close());
      return worker;
    },
  };
}
