/**
 * The bot on a Studio connection: services, Slack handlers, start-up reconciliation, the run watcher,
 * the alert poller, the audit anchor, and the operator's endpoints (/healthz, /readyz, /metrics).
 * Used by the program (src/main.ts), the playground stack, tests and benchmarks.
 */
import { registerHandlers } from '../handlers/index.js';
import { type InteractionObserver, limitWorkAfterAck, WorkLimiter } from './slack/work-limit.js';
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
import { Metrics } from './observability/metrics.js';
import { type OpsRoutes, type ReadinessCheck, opsRoutes } from './observability/endpoints.js';
import { databaseState, databaseWritable } from './observability/state.js';
import { SUBCOMMANDS } from './ops/commands.js';

export interface RunningBot {
  port: number;
  services: Services;
  slack: SlackApp;
  watcher: RunWatcher;
  /** Work in progress and waiting after acks. */
  work: WorkLimiter;
  /** Prometheus metrics of this bot (served at /metrics). */
  metrics: Metrics;
  /** /healthz, /readyz and /metrics: served on the bot's port; the playground serves them too. */
  opsRoutes: OpsRoutes;
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
  /** Node's process metrics (CPU, memory, event loop) in /metrics (default true). */
  processMetrics?: boolean;
}

/** The endpoint's name without the common prefix: `taskInst/list`, `lh/submitJob`. */
function endpointLabel(path: string): string {
  return path.replace(/^\/ide-admin\/v1\//, '').replace(/^\//, '');
}

/**
 * What /readyz checks: the database takes a write; Studio answered within the last poll interval
 * (twice it, at least a minute) or answers a one-row read now; Slack is connected (Socket Mode: the
 * socket is up; HTTP mode: Slack accepts the bot token, checked at most once a minute).
 */
function readinessChecks(config: AppConfig, services: Services, studio: StudioClient, slack: SlackApp, metrics: Metrics): ReadinessCheck[] {
  const recentMs = Math.max(2 * config.alerts.pollSeconds, 60) * 1000;
  let slackOkAt = 0;
  return [
    { name: 'database', check: databaseWritable(services.db, Date.now) },
    {
      name: 'studio',
      check: async () => {
        // Trusted without a probe only while the latest call got an answer.
        if (metrics.studioLastCallOk !== false && Date.now() - metrics.studioLastAnswerAt < recentMs) return undefined;
        try {
          await studio.listFolders({ pageSize: 1 });
          return undefined;
        } catch (e) {
          return `Studio did not answer: ${(e as Error).message}`;
        }
      },
    },
    {
      name: 'slack',
      check: async () => {
        const socket = slack.connected();
        if (socket !== undefined) return socket ? undefined : 'the Socket Mode connection is down (reconnecting)';
        if (Date.now() - slackOkAt < 60_000) return undefined;
        try {
          await slack.app.client.auth.test();
          slackOkAt = Date.now();
          return undefined;
        } catch (e) {
          return `Slack did not accept the bot token: ${(e as Error).message}`;
        }
      },
    },
  ];
}

export async function startBot(config: AppConfig, studio: StudioClient, logger: Logger, opts: BotOptions = {}): Promise<RunningBot> {
  if (config.slack.mode === 'none') throw new Error('startBot needs Slack configuration (SLACK_BOT_TOKEN …)');
  const slack = createSlackApp(config.slack, logger);
  const metrics = new Metrics({ defaultMetrics: opts.processMetrics });
  studio.observe({
    attempt: (a) => metrics.studioCall(endpointLabel(a.path), a.outcome, a.ms / 1000, a.answered, Date.now()),
    retry: (path) => metrics.studioRetry(endpointLabel(path)),
  });
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
    onPoll: (seconds, ok) => metrics.alertPolled(seconds, ok),
  });
  metrics.setSources(databaseState(services.db, services.now));
  const work = new WorkLimiter(opts.workConcurrency);
  const observer: InteractionObserver = (e) => {
    metrics.interaction(e.kind, e.name, e.outcome);
    if (e.ackMs !== undefined) metrics.acked(e.kind, e.ackMs / 1000);
    metrics.replied(e.kind, e.totalMs / 1000);
  };
  registerHandlers(limitWorkAfterAck(slack.app, work, { observer, commands: new Set(SUBCOMMANDS.map((c) => c.name)) }), services);
  const routes = opsRoutes(metrics, readinessChecks(config, services, studio, slack, metrics));
  slack.setOpsRoutes(routes);
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
    metrics,
    opsRoutes: routes,
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
