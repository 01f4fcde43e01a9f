/**
 * What `npm start` runs with no Slack tokens: Studio (the sandbox unless STUDIO_* are set), the
 * bot in HTTP mode with a generated signing secret, and the playground playing Slack's part.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { type RunningBot, startBot } from '../main.js';
import { type StudioConnection, connectStudio } from '../studio/connect.js';
import { type RunningPlayground, startPlayground } from './server.js';
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

export async function startPlaygroundStack(config: AppConfig, logger: Logger, opts: { port?: number; sandbox?: { runDurationMs?: [number, number]; failureRate?: number } } = {}): Promise<PlaygroundStack> {
  const signingSecret = randomBytes(24).toString('hex');
  const playground = await startPlayground({ port: opts.port ?? config.slack.port, signingSecret });
  const studio = await connectStudio(config, logger, opts.sandbox);
  let policyFile = config.policyFile;
  if (!policyFile) {
    policyFile = config.databasePath === ':memory:' ? join(process.env.TMPDIR ?? '/tmp', `studio-ops-playground-${process.pid}.yml`) : join(dirname(config.databasePath), 'playground-policy.yml');
    mkdirSync(dirname(policyFile), { recursive: true });
    writeFileSync(policyFile, PLAYGROUND_POLICY);
  }
  const botConfig: AppConfig = {
    ...config,
    policyFile,
    slack: { mode: 'http', botToken: 'xoxb-playground', signingSecret, port: 0, apiUrl: `${playground.url}/api/` },
    alerts: { ...config.alerts, channels: config.alerts.channels ?? `*=${PLAYGROUND_CHANNELS[0]!.id}` },
  };
  const bot = await startBot(botConfig, studio.client, logger);
  playground.setBotUrl(`http://127.0.0.1:${bot.port}`);
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
