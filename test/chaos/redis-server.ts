import { Redis } from 'ioredis';
import { durableRedisArgs } from '../../scripts/server-args.mjs';
import { freePort } from '../e2e/processes.js';
import { ChildServer, tempDir } from './child-server.js';

/** Debian's redis-server run by a test: its own port and data directory, AOF on, killable. */
export class RedisServer extends ChildServer {
  private constructor(
    readonly port: number,
    dir: string,
    extra: string[],
  ) {
    super(`redis-server on ${port}`, 'redis-server', [...durableRedisArgs(port, dir), ...extra], dir, () => redisAnswers(port));
  }

  /** A redis-server on a free port and a fresh directory; `extra` arguments after the defaults. */
  static async start(extra: string[] = []): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), tempDir('redis'), extra);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
}

/** PONG from the server on `port`: while it replays its AOF it answers LOADING, which is not yet. */
async function redisAnswers(port: number): Promise<boolean> {
  const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
