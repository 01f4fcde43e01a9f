/**
 * What `npm start` runs with no Slack tokens: Studio (the sandbox unless STUDIO_* are set), the
 * playground playing Slack's part, and the bot connected to it in Socket Mode with a generated
 * app-level token — the way the manifest installs it (PLAYGROUND_SLACK_MODE=http: HTTP mode with a
 * generated signing secret instead).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { PACKAGE_ROOT } from '../paths.js';
import { type RunningBot, startBot } from '../bot.js';
import { request } from 'undici';
import { type StudioConnection, connectStudio } from '../studio-connection.js';
import { type RunningPlayground, manifestMessageShortcuts, startPlayground } from './server.js';
import { PLAYGROUND_CHANNELS } from './workspace.js';

export interface PlaygroundStack {
  url: string;
  playground: RunningPlayground;
  bot: RunningBot;
  studio: StudioConnection;
  close(): Promise<void>;
}

/** The playground's people: an admin, an operator and a viewer. */
export const PLAYGROUND_POLICY = `# Playground policy (generated): try every role with the user switcher.
grants:
  - role: admin
    users: [U0ADMIN]
    scope: ["*"]
  - role: operator
    users: [U0OPS]
    scope: ["*"]
limits:
  backfill_max_days: { operator: 7, admin: 31 }
alerts:
  owners: { alice: U0ADMIN, bob: U0OPS, carol: U0OPS, legacy_etl: U0ADMIN }
`;

export interface PlaygroundStackOptions {
  port?: number;
  sandbox?: { runDurationMs?: [number, number]; failureRate?: number };
  /** Socket Mode: how long an envelope may stay unacknowledged before the playground sends it again. */
  ackTimeoutMs?: number;
}

export async function startPlaygroundStack(config: AppConfig, logger: Logger, opts: PlaygroundStackOptions = {}): Promise<PlaygroundStack> {
  const signingSecret = randomBytes(24).toString('hex');
  const mode = config.playgroundSlackMode ?? 'socket';
  const appToken = `xapp-1-A0PLAY-${randomBytes(12).toString('hex')}`;
  // The playground's channels live as long as the bot's database: beside it, or nowhere.
  const stateFile = config.databasePath === ':memory:' ? undefined : join(dirname(config.databasePath), 'playground.json');
  if (stateFile) mkdirSync(dirname(stateFile), { recursive: true });
  // Channels kept without the bot's database would show cards the bot no longer knows: start both fresh.
  if (stateFile && !existsSync(config.databasePath)) rmSync(stateFile, { force: true });
  const manifest = join(PACKAGE_ROOT, 'manifest.yml');
  const messageShortcuts = existsSync(manifest) ? manifestMessageShortcuts(readFileSync(manifest, 'utf8')) : [];
  const playground = await startPlayground({
    port: opts.port ?? config.slack.port,
    host: config.playgroundHost,
    signingSecret,
    mode,
    appToken,
    ackTimeoutMs: opts.ackTimeoutMs,
    stateFile,
    messageShortcuts,
  });
  const studio = await connectStudio(config, logger, opts.sandbox);
  let policyFile = config.policyFile;
  if (!policyFile) {
    policyFile =
      config.databasePath === ':memory:'
        ? join(process.env.TMPDIR ?? '/tmp', `studio-ops-playground-${process.pid}.yml`)
        : join(dirname(config.databasePath), 'playground-policy.yml');
    mkdirSync(dirname(policyFile), { recursive: true });
    writeFileSync(policyFile, PLAYGROUND_POLICY);
  }
  const botConfig: AppConfig = {
    ...config,
    policyFile,
    slack:
      mode === 'socket'
        ? { mode: 'socket', botToken: 'xoxb-playground', appToken, signingSecret: undefined, port: 0, apiUrl: `${playground.url}/api/` }
        : { mode: 'http', botToken: 'xoxb-playground', signingSecret, port: 0, apiUrl: `${playground.url}/api/` },
    alerts: { ...config.alerts, channels: config.alerts.channels ?? `*=${PLAYGROUND_CHANNELS[0]!.id}` },
    // Several workspaces: the default one's alerts go to #data-alerts unless the file says where.
    workspaces: config.workspaces && {
      ...config.workspaces,
      list: config.workspaces.list.map((w) =>
        w.name === config.workspaces!.default ? { ...w, alertChannels: w.alertChannels ?? config.alerts.channels ?? `*=${PLAYGROUND_CHANNELS[0]!.id}` } : w,
      ),
    },
  };
  const bot = await startBot(botConfig, studio.clients, logger);
  // HTTP mode: where the playground sends signed requests (in Socket Mode the bot connected itself).
  playground.setBotUrl(`http://127.0.0.1:${bot.port}`);
  playground.setOpsRoutes(bot.opsRoutes);
  // Studio is the sandbox: the page may start a slow day (a baseline card without waiting for the chain's hour).
  const sandbox = studio.sandbox;
  // Through the sandbox's own admin route, as a test or a person with its token would: the playground does not reach into the sandbox's code.
  if (sandbox)
    playground.setSandboxControls({
      slowDay: async (task, factor) => {
        const res = await request(`${sandbox.url}/__sandbox/slow-day`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sandbox-admin': sandbox.accessToken },
          body: JSON.stringify({ task, ...(factor === undefined ? {} : { factor }) }),
        });
        const answer = (await res.body.json()) as {
          code: number | string;
          message?: string;
          data?: { slow: { task: string; usualMs: number; durationMs: number }; planTime: number };
        };
        return answer.code === 0 && answer.data ? answer.data : { error: answer.message ?? `the sandbox answered ${res.statusCode}` };
      },
      now: () => sandbox.sim.now(),
      pollSeconds: botConfig.alerts.pollSeconds,
    });
  return {
    url: playground.url,
    playground,
    bot,
    studio,
    close: async () => {
      await bot.stop();
      await playground.close();
      await studio.close();
    },
  };
}
