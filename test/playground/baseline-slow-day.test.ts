/**
 * A baseline card in the playground without waiting for the chain's hour (issue 35, "Must show":
 * screenshots of an at-risk card and its update): the page's sandbox control starts a slow day for
 * an output, says which baseline to add, and the card then comes to #data-alerts from the bot's
 * own watcher — real time, the alert poll every 5 s. The control exists only when Studio is the sandbox.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type PlaygroundStack, startPlaygroundStack } from '../../src/playground/stack.js';
import { until } from '../helpers/wait.js';

const ui = async (stack: PlaygroundStack, path: string, body: Record<string, unknown>) =>
  (await (await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;
const said = (stack: PlaygroundStack, channel: string, needle: string) =>
  stack.playground.workspace.messages.filter((m) => m.channel === channel && `${m.text}${JSON.stringify(m.blocks ?? [])}`.includes(needle));

describe('playground: a slow day for a baseline', () => {
  let stack: PlaygroundStack;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-slow-day-'));
    const config = loadConfig({ DATABASE_PATH: join(dir, 'bot.db'), ALERT_POLL_SECONDS: '5', LOG_LEVEL: 'silent', PORT: '0' });
    stack = await startPlaygroundStack(config, createLogger('silent'), { port: 0, sandbox: { runDurationMs: [1000, 2000], failureRate: 0 } });
  }, 60_000);
  afterAll(async () => {
    if (stack) expect(stack.playground.workspace.refused).toEqual([]);
    await stack?.close();
  });

  it('the page offers the control; a slow day started from it, and the baseline it suggests, bring the watcher’s card to #data-alerts', async () => {
    const state = (await (await fetch(`${stack.url}/ui/state?user=U0OPS`)).json()) as { sandbox?: { slowDay: boolean } };
    expect(state.sandbox).toEqual({ slowDay: true });
    // A task the sandbox does not know: told so, nothing started.
    const bad = await ui(stack, '/ui/sandbox/slow-day', { user: 'U0OPS', channel: 'C0DATAENG', task: 'no_such_task' });
    expect(bad).toMatchObject({ ok: false });
    expect(said(stack, 'C0DATAENG', 'no slow day started — No task named no_such_task.')[0]).toMatchObject({ user: 'USLACKBOT', ephemeralFor: 'U0OPS' });
    const started = await ui(stack, '/ui/sandbox/slow-day', { user: 'U0OPS', channel: 'C0DATAENG', task: '05_dqc_check' });
    expect(started.ok).toBe(true);
    expect(String(started.text)).toMatch(/`00_sync_mysql_to_ods` has been running since then \(usual \d+ min\)/);
    const command = /`(\/cz baseline add 05_dqc_check by (\d\d:\d\d) margin 5m)`/.exec(String(started.text));
    expect(command).not.toBeNull();
    expect(String(started.text)).toContain("The card comes within two of the watcher's polls: up to 10 s (ALERT_POLL_SECONDS is 5).");
    await ui(stack, '/ui/command', { user: 'U0OPS', channel: 'C0DATAENG', text: command![1] });
    await until(() => said(stack, 'C0DATAENG', 'Added a baseline').length > 0, 15_000);
    // The card, from the watcher's prediction on the sandbox's runs.
    const card = await until(() => said(stack, 'C0ALERTS', `05_dqc_check at risk for ${command![2]}`)[0], 30_000);
    expect(card.user).toBe('U0BOT');
    expect(JSON.stringify(card.blocks)).toMatch(/critical path: 00_sync_mysql_to_ods running \d+\.\d× its usual time/);
  }, 90_000);
});
