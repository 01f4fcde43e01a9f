/**
 * The playground in a real browser (Debian's chromium driven by playwright-core), with the bot in
 * Socket Mode as `npm start` runs it: a slash command, an alert card's thread, Rerun as an operator
 * with confirmation until the card resolves, the message shortcut, "Open in Studio", the viewer
 * refused, and the setup wizard completed in the DM. Screenshots go to test-artifacts/.
 * Skipped (and said so) where /usr/bin/chromium is not installed.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaygroundStack } from '../../src/playground/stack.js';
import { ARTIFACTS, hasChromium, openPlaygroundInBrowser } from '../helpers/playground-browser.js';

describe.skipIf(!hasChromium)('playground in a browser', () => {
  let stack: PlaygroundStack;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });

  beforeAll(async () => {
    ({ stack, browser, page } = await openPlaygroundInBrowser('pg-'));
  }, 60_000);

  it('runs the bot in Socket Mode, and says so', async () => {
    expect(stack.playground.mode).toBe('socket');
    expect(stack.bot.services.config.slack.mode).toBe('socket');
    await expect.poll(async () => page.locator('#conn').innerText(), { timeout: 5_000 }).toBe('Bot: Socket Mode · connected');
    expect(await page.locator('#keep').innerText()).toContain('kept across restarts');
  });

  afterAll(async () => {
    // Nothing the bot sent was refused as Slack would refuse it (invalid_blocks).
    expect(stack?.playground.workspace.refused).toEqual([]);
    await browser?.close();
    await stack?.close();
  });

  const lastMessage = () => page.locator('#messages .msg').last();
  const card = (task: string) => page.locator('#messages .msg', { hasText: `${task} failed` }).first();

  it('answers a slash command typed in a channel', async () => {
    await page.click('[data-channel="C0DATAENG"]');
    await page.fill('#composer', '/cz runs 04_transform_ods_to_dwd');
    await page.press('#composer', 'Enter');
    await expect.poll(async () => lastMessage().innerText(), { timeout: 10_000 }).toContain('Runs of 04_transform_ods_to_dwd');
    expect(await lastMessage().innerText()).toContain('Only visible to you');
    await shot('1-slash-command');
    // Code is shown as typed: a cron's asterisks stay asterisks.
    await page.fill('#composer', '/cz cron 30 2 * * *');
    await page.press('#composer', 'Enter');
    await expect.poll(async () => lastMessage().innerText(), { timeout: 10_000 }).toContain('0 30 2 * * ? *');
    expect(await lastMessage().innerText()).toContain('of your 5-field 30 2 * * *');
    await shot('1b-cron');
  }, 30_000);

  it('a user typed as @name reaches the bot as Slack escapes it (the command escapes users): /cz audit --user @oscar', async () => {
    await page.click('[data-channel="C0DATAENG"]');
    await page.fill('#composer', '/cz audit --user @oscar --since 1d');
    await page.press('#composer', 'Enter');
    await expect.poll(async () => lastMessage().innerText(), { timeout: 10_000 }).toMatch(/user @oscar, since 1d/);
    expect(await lastMessage().innerText()).not.toContain('is not a Slack user');
  }, 20_000);

  it('scrolls as Slack does: to the reply your own command brings; "New messages" for others while you read further up', async () => {
    await page.click('[data-channel="C0DATAENG"]');
    for (let i = 0; i < 3; i++) {
      await page.fill('#composer', '/cz help');
      await page.press('#composer', 'Enter');
    }
    await expect.poll(async () => page.locator('#messages .msg', { hasText: 'Studio Ops Bot — /cz' }).count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const box = page.locator('#messages');
    const fromBottom = () => box.evaluate((b) => b.scrollHeight - b.scrollTop - b.clientHeight);
    const toTop = () => box.evaluate((b) => (b.scrollTop = 0));
    // Read further up, then type a command: its reply is scrolled to (it used to land off-screen).
    await toTop();
    expect(await fromBottom()).toBeGreaterThan(200);
    await page.fill('#composer', '/cz whoami');
    await page.press('#composer', 'Enter');
    await expect.poll(async () => lastMessage().innerText(), { timeout: 10_000 }).toContain('your roles');
    await expect.poll(fromBottom, { timeout: 5_000 }).toBeLessThan(40);
    // Read further up again; a message not of your doing arrives: you stay where you are, told of it.
    await toTop();
    await page.evaluate('followUntil = 0');
    await fetch(`${stack.url}/ui/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'U0OPS', channel: 'C0DATAENG', text: '/cz whoami' }),
    });
    await expect.poll(async () => page.locator('#newer').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await fromBottom()).toBeGreaterThan(200);
    await shot('1c-new-messages');
    await page.click('#newer');
    await expect.poll(fromBottom, { timeout: 5_000 }).toBeLessThan(40);
    expect(await page.locator('#newer').isVisible()).toBe(false);
  }, 40_000);

  it('opens an alert card’s thread, reruns as an operator with confirmation, and sees the card resolve', async () => {
    await page.click('[data-channel="C0ALERTS"]');
    await expect.poll(async () => card('04_transform_ods_to_dwd').count(), { timeout: 20_000 }).toBe(1);
    await card('04_transform_ods_to_dwd').locator('button', { hasText: 'Logs' }).click();
    const threadLink = card('04_transform_ods_to_dwd').locator('.thread-link');
    await expect.poll(async () => threadLink.count(), { timeout: 10_000 }).toBe(1);
    await threadLink.click();
    await expect.poll(async () => page.locator('#thread').innerText(), { timeout: 10_000 }).toContain('Log of run');
    await shot('2-card-thread');
    await card('04_transform_ods_to_dwd').locator('button', { hasText: 'Rerun' }).click();
    const confirm = page.locator('#messages .msg', { hasText: 'Rerun run' }).last();
    await expect.poll(async () => confirm.count(), { timeout: 10_000 }).toBe(1);
    await confirm.locator('button', { hasText: 'Confirm' }).click();
    await expect.poll(async () => page.locator('#messages').innerText(), { timeout: 10_000 }).toContain('started in Studio');
    // The run takes a second or two in the sandbox; the next alert poll sees the root fixed, with
    // 05_dqc_check (which it blocked) still UPSTREAM_FAILED: the card says so and offers to rerun it.
    const fixed = page.locator('#messages .msg', { hasText: '04_transform_ods_to_dwd — root fixed, 1 downstream still blocked' });
    await expect.poll(async () => fixed.count(), { timeout: 30_000 }).toBe(1);
    await shot('3a-card-root-fixed');
    await fixed.locator('button', { hasText: 'Rerun 1 blocked run' }).click();
    const confirmBlocked = page.locator('#messages .msg', { hasText: 'Rerun 1 run: the 1 downstream run' }).last();
    await expect.poll(async () => confirmBlocked.count(), { timeout: 10_000 }).toBe(1);
    await confirmBlocked.locator('button', { hasText: 'Confirm' }).click();
    await expect.poll(async () => page.locator('#messages').innerText(), { timeout: 10_000 }).toContain('Reran 1 of 1 runs');
    await expect.poll(async () => page.locator('#messages .msg', { hasText: '04_transform_ods_to_dwd — resolved' }).count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('#messages .msg', { hasText: '04_transform_ods_to_dwd — resolved' }).innerText()).toContain('rerun from this card');
    await shot('3-card-resolved');
    // Every envelope was acknowledged on the first attempt.
    expect(stack.playground.socket!.sent.every((x) => x.attempt === 0)).toBe(true);
  }, 90_000);

  it('offers the message shortcut on a message, and opens "Open in Studio" on a page that says what it would open', async () => {
    await page.selectOption('#user', 'U0OPS');
    await page.click('[data-channel="C0ALERTS"]');
    const msg = page.locator('#messages .msg', { hasText: ' failed' }).first();
    await msg.hover();
    await msg.locator('.more').click();
    await page.locator('#menu a', { hasText: 'Diagnose with Studio Ops' }).click();
    const threadLink = msg.locator('.thread-link');
    await expect.poll(async () => threadLink.count(), { timeout: 10_000 }).toBe(1);
    await threadLink.click();
    await expect.poll(async () => page.locator('#thread').innerText(), { timeout: 10_000 }).toContain('Diagnosis of run');
    await shot('3b-message-shortcut');
    const [studioPage] = await Promise.all([page.context().waitForEvent('page'), msg.locator('button', { hasText: 'Open in Studio' }).first().click()]);
    await studioPage.waitForLoadState();
    expect(await studioPage.locator('body').innerText()).toMatch(/In Studio this opens the run under Operations → Task instances/);
    await studioPage.screenshot({ path: join(ARTIFACTS, '3c-open-in-studio.png') });
    await studioPage.close();
  }, 30_000);

  it('refuses Rerun for the viewer', async () => {
    await page.selectOption('#user', 'U0VIEW');
    await page.click('[data-channel="C0ALERTS"]');
    const open = page
      .locator('#messages .msg', { hasText: ' failed' })
      .filter({ has: page.locator('button', { hasText: 'Rerun' }) })
      .first();
    await open.locator('button', { hasText: 'Rerun' }).click();
    await expect.poll(async () => lastMessage().innerText(), { timeout: 10_000 }).toContain('rerun needs operator');
    expect(await lastMessage().innerText()).toContain('Only visible to you');
    await shot('4-viewer-refused');
  }, 30_000);

  it('completes the setup wizard in the DM', async () => {
    await page.selectOption('#user', 'U0OPS');
    await page.click('[data-channel="C0DATAENG"]');
    await page.fill('#composer', '/cz setup');
    await page.press('#composer', 'Enter');
    await page.click('[data-channel="DU0OPS"]');
    const answer = async (label: string) => {
      const msg = lastMessage();
      await expect
        .poll(async () => msg.locator('button', { hasText: label }).count(), {
          timeout: 10_000,
          message: `button "${label}" in: ${await page
            .locator('#messages')
            .innerText()
            .catch(() => '')}`,
        })
        .toBeGreaterThan(0);
      await msg.locator('button', { hasText: label }).first().click();
    };
    for (const label of [
      "No, I'll describe verbally",
      'BI reports / dashboards',
      'Data analysts (SQL queries)',
      'T+1 (available next day)',
      'External database',
      'MySQL',
      'Batch offline (hourly/daily)',
      'Single-table sync',
      'Full overwrite (OVERWRITE)',
    ])
      await answer(label);
    // The data source from Studio's list (a select), then the table from its 165 (an external select, searched as typed).
    const source = lastMessage().locator('select[data-action-id="wizard_choose"]');
    await expect.poll(async () => source.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await source.selectOption('mysql_shop');
    const search = lastMessage().locator('input.extq');
    await expect.poll(async () => search.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await search.pressSequentially('orders', { delay: 30 });
    await page.locator('.extlist.open').getByText('shop.orders', { exact: true }).first().click();
    await answer('Answer…');
    await page.locator('#modal input[type=text]').fill('playshop');
    await page.click('#modal-submit');
    for (const label of ['ODS / DWD / DWS', 'Daily 02:00']) await answer(label);
    await expect.poll(async () => lastMessage().innerText(), { timeout: 10_000 }).toContain('Plan: playshop_dw');
    await shot('5-wizard-plan');
    await answer('Confirmed, start building');
    await expect.poll(async () => page.locator('#messages').innerText(), { timeout: 30_000 }).toContain('playshop_dw is ready');
    expect(await page.locator('#messages').innerText()).toContain('Standards check: no P0/P1 findings');
    await shot('6-wizard-built');
    const folder = stack.studio.sandbox!.store.folders().find((f) => f.name === 'playshop_dw');
    expect(folder).toBeDefined();
    expect(stack.studio.sandbox!.store.tasks().filter((t) => t.folder_id === folder!.id)).toHaveLength(6);

    // Undo, behind the confirm dialog: everything the setup created is gone.
    await lastMessage().locator('button', { hasText: 'Undo: delete what this created' }).click();
    await expect.poll(async () => page.locator('#confirm-text').innerText(), { timeout: 5_000 }).toContain('05_dqc_check');
    await shot('7-wizard-undo-confirm');
    await page.click('#confirm-ok');
    await expect.poll(async () => page.locator('#messages').innerText(), { timeout: 30_000 }).toContain('Undone');
    await shot('8-wizard-undone');
    expect(stack.studio.sandbox!.store.folders().find((f) => f.name === 'playshop_dw')).toBeUndefined();
  }, 90_000);
});
