/**
 * A URL as it may be logged: the path and the names of its query parameters, never their values.
 * Query strings carry credentials here (`access_token`, `auth_code`, `state`, signatures).
 */
export function urlForLog(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = [...new Set(new URLSearchParams(url.slice(q + 1)).keys())];
  return names.length > 0 ? `${url.slice(0, q)}?${names.join('&')}` : url.slice(0, q);
}

interface RequestLike {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** pino's `req` serializer: what Fastify logs of a request, with the query values left out. */
export function requestForLog(req: unknown): unknown {
  if (typeof req !== 'object' || req === null) return req;
  const r = req as RequestLike;
  const url = typeof r.url === 'string' ? urlForLog(r.url) : r.url;
  // A plain object someone logged on purpose keeps its fields (headers are redacted by path).
  if (Object.getPrototypeOf(req) === Object.prototype) return { ...(req as Record<string, unknown>), url };
  return { method: r.method, url, host: r.host, remoteAddress: r.ip, remotePort: r.socket?.remotePort };
}
