/**
 * Environment → typed configuration.
 *
 * Every problem is reported as one line naming the variable and how to fix it;
 * start-up stops when there is any (see `ConfigError`).
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { type WorkspacesConfig, loadWorkspacesFile, singleWorkspace } from './workspaces.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Studio reached over HTTP: either a real Studio or the embedded sandbox started by main. */
export type StudioTarget = { mode: 'sandbox' } | { mode: 'remote'; url: string; accessToken: string; instance: string; workspace: string };

export interface AppConfig {
  /** The default workspace's Studio (the only one unless WORKSPACES_FILE lists several). */
  studio: StudioTarget;
  /** Every Studio workspace the bot serves, the default and the channels' defaults (unset: `studio` alone; see workspacesOf). */
  workspaces?: WorkspacesConfig;
  databasePath: string;
  /**
   * DATABASE_URL: PostgreSQL, shared by every replica (unset: the SQLite file at databasePath).
   * databasePath's directory still holds this process's own files (the audit anchors).
   */
  databaseUrl?: string;
  /** DATABASE_THREADS: store threads on PostgreSQL, each with a connection of its own (default 3; see src/store/host.ts). */
  databaseThreads?: number;
  /** This process among replicas, and the lease for the work one replica does at a time. */
  replica?: ReplicaConfig;
  logLevel: LogLevel;
  /** Per-request timeout for Studio calls. */
  studioTimeoutMs: number;
  /** Embedded sandbox: port (0 = any free port) and database file. */
  sandboxPort: number;
  sandboxDbPath: string;
  slack: SlackConfig;
  /** YAML policy file: who may do what; unset ⇒ everyone is a viewer. */
  policyFile: string | undefined;
  /** How often a rerun started from Slack is checked until it finishes. */
  runWatchSeconds: number;
  /** Window within which an identical operation is answered with the first result. */
  idempotencyWindowSeconds: number;
  alerts: AlertConfig;
  /** INTEGRATION (sync) VCluster names for the standards review; unset: names containing sync/integration. */
  integrationVClusters: string[] | undefined;
  /** Lakehouse SQL (metadata and counts, read-only): the VCluster it runs on and its time limit. */
  lakehouse: { vcluster: string; timeoutMs: number };
  /** The audit chain: where its head is anchored besides the anchors file and the log, and how often. */
  audit?: AuditConfig;
  /** With no Slack tokens: how the bot talks to the playground (Socket Mode, as the manifest installs it, unless PLAYGROUND_SLACK_MODE=http). */
  playgroundSlackMode?: 'socket' | 'http';
  /** With no Slack tokens: the address the playground listens on (loopback unless asked; it acts as any user). */
  playgroundHost?: string;
  /** How long one diagnosis of a log may read, off the event loop (DIAGNOSIS_BUDGET_SECONDS; default 5 s). */
  diagnosisBudgetMs?: number;
}

export interface ReplicaConfig {
  /** REPLICA_ID, or the host name (a pod's name in Kubernetes): one per running process. */
  id: string;
  /** LEASE_SECONDS: how long a lease lasts unless renewed (renewed every third of it). */
  leaseSeconds: number;
}

export interface AuditConfig {
  /** Slack channel that receives the anchors, at most one a minute (unset: the anchors file and the log only). */
  channel: string | undefined;
  /** The lease holder re-anchors the head this often (rows of a replica that died before anchoring them). */
  anchorMinutes: number;
  /** AUDIT_ANCHOR_SECONDS: an appended row is anchored within this many seconds (and anchors are at most this often; an outcome within a second). */
  anchorSeconds?: number;
  /** AUDIT_ANCHORS_MIRROR: a second anchors file, in another folder (volume) than the database's. */
  mirror?: string;
}

export interface AlertConfig {
  /** ALERT_CHANNELS as written (parsed by the alert router). */
  channels: string | undefined;
  pollSeconds: number;
  /** A task failing again for the same cause within this window updates its card. */
  groupWindowHours: number;
  /** How far back each poll looks for failures (they are recorded, so nothing is alerted twice). */
  lookbackHours: number;
  /** More new groups than this in one poll and channel: a storm digest first, the cards in its thread (default 10). */
  stormThreshold?: number;
  /** A successful run writing this many percent fewer rows than the dates before it raises a card (0 rows always does; default 50). */
  emptyOutputDropPercent?: number;
  /** ALERT_HEARTBEAT_URL: pinged after each good alert poll, for an external dead-man switch. */
  heartbeatUrl?: string;
}

