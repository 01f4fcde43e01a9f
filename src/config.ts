/**
 * Environment → typed configuration.
 *
 * Every problem is reported as one line naming the variable and how to fix it;
 * start-up stops when there is any (see `ConfigError`).
 */
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Studio reached over HTTP: either a real Studio or the embedded sandbox started by main. */
export type StudioTarget =
  | { mode: 'sandbox' }
  | { mode: 'remote'; url: string; accessToken: string; instance: string; workspace: string };

export interface AppConfig {
  studio: StudioTarget;
  databasePath: string;
  logLevel: LogLevel;
  /** Per-request timeout for Studio calls. */
  studioTimeoutMs: number;
  /** Embedded sandbox: port (0 = any free port) and database file. */
  sandboxPort: number;
  sandboxDbPath: string;
}

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
  STUDIO_TIMEOUT_MS: 'use a whole number of milliseconds between 1000 and 600000',
  SANDBOX_PORT: 'use a port number from 0 to 65535 (0 picks a free port)',
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

  if (problems.length > 0) throw new ConfigError(problems);
  return { studio, databasePath, logLevel, studioTimeoutMs, sandboxPort, sandboxDbPath };
}
