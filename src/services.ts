/**
 * The services the Slack handlers (and later the alert watcher, wizard and playground) call:
 * built once from the configuration and a Studio client.
 */
import { randomUUID } from 'node:crypto';
import { LakehouseSql } from './lakehouse/client.js';
import { vclusterSource } from './lakehouse/vclusters.js';
import { VClusterDirectory } from './studio/vclusters.js';
import { anchorsFilePath, loadAuditKeys, readAnchorSource } from './store/audit-key.js';
import type { SeenEvents } from './store/seen-events.js';
import type { CauseMemory } from './store/memory.js';
import { coalesced } from './store/coalesce.js';
import { StoreHost } from './store/host.js';
import { boundedFirstSeen } from './slack/request-guard.js';
import type { Remote } from './store/remote.js';
import { type RemoteStores, auditKeyHex } from './store/stores.js';
import type { AlertService } from './alerts/service.js';
import { type AppConfig, workspacesOf } from './config.js';
import { DiagnosisPool } from './knowledge/diagnosis-pool.js';
import { type Knowledge, loadKnowledge } from './knowledge/load.js';
import type { Logger } from './logger.js';
import { type Directory, OperationsService } from './ops/operations.js';
import { Policy } from './ops/policy.js';
import type { AuditLog } from './store/audit.js';
import type { Db } from './store/database.js';
import type { OperationStore } from './store/operations.js';
import { loadWizardQuestions } from './wizard/questions.js';
import { WizardService } from './wizard/service.js';
import { PipelineChanges } from './iterate/change-requests.js';
import type { StudioClient } from './studio/client.js';
import type { Promotions } from './promote/service.js';

export interface Services {
  config: AppConfig;
  /** The Studio workspace these services work on; `several` when the bot serves more than one. */
  workspace: { name: string; several: boolean };
  studio: StudioClient;
  /** Where the stores live (this thread on SQLite, store threads on PostgreSQL): close it when the bot stops. */
  host: StoreHost;
  /** Every store, as the bot uses them (each call answers a promise; src/store/host.ts). */
  stores: RemoteStores;
  /** A synchronous handle on the database, for tools and tests (on PostgreSQL it blocks: never on the request path). */
  readonly db: Db;
  audit: Remote<AuditLog>;
  ops: Remote<OperationStore>;
  policy: Policy;
  operations: OperationsService;
  knowledge: Knowledge;
  /** Diagnosis of logs and messages, off the event loop within a time budget (close it when the bot stops). */
  diagnoser: DiagnosisPool;
  /** The team's memory of causes (this workspace's resolved cards). */
  memory: Remote<CauseMemory>;
  /** Alert-channel triage; set by startBot when Slack is configured. */
  alerts?: AlertService;
  wizard: WizardService;
  /** Changes to a pipeline that exists (issue 34): plan → confirm → checkpoints → Undo. */
  changes: PipelineChanges;
  /** dev → prod promotion between the bot's workspaces (issue 34, item 4); set by startBot once every workspace runs. */
  promotions?: Promotions;
  /** Events API deliveries already handled (redeliveries are ignored). */
  seenEvents: Remote<SeenEvents>;
  /**
   * "First time?" for a request signature (`sig:`), a Socket Mode envelope (`env:`) or an event id:
   * this process's memory, then the database for a bounded wait (src/slack/request-guard.ts).
   */
  firstSeen: (key: string) => Promise<boolean>;
  /** Which virtual clusters are INTEGRATION ones (Studio's list, or INTEGRATION_VCLUSTERS). */
  vclusters: VClusterDirectory;
  /** Lakehouse SQL, read-only (plus REFRESH DYNAMIC TABLE for the operations path). */
  lakehouse: LakehouseSql;
  logger: Logger;
  now: () => number;
}

export interface ServiceOptions {
  config: AppConfig;
  studio: StudioClient;
  logger: Logger;
  /** Group membership for the policy (Slack's user groups); built once the policy is loaded. */
  directoryFor?: (policy: Policy) => Directory;
  now?: () => number;
  /** Waiting between polls (the wizard's launch waits for its runs); tests advance a manual clock. */
  sleep?: (ms: number) => Promise<void>;
  /** An already open database (tests); otherwise config.databasePath is opened. */
  db?: Db;
  /** The workspace (default: the configuration's default workspace, alone). */
  workspace?: { name: string; several: boolean };
}

