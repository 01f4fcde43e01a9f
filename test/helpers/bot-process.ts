/** The bot as a child process (test/helpers/bot-child.ts), for the tests that SIGKILL it and start it again. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll } from 'vitest';
import { POLICY, SIGNING_SECRET, signedSlackClient } from './bot.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';

/** The environment every child bot shares: its files in `dir`, the fake Slack, a quick run watcher, silence. */
export function childBotEnv(dir: string, slackApiUrl: string): Record<string, string> {
  return {
    STUDIO_TIMEOUT_MS: '2000',
    DATABASE_PATH: join(dir, 'bot.db'),
    POLICY_FILE: join(dir, 'policy.yml'),
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApiUrl,
    PORT: '0',
    RUN_WATCH_SECONDS: '1',
    LOG_LEVEL: 'silent',
  };
}

/** The STUDIO_* variables that point a child bot at a sandbox running in the test process. */
export function sandboxStudioEnv(sb: { url: string; accessToken: string; instance: string; workspace: string }): Record<string, string> {
  return { STUDIO_URL: sb.url, STUDIO_ACCESS_TOKEN: sb.accessToken, STUDIO_INSTANCE: sb.instance, STUDIO_WORKSPACE: sb.workspace };
}

/** Start the bot with `env` (as production reads it); resolves with the process and its port once it listens. */
export async function spawnBot(env: Record<string, string | undefined>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/bot-child.ts'], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'], env });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bot exited with ${code}`)));
  });
  return { child, port: (JSON.parse(line) as { port: number }).port };
}

/** SIGKILL, and wait until the process is gone. */
export function killBot(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A suite's bot in a child process (`useChildBot`): started before the tests, killed and started again by them. */
export interface ChildBot {
  /** The bot's directory: its database(s), policy.yml, and whatever the suite writes there. */
  readonly dir: string;
  readonly slack: FakeSlack;
  readonly child: ChildProcess | undefined;
  /** Start the bot (again) on the same directory; `extraEnv` on top of the suite's. */
  start(extraEnv?: Record<string, string>): Promise<void>;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** Signed Slack requests to the bot as it runs now (the port changes with each start). */
  client(): ReturnType<typeof signedSlackClient>;
  /** A fresh directory (with the policy) for the next start: a bot with a new database. */
  moveTo(prefix: string): void;
}

/**
 * The set-up the SIGKILL suites share: a directory with the test policy, the fake Slack, the suite's
 * Studio (`studio` starts it, once the directory exists, and returns what stops it) and the bot,
 * configured by `env` as production reads it (called at each start); all of it stopped after the suite.
 */
export function useChildBot(o: {
  prefix: string;
  studio: () => Promise<() => Promise<void>>;
  env: () => Record<string, string | undefined>;
  /** What this suite changes of the shared child environment (`childBotEnv`). */
  overrides?: Record<string, string>;
}): ChildBot {
  let dir = '';
  let slack: FakeSlack | undefined;
  let child: ChildProcess | undefined;
  let port = 0;
  let stopStudio: (() => Promise<void>) | undefined;
  const bot: ChildBot = {
    get dir() {
      return dir;
    },
    get slack() {
      return slack!;
    },
    get child() {
      return child;
    },
    start: async (extraEnv = {}) => {
      ({ child, port } = await spawnBot({ ...o.env(), ...childBotEnv(dir, slack!.apiUrl), ...o.overrides, ...extraEnv }));
    },
    kill: () => killBot(child!),
    client: () => signedSlackClient(() => `http://127.0.0.1:${port}`, slack!),
    moveTo: (prefix) => {
      dir = mkdtempSync(join(tmpdir(), prefix));
      writeFileSync(join(dir, 'policy.yml'), POLICY);
    },
  };
  beforeAll(async () => {
    bot.moveTo(o.prefix);
    stopStudio = await o.studio();
    slack = await startFakeSlack();
    await bot.start();
  }, 60_000);
  afterAll(async () => {
    child?.kill('SIGKILL');
    await slack?.close();
    await stopStudio?.();
  });
  return bot;
}
