/**
 * The bot on its Studio connections: per workspace, services on its own database, Slack handlers
 * (routed to it by src/slack/workspace-router.ts: `--ws`, channel defaults, tagged ids), start-up reconciliation, the
 * run watcher, the alert poller and the audit anchor; once, the Slack app and the operator's
 * endpoints (/healthz, /readyz, /metrics). Used by the program (src/main.ts), the playground stack,
 * tests and benchmarks.
 */
import { registerHandlers } from '../handlers/index.js';
import { showInterruptedChanges } from '../handlers/actions/pipeline-change.js';
import { type InteractionObserver, limitWorkAfterAck, WorkLimiter } from './slack/work-limit.js';
import { type AppConfig, workspacesOf } from './config.js';
import type { WorkspaceConfig } from './workspaces.js';
import { WorkspaceRouter, splitWorkspaceId, tagWorkspace, taggingClient, taggingPoster } from './slack/workspace-router.js';
import { parseAlertChannels } from './alerts/routing.js';
import { Policy, PolicyError } from './ops/policy.js';
import { actorFromCommand, actorFromPayload, ephemeral } from '../handlers/context.js';
import { type ClaimedIds, answerUnclaimed } from './slack/interactions.js';
import { referenceTarget } from './ops/references.js';
import { buildError, unclaimedMessage } from './blocks/replies.js';
import type { Logger } from './logger.js';
import { AlertService } from './alerts/service.js';
import type { SlackPoster } from './alerts/sender.js';
import { RunWatcher } from './ops/run-watcher.js';
import { type Services, buildServices } from './services.js';
import { type SlackApp, createSlackApp } from './slack/app.js';
import { SlackDirectory } from './slack/directory.js';
import { slackPeople } from './slack/people.js';
import { slackBackfillFinishedNotifier, slackRunFinishedNotifier, slackVerifiedNotifier } from './slack/notify.js';
import { truncatedErrors } from './redaction/clip.js';
import { anchorsFilePath } from './store/audit-key.js';
import { type AnchorSink, AuditAnchorer, fileAnchorSink, logAnchorSink } from './store/audit-anchoring.js';
import { Leadership } from './replicas/leadership.js';
import type { OwnerScope } from './ops/reconcile.js';
import { slackPoster } from './slack/poster.js';
import type { StudioClient } from './studio/client.js';
import { Metrics } from './observability/metrics.js';
import { type OpsRoutes, type ReadinessCheck, opsRoutes } from './observability/endpoints.js';
import { combinedState } from './observability/state.js';
import { SUBCOMMANDS, WRITE_SUBCOMMANDS } from './ops/commands.js';
import { Promotions } from './promote/service.js';