/**
 * Slack: Socket Mode when SLACK_APP_TOKEN is set, HTTP mode otherwise; `none` when no Slack token
 * is set at all (the local playground plays Slack's part then).
 */
export type SlackConfig =
  | { mode: 'none'; port: number; apiUrl: string | undefined }
  | { mode: 'http'; botToken: string; signingSecret: string; port: number; apiUrl: string | undefined }
  | { mode: 'socket'; botToken: string; appToken: string; signingSecret: string | undefined; port: number; apiUrl: string | undefined };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const STUDIO_VARS = ['STUDIO_URL', 'STUDIO_ACCESS_TOKEN', 'STUDIO_INSTANCE', 'STUDIO_WORKSPACE'] as const;

const studioUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://');
const identifier = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "-" and "."');

const FIXES: Record<string, string> = {
  STUDIO_URL: 'set it to your region endpoint, e.g. https://cn-shanghai-alicloud.api.clickzetta.com',
  STUDIO_ACCESS_TOKEN: 'create a personal access token in Studio (user menu → Access tokens) and set it here',
  STUDIO_INSTANCE: 'set it to your Lakehouse instance name (the first label of your Studio host name)',
  STUDIO_WORKSPACE: 'set it to the workspace name as shown in Studio',
  LOG_LEVEL: `use one of ${LOG_LEVELS.join(', ')}`,
  DATABASE_PATH: 'set it to a writable file path, e.g. ./data/studio-ops.db',
  DATABASE_URL: 'use a PostgreSQL connection string, e.g. postgres://studio_ops:PASSWORD@db.internal:5432/studio_ops (or unset it for the embedded SQLite file)',
  REPLICA_ID: 'use letters, digits, ".", "_" and "-" (one id per running process; the host name when unset)',
  LEASE_SECONDS: 'use a whole number of seconds from 3 to 300',
  DATABASE_THREADS: 'use a whole number of store threads from 1 to 32 (each a PostgreSQL connection)',
  AUDIT_KEY: 'generate one with `openssl rand -hex 32`, or unset it to let the bot create a key file beside the database',
  AUDIT_OLD_KEYS: 'list the earlier AUDIT_KEY values, comma-separated, each 64+ hex characters',
  STUDIO_TIMEOUT_MS: 'use a whole number of milliseconds between 1000 and 600000',
  SANDBOX_PORT: 'use a port number from 0 to 65535 (0 picks a free port)',
  PORT: 'use a port number from 0 to 65535',
  SLACK_BOT_TOKEN: "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page",
  SLACK_SIGNING_SECRET: "copy the Signing Secret from your app's Basic Information page (needed in HTTP mode)",
  SLACK_APP_TOKEN: 'create an app-level token (xapp-…) with connections:write under Basic Information → App-Level Tokens',
  SLACK_API_URL: 'use an http(s) URL ending in /api/, e.g. http://127.0.0.1:3001/api/',
  POLICY_FILE: 'point it at a readable YAML policy file (see README, "Permissions")',
  RUN_WATCH_SECONDS: 'use a whole number of seconds from 1 to 3600',
  DIAGNOSIS_BUDGET_SECONDS: 'use a whole number of seconds from 1 to 60',
  IDEMPOTENCY_WINDOW_SECONDS: 'use a whole number of seconds from 1 to 86400',
  ALERT_CHANNELS: 'write pattern=CHANNEL_ID pairs separated by commas, e.g. ecommerce_dw=C0123ALERTS,*=C0456DATA',
  ALERT_POLL_SECONDS: 'use a whole number of seconds from 5 to 3600',
  ALERT_GROUP_WINDOW_HOURS: 'use a whole number of hours from 1 to 168',
  ALERT_LOOKBACK_HOURS: 'use a whole number of hours from 1 to 336',
  WORKSPACES_FILE: 'unset STUDIO_URL, STUDIO_ACCESS_TOKEN, STUDIO_INSTANCE and STUDIO_WORKSPACE, or unset WORKSPACES_FILE',
};

