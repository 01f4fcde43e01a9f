/**
 * Socket Mode, for real (issue 15): the bot started with an app-level token opens its connection
 * through apps.connections.open on SLACK_API_URL, acks envelopes within Slack's three seconds,
 * answers, reconnects after a refresh request and after the socket drops, and handles a redelivered
 * event once. `/readyz` says whether the socket is up; `/healthz` (alive) stays 200 while it reconnects.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type RunningBot, startBot } from '../../src/bot.js';
import { POLICY, USERS } from '../helpers/bot.js';
import { type FakeSlack, startFakeSlack, visibleText } from '../helpers/fake-slack.js';
import { type FakeSocketMode, startFakeSocketMode } from '../helpers/fake-socket.js';
import { type SandboxHarness, startHarness } from '../helpers/sandbox.js';

let h: SandboxHarness;
let slack: FakeSlack;
let socket: FakeSocketMode;
let bot: RunningBot;

beforeAll(async () => {
  h = await startHarness();
  slack = await startFakeSlack({ now: () => h.clock.now() });
  socket = await startFakeSocketMode(slack);
  const dir = mkdtempSync(join(tmpdir(), 'socket-'));
  writeFileSync(join(dir, 'policy.yml'), POLICY);
  const config: AppConfig = {
    studio: { mode: 'remote', url: h.sb.url, accessToken: h.sb.accessToken, instance: h.sb.instance, workspace: h.sb.workspace },
    databasePath: join(dir, 'bot.db'),
    logLevel: 'silent',
    studioTimeoutMs: 2000,
    sandboxPort: 0,
    sandboxDbPath: ':memory:',
    slack: { mode: 'socket', botToken: 'xoxb-test-token', appToken: 'xapp-1-A1-test', signingSecret: undefined, port: 0, apiUrl: slack.apiUrl },
    policyFile: join(dir, 'policy.yml'),
    runWatchSeconds: 15,
    idempotencyWindowSeconds: 600,
    alerts: { channels: '*=CALERTS', pollSeconds: 3600, groupWindowHours: 24, lookbackHours: 48 },
    integrationVClusters: undefined,
    lakehouse: { vcluster: 'default', timeoutMs: 10_000 },
  };
  bot = await startBot(config, h.client, createLogger('silent'), { now: () => h.clock.now(), autoPoll: false });
  await socket.waitForConnection(1);
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await socket?.close();
  await slack?.close();
  await h?.close();
});

const live = async () => (await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status;
const ready = async () => {
  const res = await fetch(`http://127.0.0.1:${bot.port}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
};

function slashCommand(text: string, user: string = USERS.viewer) {
  const r = slack.responseUrl();
  return {
    r,
    payload: {
      token: 'legacy',
      team_id: 'T1',
      team_domain: 'test',
      channel_id: 'CDATAENG',
      channel_name: 'data-eng',
      user_id: user,
      user_name: user.toLowerCase(),
      command: '/cz',
      text,
      api_app_id: 'A1',
      response_url: r.url,
      trigger_id: 'trig-1',
    },
  };
}

describe('Socket Mode', () => {
  it('connects through apps.connections.open on SLACK_API_URL, and /readyz says so', async () => {
    expect(slack.callsOf('apps.connections.open').length).toBeGreaterThanOrEqual(1);
    expect(socket.connections).toBe(1);
    expect(await live()).toBe(200);
    expect(await ready()).toEqual({ status: 200, body: expect.objectContaining({ checks: { database: 'ok', alerts: 'ok', studio: 'ok', slack: 'ok' } }) });
  });

  it('acks a slash command envelope within three seconds and answers it', async () => {
    const { r, payload } = slashCommand('runs 04_transform_ods_to_dwd');
    const started = Date.now();
    await socket.send('slash_commands', payload);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(visibleText(await slack.waitForResponse(r.id))).toContain('Runs of 04_transform_ods_to_dwd');
  });

  it('handles an interaction envelope (a Confirm click) the same way', async () => {
    const { r, payload } = slashCommand(
      `rerun ${(h.sb.store.db.prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = '05_dqc_check' AND r.status = 3 ORDER BY r.id DESC LIMIT 1").get() as { id: number }).id}`,
      USERS.admin,
    );
    await socket.send('slash_commands', payload);
    const ask = await slack.waitForResponse(r.id);
    const opId = (ask.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;
    const click = slack.responseUrl();
    await socket.send('interactive', {
      type: 'block_actions',
      team: { id: 'T1' },
      user: { id: USERS.admin, username: 'uadmin1' },
      api_app_id: 'A1',
      response_url: click.url,
      trigger_id: 't',
      channel: { id: 'CDATAENG' },
      container: { type: 'message', message_ts: '1.1', is_ephemeral: true },
      actions: [{ type: 'button', action_id: 'op_confirm', block_id: 'b', value: opId, action_ts: '1' }],
    });
    expect(visibleText(await slack.waitForResponse(click.id))).toMatch(/Rerun of run \d+ started in Studio/);
  });

  it('reconnects after a refresh request and after the socket drops without warning; /readyz is 503 meanwhile, /healthz stays 200', async () => {
    socket.refresh();
    await socket.waitForConnection(2);
    const a = slashCommand('help');
    await socket.send('slash_commands', a.payload);
    await slack.waitForResponse(a.r.id);
    socket.drop();
    let down: Awaited<ReturnType<typeof ready>> | undefined;
    const alive = new Set<number>();
    for (let i = 0; i < 100 && !down; i++) {
      const [r, l] = await Promise.all([ready(), live()]);
      alive.add(l);
      if (r.status === 503) down = r;
      await new Promise((res) => setTimeout(res, 20));
    }
    // The socket was down for a moment: not ready, and why; but alive (no restart for a reconnect).
    expect(down?.body.checks).toEqual({ database: 'ok', alerts: 'ok', studio: 'ok', slack: expect.stringMatching(/Socket Mode connection is down/) });
    expect([...alive]).toEqual([200]);
    await socket.waitForConnection(3);
    const b = slashCommand('whoami');
    await socket.send('slash_commands', b.payload);
    await slack.waitForResponse(b.r.id);
    expect((await ready()).status).toBe(200);
    expect(slack.callsOf('apps.connections.open').length).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('an event delivered again (not acked the first time, as Slack retries) is handled once', async () => {
    const runId = (
      h.sb.store.db.prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = 'cdc_mysql_shop' AND r.status = 3 ORDER BY r.id DESC").get() as { id: number }
    ).id;
    const body = {
      token: 'legacy',
      team_id: 'T1',
      api_app_id: 'A1',
      type: 'event_callback',
      event_id: 'Ev0SOCKET1',
      event_time: 1,
      event: {
        type: 'message',
        subtype: 'bot_message',
        bot_id: 'BOTHER',
        channel: 'CALERTS',
        ts: '1700000500.000100',
        text: `Studio task failed: ${h.sb.url}/ops/taskInst/${runId}`,
      },
    };
    const before = slack.callsOf('chat.postMessage').length;
    await socket.send('events_api', body);
    await socket.send('events_api', body); // the same event again, in a new envelope
    await new Promise((r) => setTimeout(r, 300));
    await bot.services.alerts!.flush();
    expect(
      slack
        .callsOf('chat.postMessage')
        .slice(before)
        .filter((c) => c.args.thread_ts === '1700000500.000100'),
    ).toHaveLength(1);
  });
});
