import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openQueue, type QueueInspector } from '@weixin3rd/queues';
import { observeWeChatCalls } from '@weixin3rd/wechat-api';
import type { Worker } from 'bullmq';
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * What every process measures in its own registry: Node's process metrics and every WeChat call
 * by API and errcode (0 success; -2 network, -3 HTTP 5xx, -4 unreadable answer). Returns the
 * observer's removal.
 */
export function instrumentProcess(registry: Registry): () => void {
  collectDefaultMetrics({ register: registry, prefix: 'weixin3rd_' });
  const calls = new Counter({
    name: 'weixin3rd_wechat_calls_total',
    help: 'WeChat API calls by API and errcode (0 success; -2 network, -3 HTTP 5xx, -4 unreadable answer).',
    labelNames: ['api', 'errcode'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'weixin3rd_wechat_call_duration_seconds',
    help: 'Duration of WeChat API calls (one attempt).',
    labelNames: ['api'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [registry],
  });
  return observeWeChatCalls((api, errcode, seconds) => {
    calls.inc({ api, errcode: String(errcode) });
    duration.observe({ api }, seconds);
  });
}

/**
 * Counts the commands this process sends to the database, by command and collection: what a push,
 * a job or a page costs the store (bench/messages reads it per process). Returns what
 * `connectStore` calls per command.
 */
export function instrumentStore(registry: Registry): (command: string, collection: string) => void {
  const commands = new Counter({
    name: 'weixin3rd_store_commands_total',
    help: 'Commands sent to the database (MongoDB driver command monitoring), by command and collection.',
    labelNames: ['command', 'collection'],
    registers: [registry],
  });
  return (command, collection) => commands.inc({ command, collection });
}

interface WorkerMetrics {
  jobs: Counter<'queue' | 'outcome'>;
  duration: Histogram<'queue'>;
  queues: Map<string, QueueInspector>;
}

const perRegistry = new WeakMap<Registry, WorkerMetrics>();

function workerMetrics(registry: Registry): WorkerMetrics {
  const existing = perRegistry.get(registry);
  if (existing) return existing;
  const queues = new Map<string, QueueInspector>();
  const metrics: WorkerMetrics = {
    queues,
    jobs: new Counter({
      name: 'weixin3rd_jobs_total',
      help: 'Job attempts this process finished, by queue and outcome (completed; retried: failed, tried again later; failed: for good).',
      labelNames: ['queue', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'weixin3rd_job_duration_seconds',
      help: 'Processing time of a job (start to finish of one attempt).',
      labelNames: ['queue'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
  // Read from Redis at scrape time: every worker process of a queue reports the same depth.
  new Gauge({
    name: 'weixin3rd_queue_waiting_jobs',
    help: 'Jobs waiting in the queue (waiting and prioritized), read from Redis at scrape time.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      for (const [name, q] of queues) this.set({ queue: name }, await q.waitingCount());
    },
  });
  new Gauge({
    name: 'weixin3rd_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job still waiting in the queue (0 when none waits).',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const now = Date.now();
      for (const [name, q] of queues) {
        const since = await q.oldestWaitingSince();
        this.set({ queue: name }, since === null ? 0 : Math.max(0, (now - since) / 1000));
      }
    },
  });
  perRegistry.set(registry, metrics);
  return metrics;
}

/**
 * Counts a worker's jobs by outcome and times them; its queue's depth and oldest waiting job are
 * read at scrape time. Returns the closer of the queue handle it opened for that.
 */
export function instrumentWorker(registry: Registry, worker: Worker): () => Promise<void> {
  const m = workerMetrics(registry);
  const name = worker.name;
  const observe = (
    outcome: 'completed' | 'retried' | 'failed',
    job: { processedOn?: number | undefined; finishedOn?: number | undefined } | undefined,
  ) => {
    m.jobs.inc({ queue: name, outcome });
    if (job?.processedOn) m.duration.observe({ queue: name }, Math.max(0, (job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
  };
  worker.on('completed', (job) => observe('completed', job));
  // BullMQ sets finishedOn only when the job failed for good; an attempt it will retry has none.
  worker.on('failed', (job) => observe(job?.finishedOn ? 'failed' : 'retried', job));
  let queue = m.queues.get(name);
  if (!queue) {
    queue = openQueue(name, worker.opts.connection, worker.opts.prefix);
    m.queues.set(name, queue);
  }
  const opened = queue;
  return async () => {
    m.queues.delete(name);
    await opened.close();
  };
}

/**
 * Serves the registry as Prometheus text at `/metrics` on its own port: for processes without an
 * internal HTTP server (workers) or whose server is public (the ingress). Port 0 takes any free one.
 */
export async function serveMetrics(registry: Registry, port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Where api_get_authorizer_list showed a listed account without a refresh token (wechat-protocol.md §11.1). */
export type ListedWithoutRefreshTokenSeenIn = 'reconcile' | 'recovery_61023';

const LISTED_WITHOUT_REFRESH_TOKEN = 'weixin3rd_authorizer_list_without_refresh_token_total';

/**
 * The alert of §11.1: WeChat lists an account as authorized but shows no refresh token (missing or
 * empty), so the stored one is kept and an operator must look. Returns the counter's increment for
 * one place (`seenIn`); the counter is registered once per registry, whoever asks first.
 */
export function countListedWithoutRefreshToken(
  registry: Registry,
  seenIn: ListedWithoutRefreshTokenSeenIn,
): (componentAppId: string, rows?: number) => void {
  const counter =
    (registry.getSingleMetric(LISTED_WITHOUT_REFRESH_TOKEN) as Counter<'component' | 'seen_in'> | undefined) ??
    new Counter({
      name: LISTED_WITHOUT_REFRESH_TOKEN,
      help: 'Accounts api_get_authorizer_list showed as authorized without a refresh token (stored token kept), by component and where: reconcile, or recovery_61023 (a refresh refused with 61023/61003).',
      labelNames: ['component', 'seen_in'],
      registers: [registry],
    });
  return (componentAppId, rows = 1) => counter.inc({ component: componentAppId, seen_in: seenIn }, rows);
}
