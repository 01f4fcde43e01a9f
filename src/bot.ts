/**
 * The bot on a Studio connection: services, Slack handlers, start-up reconciliation, the run watcher,
 * the alert poller, the audit anchor, and the operator's endpoints (/healthz, /readyz, /metrics).
 * Used by the program (src/main.ts), the playground stack, tests and benchmarks.
 */
import { registerHandlers } from '../handlers/index.js';
import { limitWorkAfterAck, WorkLimiter } from './slack/work-limit.js';
import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';
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
