/**
 * The sandbox's workspaces: `empty` (data sources only) and `demo`, built from the seed documents:
 *
 * - `ecommerce_dw`: the seed-000 layout (sync → DDL drafts → transform → DQC), following the standard;
 * - `doc_connector_demo`: seed 003's Shell → Python incremental pipeline;
 * - `streaming_ingest`: a Kafka REALTIME task, a MySQL CDC task and a MULTI_DI task without mapping;
 * - `legacy_dw`: a folder that breaks the standards on purpose (see LEGACY_DEFECTS).
 *
 * `demo_prod`: the production side of a promotion (`/cz promote ecommerce_dw --from <demo> --to
 * <demo_prod>`): the `ecommerce_dw` folder as it was last promoted, under production's names (schemas
 * `…_prod`, VCluster `etl_vc` for `default`, data source `mysql_shop_prod`), one release behind
 * (04's older SQL, schedule and dependencies; no 05_dqc_check) and with a task of its own
 * (06_export_finance, which a promotion lists and never deletes). No run history.
 *
 * Seven days of run history are produced by the simulated scheduler itself, with scripted failures
 * (and the UPSTREAM_FAILED cascades they cause).
 */
import { formatDate } from '../studio/dates.js';
import { RUN_TYPE, type TaskKindKey, taskKindByKey } from '../studio/enums.js';
import { failureById } from './failures.js';
import type { PlannedOutcome, StudioSim } from './sim.js';
import { type StoredParam, publishedSnapshot, seededConfiguration } from './configuration.js';
import { HISTORY_DAYS, SCRIPTED_DAYS, beforeScriptedWeek, historicalOutcome, writeEarlyHistory } from './history.js';
import type { SandboxStore, TaskRow } from './store.js';

const DAY = 86_400_000;

export type SeedName = 'demo' | 'demo_prod' | 'empty';

interface TaskSeed {
  name: string;
  kind: TaskKindKey;
  content: string;
  cron?: string;
  deps?: string[];
  vc?: string;
  online?: boolean;
  retry?: number;
  mapping?: boolean;
  description?: string;
  params?: StoredParam[];
}

/** A task parameter in the shape Studio stores (cz-cli's `paramValueList` items). */
function param(key: string, value: string, id: number): StoredParam {
  return { paramKey: key, paramValue: value, paramType: 'manual', encrypt: false, id: String(id), ignore: false, ref: 0 };
}

const BIZ = [param('bizdate', '$[yyyy-MM-dd-1]', 1)];

const ECOMMERCE: TaskSeed[] = [
  {
    name: '00_sync_mysql_to_ods',
    kind: 'DI',
    cron: '0 0 2 * * ? *',
    vc: 'sync_vc',
    online: true,
    retry: 1,
    description: 'MySQL shop.orders → ecommerce_ods.orders (full overwrite)',
    content: JSON.stringify(
      {
        reader: { datasource: 'mysql_shop', database: 'shop', table: 'orders' },
        writer: { datasource: 'lakehouse_default', schema: 'ecommerce_ods', table: 'orders' },
        mode: 'OVERWRITE',
        channel: 4,
      },
      null,
      2,
    ),
  },
  {
    name: '01_ddl_ods',
    kind: 'SQL',
    description: 'ODS tables (draft, run once by hand)',
    content: `-- ODS layer: broad types, sync first, convert in DWD
CREATE SCHEMA IF NOT EXISTS ecommerce_ods;
CREATE TABLE IF NOT EXISTS ecommerce_ods.orders (
  order_id   BIGINT,
  user_id    BIGINT,
  is_paid    TINYINT,          -- MySQL BIT(1): TINYINT in ODS, CAST to BOOLEAN in DWD
  amount     DECIMAL(18, 2),
  status     STRING,           -- MySQL ENUM
  created_at TIMESTAMP         -- MySQL DATETIME
);`,
  },
  {
    name: '02_ddl_dwd',
    kind: 'SQL',
    description: 'DWD tables (draft)',
    content: `CREATE SCHEMA IF NOT EXISTS ecommerce_dwd;
CREATE TABLE IF NOT EXISTS ecommerce_dwd.orders_detail (
  order_id BIGINT, user_id BIGINT, is_paid BOOLEAN, amount DECIMAL(18, 2), status STRING, created_at TIMESTAMP, dt STRING
) PARTITIONED BY (dt);`,
  },
  {
    name: '03_ddl_dws_ads',
    kind: 'SQL',
    description: 'DWS/ADS Dynamic Tables (draft; they refresh themselves)',
    content: `CREATE SCHEMA IF NOT EXISTS ecommerce_dws;
CREATE OR REPLACE DYNAMIC TABLE ecommerce_dws.sales_daily
  REFRESH INTERVAL 1 HOUR VCLUSTER default
AS SELECT dt, COUNT(*) AS orders, SUM(amount) AS gmv, COUNT(DISTINCT user_id) AS buyers
   FROM ecommerce_dwd.orders_detail
   GROUP BY dt;`,
  },
  {
    name: '04_transform_ods_to_dwd',
    kind: 'SQL',
    cron: '0 30 2 * * ? *',
    deps: ['00_sync_mysql_to_ods'],
    vc: 'default',
    online: true,
    params: BIZ,
    content: `INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail PARTITION (dt = '\${bizdate}')
SELECT o.order_id, o.user_id, CAST(o.is_paid AS BOOLEAN) AS is_paid, o.amount, o.status, o.created_at
FROM ecommerce_ods.orders o
WHERE DATE(o.created_at) = '\${bizdate}';`,
  },
  {
    name: '05_dqc_check',
    kind: 'SQL',
    cron: '0 0 3 * * ? *',
    deps: ['04_transform_ods_to_dwd'],
    vc: 'default',
    online: true,
    params: BIZ,
    content: `-- Row count and NULL-rate checks on today's partition
SELECT assert_true(COUNT(*) > 0, 'no rows for \${bizdate}'),
       assert_true(AVG(CASE WHEN user_id IS NULL THEN 1 ELSE 0 END) < 0.01, 'user_id null rate over 1%')
FROM ecommerce_dwd.orders_detail WHERE dt = '\${bizdate}';`,
  },
];

