import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyPluginAsync,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteOptions,
} from 'fastify';
import { tokenFingerprint } from '../admin/session.js';
import { bearerAuth } from '../auth.js';

/** A Fastify instance whose routes are typed from their TypeBox schemas. */
export type ApiInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * A file of `/api/v1` routes. To add one: write `export const fooRoutes: ApiRoutes<FooOptions> =
 * async (app, opts) => { app.get('/foo/:id', { schema: { tags, summary, params, querystring, body,
 * response: { 200: View, ...errors(404) } } }, handler) }` with schemas from ./schemas.ts (paths
 * are relative to /api/v1), and list it in build.ts's `apiV1` call. Bearer auth, the `/api/v1`
 * prefix and /docs come with it; a route without a response schema stops the console at start.
 */
export type ApiRoutes<Options extends object = Record<never, never>> = (app: ApiInstance, opts: Options) => Promise<void>;

/** One route file and its options, as `apiV1` takes them. */
export type ApiRoutesEntry = readonly [ApiRoutes<never>, object];

/** Pairs a route file with its options, type-checked. */
export function routes<O extends object>(plugin: ApiRoutes<O>, options: O): ApiRoutesEntry {
  return [plugin as ApiRoutes<never>, options];
}

/** Requests a route must declare: what /docs shows and what is validated. */
function assertDocumented(route: RouteOptions): void {
  const schema = route.schema as { response?: Record<string, unknown>; summary?: string; tags?: string[] } | undefined;
  if (!schema?.response?.['200'] && !schema?.response?.['201'] && !schema?.response?.['202'] && !schema?.response?.['204'])
    throw new Error(`${route.method} ${route.url}: an /api route needs a success response schema (see api-v1.ts)`);
  // /docs lists tagged routes only (hideUntagged): an untagged /api route would be missing there.
  if (!schema.summary || !schema.tags?.length)
    throw new Error(`${route.method} ${route.url}: an /api route needs a summary and tags for /docs`);
}

/** Writes one audit entry (store.audit.record). */
export type AuditWriter = (entry: { actor: string; action: string; target: string; detail: string; ok: boolean }) => Promise<void>;

/**
 * Registers route files under `/api/v1`, behind the `API_TOKENS` bearer check. Every write (PUT,
 * POST, DELETE) that was not refused goes to the audit log as `api · token <fingerprint>`.
 */
export async function apiV1(
  app: FastifyInstance,
  apiTokens: readonly string[],
  files: readonly ApiRoutesEntry[],
  audit?: AuditWriter,
): Promise<void> {
  const scope: FastifyPluginAsync = async (api) => {
    api.addHook('onRequest', bearerAuth(apiTokens));
    if (audit)
      api.addHook('onResponse', async (req, reply) => {
        // A refused request (4xx: bad input, no token, unknown id) did nothing and stores nothing,
        // not even an audit entry; actions carried out, or attempted and failed on our side, do.
        if (req.method === 'GET' || req.method === 'HEAD' || (reply.statusCode >= 400 && reply.statusCode < 500)) return;
        const token = (req.headers.authorization ?? '').slice(7);
        await audit({
          actor: `api · token ${tokenFingerprint(token)}`,
          action: `${req.method} ${req.routeOptions.url ?? req.url}`,
          target: Object.values((req.params ?? {}) as Record<string, string>).join('/'),
          detail: `HTTP ${reply.statusCode}`,
          ok: reply.statusCode < 400,
        }).catch((err: unknown) => req.log.warn({ err }, 'audit log write failed'));
      });
    api.addHook('onRoute', assertDocumented);
    for (const [plugin, options] of files) {
      await api.register(async (child) => plugin(child.withTypeProvider<TypeBoxTypeProvider>(), options as never));
    }
  };
  await app.register(scope, { prefix: '/api/v1' });
}