function blank(v: string | undefined): boolean {
  return v === undefined || v.trim() === '';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const complain = (name: string, what: string) => problems.push(`${name} ${what}: ${FIXES[name] ?? 'fix it'}`);

  // Studio: all four set → remote; none set → embedded sandbox; anything in between is an error.
  const present = STUDIO_VARS.filter((n) => !blank(env[n]));
  let studio: StudioTarget = { mode: 'sandbox' };
  if (present.length > 0 && present.length < STUDIO_VARS.length) {
    for (const name of STUDIO_VARS) {
      if (blank(env[name])) {
        complain(name, `is missing (the other STUDIO_* variables are set; set all four, or none to use the embedded sandbox)`);
      }
    }
  } else if (present.length === STUDIO_VARS.length) {
    const url = studioUrl.safeParse(env.STUDIO_URL!.trim());
    if (!url.success) complain('STUDIO_URL', `is not a valid URL (${JSON.stringify(env.STUDIO_URL)})`);
    const instance = identifier.safeParse(env.STUDIO_INSTANCE!.trim());
    if (!instance.success) complain('STUDIO_INSTANCE', `is not a valid instance name (${JSON.stringify(env.STUDIO_INSTANCE)})`);
    const token = env.STUDIO_ACCESS_TOKEN!.trim();
    if (token.length < 8) complain('STUDIO_ACCESS_TOKEN', 'looks too short to be an access token');
    studio = {
      mode: 'remote',
      url: env.STUDIO_URL!.trim().replace(/\/+$/, ''),
      accessToken: token,
      instance: env.STUDIO_INSTANCE!.trim(),
      workspace: env.STUDIO_WORKSPACE!.trim(),
    };
  }

  let logLevel: LogLevel = 'info';
  if (!blank(env.LOG_LEVEL)) {
    const lv = z.enum(LOG_LEVELS).safeParse(env.LOG_LEVEL!.trim().toLowerCase());
    if (lv.success) logLevel = lv.data;
    else complain('LOG_LEVEL', `is ${JSON.stringify(env.LOG_LEVEL)}, which is not a log level`);
  }

  let databasePath = './data/studio-ops.db';
  if (env.DATABASE_PATH !== undefined) {
    if (blank(env.DATABASE_PATH)) complain('DATABASE_PATH', 'is set but empty');
    else databasePath = env.DATABASE_PATH.trim();
  }

  let databaseUrl: string | undefined;
  if (!blank(env.DATABASE_URL)) {
    // Never echoed: it may hold a password.
    let ok = false;
    try {
      const u = new URL(env.DATABASE_URL!.trim());
      ok = /^postgres(ql)?:$/.test(u.protocol) && u.hostname !== '';
    } catch {
      ok = false;
    }
    if (ok) databaseUrl = env.DATABASE_URL!.trim();
    else complain('DATABASE_URL', 'is not a postgres:// connection string');
    // Replicas append to one audit chain: they must sign it with one key, not each its own key file.
    if (blank(env.AUDIT_KEY))
      problems.push(
        'AUDIT_KEY is missing: with DATABASE_URL every replica signs the one audit chain, so they must share its key; generate one with `openssl rand -hex 32` and give every replica the same value',
      );
  }
  const replicaId = (env.REPLICA_ID ?? '').trim() || hostname();
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(replicaId)) complain('REPLICA_ID', `is ${JSON.stringify(replicaId)}`);

  let studioTimeoutMs = 60_000;
  if (!blank(env.STUDIO_TIMEOUT_MS)) {
    const t = z.coerce.number().int().min(1000).max(600_000).safeParse(env.STUDIO_TIMEOUT_MS);
    if (t.success) studioTimeoutMs = t.data;
    else complain('STUDIO_TIMEOUT_MS', `is ${JSON.stringify(env.STUDIO_TIMEOUT_MS)}`);
  }

  let sandboxPort = 0;
  if (!blank(env.SANDBOX_PORT)) {
    const p = z.coerce.number().int().min(0).max(65535).safeParse(env.SANDBOX_PORT);
    if (p.success) sandboxPort = p.data;
    else complain('SANDBOX_PORT', `is ${JSON.stringify(env.SANDBOX_PORT)}`);
  }
  // The sandbox keeps its workspace next to the bot's own database (in memory when that is).
  const sandboxDbPath = databasePath === ':memory:' ? ':memory:' : join(dirname(databasePath), 'sandbox.db');

  const intVar = (name: string, def: number, min: number, max: number): number => {
    if (blank(env[name])) return def;
    const r = z.coerce.number().int().min(min).max(max).safeParse(env[name]);
    if (r.success) return r.data;
    complain(name, `is ${JSON.stringify(env[name])}`);
    return def;
  };
  const port = intVar('PORT', 3000, 0, 65535);
  const runWatchSeconds = intVar('RUN_WATCH_SECONDS', 15, 1, 3600);
  const replica: ReplicaConfig = { id: replicaId, leaseSeconds: intVar('LEASE_SECONDS', 15, 3, 300) };
  // Unset: the store host's default (src/store/host.ts).
  const databaseThreads = blank(env.DATABASE_THREADS) ? undefined : intVar('DATABASE_THREADS', 3, 1, 32);
  const idempotencyWindowSeconds = intVar('IDEMPOTENCY_WINDOW_SECONDS', 600, 1, 86_400);
  const diagnosisBudgetMs = intVar('DIAGNOSIS_BUDGET_SECONDS', 5, 1, 60) * 1000;

  let apiUrl: string | undefined;
  if (!blank(env.SLACK_API_URL)) {
    const u = studioUrl.safeParse(env.SLACK_API_URL!.trim());
    if (u.success) apiUrl = env.SLACK_API_URL!.trim().replace(/\/?$/, '/');
    else complain('SLACK_API_URL', `is not a valid URL (${JSON.stringify(env.SLACK_API_URL)})`);
  }
  let slack: SlackConfig = { mode: 'none', port, apiUrl };
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  const appToken = env.SLACK_APP_TOKEN?.trim();
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim();
  if (botToken || appToken || signingSecret) {
    if (!botToken) complain('SLACK_BOT_TOKEN', 'is missing (other SLACK_* variables are set)');
    else if (!/^xox[bp]-/.test(botToken)) complain('SLACK_BOT_TOKEN', 'does not look like a bot token (it starts with xoxb-)');
    if (appToken) {
      if (!appToken.startsWith('xapp-')) complain('SLACK_APP_TOKEN', 'does not look like an app-level token (it starts with xapp-)');
      slack = { mode: 'socket', botToken: botToken ?? '', appToken, signingSecret: signingSecret || undefined, port, apiUrl };
    } else {
      if (!signingSecret) complain('SLACK_SIGNING_SECRET', 'is missing (HTTP mode verifies every request with it; or set SLACK_APP_TOKEN for Socket Mode)');
      slack = { mode: 'http', botToken: botToken ?? '', signingSecret: signingSecret ?? '', port, apiUrl };
    }
  }

  let policyFile: string | undefined;
  if (!blank(env.POLICY_FILE)) {
    policyFile = env.POLICY_FILE!.trim();
    if (!existsSync(policyFile)) complain('POLICY_FILE', `names ${JSON.stringify(policyFile)}, which does not exist`);
  }

  const alerts: AlertConfig = {
    channels: blank(env.ALERT_CHANNELS) ? undefined : env.ALERT_CHANNELS!.trim(),
    pollSeconds: intVar('ALERT_POLL_SECONDS', 60, 5, 3600),
    groupWindowHours: intVar('ALERT_GROUP_WINDOW_HOURS', 24, 1, 168),
    lookbackHours: intVar('ALERT_LOOKBACK_HOURS', 48, 1, 336),
    stormThreshold: intVar('ALERT_STORM_THRESHOLD', 10, 1, 100_000),
    emptyOutputDropPercent: intVar('ALERT_OUTPUT_DROP_PERCENT', 50, 1, 100),
    heartbeatUrl: blank(env.ALERT_HEARTBEAT_URL) ? undefined : env.ALERT_HEARTBEAT_URL!.trim(),
  };
  if (alerts.heartbeatUrl && !/^https?:\/\/\S+$/i.test(alerts.heartbeatUrl)) complain('ALERT_HEARTBEAT_URL', 'is not an http(s) URL');
  if (alerts.channels && !/^\s*[^=\s,]+\s*=\s*[A-Z0-9][A-Z0-9_-]+\s*(,\s*[^=\s,]+\s*=\s*[A-Z0-9][A-Z0-9_-]+\s*)*$/i.test(alerts.channels)) {
    complain('ALERT_CHANNELS', `is ${JSON.stringify(alerts.channels)}`);
  }

  if (!blank(env.AUDIT_KEY) && !/^[0-9a-fA-F]{64,}$/.test(env.AUDIT_KEY!.trim())) complain('AUDIT_KEY', 'is not at least 32 bytes of hex');
  for (const k of (env.AUDIT_OLD_KEYS ?? '').split(',').filter((x) => x.trim())) {
    if (!/^[0-9a-fA-F]{64,}$/.test(k.trim())) complain('AUDIT_OLD_KEYS', 'holds a key that is not at least 32 bytes of hex');
  }
  const audit: AuditConfig = {
    channel: blank(env.AUDIT_CHANNEL) ? undefined : env.AUDIT_CHANNEL!.trim(),
    anchorMinutes: intVar('AUDIT_ANCHOR_MINUTES', 60, 1, 1440),
    anchorSeconds: intVar('AUDIT_ANCHOR_SECONDS', 10, 1, 60),
  };
  if (!blank(env.AUDIT_ANCHORS_MIRROR)) {
    const mirror = resolve(env.AUDIT_ANCHORS_MIRROR!.trim());
    if (!existsSync(dirname(mirror))) complain('AUDIT_ANCHORS_MIRROR', `names ${JSON.stringify(mirror)}, whose folder does not exist`);
    else if (databasePath !== ':memory:' && dirname(mirror) === dirname(resolve(databasePath)))
      complain('AUDIT_ANCHORS_MIRROR', `is in the database's folder (${dirname(mirror)}): a copy there is lost with the anchors file; put it on another volume`);
    else audit.mirror = mirror;
  }

  const integrationVClusters = blank(env.INTEGRATION_VCLUSTERS)
    ? undefined
    : env
        .INTEGRATION_VCLUSTERS!.split(',')
        .map((s) => s.trim())
        .filter(Boolean);

  const lhVc = (env.LAKEHOUSE_VCLUSTER ?? '').trim() || 'default';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(lhVc)) complain('LAKEHOUSE_VCLUSTER', `is ${JSON.stringify(env.LAKEHOUSE_VCLUSTER)}; use a VCluster name (letters, digits, _)`);
  const lakehouse = { vcluster: lhVc, timeoutMs: intVar('LAKEHOUSE_SQL_TIMEOUT_SECONDS', 30, 1, 600) * 1000 };

  const pgMode = (env.PLAYGROUND_SLACK_MODE ?? '').trim().toLowerCase() || 'socket';
  if (pgMode !== 'socket' && pgMode !== 'http') complain('PLAYGROUND_SLACK_MODE', `is ${JSON.stringify(env.PLAYGROUND_SLACK_MODE)}; use socket (the default) or http`);
  const playgroundSlackMode = pgMode === 'http' ? 'http' : 'socket';
  const playgroundHost = (env.PLAYGROUND_HOST ?? '').trim() || '127.0.0.1';
  if (!/^[0-9A-Za-z.:-]+$/.test(playgroundHost))
    complain('PLAYGROUND_HOST', `is ${JSON.stringify(env.PLAYGROUND_HOST)}; use an address such as 127.0.0.1 (the default) or 0.0.0.0 (a container)`);

  let workspaces = singleWorkspace(studio, databasePath, alerts.channels);
  if (!blank(env.WORKSPACES_FILE)) {
    if (present.length > 0) complain('WORKSPACES_FILE', 'is set together with STUDIO_* variables; use one or the other (a workspace in the file takes its token from token_env)');
    const loaded = loadWorkspacesFile(env.WORKSPACES_FILE!.trim(), env, { databasePath, alertChannels: alerts.channels });
    problems.push(...loaded.problems);
    if (loaded.config) {
      workspaces = loaded.config;
      studio = workspaces.list.find((w) => w.name === workspaces.default)!.studio;
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    studio,
    workspaces,
    databasePath,
    databaseUrl,
    databaseThreads,
    replica,
    logLevel,
    studioTimeoutMs,
    sandboxPort,
    sandboxDbPath,
    slack,
    policyFile,
    runWatchSeconds,
    idempotencyWindowSeconds,
    alerts,
    integrationVClusters,
    lakehouse,
    audit,
    playgroundSlackMode,
    playgroundHost,
    diagnosisBudgetMs,
  };
}

/** The workspaces of a configuration: those of WORKSPACES_FILE, or `studio` as the one workspace. */
export function workspacesOf(config: AppConfig): WorkspacesConfig {
  return config.workspaces ?? singleWorkspace(config.studio, config.databasePath, config.alerts.channels);
}