const DOC_CONNECTOR: TaskSeed[] = [
  {
    name: 'github_raw_fetch',
    kind: 'SHELL',
    cron: '0 0 1 * * ? *',
    vc: 'default',
    online: true,
    retry: 1,
    params: [param('biz_date', '$[yyyy-MM-dd]', 1)],
    content: `#!/bin/bash
# Task parameter: biz_date = $[yyyy-MM-dd]
BIZ_DATE='\${biz_date}'
echo "Fetch date: $BIZ_DATE"
python3 - << PYEOF
# pulls https://api.github.com/repos/clickzetta/dbt-clickzetta/releases into doc_connector_demo.doc_github_raw
# idempotent: DELETE WHERE load_date = biz_date, then INSERT
PYEOF`,
  },
  {
    name: 'github_clean',
    kind: 'PYTHON',
    cron: '0 0 2 * * ? *',
    deps: ['github_raw_fetch'],
    vc: 'default',
    online: true,
    retry: 1,
    params: [param('biz_date', '$[yyyy-MM-dd]', 1)],
    content: `# biz_date = $[yyyy-MM-dd]
biz_date = '\${biz_date}'
print(f"Cleaning date: {biz_date}")
# reads doc_connector_demo.doc_github_raw, de-duplicates by tag_name, parses vX.Y.Z,
# writes doc_connector_demo.doc_github_clean (DELETE for the date, then append)`,
  },
];

const STREAMING: TaskSeed[] = [
  {
    name: 'rt_sync_kafka_orders',
    kind: 'REALTIME',
    vc: 'sync_vc',
    online: true,
    description: 'Kafka topic orders_events → ods.orders_events (JSONPath $.data.*)',
    content: JSON.stringify(
      {
        source: { datasource: 'kafka_events', topic: 'orders_events', startOffset: 'latest' },
        sink: { datasource: 'lakehouse_default', schema: 'ods', table: 'orders_events' },
        computedColumns: [{ name: 'order_id', jsonPath: '$.data.order_id' }],
      },
      null,
      2,
    ),
  },
  {
    name: 'cdc_mysql_shop',
    kind: 'MULTI_REALTIME',
    vc: 'sync_vc',
    online: true,
    description: 'MySQL shop.* → ods (CDC, full + incremental)',
    content: JSON.stringify(
      { source: { datasource: 'mysql_shop', databases: ['shop'], serverId: '5400-5404' }, sink: { datasource: 'lakehouse_default', schema: 'ods' } },
      null,
      2,
    ),
  },
  {
    name: 'sync_crm_db_full',
    kind: 'MULTI_DI',
    vc: 'sync_vc',
    cron: '0 0 4 * * ? *',
    mapping: false,
    description: 'PostgreSQL crm.* → ods (multi-table mirror); column mapping still to be configured in the UI',
    content: JSON.stringify({ source: { datasource: 'pg_crm', schema: 'public', tables: '*' }, sink: { datasource: 'lakehouse_default', schema: 'ods' } }, null, 2),
  },
];

