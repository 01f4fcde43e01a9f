/**
 * The whole bot on loopback: the sandbox as Studio (manual clock), a fake Slack Web API, and the
 * real Bolt HTTP receiver, driven with signed form-encoded slash commands and `payload=` interactions.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { AppConfig, AuditConfig } from '../../src/config.js';
import { type Logger, createLogger } from '../../src/logger.js';
import { type RunningBot, startBot } from '../../src/bot.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { type SandboxHarness, startHarness } from './sandbox.js';
import type { SandboxOptions } from '../../src/sandbox/server.js';
import { pgDatabaseUrl } from './engines.js';
import type { SeedName } from '../../src/sandbox/seed.js';
import type { WorkspaceConfig } from '../../src/workspaces.js';

export const SIGNING_SECRET = 'test-signing-secret';

export const USERS = {
  admin: 'UADMIN1',
  admin2: 'UADMIN2',
  operator: 'UOPS1',
  viewer: 'UVIEW1',
} as const;

export const POLICY = `
grants:
  - role: admin
    users: [${USERS.admin}, ${USERS.admin2}]
    scope: ["*"]
  - role: operator
    users: [${USERS.operator}]
    scope: ["ecommerce_dw/*", "doc_connector_demo"]
limits:
  backfill_max_days: { operator: 3, admin: 10 }
`;

export interface BotHarness extends SandboxHarness {
  /** The second workspace's sandbox (`dev`), when asked for. */
  dev?: SandboxHarness;
  bot: RunningBot;
  slack: FakeSlack;
  /** Every body the bot answered Slack's own requests with (acks: a command's answer, a modal's errors). */
  acks: string[];
  botUrl: string;
  dbPath: string;
  /** What `studio-ops audit verify --db` takes: the SQLite file, or the PostgreSQL URL (TEST_ENGINE=postgres). */
  dbTarget: string;
  /** Send a signed slash command; resolves with the response_url id the answer will go to. */
  command(text: string, user?: string, opts?: { channel?: string }): Promise<{ status: number; responseId: string; triggerId: string }>;
  /** Send a signed block_actions click. */
  click(
    actionId: string,
    value: string,
    user: string,
    opts?: { responseId?: string; channel?: string; messageTs?: string; ephemeral?: boolean; view?: Record<string, unknown>; action?: Record<string, unknown> },
  ): Promise<{ status: number; responseId: string; triggerId: string }>;
  /** Send a signed message shortcut on `message` posted in `channel`. */
  shortcut(callbackId: string, message: Record<string, unknown>, user: string, channel?: string): Promise<{ status: number; responseId: string }>;
  /** Send a signed Events API callback. */
  event(event: Record<string, unknown>, opts?: { eventId?: string; retryNum?: number }): Promise<{ status: number }>;
  /** Send a signed view_submission. */
  submitView(view: Record<string, unknown>, user: string): Promise<{ status: number; body: string }>;
  /** The answer posted to a response_url (the nth one). */
  answer(responseId: string, nth?: number): Promise<Record<string, unknown>>;
  post(body: string, contentType: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  /** Stop the bot and start it again on the same database (a restart after a crash). */
  restart(): Promise<void>;
}

export function sign(body: string, ts: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
}

/** A submitted backfill modal (`view` as the bot built it, or a bare one), with the form filled in. */
export function backfillSubmission(view: Record<string, unknown>, from: string, to: string, task = '04_transform_ods_to_dwd') {
  return {
    ...view,
    hash: 'h',
    state: {
      values: {
        bf_task: { bf_task_input: { type: 'plain_text_input', value: task } },
        bf_from: { bf_from_pick: { type: 'datepicker', selected_date: from } },
        bf_to: { bf_to_pick: { type: 'datepicker', selected_date: to } },
        bf_vc: { bf_vc_input: { type: 'plain_text_input', value: null } },
      },
    },
  };
}

/** Slack's headers for `body` sent now: its content type, timestamp and signature. */
export function signedHeaders(body: string, contentType = 'application/x-www-form-urlencoded'): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  return { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts) };
}

/** A `/cz` slash command's form body, as Slack sends it. */
export function slashCommandForm(o: { text: string; user: string; responseUrl: string; channel?: string; triggerId?: string }): string {
  return new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    team_domain: 'test',
    channel_id: o.channel ?? 'CDATAENG',
    channel_name: 'data-eng',
    user_id: o.user,
    user_name: o.user.toLowerCase(),
    command: '/cz',
    text: o.text,
    api_app_id: 'A1',
    response_url: o.responseUrl,
    trigger_id: o.triggerId ?? `trig-${randomUUID()}`,
  }).toString();
}

