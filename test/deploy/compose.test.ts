import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// Mirrors the processes table and the configuration table of docs/CONTRACT.md.
const APPS = ['ingress', 'console', 'worker-tickets', 'worker-authorization', 'worker-tokens', 'worker-messages', 'wechat-sandbox'];
const ENV = [
  'REDIS_URL',
  'MONGODB_URI',
  'QUEUE_PREFIX',
  'HOST',
  'INGRESS_PORT',
  'CONSOLE_PORT',
  'SANDBOX_PORT',
  'PUBLIC_BASE_URL',
  'WECHAT_API_BASE',
  'WECHAT_MP_BASE',
  'WECHAT_OPEN_BASE',
  'DATA_KEY',
  'API_TOKENS',
  'COMPONENT_APPID',
  'COMPONENT_APPSECRET',
  'COMPONENT_TOKEN',
  'COMPONENT_AES_KEY',
  'AUTHORIZER_EVENT_SUBSCRIBERS',
  'LOG_LEVEL',
];

const read = (name: string): string => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };

describe('docker-compose.yml', () => {
  it('runs every process of CONTRACT.md from the one image, selected by APP', () => {
    for (const app of APPS) {
      const service = compose.services[app];
      expect(service, app).toBeDefined();
      expect(service?.environment?.APP).toBe(app);
    }
  });

  it('gives every app exactly the environment of CONTRACT.md', () => {
    for (const app of APPS) {
      const names = Object.keys(compose.services[app]?.environment ?? {}).filter((k) => k !== 'APP');
      // The ingress and the workers serve their metrics on a port of their own (the console on its HTTP port).
      const own = ['console', 'wechat-sandbox'].includes(app) ? [] : ['METRICS_PORT'];
      expect(names.sort(), app).toEqual([...ENV, ...own].sort());
    }
  });

  it('requires the secrets instead of defaulting them', () => {
    const env = read('docker-compose.yml');
    expect(env).toMatch(/DATA_KEY: \$\{DATA_KEY:\?/);
    expect(env).toMatch(/PUBLIC_BASE_URL: \$\{PUBLIC_BASE_URL:\?/);
  });

  it('uses MongoDB 8 and Redis 7 with AOF and noeviction', () => {
    expect(compose.services.mongo?.image).toMatch(/^mongo:8(\.|$)/);
    expect(compose.services.redis?.image).toMatch(/^redis:7(\.|$)/);
    const command = compose.services.redis?.command?.join(' ') ?? '';
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(compose.services.mongo?.healthcheck).toBeDefined();
    expect(compose.services.redis?.healthcheck).toBeDefined();
  });

  it('starts apps only once MongoDB and Redis are healthy', () => {
    for (const app of APPS) {
      expect(compose.services[app]?.depends_on, app).toEqual({
        mongo: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
  });

  it('health-checks the HTTP apps and keeps the sandbox behind a profile', () => {
    expect(compose.services.ingress?.healthcheck?.test.join(' ')).toContain('/healthz');
    expect(compose.services.console?.healthcheck?.test.join(' ')).toContain('/healthz');
    expect(compose.services['wechat-sandbox']?.profiles).toEqual(['sandbox']);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('is multi-stage and runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci/);
  });

  it('starts the app named by APP', () => {
    expect(dockerfile).toMatch(/^CMD .*apps\/\$APP\/dist\/main\.js/m);
  });

  it('keeps dependencies and history out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toContain('node_modules');
    expect(ignored).toContain('.git');
  });
});