export async function buildServices(o: ServiceOptions): Promise<Services> {
  const now = o.now ?? Date.now;
  const lakehouse = new LakehouseSql(o.studio, {
    vcluster: o.config.lakehouse.vcluster,
    timeoutMs: o.config.lakehouse.timeoutMs,
    // A statement refused before it was sent (a name or value that is not plain, a shape not allowed) is audited.
    onRefused: (e) => {
      o.logger.warn({ reason: e.reason }, 'Lakehouse statement refused before it was sent');
      // Audited before the refusal reaches the person (and whatever answers them).
      return audit
        .append({
          at: now(),
          opId: randomUUID(),
          actorId: 'system', // as the chain's own system rows (key rotation, legacy seal)
          actorName: 'the bot',
          source: 'system',
          action: 'lakehouse_sql',
          target: 'lakehouse',
          params: { statement: e.sql.slice(0, 500) },
          outcome: 'refused',
          error: e.reason,
        })
        .then(() => undefined);
    },
  });
  // VCluster types from Lakehouse's SHOW VCLUSTERS (Studio's console list when SQL cannot run).
  const vclusters = new VClusterDirectory(vclusterSource(lakehouse, o.studio), o.config.integrationVClusters, { now });
  const wss = workspacesOf(o.config);
  const workspace = o.workspace ?? { name: wss.default, several: false };
  // PostgreSQL: the default workspace in the database's own schema, every other in a schema of its own.
  const schema = o.config.databaseUrl && workspace.name !== wss.default ? `ws_${workspace.name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}` : undefined;
  const replica = o.config.replica?.id ?? 'local';
  const auditKeys = loadAuditKeys(o.config.databasePath);
  const setup = {
    replica,
    auditKeyHex: auditKeyHex(auditKeys.current),
    oldAuditKeysHex: [...auditKeys.all.values()].map(auditKeyHex),
    wizardTtlMs: 24 * 3_600_000,
  };
  const host = o.db
    ? StoreHost.local(o.db, setup, now)
    : await StoreHost.open(o.config.databaseUrl ?? o.config.databasePath, {
        schema,
        name: `studio-ops ${o.config.replica?.id ?? ''}`.trim(),
        setup,
        now,
        threads: o.config.databaseThreads,
      });
  const stores = host.stores;
  const audit = stores.audit;
  // A legacy prefix is sealed, a changed AUDIT_KEY rotated to (a row signed by the old key), before anything is appended.
  const anchorFiles = [anchorsFilePath(o.config.databasePath), o.config.audit?.mirror].filter((p): p is string => p !== undefined);
  const prepared = await audit.prepare(now(), { chain: workspace.name, anchors: anchorFiles.flatMap((p) => readAnchorSource(p).anchors) });
  if (prepared.sealed) o.logger.warn({ ...prepared.sealed, workspace: workspace.name }, 'audit chain: rows written before keys sealed by a signed row');
  if (prepared.rotated) o.logger.info({ ...prepared.rotated, workspace: workspace.name }, 'audit chain: key rotated (a row signed by the old key names the new one)');
  if (prepared.problem) o.logger.error({ workspace: workspace.name }, `audit chain: ${prepared.problem}`);
  const ops = stores.ops;
  const policy = Policy.load(o.config.policyFile).forWorkspace(workspace.name, workspace.several);
  // Validated at start-up: a broken entry stops the bot, naming file, entry and field.
  const knowledge = loadKnowledge();
  const diagnoser = new DiagnosisPool(knowledge.errors, { budgetMs: o.config.diagnosisBudgetMs });
  const operations = new OperationsService({
    studio: o.studio,
    audit,
    ops,
    outcomes: stores.outcomes,
    policy,
    directory: o.directoryFor?.(policy),
    now,
    windowMs: o.config.idempotencyWindowSeconds * 1000,
    // A write Studio has not applied within twice its timeout and a minute after it was sent will not be.
    settleAfterMs: o.config.studioTimeoutMs * 2 + 60_000,
    lakehouse,
  });
  const wizard = new WizardService({
    store: stores.wizard,
    questions: loadWizardQuestions(),
    knowledge,
    studio: o.studio,
    operations,
    vclusters,
    etlVc: 'default',
    lakehouse,
    sleep: o.sleep,
    now: o.now,
  });
  return {
    config: o.config,
    workspace,
    studio: o.studio,
    vclusters,
    lakehouse,
    seenEvents: stores.seenEvents,
    // Requests arriving while the database answers an earlier one are checked together (one statement for many).
    firstSeen: boundedFirstSeen(
      coalesced((keys: string[]) => stores.seenEvents.firstSeenMany(keys)),
      {
        now,
        onFallback: (why) => o.logger.warn({ workspace: workspace.name }, `replay check by this replica's memory alone: ${why}`),
      },
    ),
    host,
    stores,
    get db() {
      return host.db;
    },
    audit,
    ops,
    policy,
    operations,
    knowledge,
    diagnoser,
    memory: stores.memory,
    wizard,
    changes: new PipelineChanges({ studio: o.studio, lakehouse, operations, ops, audit, now, sleep: o.sleep }),
    logger: o.logger,
    now,
  };
}
