import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** The test files that run the whole bot in-process (test/helpers/bot.ts): the ones TEST_ENGINE=postgres moves onto PostgreSQL. */
function wholeBotFiles(dir = 'test'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return wholeBotFiles(path);
    return e.name.endsWith('.test.ts') && /\b(useBotHarness|startBotHarness)\b/.test(readFileSync(path, 'utf8')) ? [path] : [];
  });
}

export default defineConfig({
  test: {
    // `npm run test:postgres` (TEST_ENGINE=postgres): the whole bot's suites again, its state on PostgreSQL.
    include: process.env.TEST_ENGINE === 'postgres' ? wholeBotFiles() : ['test/**/*.test.ts'],
    // One throw-away PostgreSQL cluster for the PostgreSQL tests (skipped, with the reason, where there is none).
    globalSetup: ['test/helpers/pg-global.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
