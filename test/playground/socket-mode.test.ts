/**
 * The playground plays Slack's side of Socket Mode (issue 15), and `npm start`'s stack uses it by
 * default: the bot opens its connection with the app-level token through apps.connections.open,
 * the socket says hello, commands and clicks arrive as envelopes the bot acknowledges, an envelope
 * whose acknowledgement is lost is sent again and handled once, and the bot reconnects after a
 * refresh request and after the socket drops. PLAYGROUND_SLACK_MODE=http still runs HTTP mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type PlaygroundStack, startPlaygroundStack } from '../../src/playground/stack.js';
import type { PgMessage } from '../../src/playground/workspace.js';
import { until } from '../helpers/wait.js';

const RERUN = '/ide-admin/v1/taskInst/reRunTaskInstance';

async function start(env: Record<string, string> = {}): Promise<PlaygroundStack> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-socket-'));
  const config = loadConfig({ DATABASE_PATH: join(dir, 'bot.db'), ALERT_POLL_SECONDS: '3600', LOG_LEVEL: 'silent', PORT: '0', ...env });
  return startPlaygroundStack(config, createLogger('silent'), { port: 0, sandbox: { runDurationMs: [60_000, 60_000], failureRate: 0 } });
}

const ui = async (stack: PlaygroundStack, path: string, body: Record<string, unknown>) =>
  (await (await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;
const api = async (stack: PlaygroundStack, method: string, token: string) =>
  (await (
    await fetch(`${stack.url}/api/${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: '' })
  ).json()) as Record<string, unknown>;
const repliesTo = (stack: PlaygroundStack, user: string, needle: string): PgMessage[] =>
  stack.playground.workspace.messages.filter((m) => m.ephemeralFor === user && `${m.text}${JSON.stringify(m.blocks ?? [])}`.includes(needle));
const health = async (stack: PlaygroundStack) => (await fetch(`http://127.0.0.1:${stack.bot.port}/healthz`)).status;

describe('playground in Socket Mode (the default)', () => {
  let stack: PlaygroundStack;
  beforeAll(async () => {
    stack = await start();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('starts the bot in Socket Mode, connected through apps.connections.open with the app-level token', async () => {
    expect(stack.playground.mode).toBe('socket');
    expect(stack.bot.services.config.slack.mode).toBe('socket');
    const s = stack.playground.socket!;
    expect(s.status()).toMatchObject({ connected: 1, opened: 1 });
    expect(await health(stack)).toBe(200);
    // Slack's answers for the wrong tokens: a bot token is the wrong type, anything else is not authorised.
    expect(await api(stack, 'apps.connections.open', 'xoxb-playground')).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await api(stack, 'apps.connections.open', 'xapp-1-A0PLAY-guess')).toEqual({ ok: false, error: 'invalid_auth' });
    // A WebSocket URL is good once, with its ticket: a made-up ticket and a used one get 401.
    const tryConnect = (url: string) =>
      new Promise<number>((resolve) => {
        const c = new WebSocket(url);
        c.on('open', () => {
          c.close();
          resolve(101);
        });
        c.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        c.on('error', () => resolve(-1));
      });
    const fresh = (await api(stack, 'apps.connections.open', stack.playground.socket!.appToken)) as { url: string };
    expect(await tryConnect(`${stack.url.replace('http', 'ws')}/socket-mode/link?ticket=nope`)).toBe(401);
    expect(await tryConnect(fresh.url)).toBe(101);
    expect(await tryConnect(fresh.url)).toBe(401);
    await until(() => s.status().connected === 1, 5_000, 'the extra connection closed');
  });

  it('delivers a slash command as an envelope, acknowledged within three seconds, and shows the answer', async () => {
    const before = stack.playground.socket!.sent.length;
    const t0 = Date.now();
    expect(await ui(stack, '/ui/command', { user: 'U0OPS', channel: 'C0DATAENG', text: '/cz cron 30 2 * * *' })).toMatchObject({ ok: true, status: 200 });
    expect(Date.now() - t0).toBeLessThan(3000);
    const sent = stack.playground.socket!.sent.slice(before);
    expect(sent).toEqual([expect.objectContaining({ type: 'slash_commands', attempt: 0 })]);
    await until(() => repliesTo(stack, 'U0OPS', '0 30 2 * * ? *').length === 1, 10_000, 'the cron answer');
  });

  it('sends an envelope again when its acknowledgement is lost, and the bot handles it once', async () => {
    const s = stack.playground.socket!;
    const before = s.sent.length;
    s.loseAcks = 1;
    expect(await ui(stack, '/ui/command', { user: 'U0OPS', channel: 'C0DATAENG', text: '/cz runs 05_dqc_check' })).toMatchObject({ ok: true });
    const sent = s.sent.slice(before);
    expect(sent.map((x) => x.attempt)).toEqual([0, 1]);
    expect(new Set(sent.map((x) => x.envelopeId)).size).toBe(1);
    await until(() => repliesTo(stack, 'U0OPS', 'Runs of 05_dqc_check').length >= 1, 10_000, 'the runs answer');
    await new Promise((r) => setTimeout(r, 500));
    expect(repliesTo(stack, 'U0OPS', 'Runs of 05_dqc_check')).toHaveLength(1);
  }, 20_000);

  it('a Confirm click whose acknowledgement is lost reaches Studio once', async () => {
    const sb = stack.studio.sandbox!;
    const run = sb.store.db.prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = '05_dqc_check' AND r.status = 3 ORDER BY r.id DESC LIMIT 1").get() as
      | { id: number }
      | undefined;
    expect(run).toBeDefined();
    await ui(stack, '/ui/command', { user: 'U0ADMIN', channel: 'C0DATAENG', text: `/cz rerun ${run!.id}` });
    const ask = await until(() => repliesTo(stack, 'U0ADMIN', 'op_confirm').at(-1), 10_000, 'the confirmation');
    const confirm = (ask.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'op_confirm')!;
    const writes = sb.journal.filter((e) => e.path === RERUN).length;
    stack.playground.socket!.loseAcks = 1;
    await ui(stack, '/ui/action', {
      user: 'U0ADMIN',
      channel: 'C0DATAENG',
      messageTs: ask.ts,
      action: { type: 'button', action_id: 'op_confirm', value: confirm.value, block_id: 'b' },
    });
    await until(() => stack.playground.workspace.messages.some((m) => `${m.text}${JSON.stringify(m.blocks ?? [])}`.includes('started in Studio')), 10_000, 'the rerun started');
    await new Promise((r) => setTimeout(r, 500));
    expect(sb.journal.filter((e) => e.path === RERUN).length).toBe(writes + 1);
    // The audit log agrees with Studio's journal: one rerun, requested then succeeded.
    const rows = await stack.bot.services.audit.query({ action: 'rerun', limit: 10 });
    expect(rows.map((r) => r.outcome).reverse()).toEqual(['requested', 'succeeded']);
  }, 30_000);

  it('reconnects after a refresh request, and after the socket drops without warning', async () => {
    const s = stack.playground.socket!;
    const opened = s.status().opened;
    s.refresh();
    await until(() => s.status().opened === opened + 1 && s.status().connected === 1, 15_000, 'a new connection after refresh_requested');
    expect(await ui(stack, '/ui/command', { user: 'U0VIEW', channel: 'C0DATAENG', text: '/cz cron 0 9 * * 1' })).toMatchObject({ ok: true });
    await until(() => repliesTo(stack, 'U0VIEW', '0 9 * * 1').length === 1, 10_000, 'an answer on the new connection');

    s.drop();
    // Sent while the bot is away: it waits for the connection, then is delivered once.
    const answered = ui(stack, '/ui/command', { user: 'U0VIEW', channel: 'C0DATAENG', text: '/cz cron 15 4 * * *' });
    await until(() => s.status().opened === opened + 2 && s.status().connected === 1, 20_000, 'a new connection after the drop');
    expect(await answered).toMatchObject({ ok: true });
    await until(() => repliesTo(stack, 'U0VIEW', '15 4 * * *').length === 1, 10_000, 'an answer after the drop');
    expect(await health(stack)).toBe(200);
  }, 60_000);
});

describe('playground in HTTP mode (PLAYGROUND_SLACK_MODE=http)', () => {
  let stack: PlaygroundStack;
  beforeAll(async () => {
    stack = await start({ PLAYGROUND_SLACK_MODE: 'http' });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('sends signed requests instead, and the bot answers', async () => {
    expect(stack.playground.mode).toBe('http');
    expect(stack.playground.socket).toBeUndefined();
    expect(stack.bot.services.config.slack.mode).toBe('http');
    expect(await api(stack, 'apps.connections.open', 'xapp-1-x')).toMatchObject({ ok: false });
    await ui(stack, '/ui/command', { user: 'U0OPS', channel: 'C0DATAENG', text: '/cz cron 30 2 * * *' });
    await until(() => repliesTo(stack, 'U0OPS', '0 30 2 * * ? *').length === 1, 10_000, 'the cron answer');
  });

  it('refuses an unknown PLAYGROUND_SLACK_MODE, naming it', () => {
    expect(() => loadConfig({ DATABASE_PATH: ':memory:', PLAYGROUND_SLACK_MODE: 'websocket' })).toThrow(/PLAYGROUND_SLACK_MODE/);
  });
});

describe('playground restarts and what people type', () => {
  it('keeps the channels with the bot’s database, and starts both fresh when the database is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-keep-'));
    const env = { DATABASE_PATH: join(dir, 'bot.db'), ALERT_POLL_SECONDS: '3600', LOG_LEVEL: 'silent', PORT: '0' };
    const boot = () => startPlaygroundStack(loadConfig(env), createLogger('silent'), { port: 0, sandbox: { failureRate: 0 } });
    let stack = await boot();
    await ui(stack, '/ui/message', { user: 'U0OPS', channel: 'C0DATAENG', text: 'remember me' });
    await stack.close();
    stack = await boot();
    expect(stack.playground.workspace.messages.map((m) => m.text)).toContain('remember me');
    expect(stack.playground.workspace.persistence.kept).toBe(true);
    await stack.close();
    rmSync(join(dir, 'bot.db'));
    stack = await boot();
    expect(stack.playground.workspace.messages.map((m) => m.text)).not.toContain('remember me');
    await stack.close();
  }, 60_000);

  it('escapes &, < and > in what people type, as Slack does, and the bot works on what they typed', async () => {
    const stack = await start();
    try {
      await ui(stack, '/ui/message', { user: 'U0OPS', channel: 'C0DATAENG', text: 'a < b & c' });
      expect(stack.playground.workspace.messages.at(-1)!.text).toBe('a &lt; b &amp; c');
      await ui(stack, '/ui/command', { user: 'U0OPS', channel: 'C0DATAENG', text: '/cz task a<b&c' });
      const reply = await until(() => repliesTo(stack, 'U0OPS', 'a&lt;b&amp;c').at(-1), 10_000, 'the answer naming the task as typed');
      expect(reply.text).not.toContain('&amp;lt;');
    } finally {
      await stack.close();
    }
  }, 60_000);
});
