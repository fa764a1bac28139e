import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Real Redis and FerretDB behind every suite: allow for a slow first connection.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
