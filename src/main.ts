/**
 * Composition root: read configuration, connect to Studio (starting the embedded sandbox when no
 * Studio credentials are set), and run.
 *
 * At this stage the product is the Studio client and the sandbox; the Slack app is wired here by
 * the next issue.
 */
import { registerHandlers } from '../handlers/index.js';
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { type Logger, createLogger } from './logger.js';
import { AlertService } from './alerts/service.js';
import type { SlackPoster } from './alerts/sender.js';
import { RunWatcher } from './ops/run-watcher.js';
import { type Services, buildServices } from './services.js';
import { type SlackApp, createSlackApp } from './slack/app.js';
import { SlackDirectory } from './slack/directory.js';
import { slackRunFinishedNotifier } from './slack/notify.js';
import { slackPoster } from './slack/poster.js';
import type { StudioClient } from './studio/client.js';
import { connectStudio } from './studio/connect.js';
import { StudioError } from './studio/errors.js';

export interface RunningBot {
  port: number;
  services: Services;
  slack: SlackApp;
  watcher: RunWatcher;
  stop(): Promise<void>;
}

/** The Slack app on a Studio connection: services, handlers, start-up reconciliation, run watcher. */
export interface BotOptions {
  now?: () => number;
  /** Tests drive the alert sender on a virtual clock. */
  sleep?: (ms: number) => Promise<void>;
  poster?: SlackPoster;
  minSendIntervalMs?: number;
  /** Start the alert poll timer (tests poll by hand). */
  autoPoll?: boolean;
}

export async function startBot(config: AppConfig, studio: StudioClient, logger: Logger, opts: BotOptions = {}): Promise<RunningBot> {
  if (config.slack.mode === 'none') throw new Error('startBot needs Slack configuration (SLACK_BOT_TOKEN …)');
  const slack = createSlackApp(config.slack, logger);
  const services = buildServices({ config, studio, logger, now: opts.now, directoryFor: (policy) => new SlackDirectory(slack.app.client, policy) });
  services.alerts = new AlertService({
    db: services.db,
    studio,
    diagnoser: services.diagnoser,
    policy: services.policy,
    operations: services.operations,
    config: config.alerts,
    poster: opts.poster ?? slackPoster(config.slack.botToken, config.slack.apiUrl),
    logger,
    now: services.now,
    sleep: opts.sleep,
    minSendIntervalMs: opts.minSendIntervalMs,
  });
  registerHandlers(slack.app, services);
  const reconciled = await services.operations.reconcile();
  if (reconciled.checked > 0) logger.warn(reconciled, 'reconciled operations left unfinished by an earlier stop');
  const watcher = new RunWatcher(studio, services.ops, slackRunFinishedNotifier(slack.app.client, studio, services.now), {
    intervalMs: config.runWatchSeconds * 1000,
    now: services.now,
    onError: (e) => logger.warn({ err: (e as Error).message }, 'run watcher'),
  });
  watcher.start();
  if (opts.autoPoll !== false) services.alerts.start();
  const { port } = await slack.start();
  return {
    port,
    services,
    slack,
    watcher,
    stop: async () => {
      watcher.stop();
      await services.alerts?.stop();
      await slack.stop();
      services.db.close();
    },
  };
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`Studio Ops Bot cannot start:\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  const conn = await connectStudio(config, logger);
  if (config.slack.mode !== 'none') {
    const bot = await startBot(config, conn.client, logger);
    process.stdout.write(
      config.slack.mode === 'http'
        ? `Studio Ops Bot: Slack HTTP mode on port ${bot.port} (events at /slack/events, health at /healthz)\n`
        : `Studio Ops Bot: Slack Socket Mode connected (health at :${bot.port}/healthz)\n`,
    );
    const stopAll = () => {
      bot.stop().then(() => conn.close()).finally(() => process.exit(0));
    };
    process.on('SIGINT', stopAll);
    process.on('SIGTERM', stopAll);
    return;
  }
  try {
    const session = await conn.client.getSession();
    const tasks = await conn.client.listTasks({ pageSize: 1 });
    const where = conn.sandbox ? `embedded Studio sandbox at ${conn.sandbox.url} (demo workspace "${conn.sandbox.workspace}")` : `Studio at ${conn.client.linkContext.baseUrl}`;
    process.stdout.write(
      [
        `Studio Ops Bot: connected to the ${where}`,
        `  workspace project ${session.projectId}, ${tasks.total} tasks`,
        conn.sandbox ? `  sandbox state is kept in ${config.sandboxDbPath}; delete it to start from the demo seed again` : '',
        '  No Slack tokens are set (SLACK_BOT_TOKEN …), so only Studio is running. See README "Install in Slack". Ctrl-C stops.',
      ]
        .filter(Boolean)
        .join('\n') + '\n',
    );
  } catch (e) {
    const text = e instanceof StudioError ? e.describe() : (e as Error).message;
    process.stderr.write(`Studio Ops Bot cannot reach Studio: ${text}\n`);
    await conn.close();
    process.exit(1);
  }
  const stop = () => {
    conn.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (!conn.sandbox) await conn.close(); // nothing long-running yet against a remote Studio
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  main().catch((e) => {
    process.stderr.write(`Studio Ops Bot failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
