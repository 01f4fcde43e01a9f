/** The bot as a child process (test/helpers/bot-child.ts), for the tests that SIGKILL it and start it again. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SIGNING_SECRET } from './bot.js';

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
