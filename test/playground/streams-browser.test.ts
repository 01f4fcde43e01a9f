/**
 * Streams in the playground, in a real browser (Debian's chromium driven by playwright-core):
 * `/cz streams`, a stream killed in the sandbox → its card in #data-alerts, Restart from the card
 * with confirmation, and the card closing itself once the stream runs and has caught up.
 * Screenshots go to test-artifacts/streams-*.png. Skipped where /usr/bin/chromium is not installed.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaygroundStack } from '../../src/playground/stack.js';
import { ARTIFACTS, hasChromium, openPlaygroundInBrowser } from '../helpers/playground-browser.js';

/** Scroll a message into view; the page redraws a channel as its messages change, so an element may be replaced meanwhile: try again. */
async function scrolledTo(l: { scrollIntoViewIfNeeded(): Promise<void> }): Promise<void> {
  await expect
    .poll(
      async () => {
        await l.scrollIntoViewIfNeeded();
        return true;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
}

describe.skipIf(!hasChromium)('streams in the playground', () => {
  let stack: PlaygroundStack;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `streams-${name}.png`), fullPage: false });

  beforeAll(async () => {
    ({ stack, browser, page } = await openPlaygroundInBrowser('pg-streams-'));
  }, 60_000);

  afterAll(async () => {
    if (stack) expect(stack.playground.workspace.refused).toEqual([]);
    await browser?.close();
    await stack?.close();
  });

  const lastMessage = () => page.locator('#messages .msg').last();

  it('`/cz streams` lists the streams with state, lag and throughput', async () => {
    await page.click('[data-channel="C0DATAENG"]');
    await page.fill('#composer', '/cz streams');
    await page.press('#composer', 'Enter');
    await expect.poll(async () => lastMessage().innerText(), { timeout: 10_000 }).toContain('rt_sync_kafka_orders');
    const text = await lastMessage().innerText();
    expect(text).toContain('cdc_mysql_shop');
    expect(text).toMatch(/records\/s/);
    await shot('1-list');
  }, 30_000);

  it('a stream killed in the sandbox → its card; Restart from the card → the card closes itself once caught up', async () => {
    stack.studio.sandbox!.streams.kill(
      stack.studio.sandbox!.store.taskByName('rt_sync_kafka_orders')!.id,
      'org.apache.kafka.common.errors.TimeoutException: Timeout expired while fetching topic metadata',
    );
    await page.click('[data-channel="C0ALERTS"]');
    const card = page.locator('#messages .msg', { hasText: 'rt_sync_kafka_orders — stream down' });
    await expect.poll(async () => card.count(), { timeout: 20_000 }).toBe(1);
    expect(await card.innerText()).toContain('TimeoutException');
    await scrolledTo(card);
    await shot('2-card');
    await card.locator('button', { hasText: 'Restart' }).click();
    const confirm = page.locator('#messages .msg', { hasText: 'Restart the stream rt_sync_kafka_orders?' }).last();
    await expect.poll(async () => confirm.count(), { timeout: 10_000 }).toBe(1);
    await shot('3-restart-confirm');
    await confirm.locator('button', { hasText: 'Confirm' }).click();
    await expect.poll(async () => page.locator('#messages').innerText(), { timeout: 10_000 }).toContain('was restarted in Studio from its last position');
    // Starting (20 s in the sandbox), then running and caught up: the same card, edited.
    const resolved = page.locator('#messages .msg', { hasText: 'rt_sync_kafka_orders — running and caught up' });
    await expect.poll(async () => resolved.count(), { timeout: 60_000 }).toBe(1);
    await scrolledTo(resolved);
    await shot('4-card-resolved');
  }, 120_000);
});
