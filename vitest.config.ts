import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The longer chaos cases run in `npm run test:chaos` (vitest.chaos.config.ts).
    exclude: ['**/node_modules/**', '**/dist/**', 'test/chaos/**/*.chaos.test.ts'],
    // Real Redis and FerretDB behind every suite: allow for a slow first connection.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
