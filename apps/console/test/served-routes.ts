import type { FastifyInstance } from 'fastify';

/**
 * Every method and path the app serves, read from Fastify's route tree (printRoutes draws one
 * segment per line, nested four columns deeper than its parent). HEAD, added by Fastify for
 * every GET, is left out.
 */
export function servedRoutes(app: FastifyInstance): { method: string; url: string }[] {
  const stack: string[] = [];
  const out: { method: string; url: string }[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ├└─]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m?.[2]) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]);
    const url = stack.join('').replace(/\/+/g, '/');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) out.push({ method, url });
  }
  return out;
}
