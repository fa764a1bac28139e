import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { waitFor } from '../e2e/processes.js';
import { RedisServer } from './redis-server.js';

/**
 * A Redis Cluster of three masters (no replicas) from Debian's redis-server in cluster mode, each
 * on a port and in a directory of its own, joined with `redis-cli --cluster create`.
 */
export class RedisCluster {
  private constructor(private readonly servers: RedisServer[]) {}

  get ports(): number[] {
    return this.servers.map((s) => s.port);
  }

  static async start(masters = 3): Promise<RedisCluster> {
    const cluster = new RedisCluster([]);
    for (let i = 0; i < masters; i++)
      cluster.servers.push(
        await RedisServer.start(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000']),
      );
    const ports = cluster.ports;
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8' },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    // Every node must agree before clients connect: all slots covered, state ok.
    for (const port of ports)
      await waitFor(
        async () => {
          const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
          try {
            await r.connect();
            const info = String(await r.call('CLUSTER', 'INFO'));
            return /cluster_state:ok/.test(info) && /cluster_slots_assigned:16384/.test(info) ? true : undefined;
          } catch {
            return undefined;
          } finally {
            r.disconnect();
          }
        },
        30_000,
        `cluster state ok on ${port}`,
      );
    return cluster;
  }

  /** REDIS_CLUSTER_NODES for the processes. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /** The port of the master that serves `key`'s slot. */
  async masterOf(key: string): Promise<number> {
    const r = new Redis(this.ports[0] as number, '127.0.0.1', { maxRetriesPerRequest: 0 });
    try {
      const slot = Number(await r.call('CLUSTER', 'KEYSLOT', key));
      const slots = (await r.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const hit = slots.find(([from, to]) => slot >= from && slot <= to);
      return hit ? hit[2][1] : -1;
    } finally {
      r.disconnect();
    }
  }

  /** Every key each master holds. */
  async keysByNode(): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    for (const port of this.ports) {
      const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0 });
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await r.scan(cursor, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      r.disconnect();
      out.set(port, keys);
    }
    return out;
  }

  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.destroy()));
  }
}
