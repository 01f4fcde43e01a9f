/**
 * Composition root: read configuration, connect to Studio (starting the embedded sandbox when no
 * Studio credentials are set), and run.
 *
 * At this stage the product is the Studio client and the sandbox; the Slack app is wired here by
 * the next issue.
 */
import { registerHandlers } from '../handlers/index.js';
import { limitWorkAfterAck, WorkLimiter } from './slack/work-limit.js';
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { type Logger, createLogger } from './logger.js';
import { AlertService } from './alerts/service.js';
import type { SlackPoster } from './alerts/sender.js';
import { RunWatcher } from './ops/run-watcher.js';
import { type Services, buildServices } from './services.js';
import { type SlackApp, createSlackApp } from './slack/app.js';
import { SlackDirectory } from './slack/directory.js';
import { slackRunFinishedNotifier, slackVerifiedNotifier } from './slack/notify.js';
import { anchorsFilePath, appendAnchor } from './store/audit-key.js';
import { slackPoster } from './slack/poster.js';
import type { StudioClient } from './studio/client.js';
import { connectStudio } from './studio/connect.js';

export interface RunningBot {
  port: number;
  services: Services;
  slack: SlackApp;
  watcher: RunWatcher;
  /** Work in progress and waiting after acks. */
  work: WorkLimiter;
  /** Checkpoint the audit chain's head outside the database now (also done periodically). */
  anchorAudit(): Promise<void>;
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
  /** Listeners doing work after their ack at the same time (default 8); the rest wait in line. */
  workConcurrency?: number;
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
    lakehouse: services.lakehouse,
  });
  const work = new WorkLimiter(opts.workConcurrency);
  registerHandlers(limitWorkAfterAck(slack.app, work), services);
  // Replays are refused across restarts (and replicas): the signatures seen are in the database.
  slack.setReplayGuard?.((signature) => services.seenEvents.firstSeen(`sig:${signature}`));
  services.operations.onVerified(slackVerifiedNotifier(slack.app.client, services.now));
  const reconciled = await services.operations.reconcile();
  if (reconciled.checked > 0) logger.warn(reconciled, 'reconciled operations left unfinished by an earlier stop');
  const recovered = services.wizard.recover();
  if (recovered > 0) logger.warn({ sessions: recovered }, 'wizard builds interrupted by an earlier stop can be confirmed again');
  // Operations whose outcome is unknown are checked against Studio until it can tell.
  // The audit chain's head, anchored outside the database: at start, periodically, and at stop.
  const anchorsFile = anchorsFilePath(config.databasePath);
  let anchoredHash = '';
  const anchorAudit = async (): Promise<void> => {
    const a = services.audit.head(Date.now());
    if (a.rows === 0 || a.hash === anchoredHash) return;
    anchoredHash = a.hash;
    if (anchorsFile) appendAnchor(anchorsFile, a);
    logger.info({ auditAnchor: a }, 'audit chain anchored');
    if (config.audit?.channel) {
      await slack.app.client.chat
        .postMessage({ channel: config.audit.channel, text: `Audit anchor: ${a.rows} rows, last row ${a.lastId}, head ${a.hash}` })
        .catch((e: unknown) => logger.warn({ err: (e as Error).message }, 'audit anchor not posted'));
    }
  };
  await anchorAudit();
  const anchorTimer = setInterval(() => void anchorAudit(), (config.audit?.anchorMinutes ?? 60) * 60_000);
  anchorTimer.unref();
  const verifier = setInterval(
    () => {
      services.operations.verifyPending().catch((e: unknown) => logger.warn({ err: (e as Error).message }, 'verifying unknown outcomes'));
    },
    Math.max(1000, config.runWatchSeconds * 1000),
  );
  verifier.unref();
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
    work,
    anchorAudit,
    stop: async () => {
      clearInterval(verifier);
      clearInterval(anchorTimer);
      await anchorAudit().catch(() => undefined);
      watcher.stop();
      await services.alerts?.stop();
      await slack.stop();
      services.db.close();
    },
  };
}

async function main(): Promise<void> {
  // No request may end the process: a stray error is logged and the bot keeps serving.
  process.on('uncaughtException', (e) => process.stderr.write(`Studio Ops Bot: uncaught error (still running): ${e.stack ?? e.message}\n`));
  process.on('unhandledRejection', (e) => process.stderr.write(`Studio Ops Bot: unhandled rejection (still running): ${(e as Error)?.stack ?? String(e)}\n`));
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
  if (config.slack.mode === 'none') {
    // No Slack tokens: the playground plays Slack's part.
    const { startPlaygroundStack } = await import('./playground/stack.js');
    const stack = await startPlaygroundStack(config, logger);
    const where = stack.studio.sandbox
      ? `the embedded Studio sandbox at ${stack.studio.sandbox.url} (demo workspace)`
      : `Studio at ${config.studio.mode === 'remote' ? config.studio.url : ''}`;
    process.stdout.write(`Studio Ops Bot is running against ${where}.\nPlayground: ${stack.url}\n`);
    const stopAll = () => {
      stack.close().finally(() => process.exit(0));
    };
    process.on('SIGINT', stopAll);
    process.on('SIGTERM', stopAll);
    return;
  }
  const conn = await connectStudio(config, logger);
  const bot = await startBot(config, conn.client, logger);
  process.stdout.write(
    config.slack.mode === 'http'
      ? `Studio Ops Bot: Slack HTTP mode on port ${bot.port} (events at /slack/events, health at /healthz)\n`
      : `Studio Ops Bot: Slack Socket Mode connected (health at :${bot.port}/healthz)\n`,
  );
  const stopAll = () => {
    bot
      .stop()
      .then(() => conn.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
}

/** Runs the bot as a program: `tsx src/main.ts` (npm start) and `node dist/main.js` (the build). */
export function runMain(): void {
  main().catch((e) => {
    process.stderr.write(`Studio Ops Bot failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) runMain();