/** What each `legacy_dw` task does wrong, for the standards review and its tests. */
export const LEGACY_DEFECTS: Record<string, string> = {
  ddl_create_tables: 'DDL task with cron, and inside a dependency chain (agg_sales_dws depends on it)',
  etl_orders_daily: 'ETL task without an upstream dependency',
  etl_cycle_a: 'dependency cycle etl_cycle_a → etl_cycle_b → etl_cycle_a',
  etl_cycle_b: 'dependency cycle etl_cycle_b → etl_cycle_a → etl_cycle_b',
  agg_sales_dws: 'scheduled task writing a DWS table (belongs in a Dynamic Table), reading ODS directly',
  sync_legacy_mysql: 'sync task on a general-purpose VCluster',
  etl_bad_cron: 'invalid Studio cron (L token, minute step 7)',
  dt_sales_rank: 'Dynamic Table with DROP + CREATE and ORDER BY',
  sql_fake_sync: 'SQL task used as a sync (SELECT … FROM EXTERNAL)',
  jdbc_copy_orders: 'JDBC task moving data into Lakehouse',
  etl_before_upstream: 'scheduled at 01:00, before its upstream sync_legacy_mysql at 02:00',
  rt_clicks_with_cron: 'real-time task with a cron',
};

const LEGACY: TaskSeed[] = [
  {
    name: 'ddl_create_tables',
    kind: 'SQL',
    cron: '0 0 1 * * ? *',
    vc: 'default',
    online: true,
    content: `CREATE TABLE legacy_ods.orders (order_id BIGINT, amount DOUBLE, created_at DATETIME);
CREATE TABLE legacy_ods.customers (customer_id BIGINT, name STRING);`,
  },
  {
    name: 'etl_orders_daily',
    kind: 'SQL',
    cron: '0 0 3 * * ? *',
    vc: 'default',
    online: true,
    content: `INSERT OVERWRITE TABLE legacy_dwd.orders SELECT order_id, amount, created_at FROM legacy_ods.orders;`,
  },
  { name: 'etl_cycle_a', kind: 'SQL', cron: '0 0 5 * * ? *', deps: ['etl_cycle_b'], vc: 'default', content: `INSERT OVERWRITE TABLE legacy_dwd.a SELECT * FROM legacy_dwd.b;` },
  { name: 'etl_cycle_b', kind: 'SQL', cron: '0 0 5 * * ? *', deps: ['etl_cycle_a'], vc: 'default', content: `INSERT OVERWRITE TABLE legacy_dwd.b SELECT * FROM legacy_dwd.a;` },
  {
    name: 'agg_sales_dws',
    kind: 'SQL',
    cron: '0 0 4 * * ? *',
    deps: ['ddl_create_tables'],
    vc: 'default',
    online: true,
    content: `INSERT OVERWRITE TABLE legacy_dws.sales_summary
SELECT DATE(created_at) AS dt, SUM(amount) AS gmv FROM legacy_ods.orders GROUP BY DATE(created_at);`,
  },
  {
    name: 'sync_legacy_mysql',
    kind: 'DI',
    cron: '0 0 2 * * ? *',
    vc: 'default',
    online: true,
    content: JSON.stringify(
      { reader: { datasource: 'mysql_shop', table: 'legacy_orders', where: '' }, writer: { schema: 'legacy_ods', table: 'orders' }, mode: 'OVERWRITE' },
      null,
      2,
    ),
  },
  {
    name: 'etl_bad_cron',
    kind: 'SQL',
    cron: '0 0/7 * L * ? *',
    deps: ['sync_legacy_mysql'],
    vc: 'default',
    content: `INSERT INTO legacy_dwd.hourly SELECT * FROM legacy_ods.orders;`,
  },
  {
    name: 'dt_sales_rank',
    kind: 'DYNAMIC_TABLE',
    content: `DROP TABLE IF EXISTS legacy_dws.sales_rank;
CREATE DYNAMIC TABLE legacy_dws.sales_rank REFRESH INTERVAL 30 MINUTE AS
SELECT customer_id, SUM(amount) AS gmv FROM legacy_dwd.orders GROUP BY customer_id ORDER BY gmv DESC;`,
  },
  {
    name: 'sql_fake_sync',
    kind: 'SQL',
    cron: '0 30 1 * * ? *',
    vc: 'default',
    online: true,
    content: `INSERT INTO legacy_ods.customers SELECT * FROM EXTERNAL mysql_crm.customers;`,
  },
  { name: 'jdbc_copy_orders', kind: 'JDBC', vc: 'default', content: `INSERT INTO lakehouse.legacy_ods.orders SELECT * FROM shop.orders;` },
  {
    name: 'etl_before_upstream',
    kind: 'SQL',
    cron: '0 0 1 * * ? *',
    deps: ['sync_legacy_mysql'],
    vc: 'default',
    online: true,
    content: `INSERT OVERWRITE TABLE legacy_dwd.orders_clean SELECT * FROM legacy_ods.orders WHERE amount > 0;`,
  },
  { name: 'rt_clicks_with_cron', kind: 'REALTIME', cron: '0 0 * * * ? *', vc: 'sync_vc', content: JSON.stringify({ source: { topic: 'clicks' } }) },
];

