import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsole, type ConsoleHarness } from './console-app.js';
import { servedRoutes } from './served-routes.js';

let h: ConsoleHarness;
const auth = { authorization: 'Bearer console-test-token-0001' };
beforeAll(async () => {
  h = await openConsole('console-docs');
});
afterAll(async () => h.close());

interface Operation {
  parameters?: { in: string; name: string; schema?: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
  summary?: string;
}

describe('/docs', () => {
  it('describes every /api route with its request and response schemas', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/json', headers: auth });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, Operation>> }>();
    expect(doc.openapi).toMatch(/^3\./);

    // Every route Fastify serves under /api, as OpenAPI writes its path and method.
    const served = new Set<string>();
    const apiRoutes = servedRoutes(h.app).filter((r) => r.url.startsWith('/api/'));
    expect(apiRoutes.length).toBeGreaterThanOrEqual(8);
    for (const { method, url } of apiRoutes) served.add(`${method.toLowerCase()} ${url.replace(/:(\w+)/g, '{$1}')}`);

    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
    for (const route of served) expect(documented, route).toContain(route);

    for (const [path, ops] of Object.entries(doc.paths)) {
      expect(path.startsWith('/api/v1/'), path).toBe(true);
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect(op.summary, where).toBeTruthy();
        const params = op.parameters ?? [];
        const body = op.requestBody?.content['application/json']?.schema;
        // A request schema: its path parameters, query or body, each with a schema.
        expect(params.length + (body ? 1 : 0), where).toBeGreaterThan(0);
        for (const p of params) expect(p.schema, `${where} ${p.name}`).toBeDefined();
        if (path.includes('{')) expect(params.filter((p) => p.in === 'path').length, where).toBeGreaterThan(0);
        if (method === 'put') expect(body, where).toBeDefined();
        const success = Object.entries(op.responses).find(([code]) => code.startsWith('2'));
        expect(success?.[1].content?.['application/json']?.schema, where).toBeDefined();
        expect(op.responses['401']?.content?.['application/json']?.schema, where).toBeDefined();
      }
    }
  });

  it('carries examples and the bearer scheme', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json', headers: auth })).json();
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    const token = doc.paths['/api/v1/authorizers/{appid}/access-token'].get;
    const schema = token.responses['200'].content['application/json'];
    expect(JSON.stringify(schema)).toContain('expiresAt');
    expect(JSON.stringify(schema)).toContain('refreshAt');
    expect(JSON.stringify(schema.examples ?? schema.schema.examples ?? schema.example)).toContain('accessToken');
    const appid = token.parameters.find((p: { name: string }) => p.name === 'appid');
    expect(appid.schema.pattern).toBe('^wx[0-9a-fA-F]{16}$');
  });

  it('serves the UI and its assets from the console itself', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs', headers: auth });
    expect(page.statusCode).toBe(200);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset, 'no CDN').not.toMatch(/^(https?:)?\/\//);
      const res = await h.app.inject({ method: 'GET', url: new URL(asset, 'http://console/docs/').pathname, headers: auth });
      expect(res.statusCode, asset).toBe(200);
    }
  });
});