/** Signed slash commands and clicks, as Slack sends them, to the bot at `url()`. */
export function signedSlackClient(url: () => string, slack: FakeSlack, acks: string[] = []): Pick<BotHarness, 'post' | 'command' | 'click' | 'submitView'> {
  const post = async (body: string, contentType: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url()}/slack/events`, { method: 'POST', headers: { ...signedHeaders(body, contentType), ...headers }, body });
    const answer = await res.text();
    if (answer) acks.push(answer);
    return { status: res.status, body: answer };
  };

  const command: BotHarness['command'] = async (text, user = USERS.operator, o = {}) => {
    const r = slack.responseUrl();
    const triggerId = `trig-${randomUUID()}`;
    const form = slashCommandForm({ text, user, channel: o.channel, responseUrl: r.url, triggerId });
    const res = await post(form, 'application/x-www-form-urlencoded');
    return { status: res.status, responseId: r.id, triggerId };
  };

  const click: BotHarness['click'] = async (actionId, value, user, o = {}) => {
    const r = o.responseId ? { id: o.responseId, url: `${slack.url}/response/${o.responseId}` } : slack.responseUrl();
    const payload: Record<string, unknown> = {
      type: 'block_actions',
      team: { id: 'T1', domain: 'test' },
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy',
      trigger_id: `trig-${randomUUID()}`,
      response_url: r.url,
      // `action`: another kind of element (a select, with or without its option) in place of the button.
      actions: [
        o.action
          ? { block_id: 'b1', action_ts: String(Date.now() / 1000), action_id: actionId, ...o.action }
          : { type: 'button', action_id: actionId, block_id: 'b1', value, text: { type: 'plain_text', text: 'x' }, action_ts: String(Date.now() / 1000) },
      ],
    };
    if (o.view) {
      payload.view = o.view;
      payload.container = { type: 'view', view_id: o.view.id };
      delete payload.response_url;
    } else {
      payload.channel = { id: o.channel ?? 'CDATAENG', name: 'data-eng' };
      payload.container = { type: 'message', message_ts: o.messageTs ?? '1700000000.000100', channel_id: o.channel ?? 'CDATAENG', is_ephemeral: o.ephemeral ?? true };
      payload.message = { ts: o.messageTs ?? '1700000000.000100', text: 'x', blocks: [] };
    }
    const res = await post(`payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded');
    return { status: res.status, responseId: r.id, triggerId: payload.trigger_id as string };
  };

  const submitView: BotHarness['submitView'] = async (view, user) => {
    const payload = {
      type: 'view_submission',
      team: { id: 'T1', domain: 'test' },
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy',
      trigger_id: `trig-${randomUUID()}`,
      view,
    };
    return post(`payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded');
  };
  return { post, command, click, submitView };
}

/** A second workspace (`dev`, the sandbox's demo_dev) beside the harness's own (`prod`, demo_ws). */
export interface DevWorkspaceOptions {
  alertChannels?: string;
  /** Channel id → workspace name. */
  channels?: Record<string, string>;
}

export async function startBotHarness(
  opts: {
    policy?: string | null;
    dbPath?: string;
    alertChannels?: string;
    dev?: DevWorkspaceOptions;
    audit?: AuditConfig;
    logger?: Logger;
    diagnosisBudgetMs?: number;
    /** The default workspace's (`prod`) sandbox seed (default `demo`; `demo_prod` for promotions). */
    prodSeed?: SeedName;
    /** Names and protection per workspace (`prod`, `dev`), as the workspaces file gives them. */
    workspaceExtras?: Record<string, Pick<WorkspaceConfig, 'names' | 'protected'>>;
    /** The sandbox's own options (e.g. a workspace with no INTEGRATION VCluster). */
    sandbox?: SandboxOptions;
  } = {},
): Promise<BotHarness> {
  const h = await startHarness({ ...(opts.prodSeed ? { seed: opts.prodSeed, workspace: 'demo_prod' } : {}), ...opts.sandbox });
  const dev = opts.dev ? await startHarness({ workspace: 'demo_dev' }) : undefined;
  const slack = await startFakeSlack({ now: () => h.clock.now() });
  const dir = mkdtempSync(join(tmpdir(), 'bot-'));
  let policyFile: string | undefined;
  if (opts.policy !== null) {
    policyFile = join(dir, 'policy.yml');
    writeFileSync(policyFile, opts.policy ?? POLICY);
  }
  const dbPath = opts.dbPath ?? join(dir, 'bot.db');
  const config: AppConfig = {
    studio: { mode: 'remote', url: h.sb.url, accessToken: h.sb.accessToken, instance: h.sb.instance, workspace: h.sb.workspace },
    databasePath: dbPath,
    logLevel: 'silent',
    studioTimeoutMs: 2000,
    sandboxPort: 0,
    sandboxDbPath: ':memory:',
    slack: { mode: 'http', botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET, port: 0, apiUrl: slack.apiUrl },
    policyFile,
    runWatchSeconds: 3600,
    idempotencyWindowSeconds: 600,
    alerts: { channels: opts.alertChannels, pollSeconds: 3600, groupWindowHours: 24, lookbackHours: 48 },
    integrationVClusters: undefined,
    lakehouse: { vcluster: 'default', timeoutMs: 10_000 },
    audit: opts.audit,
    diagnosisBudgetMs: opts.diagnosisBudgetMs,
  };
  // TEST_ENGINE=postgres: the bot's state on a fresh PostgreSQL database (the test cluster) instead of the SQLite file.
  if (process.env.TEST_ENGINE === 'postgres') {
    config.databaseUrl = await pgDatabaseUrl('harness');
    process.env.AUDIT_KEY ??= 'a'.repeat(64);
  }
  const target = (x: SandboxHarness) => ({ mode: 'remote' as const, url: x.sb.url, accessToken: x.sb.accessToken, instance: x.sb.instance, workspace: x.sb.workspace });
  if (dev) {
    config.workspaces = {
      default: 'prod',
      several: true,
      channels: opts.dev?.channels ?? {},
      list: [
        { name: 'prod', studio: target(h), databasePath: dbPath, alertChannels: opts.alertChannels, ...opts.workspaceExtras?.prod },
        { name: 'dev', studio: target(dev), databasePath: join(dir, 'bot.dev.db'), alertChannels: opts.dev?.alertChannels, ...opts.workspaceExtras?.dev },
      ],
    };
  }
  const clients = dev
    ? new Map([
        ['prod', h.client],
        ['dev', dev.client],
      ])
    : h.client;
  // The alert sender waits on the virtual clock, so its pacing is measured in virtual time.
  const botOptions = { now: () => h.clock.now(), sleep: async (ms: number) => h.clock.advance(ms), autoPoll: false };
  const logger = opts.logger ?? createLogger('silent');
  let bot = await startBot(config, clients, logger, botOptions);
  let botUrl = `http://127.0.0.1:${bot.port}`;

  const acks: string[] = [];
  const { post, command, click, submitView } = signedSlackClient(() => botUrl, slack, acks);

  const shortcut: BotHarness['shortcut'] = async (callbackId, message, user, channel = 'CALERTS') => {
    const r = slack.responseUrl();
    const payload = {
      type: 'message_action',
      callback_id: callbackId,
      team: { id: 'T1', domain: 'test' },
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T1' },
      channel: { id: channel, name: 'data-alerts' },
      message: { type: 'message', ts: '1700000100.000200', ...message },
      message_ts: '1700000100.000200',
      response_url: r.url,
      trigger_id: `trig-${randomUUID()}`,
      token: 'legacy',
      action_ts: String(Date.now() / 1000),
    };
    const res = await post(`payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded');
    return { status: res.status, responseId: r.id };
  };

  const event: BotHarness['event'] = async (ev, o = {}) => {
    const body = JSON.stringify({
      token: 'legacy',
      team_id: 'T1',
      api_app_id: 'A1',
      type: 'event_callback',
      event_id: o.eventId ?? `Ev${randomUUID().slice(0, 8)}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true }],
      event: ev,
    });
    const res = await post(body, 'application/json', o.retryNum ? { 'x-slack-retry-num': String(o.retryNum), 'x-slack-retry-reason': 'http_timeout' } : {});
    return { status: res.status };
  };

  const harness: BotHarness = {
    ...h,
    dev,
    bot,
    slack,
    acks,
    botUrl,
    dbPath,
    dbTarget: config.databaseUrl ?? dbPath,
    restart: async () => {
      await bot.stop();
      bot = await startBot(config, clients, logger, botOptions);
      botUrl = `http://127.0.0.1:${bot.port}`;
      harness.bot = bot;
      harness.botUrl = botUrl;
    },
    command,
    click,
    submitView,
    shortcut,
    event,
    post,
    answer: (id, nth = 0) => slack.waitForResponse(id, nth),
    close: async () => {
      await bot.stop();
      await slack.close();
      await h.close();
      await dev?.close();
    },
  };
  return harness;
}

/**
 * One harness for the enclosing file or describe block: started before its tests, closed after
 * them, and checked that nothing the bot sent broke a Block Kit limit. The returned object stands
 * for the harness once it has started.
 */
export function useBotHarness(opts: Parameters<typeof startBotHarness>[0] = {}): BotHarness {
  let current: BotHarness | undefined;
  beforeAll(async () => {
    current = await startBotHarness(opts);
  });
  afterAll(async () => {
    expect(current?.slack.violations).toEqual([]);
    await current?.close();
  });
  return new Proxy({} as BotHarness, {
    get(_t, prop) {
      if (!current) throw new Error('the bot harness is used before its beforeAll ran');
      const v = Reflect.get(current, prop, current) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(current) : v;
    },
  });
}