/** Scripted history failures: `task@daysAgo` (1 = yesterday's plan date) → failure id. */
const HISTORY: Record<string, PlannedOutcome> = {
  '00_sync_mysql_to_ods@6': { failureId: 'bit_to_boolean' },
  '00_sync_mysql_to_ods@2': { failureId: 'vcluster_unavailable', transient: true }, // Studio's retry fixed it
  '04_transform_ods_to_dwd@4': { failureId: 'sql_syntax' },
  '04_transform_ods_to_dwd@1': { failureId: 'queue_full', transient: true },
  '05_dqc_check@3': { failureId: 'dqc_null_rate' },
  'github_raw_fetch@5': { failureId: 'github_rate_limit', transient: false },
  'github_clean@2': { failureId: 'python_keyerror' },
  'agg_sales_dws@3': { failureId: 'job_timeout' },
  'sync_legacy_mysql@4': { failureId: 'no_columns' },
  'sync_legacy_mysql@1': { failureId: 'where_empty' },
  'etl_before_upstream@2': { failureId: 'queue_full', transient: true },
  ...Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [`ddl_create_tables@${d}`, { failureId: 'table_already_exists' }])),
};

const OWNERS: Record<string, string> = {
  ecommerce_dw: 'alice',
  doc_connector_demo: 'bob',
  streaming_ingest: 'carol',
  legacy_dw: 'legacy_etl',
};

export function seedWorkspace(sim: StudioSim, seed: SeedName): void {
  const { store } = sim;
  if (!store.isEmpty()) return; // an existing database keeps its state
  store.transaction(() => {
    for (const ds of [
      { id: 201, name: 'mysql_shop', ds_type: 5, status: 1 },
      { id: 202, name: 'pg_crm', ds_type: 7, status: 1 },
      { id: 203, name: 'kafka_events', ds_type: 2, status: 1 },
      { id: 204, name: 'lakehouse_default', ds_type: 1, status: 1 },
      { id: 205, name: 'sqlserver_erp', ds_type: 8, status: 1 },
    ]) {
      store.insertDataSource(ds);
    }
  });
  if (seed === 'demo') seedDemo(sim);
  if (seed === 'demo_prod') seedDemoProd(sim);
}

/** `ecommerce_dw` under production's names, one release behind the demo (see the file's head). */
const PROD_NAMES = (text: string) =>
  text
    .replace(/\b(ecommerce_(?:ods|dwd|dws))\b/g, '$1_prod')
    .replace(/\bmysql_shop\b/g, 'mysql_shop_prod')
    .replace(/\bVCLUSTER default\b/g, 'VCLUSTER etl_vc');

