import { defineConfig } from 'vitest/config';

/**
 * `npm run test:chaos`: the chaos cases too long for `npm test` (each several minutes: Redis and
 * the store stopped under load, WeChat faults, scale-out). One file at a time: each starts a
 * whole process tree, and on two cores two trees at once would measure the machine, not the
 * system.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
