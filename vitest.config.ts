import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One throw-away PostgreSQL cluster for the PostgreSQL tests (skipped, with the reason, where there is none).
    globalSetup: ['test/helpers/pg-global.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