const ECOMMERCE_PROD: TaskSeed[] = [
  ...ECOMMERCE.filter((t) => ['00_sync_mysql_to_ods', '01_ddl_ods', '02_ddl_dwd', '03_ddl_dws_ads'].includes(t.name)).map((t) => ({ ...t, content: PROD_NAMES(t.content) })),
  {
    name: '04_transform_ods_to_dwd',
    kind: 'SQL',
    cron: '0 0 3 * * ? *',
    vc: 'etl_vc',
    online: true,
    params: BIZ,
    content: `INSERT OVERWRITE TABLE ecommerce_dwd_prod.orders_detail PARTITION (dt = '\${bizdate}')
SELECT o.order_id, o.user_id, o.is_paid, o.amount, o.status, o.created_at
FROM ecommerce_ods_prod.orders o
WHERE DATE(o.created_at) = '\${bizdate}';`,
  },
  {
    name: '06_export_finance',
    kind: 'SQL',
    cron: '0 0 6 * * ? *',
    deps: ['04_transform_ods_to_dwd'],
    vc: 'etl_vc',
    online: true,
    params: BIZ,
    description: 'production only: the finance extract',
    content: `INSERT OVERWRITE TABLE finance.orders_daily
SELECT dt, SUM(amount) FROM ecommerce_dwd_prod.orders_detail WHERE dt = '\${bizdate}' GROUP BY dt;`,
  },
];

function seedDemoProd(sim: StudioSim): void {
  const { store } = sim;
  const created = sim.now() - 30 * DAY;
  store.transaction(() => {
    store.insertDataSource({ id: 206, name: 'mysql_shop_prod', ds_type: 5, status: 1 });
    const folderId = store.insertFolder({ name: 'ecommerce_dw', parent_id: 0, created_by: 'alice', created_at: created });
    const ids = new Map<string, number>();
    for (const t of ECOMMERCE_PROD) {
      ids.set(t.name, insertSeedTask(store, t, { folderId, owner: 'alice', version: 2, created }));
    }
    for (const t of ECOMMERCE_PROD) {
      if (!t.deps) continue;
      store.updateTask(ids.get(t.name)!, { deps_json: JSON.stringify(t.deps.map((d) => ({ taskId: ids.get(d)!, taskName: d, depStrategy: 0, parseType: 1 }))) });
    }
    for (const task of store.tasks()) if (task.task_status === 1) store.updateTask(task.id, { published_json: publishedSnapshot(task, store.deps(task)) });
  });
}

/** A seed document's task in a folder, as Studio holds it: live ones published a day after `created` at `version`. */
function insertSeedTask(store: SandboxStore, t: TaskSeed, o: { folderId: number; owner: string; version: number; created: number }): number {
  const kind = taskKindByKey(t.kind)!;
  const vc = t.vc ?? null;
  return store.insertTask({
    name: t.name,
    file_type: kind.fileType,
    folder_id: o.folderId,
    description: t.description ?? null,
    content: t.content,
    params_json: JSON.stringify(t.params ?? []),
    flow_status: t.online ? 100 : 20,
    task_status: t.online ? 1 : null,
    owner: o.owner,
    version: t.online ? o.version : 0,
    cron: t.cron ?? null,
    retry_count: t.retry ?? 0,
    schema_name: 'public',
    vc_code: vc,
    mapping_configured: t.mapping === false ? 0 : 1,
    // The rest of a real configuration, unlike the defaults, so that a save that omits a field shows.
    config_json: JSON.stringify(seededConfiguration({ owner: o.owner, vc, created: o.created })),
    published_json: null,
    published_at: t.online ? o.created + DAY : null,
    last_edit_user: o.owner,
    created_at: o.created,
    updated_at: o.created + DAY,
  });
}

