import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export type RedisRole = 'producer' | 'worker';

/** Where Redis is: REDIS_URL, and REDIS_CLUSTER_NODES for a Redis Cluster (Config['redis']). */
export interface RedisTarget {
  url: string;
  clusterNodes?: readonly { host: string; port: number }[] | null;
}

/**
 * Producers fail fast (`enableOfflineQueue: false`, one try) so the ingress answers 503 at once
 * during a Redis outage; workers wait for Redis forever (`maxRetriesPerRequest: null`) as BullMQ
 * requires. An error listener is always attached: ioredis would otherwise crash the process.
 *
 * With cluster nodes, an ioredis `Cluster` (same options per node; REDIS_URL lends credentials and
 * TLS). It is returned as `Redis`: it answers the same commands, scripts and pub/sub, and BullMQ
 * takes either. Every key lands in one slot because every key starts with QUEUE_PREFIX, which
 * must then carry a `{hash tag}` (packages/config refuses one without).
 */
export function createRedis(target: string | RedisTarget, role: RedisRole, onError: (error: Error) => void = () => undefined): Redis {
  const { url, clusterNodes } = typeof target === 'string' ? { url: target, clusterNodes: null } : target;
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: (n) => Math.min(n * 200, 2000) };
  if (clusterNodes && clusterNodes.length > 0) {
    const cluster = new Cluster(
      clusterNodes.map((n) => ({ host: n.host, port: n.port })),
      clusterOptions(url, role, options),
    );
    cluster.on('error', onError);
    return cluster as unknown as Redis;
  }
  const redis = new Redis(url, options);
  redis.on('error', onError);
  return redis;
}

function clusterOptions(url: string, role: RedisRole, node: RedisOptions): ClusterOptions {
  const u = new URL(url);
  const { retryStrategy, ...redisOptions } = node;
  return {
    redisOptions: {
      ...redisOptions,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
    // The cluster's own offline queue and retries follow the role like a single Redis's.
    enableOfflineQueue: role === 'worker',
    ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
    ...(role === 'worker' ? {} : { slotsRefreshTimeout: 2000 }),
  };
}

/**
 * Subscribes once the connection is ready. A SUBSCRIBE sent before then puts the connection in
 * subscriber mode ahead of ioredis's ready check (INFO), which then fails and drops the
 * connection; every process that listens on a channel (reply bus, ticket notices, route reloads)
 * subscribes through here.
 */
export async function subscribeWhenReady(subscriber: Redis, channel: string): Promise<void> {
  if (subscriber.status !== 'ready') await new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
  await subscriber.subscribe(channel);
}

/**
 * One channel's subscription, made at most once: the first caller subscribes (when the connection
 * is ready), later callers share that; a failed SUBSCRIBE is tried again by the next caller instead
 * of failing every later wait.
 */
export class ChannelSubscription {
  private subscribed: Promise<void> | null = null;

  constructor(
    private readonly subscriber: Redis | null,
    private readonly channel: string,
  ) {}

  /** Resolves once subscribed (at once without a subscriber connection). */
  ensure(): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber) return Promise.resolve();
    this.subscribed ??= subscribeWhenReady(subscriber, this.channel).catch((error: unknown) => {
      this.subscribed = null;
      throw error;
    });
    return this.subscribed;
  }
}