export interface RunningBot {
  port: number;
  /** The default workspace's services. */
  services: Services;
  /** Every workspace's services, by name (one entry unless WORKSPACES_FILE lists several). */
  workspaces: ReadonlyMap<string, Services>;
  slack: SlackApp;
  watcher: RunWatcher;
  /** Work in progress and waiting after acks. */
  work: WorkLimiter;
  /** The ids the listeners claim (anything else is answered as not offered). */
  claimed: ClaimedIds;
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

/** Everything one workspace runs: its services (own database), alerts, watchers and audit anchor. */
interface RunningWorkspace {
  name: string;
  services: Services;
  studio: StudioClient;
  watcher: RunWatcher;
  /** The lease for this workspace's background work (held by one replica at a time). */
  leadership: Leadership;
  anchorAudit(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What /readyz checks: every database takes a write; every workspace's Studio answered within the
 * last poll interval (twice it, at least a minute) or answers a one-row read now; Slack is connected
 * (Socket Mode: the socket is up; HTTP mode: Slack accepts the bot token, checked at most once a minute).
 */
function readinessChecks(config: AppConfig, workspaces: RunningWorkspace[], slack: SlackApp, metrics: Metrics): ReadinessCheck[] {
  const recentMs = Math.max(2 * config.alerts.pollSeconds, 60) * 1000;
  const several = workspaces.length > 1;
  let slackOkAt = 0;
  return [
    ...workspaces.flatMap((w): ReadinessCheck[] => [
      { name: several ? `database:${w.name}` : 'database', check: () => w.services.stores.health.writable() },
      // The alert watcher's heartbeat: polls failing for several intervals mean alerts may be missing.
      { name: several ? `alerts:${w.name}` : 'alerts', check: async () => w.services.alerts?.heartbeat.problem() },
      {
        name: several ? `studio:${w.name}` : 'studio',
        check: async () => {
          const seen = metrics.studio(w.name);
          // Trusted without a probe only while the latest call got an answer.
          if (seen.lastCallOk !== false && Date.now() - seen.lastAnswerAt < recentMs) return undefined;
          try {
            await w.studio.listFolders({ pageSize: 1 });
            return undefined;
          } catch (e) {
            return `Studio did not answer: ${(e as Error).message}`;
          }
        },
      },
    ]),
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

/** The Studio client of each workspace, by name (one client: the default workspace's). */
export type StudioClients = StudioClient | ReadonlyMap<string, StudioClient>;

export async function startBot(config: AppConfig, studio: StudioClients, logger: Logger, opts: BotOptions = {}): Promise<RunningBot> {
  if (config.slack.mode === 'none') throw new Error('startBot needs Slack configuration (SLACK_BOT_TOKEN …)');
  const slackConfig = config.slack;
  const wss = workspacesOf(config);
  const clients: ReadonlyMap<string, StudioClient> = studio instanceof Map ? studio : new Map([[wss.default, studio as StudioClient]]);
  for (const w of wss.list) if (!clients.has(w.name)) throw new Error(`startBot: no Studio client for workspace ${w.name}`);
  const policyProblems = config.policyFile ? Policy.load(config.policyFile).unknownWorkspaces(wss.list.map((w) => w.name)) : [];
  if (policyProblems.length) throw new PolicyError(config.policyFile!, policyProblems);
  const slack = createSlackApp(slackConfig, logger);
  const metrics = new Metrics({ defaultMetrics: opts.processMetrics });
  const work = new WorkLimiter(opts.workConcurrency);
  const observer: InteractionObserver = (e) => {
    metrics.interaction(e.kind, e.name, e.outcome);
    if (e.ackMs !== undefined) metrics.acked(e.kind, e.ackMs / 1000);
    metrics.replied(e.kind, e.totalMs / 1000);
  };
  let defaultServices: Services | undefined;
  // A payload no listener claims (an id the bot never sent, a workspace it does not serve) is answered and audited.
  const answering = answerUnclaimed(slack.app, {
    message: (u) =>
      unclaimedMessage(
        { ...u, workspace: splitWorkspaceId(u.id).ws },
        wss.list.map((w) => w.name),
      ),
    report: (u) =>
      defaultServices?.operations.recordRefusal(actorFromPayload(u.body), {
        action: 'interaction',
        target: referenceTarget(u.kind, u.id),
        params: { type: u.body.type ?? null },
        reason: 'an interaction the bot never offered',
      }),
  });
  const limited = limitWorkAfterAck(answering.app, work, { observer, commands: new Set(SUBCOMMANDS.map((c) => c.name)) });
  const channelOf = new Map<string, string>();
  for (const w of wss.list) for (const c of parseAlertChannels(w.alertChannels).map((r) => r.channel)) if (!channelOf.has(c)) channelOf.set(c, w.name);
  for (const [c, name] of Object.entries(wss.channels)) channelOf.set(c, name);
  // One workspace or several: `--ws` is understood (and an unknown name answered) either way.
  const router = new WorkspaceRouter(
    limited,
    { default: wss.default, names: wss.list.map((w) => w.name), channelWorkspace: (c) => (c ? channelOf.get(c) : undefined) },
    async (name, command) => {
      const detail = `The workspaces are ${wss.list.map((w) => `\`${w.name}\``).join(', ')} (default \`${wss.default}\`).`;
      // A write asked of a workspace that does not exist is a refusal like any other: audited (in the default workspace's log).
      const text = String(command.text ?? '');
      const sub = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      if (WRITE_SUBCOMMANDS.has(sub) && defaultServices)
        await defaultServices.operations.refuse(
          actorFromCommand(command as Parameters<typeof actorFromCommand>[0]),
          sub,
          'input',
          { text, workspace: name },
          {
            kind: 'refused',
            reason: 'invalid',
            message: `There is no workspace ${name}. ${detail}`,
          },
        );
      return ephemeral(buildError(`There is no workspace ${name}`, detail, 'Use `--ws <name>` with one of them, or leave it out.'));
    },
  );

  const startWorkspace = async (w: WorkspaceConfig): Promise<RunningWorkspace> => {
    const client = clients.get(w.name)!;
    const isDefault = w.name === wss.default;
    const tag = <T>(m: T): T => (isDefault ? m : tagWorkspace(m, w.name));
    client.observe({
      attempt: (a) => metrics.studioCall(endpointLabel(a.path), a.outcome, a.ms / 1000, a.answered, Date.now(), w.name),
      retry: (path) => metrics.studioRetry(endpointLabel(path), w.name),
    });
    // One workspace: the configuration's own fields are the truth (callers may adjust them after loadConfig).
    const wsConfig: AppConfig = wss.several ? { ...config, studio: w.studio, databasePath: w.databasePath, alerts: { ...config.alerts, channels: w.alertChannels } } : config;
    let leadership: Leadership | undefined;
    const services = await buildServices({
      config: wsConfig,
      studio: client,
      logger,
      now: opts.now,
      sleep: opts.sleep,
      workspace: { name: w.name, several: wss.several },
      directoryFor: (policy) => new SlackDirectory(slack.app.client, policy),
    });
    const poster = opts.poster ?? slackPoster(slackConfig.botToken, slackConfig.apiUrl);
    services.alerts = new AlertService({
      store: services.stores.alerts,
      studio: client,
      diagnoser: services.diagnoser,
      policy: services.policy,
      operations: services.operations,
      ops: services.stores.ops,
      config: wsConfig.alerts,
      poster: isDefault ? poster : taggingPoster(poster, w.name),
      people: slackPeople(slack.app.client),
      logger,
      now: services.now,
      sleep: opts.sleep,
      minSendIntervalMs: opts.minSendIntervalMs,
      lakehouse: services.lakehouse,
      onPoll: (seconds, ok) => metrics.alertPolled(seconds, ok),
      workspace: wss.several ? w.name : undefined,
      // Before the lease is first tried (the start-up settling below may touch cards), this replica does not lead.
      isLeader: () => leadership?.isLeader() ?? false,
    });
    registerHandlers(router.appFor(w.name), services);
    const slackClient = isDefault ? slack.app.client : taggingClient(slack.app.client, w.name);
    services.operations.onVerified(slackVerifiedNotifier(slackClient, services.now, tag));
    // Replicas: what this replica may settle of the unfinished work in the database, and the lease
    // under which one replica at a time does the background work (src/replicas/leadership.ts).
    const replica = config.replica?.id ?? 'local';
    const leaseMs = (config.replica?.leaseSeconds ?? 15) * 1000;
    const leases = services.stores.leases;
    // A replica heartbeats every third of the lease: one whose heartbeat is a lease old has missed three.
    const others = async () => (await leases.replicas(Date.now(), leaseMs)).filter((r) => r.id !== replica);
    /** At start-up, this replica's earlier run's work too; later, only dead replicas' (never a live one's writes in flight). */
    const scope = async (atStart: boolean): Promise<OwnerScope> => {
      const alive = new Set((await others()).filter((r) => r.alive).map((r) => r.id));
      return (owner) => (owner === null ? alive.size === 0 : owner === replica ? atStart : !alive.has(owner));
    };
    const settle = async (atStart: boolean): Promise<void> => {
      // A pipeline change left part-way: ended with what it wrote, Undo offered; never run again.
      await showInterruptedChanges(slackClient, await services.changes.recoverInterrupted(await scope(atStart)));
      const reconciled = await services.operations.reconcile(await scope(atStart), atStart ? undefined : `Settled by replica ${replica} (the replica running it stopped): `);
      if (reconciled.checked > 0) logger.warn({ ...reconciled, workspace: w.name }, 'reconciled operations left unfinished by a stopped process');
      const recovered = await services.wizard.recover(await scope(atStart));
      if (recovered > 0) logger.warn({ sessions: recovered, workspace: w.name }, 'wizard builds interrupted by a stopped process can be confirmed again');
    };
    await settle(true);
    // The audit chain's head, anchored outside the database (src/store/audit-anchoring.ts): by this
    // replica after it appends, at start and at stop; by the lease holder also every AUDIT_ANCHOR_MINUTES.
    const anchorsFile = anchorsFilePath(wsConfig.databasePath);
    const sinks: AnchorSink[] = [];
    const logSink = logAnchorSink(logger, w.name);
    if (logSink) sinks.push(logSink);
    if (anchorsFile) sinks.push(fileAnchorSink(anchorsFile));
    if (config.audit?.mirror) sinks.push(fileAnchorSink(config.audit.mirror));
    const auditChannel = config.audit?.channel;
    if (auditChannel) {
      const where = wss.several ? ` (workspace ${w.name})` : '';
      // At most one post a minute (the newest head): the channel is a record, not a feed.
      sinks.push({
        name: 'slack',
        minIntervalMs: 60_000,
        write: async (a, line) => {
          await slack.app.client.chat.postMessage({ channel: auditChannel, text: `Audit anchor${where}: ${a.rows} rows, last row ${a.lastId}\n\`${line}\`` });
        },
      });
    }
    const anchorer = new AuditAnchorer({
      audit: { signedHead: (now, chain) => services.audit.signedHead(now, chain), onAppended: (fn) => services.host.onAudited(fn) },
      chain: w.name,
      sinks,
      batchMs: (config.audit?.anchorSeconds ?? 10) * 1000,
      onError: (sink, e) => logger.warn({ err: (e as Error).message, sink, workspace: w.name }, 'audit anchor not written'),
    });
    const anchorAudit = async (): Promise<void> => {
      await anchorer.anchorNow();
    };
    await anchorAudit();
    const watcher = new RunWatcher(client, services.ops, slackRunFinishedNotifier(slackClient, client, services.now, tag), {
      intervalMs: config.runWatchSeconds * 1000,
      now: services.now,
      onError: (e) => logger.warn({ err: (e as Error).message, workspace: w.name }, 'run watcher'),
      backfillFinished: slackBackfillFinishedNotifier(slackClient, client, async (op, outcome) => (await services.alerts?.reportBackfill(op, outcome)) ?? false, services.now, tag),
    });
    const timers: NodeJS.Timeout[] = [];
    leadership = new Leadership({
      store: leases,
      name: 'leader',
      replica,
      ttlMs: leaseMs,
      logger,
      label: w.name,
      onElected: async () => {
        await settle(false); // what replicas that died left
        await services.alerts!.activate(opts.autoPoll !== false);
        watcher.start();
        // Operations whose outcome is unknown are checked against Studio until it can tell.
        const verifier = setInterval(
          () => {
            services.operations.verifyPending().catch((e: unknown) => logger.warn({ err: (e as Error).message, workspace: w.name }, 'verifying unknown outcomes'));
          },
          Math.max(1000, config.runWatchSeconds * 1000),
        );
        const anchorTimer = setInterval(() => void anchorAudit(), (config.audit?.anchorMinutes ?? 60) * 60_000);
        for (const t of [verifier, anchorTimer]) {
          t.unref();
          timers.push(t);
        }
        await anchorAudit();
      },
      onRenewed: async () => {
        // A replica that died since: settle what it left, then forget it.
        const dead = (await others()).filter((r) => !r.alive);
        if (dead.length === 0) return;
        await settle(false);
        for (const r of dead) await leases.forget(r.id, r.heartbeatAt);
      },
      onDeposed: async () => {
        for (const t of timers.splice(0)) clearInterval(t);
        watcher.stop();
        await services.alerts?.stop();
      },
    });
    await leadership.start();
    return {
      name: w.name,
      services,
      studio: client,
      watcher,
      anchorAudit,
      leadership,
      stop: async () => {
        await leadership.stop(); // stops the background work and gives the lease up
        await anchorer.stop(); // what this replica wrote last is anchored before the database closes
      },
    };
  };

  // The default workspace first: its handlers are the ones a workspace-less request falls to.
  const ordered = [...wss.list].sort((a, b) => Number(b.name === wss.default) - Number(a.name === wss.default));
  const running: RunningWorkspace[] = [];
  for (const w of ordered) running.push(await startWorkspace(w));
  const main = running[0]!;
  defaultServices = main.services;
  // Promotion reads one workspace and writes another: one service over them all.
  const promotions = new Promotions({
    defaultWorkspace: wss.default,
    now: main.services.now,
    workspaces: new Map(
      running.map((r) => {
        const w = wss.list.find((x) => x.name === r.name)!;
        const s = r.services;
        return [r.name, { studio: s.studio, operations: s.operations, ops: s.ops, policy: s.policy, names: w.names, protected: w.protected }];
      }),
    ),
  });
  for (const r of running) r.services.promotions = promotions;
  metrics.setSources(async () => combinedState(await Promise.all(running.map((r) => r.services.stores.health.state()))));
  metrics.setLeases(() => Object.fromEntries(running.map((r) => [r.name, r.leadership.isLeader()])));
  metrics.setAlertMessages(() =>
    Object.fromEntries(
      running.flatMap((r) => {
        const a = r.services.alerts;
        if (!a) return [];
        // The outbox's messages, and the heartbeat's notices (posted and edited directly).
        const o = a.sender.outcomes;
        const hb = a.heartbeat.counts;
        return [
          [
            r.name,
            {
              posted: o.posted + hb.noticesPosted,
              edited: o.edited + hb.noticesEdited,
              retried: o.retried,
              rate_limited: o.rateLimited,
              dropped: o.dropped,
              truncated: truncatedErrors(),
            },
          ],
        ];
      }),
    ),
  );
  metrics.setAlertsMissing(() => Object.fromEntries(running.map((r) => [r.name, r.services.alerts?.heartbeat.missing ?? false])));
  const routes = opsRoutes(metrics, readinessChecks(config, running, slack, metrics));
  slack.setOpsRoutes(routes);
  // Replays are refused across restarts (and replicas): the signatures seen are in the database.
  slack.setReplayGuard?.(
    (signature) => main.services.firstSeen(`sig:${signature}`),
    () => main.services.seenEvents.seenSince('sig:', main.services.now() - 10 * 60_000),
  );
  const { port } = await slack.start();
  return {
    port,
    services: main.services,
    workspaces: new Map(running.map((r) => [r.name, r.services])),
    slack,
    watcher: main.watcher,
    work,
    claimed: answering.claimed,
    metrics,
    opsRoutes: routes,
    anchorAudit: async () => {
      for (const r of running) await r.anchorAudit();
    },
    stop: async () => {
      for (const r of running) await r.stop();
      await slack.stop();
      for (const r of running) await r.services.diagnoser.close(); // the diagnosis workers
      for (const r of running) await r.services.host.close();
    },
  };
}
