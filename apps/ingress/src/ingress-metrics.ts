import { Counter, Histogram, type Registry } from '@weixin3rd/runtime';
import type { IngressErrorCode } from './errors.js';

/** Refusals that mean a push did not prove it came from WeChat (or for us): counted by kind. */
const VERIFICATION: ReadonlySet<IngressErrorCode> = new Set([
  'SIGNATURE_MISSING',
  'SIGNATURE_INVALID',
  'TIMESTAMP_STALE',
  'DECRYPT_FAILED',
  'RECEIVE_ID_MISMATCH',
  'APPID_MISMATCH',
]);

/** The ingress's own measurements, registered in its process registry (served on METRICS_PORT, not the public port). */
export class IngressMetrics {
  private readonly requests: Counter<'route' | 'outcome'>;
  private readonly latency: Histogram<'route'>;
  private readonly verification: Counter<'kind'>;
  private readonly replies: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'weixin3rd_ingress_requests_total',
      help: 'Requests by route (its pattern) and outcome (HTTP status, or the refusal code).',
      labelNames: ['route', 'outcome'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'weixin3rd_ingress_request_duration_seconds',
      help: 'Time to answer, by route; a message push includes the wait for its passive reply.',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 5],
      registers: [registry],
    });
    this.verification = new Counter({
      name: 'weixin3rd_ingress_verification_failures_total',
      help: 'Pushes refused because they did not verify, by kind (signature_invalid, decrypt_failed, appid_mismatch…).',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.replies = new Counter({
      name: 'weixin3rd_ingress_passive_replies_total',
      help: 'Message pushes by what the ingress answered: in_time (a passive reply), none (the worker said no reply), late (no word within the budget: success, any reply goes through the customer-service API).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    // Zero series, so a dashboard shows 0 rather than nothing before the first event.
    for (const outcome of ['in_time', 'none', 'late']) this.replies.inc({ outcome }, 0);
  }

  request(route: string, outcome: string, seconds: number): void {
    this.requests.inc({ route, outcome });
    this.latency.observe({ route }, seconds);
  }

  refused(code: IngressErrorCode): void {
    if (VERIFICATION.has(code)) this.verification.inc({ kind: code.toLowerCase() });
  }

  passiveReply(outcome: 'in_time' | 'none' | 'late'): void {
    this.replies.inc({ outcome });
  }
}
