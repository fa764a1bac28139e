import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * OpenAPI 3 at `/docs/json` generated from the schemas the `/api` routes validate with (no
 * hand-written document), and Swagger UI at `/docs`, served from the package (no CDN). Must be
 * registered before the routes it describes. Routes without tags (admin pages, the queue
 * dashboard, /metrics) stay out of the document: every /api route has tags (api-v1.ts checks).
 */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'weixin3rd console API',
        version: '1',
        description:
          'The internal API of the console: components, authorizers and their tokens (the 中控服务器 pattern). ' +
          'Every request carries `Authorization: Bearer <one of API_TOKENS>`. Errors answer `{error: {code, message}}` with a stable code.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    hideUntagged: true,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
}
