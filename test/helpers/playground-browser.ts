/**
 * The playground in a real browser for the browser tests: the stack on a fresh database, Debian's
 * chromium (through playwright-core) on its page as the operator. Skipped where chromium is missing.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type PlaygroundStack, startPlaygroundStack } from '../../src/playground/stack.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`browser test skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

export interface PlaygroundInBrowser {
  stack: PlaygroundStack;
  browser: Browser;
  page: Page;
}

/** The playground (alerts every 5 s, runs of 1–2 s that do not fail) open in chromium as U0OPS. */
export async function openPlaygroundInBrowser(dirPrefix: string): Promise<PlaygroundInBrowser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const config = loadConfig({ DATABASE_PATH: join(dir, 'bot.db'), ALERT_POLL_SECONDS: '5', LOG_LEVEL: 'silent', PORT: '0' });
  const stack = await startPlaygroundStack(config, createLogger('silent'), { port: 0, sandbox: { runDurationMs: [1000, 2000], failureRate: 0 } });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
  await page.goto(stack.url);
  await page.selectOption('#user', 'U0OPS');
  return { stack, browser, page };
}
