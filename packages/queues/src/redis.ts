import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'producer' | 'worker';

/**
 * Producers fail fast (`enableOfflineQueue: false`, one try) so the ingress answers 503 at once
 * during a Redis outage; workers wait for Redis forever (`maxRetriesPerRequest: null`) as BullMQ
 * requires. An error listener is always attached: ioredis would otherwise crash the process.
 */
export function createRedis(url: string, role: RedisRole, onError: (error: Error) => void = () => undefined): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: (n) => Math.min(n * 200, 2000) };
  const redis = new Redis(url, options);
  redis.on('error', onError);
  return redis;
}
