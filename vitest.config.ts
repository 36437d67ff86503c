import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/postgres-for-the-run.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: suites that start servers should not all start at once.
    maxWorkers: 2,
    // Memory bounds are measured on live memory (test/ingest/import-edges.test.ts collects garbage first).
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});