function seedDemo(sim: StudioSim): void {
  const { store } = sim;
  const now = sim.now();
  const todayStart = Date.parse(`${formatDate(now)}T00:00:00Z`);
  const created = todayStart - 30 * DAY;
  const historyStart = todayStart - HISTORY_DAYS * DAY;
  const ids = new Map<string, number>();

  store.transaction(() => {
    const folders: [string, TaskSeed[]][] = [
      ['ecommerce_dw', ECOMMERCE],
      ['doc_connector_demo', DOC_CONNECTOR],
      ['streaming_ingest', STREAMING],
      ['legacy_dw', LEGACY],
    ];
    for (const [folderName, tasks] of folders) {
      const folderId = store.insertFolder({ name: folderName, parent_id: 0, created_by: OWNERS[folderName]!, created_at: created });
      for (const t of tasks) {
        const id = insertSeedTask(store, t, { folderId, owner: OWNERS[folderName]!, version: 3, created });
        ids.set(t.name, id);
      }
    }
    // Dependencies by name, once every task has its id.
    for (const t of [...ECOMMERCE, ...DOC_CONNECTOR, ...STREAMING, ...LEGACY]) {
      if (!t.deps) continue;
      store.updateTask(ids.get(t.name)!, { deps_json: JSON.stringify(t.deps.map((d) => ({ taskId: ids.get(d)!, taskName: d, depStrategy: 0, parseType: 1 }))) });
    }
    for (const task of store.tasks()) {
      if (task.task_status === 1 && task.cron) store.setCronCursor(task.id, historyStart);
      if (task.task_status === 1) store.updateTask(task.id, { published_json: publishedSnapshot(task, store.deps(task)) });
    }
    seedContinuousRuns(sim, ids, todayStart);
    seedManualRuns(sim, ids, todayStart);
  });

  // History: the scheduler itself runs the last four weeks (src/sandbox/history.ts: usual durations
  // per task, daily variation, slow days; random failures before the last seven days, which carry the scripted ones).
  sim.planner = (task: TaskRow, plan: number): PlannedOutcome => {
    const daysAgo = Math.round((todayStart - Date.parse(`${formatDate(plan)}T00:00:00Z`)) / DAY);
    if (daysAgo <= 0) return sim.randomOutcome(task);
    const drawn = historicalOutcome(sim, task, plan, beforeScriptedWeek(plan, todayStart));
    const scripted = HISTORY[`${task.name}@${daysAgo}`];
    if (scripted) return { ...scripted, transient: scripted.transient ?? failureById(scripted.failureId!)?.transient ?? false, durationMs: drawn.durationMs };
    return daysAgo > SCRIPTED_DAYS ? drawn : { failureId: null, durationMs: drawn.durationMs };
  };
  try {
    writeEarlyHistory(sim, todayStart - SCRIPTED_DAYS * DAY);
    sim.advanceTo(now);
  } finally {
    sim.planner = (task) => sim.randomOutcome(task);
  }
}

/** Real-time tasks: long runs that failed in the past, and the one running (or down) now. */
function seedContinuousRuns(sim: StudioSim, ids: Map<string, number>, todayStart: number): void {
  const at = (daysAgo: number, h: number, m = 0) => todayStart - daysAgo * DAY + (h * 60 + m) * 60_000;
  const spans: { task: string; start: number; end?: number; failure?: string }[] = [
    { task: 'rt_sync_kafka_orders', start: at(7, 0), end: at(4, 13, 20), failure: 'kafka_json_parse' },
    { task: 'rt_sync_kafka_orders', start: at(4, 14, 5) },
    { task: 'cdc_mysql_shop', start: at(7, 0), end: at(6, 3, 10), failure: 'server_id_conflict' },
    { task: 'cdc_mysql_shop', start: at(6, 4, 0), end: at(3, 22, 45), failure: 'binlog_purged' },
    { task: 'cdc_mysql_shop', start: at(3, 23, 30), end: at(1, 8, 12), failure: 'max_allowed_packet' },
  ];
  for (const s of spans) {
    const taskId = ids.get(s.task)!;
    const task = sim.store.task(taskId)!;
    sim.store.insertRun({
      task_id: taskId,
      instance_type: RUN_TYPE.SCHEDULE,
      plan_time: s.start,
      ready_at: s.start,
      trigger_time: s.start,
      executor: task.owner,
      vc_code: task.vc_code,
      biz_date: formatDate(s.start),
      failure_id: s.failure ?? null,
      duration_ms: s.end === undefined ? null : s.end - s.start,
      skip_upstream: 1,
    });
  }
}

/** Manual (TEMP) runs people made while developing, with the failures they typically hit. */
function seedManualRuns(sim: StudioSim, ids: Map<string, number>, todayStart: number): void {
  const runs: { task: string; daysAgo: number; hour: number; failure: string; bizDate?: string }[] = [
    { task: 'github_clean', daysAgo: 1, hour: 10, failure: 'bizdate_manual' },
    { task: 'sync_crm_db_full', daysAgo: 2, hour: 15, failure: 'mapping_missing' },
  ];
  for (const r of runs) {
    const taskId = ids.get(r.task)!;
    const task = sim.store.task(taskId)!;
    const t = todayStart - r.daysAgo * DAY + r.hour * 3_600_000;
    sim.store.insertRun({
      task_id: taskId,
      instance_type: RUN_TYPE.TEMP,
      plan_time: t,
      ready_at: t,
      trigger_time: t,
      executor: task.owner,
      vc_code: task.vc_code,
      biz_date: formatDate(t),
      failure_id: r.failure,
      duration_ms: 45_000,
      skip_upstream: 1,
    });
  }
}
