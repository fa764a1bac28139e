import { setTimeout as sleep } from 'node:timers/promises';
import type { Got } from 'got';
import { notifyWeChatCall } from './call-observers.js';
import { WeChatApiError, splitRid } from './errors.js';

export interface TransportOptions {
  /** WECHAT_API_BASE. */
  baseUrl: string;
  /** Per-request timeout (default 5 s). */
  timeoutMs?: number;
  /** Attempts for transient failures: -1, timeouts, 5xx (default 3). */
  attempts?: number;
  /** First backoff delay, doubled each time (default 200 ms). */
  backoffMs?: number;
}

/**
 * POSTs JSON to WeChat and turns every failure into a WeChatApiError. Transient failures are
 * retried with bounded exponential backoff; everything else is returned to the caller at once.
 */
export class Transport {
  private http: Promise<Got> | undefined;
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(private readonly options: TransportOptions) {
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.backoffMs = options.backoffMs ?? 200;
  }

  // got is loaded at the first call: the ingress holds a Transport but only calls WeChat when a
  // merchant opens the authorization page, and got's module graph is ~10 MB of its resident memory.
  private client(): Promise<Got> {
    this.http ??= import('got').then(({ default: got }) =>
      got.extend({
        prefixUrl: this.options.baseUrl.replace(/\/+$/, ''),
        timeout: { request: this.options.timeoutMs ?? 5000 },
        retry: { limit: 0 },
        throwHttpErrors: false,
        headers: { 'user-agent': 'weixin3rd' },
      }),
    );
    return this.http;
  }

  /**
   * `idempotent: false` (api_query_auth uses up its code): a request that failed in flight (-2,
   * e.g. a timeout) may have been carried out, so it is not sent again here; the caller decides.
   */
  async post<T>(
    call: string,
    path: string,
    body: unknown,
    query: Record<string, string> = {},
    options: { idempotent?: boolean } = {},
  ): Promise<T> {
    let lastError: WeChatApiError | undefined;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await sleep(this.backoffMs * 2 ** (attempt - 1));
      try {
        return await this.once<T>(call, path, body, query);
      } catch (error) {
        if (!(error instanceof WeChatApiError) || !error.retryable) throw error;
        if (options.idempotent === false && error.code === -2) throw error;
        lastError = error;
      }
    }
    throw lastError ?? new WeChatApiError(-2, 'no attempt made', call);
  }

  private async once<T>(call: string, path: string, body: unknown, query: Record<string, string>): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const answer = await this.exchange<T>(call, path, body, query);
      notifyWeChatCall(call, 0, seconds());
      return answer;
    } catch (error) {
      notifyWeChatCall(call, error instanceof WeChatApiError ? error.code : -2, seconds());
      throw error;
    }
  }

  private async exchange<T>(call: string, path: string, body: unknown, query: Record<string, string>): Promise<T> {
    let res;
    try {
      res = await (await this.client()).post(path.replace(/^\//, ''), { json: body, searchParams: query, responseType: 'text' });
    } catch (error) {
      throw new WeChatApiError(-2, `request failed: ${(error as Error).message}`, call);
    }
    if (res.statusCode >= 500) throw new WeChatApiError(-3, `HTTP ${res.statusCode}`, call, null, res.statusCode);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      throw new WeChatApiError(-4, `unreadable answer (HTTP ${res.statusCode})`, call, null, res.statusCode);
    }
    const errcode = typeof json.errcode === 'number' ? json.errcode : 0;
    if (errcode !== 0) {
      const { errmsg, rid } = splitRid(String(json.errmsg ?? ''));
      throw new WeChatApiError(errcode, errmsg, call, rid, res.statusCode);
    }
    return json as T;
  }
}
