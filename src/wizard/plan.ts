/**
 * From the wizard's answers to a pipeline plan (pure): seed 000's routing table picks the ingestion
 * (single-table DI, MULTI_DI, REALTIME, CDC, SQL Pipe, or none), and the folder `<domain>_dw`
 * gets the "separation of DDL and pipeline" layout:
 *
 *   00_sync_<source>_to_<raw>   sync task (cron for batch, continuous for real-time; INTEGRATION VCluster)
 *   01_ddl_<raw>, 02_ddl_<clean>, 03_ddl_dws_ads   SQL drafts: no cron, no dependencies
 *   04_transform_<raw>_to_<clean>   cron after the sync, depends on it
 *   05_dqc_check                cron after 04, depends on 04
 *   DWS/ADS                     Dynamic Tables (created by 03's DDL), no scheduled task
 */
import type { TypeMappings } from '../knowledge/load.js';
import type { TaskKindKey } from '../studio/enums.js';
import type { Answers } from './questions.js';
import type { SourceColumn } from '../studio/models.js';
import { odsColumnName, odsType } from './source-types.js';

export type RouteId =
  | 'realtime_single'
  | 'cdc_multi'
  | 'batch_single'
  | 'batch_multi'
  | 'kafka_pipe'
  | 'kafka_realtime'
  | 'oss_pipe'
  | 'oss_batch'
  | 'internal'
  | 'http_api'
  | 'dbt'
  | 'dw_modeling';

export interface Route {
  id: RouteId;
  label: string;
  /** The skill seed 000's routing table loads for it. */
  skill: string;
  syncKind: TaskKindKey | undefined;
  pipe: boolean;
}

export const ROUTES: Record<RouteId, Route> = {
  realtime_single: {
    id: 'realtime_single',
    label: 'External database → real-time single-table CDC',
    skill: 'clickzetta-realtime-sync-pipeline',
    syncKind: 'REALTIME',
    pipe: false,
  },
  cdc_multi: {
    id: 'cdc_multi',
    label: 'External database → real-time multi-table/full-database CDC',
    skill: 'clickzetta-cdc-sync-pipeline',
    syncKind: 'MULTI_REALTIME',
    pipe: false,
  },
  batch_single: { id: 'batch_single', label: 'External database → batch offline, single table', skill: 'clickzetta-batch-sync-pipeline', syncKind: 'DI', pipe: false },
  batch_multi: { id: 'batch_multi', label: 'External database → batch offline, multi-table', skill: 'clickzetta-batch-sync-pipeline', syncKind: 'MULTI_DI', pipe: false },
  kafka_pipe: { id: 'kafka_pipe', label: 'Kafka → SQL Pipe (READ_KAFKA)', skill: 'clickzetta-kafka-ingest-pipeline', syncKind: undefined, pipe: true },
  kafka_realtime: { id: 'kafka_realtime', label: 'Kafka → Studio real-time sync', skill: 'clickzetta-realtime-sync-pipeline', syncKind: 'REALTIME', pipe: false },
  oss_pipe: { id: 'oss_pipe', label: 'Object storage → SQL Pipe', skill: 'clickzetta-oss-ingest-pipeline', syncKind: undefined, pipe: true },
  oss_batch: { id: 'oss_batch', label: 'Object storage → Studio batch sync', skill: 'clickzetta-batch-sync-pipeline', syncKind: 'DI', pipe: false },
  internal: { id: 'internal', label: 'Lakehouse internal ETL layering', skill: 'clickzetta-sql-pipeline-manager', syncKind: undefined, pipe: false },
  dw_modeling: {
    id: 'dw_modeling',
    label: 'End-to-end modelling (ODS → DWD → DWS/ADS, metrics confirmed)',
    skill: 'clickzetta-dw-modeling',
    syncKind: undefined,
    pipe: false,
  },
  dbt: { id: 'dbt', label: 'Lakehouse internal layering with dbt (a Studio Shell task)', skill: 'clickzetta-dbt-pipeline', syncKind: undefined, pipe: false },
  http_api: { id: 'http_api', label: 'HTTP API → Shell (raw layer) → Python (clean layer)', skill: 'clickzetta-external-source-sync', syncKind: undefined, pipe: false },
};

export function routeOf(a: Answers): Route {
  switch (a.source) {
    case 'kafka':
      return ROUTES[a.kafka_method === 'sql_pipe' ? 'kafka_pipe' : 'kafka_realtime'];
    case 'object_storage':
      return ROUTES[a.os_method === 'sql_pipe' ? 'oss_pipe' : 'oss_batch'];
    case 'internal':
      return a.transform_tool === 'dbt' ? ROUTES.dbt : ROUTES.internal;
    case 'http_api':
      return ROUTES.http_api;
    case 'end_to_end':
    case 'unsure':
      // Seed 000's routing table: End-to-end / Not sure → clickzetta-dw-modeling.
      return ROUTES.dw_modeling;
    default: // database
      if (a.db_freshness === 'realtime') return ROUTES[a.granularity === 'multi' ? 'cdc_multi' : 'realtime_single'];
      return ROUTES[a.sync_scope === 'mirror' || a.sync_scope === 'merge' ? 'batch_multi' : 'batch_single'];
  }
}

/** What a sync frame says where a person must choose in the Studio UI. */
export const FRAME_MARK = { dataSource: '<data source>', mapping: '<field mapping>', syncVc: '<INTEGRATION VCluster>' } as const;

/** Is this content still a frame (placeholders like `<database>` a person has to fill)? Never deployed. */
export function isFrame(content: string): boolean {
  return /<(?:data source|database|table|topic|bucket|prefix|bootstrap servers|volume|field mapping|INTEGRATION VCluster)>/.test(content);
}

/**
 * The parameters a manual run of a task must be given: a `$[…]` (or `${…}`) value is resolved by the
 * scheduler only (a temporary run sees the text), so each needs `--param name=<value>` by hand.
 */
export function manualRunParamNames(t: Pick<PlannedTask, 'params'>): string[] {
  return t.params.filter((p) => /\$[[{]/.test(p.value)).map((p) => p.name);
}

/** The `/cz execute folder/task` a person runs by hand, with `--param name=<value>` for each such parameter. */
export function manualRunCommand(folder: string, t: Pick<PlannedTask, 'name' | 'params'>, value = '<date>'): string {
  return [`/cz execute ${folder}/${t.name}`, ...manualRunParamNames(t).map((n) => `--param ${n}=${value}`)].join(' ');
}

/** Which tasks a build will write: per task, create / change (ticked) / leave (an existing task not ticked, or unchanged). */
export type TaskFate = 'create' | 'change' | 'leave';

/**
 * The cz-cli commands of what Confirm will actually do: no folder creation when the folder
 * exists, nothing for a task left as it is, and each task's commands only for what changes.
 */
export function cliCommands(plan: Plan, fate: { folderExists: boolean; tasks: Map<string, { fate: TaskFate; changes: string[] }> } | undefined): string[] {
  const out: string[] = [];
  if (!fate?.folderExists) out.push(`cz-cli task folder create ${plan.folder}`);
  for (const t of plan.tasks) {
    const f = fate?.tasks.get(t.name) ?? { fate: 'create' as const, changes: [] };
    if (f.fate === 'leave') continue;
    const ref = `${plan.folder}/${t.name}`;
    const all = f.fate === 'create';
    const has = (prefix: string) => all || f.changes.some((c) => c.startsWith(prefix));
    if (all) out.push(`cz-cli task create "${t.name}" --type ${t.kind === 'DI' ? 'SINGLE_DI' : t.kind} --folder ${plan.folder}`);
    const ext = t.kind === 'SHELL' ? 'sh' : t.kind === 'PYTHON' ? 'py' : 'sql';
    const params = t.params.length ? ` --params '${JSON.stringify(Object.fromEntries(t.params.map((p) => [p.name, p.value])))}'` : '';
    const syncFrame = t.role === 'sync' && t.kind !== 'SHELL';
    if (!syncFrame && (has('content') || has('parameters'))) out.push(`cz-cli task save-content ${ref} --file ${t.name}.${ext}${params}`);
    if (t.cron && has('schedule')) out.push(`cz-cli task save-cron ${ref} --cron '${t.cron}'`);
    if (t.dependsOn.length && (has('upstreams') || has('VCluster')))
      out.push(`cz-cli task save-config ${ref} --vcluster ${t.vcCode} --deps replace --dep-tasks '${JSON.stringify(t.dependsOn.map((d) => ({ taskName: d })))}'`);
    if (t.deploy && has('deploy')) out.push(`cz-cli task deploy ${ref} -y`);
  }
  return out;
}

export interface PlannedTask {
  name: string;
  kind: TaskKindKey;
  role: 'sync' | 'pipe' | 'ddl' | 'transform' | 'dqc';
  cron: string | undefined;
  dependsOn: string[];
  vcCode: string;
  content: string;
  params: { name: string; value: string }[];
  /** Publish it (scheduled and continuous tasks whose set-up is complete); drafts stay drafts. */
  deploy: boolean;
  /** What a person must still configure in the Studio UI. */
  uiSetup: string | undefined;
  description: string;
}

export interface Plan {
  domain: string;
  folder: string;
  route: Route;
  schemas: { raw: string; clean: string; agg: string };
  tasks: PlannedTask[];
  dynamicTables: { name: string; refresh: string }[];
  notes: string[];
  cli: string[];
}

/** A source table chosen in the wizard from Studio's data source browser, with its columns. */
export interface ChosenSourceTable {
  namespace: string;
  name: string;
  columns: SourceColumn[];
}

export interface PlanOptions {
  typeMappings: TypeMappings;
  /**
   * INTEGRATION VCluster for sync tasks when the answers name none (`sync_vc`, chosen from Studio's
   * list). With neither, a sync task's VCluster is left unset and the build is refused: never guessed.
   */
  syncVc?: string;
  /** The source tables chosen (answer `source_tables`) with their columns from Studio. */
  sourceTables?: ChosenSourceTable[];
  /** General-purpose VCluster for SQL tasks. */
  etlVc: string;
}

const LAYERS = {
  ods_dwd_dws: { raw: 'ods', clean: 'dwd', agg: 'dws' },
  medallion: { raw: 'bronze', clean: 'silver', agg: 'gold' },
} as const;

function crons(schedule: string | undefined) {
  if (schedule === 'hourly') return { sync: '0 0 0-23 * * ? *', etl: '0 20 0-23 * * ? *', dqc: '0 40 0-23 * * ? *' };
  const h = Math.min(22, Math.max(0, Number(schedule ?? '2')));
  return { sync: `0 0 ${h} * * ? *`, etl: `0 30 ${h} * * ? *`, dqc: `0 0 ${h + 1} * * ? *` };
}

/** The metric definitions confirmed in the wizard (`name = expression` per line; validated by knowledge/wizard.yml). */
export function parseMetrics(text: string | undefined): { name: string; expr: string }[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((l) => /^\s*([a-z][a-z0-9_]*)\s*=\s*(.+?)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, expr: m[2]! }));
}

/** The DWS Dynamic Table's metric columns: the confirmed definitions, else the default order metrics. */
function metricColumns(text: string | undefined): string {
  const m = parseMetrics(text);
  return m.length ? m.map((x) => `${x.expr} AS ${x.name}`).join(', ') : 'COUNT(*) AS orders, SUM(amount) AS gmv, COUNT(DISTINCT user_id) AS buyers';
}

function refreshInterval(freshness: string | undefined): string {
  return freshness === 'second' || freshness === 'minute' ? '5 MINUTE' : freshness === 'hourly' ? '1 HOUR' : '1 DAY';
}

function sourceName(a: Answers, route: Route): string {
  if (route.id.startsWith('kafka')) return 'kafka';
  if (route.id.startsWith('oss')) return 'oss';
  return a.db_engine ?? 'mysql';
}

/** The chosen `namespace.table`s with their columns and ODS names (a name chosen twice gets its namespace). */
function chosenTables(a: Answers, opts: PlanOptions): (ChosenSourceTable & { ods: string })[] {
  const names = (a.source_tables ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const list = names.map((full) => {
    const dot = full.indexOf('.');
    const namespace = full.slice(0, dot);
    const name = full.slice(dot + 1);
    const known = opts.sourceTables?.find((t) => t.namespace === namespace && t.name === name);
    return { namespace, name, columns: known?.columns ?? [] };
  });
  return list.map((t) => ({
    ...t,
    ods: odsColumnName(list.filter((x) => x.name.toLowerCase() === t.name.toLowerCase()).length > 1 ? `${t.namespace}_${t.name}` : t.name),
  }));
}

function odsDdl(a: Answers, route: Route, raw: string, tm: TypeMappings, chosen: (ChosenSourceTable & { ods: string })[] = []): string {
  if (route.id.startsWith('kafka')) {
    return `-- ${raw.toUpperCase()}: Kafka messages as they arrive; parse JSON in the transform
CREATE SCHEMA IF NOT EXISTS ${raw};
CREATE TABLE IF NOT EXISTS ${raw}.events (
  message_key STRING, message_value STRING, kafka_timestamp TIMESTAMP, kafka_partition INT, kafka_offset BIGINT
);`;
  }
  if (route.id.startsWith('oss')) {
    return `-- ${raw.toUpperCase()}: files as loaded; keep broad types
CREATE SCHEMA IF NOT EXISTS ${raw};
CREATE TABLE IF NOT EXISTS ${raw}.files_raw (line STRING, file_name STRING, load_date STRING);`;
  }
  const src = tm.sources.find((s) => s.id === (a.db_engine ?? 'mysql'));
  const guidance = (src?.mappings ?? []).map((m) => `--   ${m.source} → ${m.ods}${m.avoid ? ` (not ${m.avoid})` : ''}; DWD: ${m.dwd}`).join('\n');
  const described = chosen.filter((t) => t.columns.length);
  if (described.length) {
    const tables = described.map(
      (t) => `-- ${a.source_ds}: ${t.namespace}.${t.name} (${t.columns.map((c) => `${c.name} ${c.type}${c.primary ? ' PK' : ''}`).join(', ')})
CREATE TABLE IF NOT EXISTS ${raw}.${t.ods} (
${t.columns.map((c) => `  ${odsColumnName(c.name)} ${odsType(c.type)}`).join(',\n')}
);`,
    );
    return `-- ${raw.toUpperCase()} layer: broad types so the sync succeeds; convert precisely in the next layer.
-- ${src?.name ?? 'Source'} → Lakehouse type mapping:
${guidance}
-- The tables chosen from Studio's data source ${a.source_ds}, with their columns as Studio describes them.
CREATE SCHEMA IF NOT EXISTS ${raw};
${tables.join('\n')}`;
  }
  return `-- ${raw.toUpperCase()} layer: broad types so the sync succeeds; convert precisely in the next layer.
-- ${src?.name ?? 'Source'} → Lakehouse type mapping:
${guidance}
CREATE SCHEMA IF NOT EXISTS ${raw};
CREATE TABLE IF NOT EXISTS ${raw}.orders (
  order_id   BIGINT,
  user_id    BIGINT,
  is_paid    TINYINT,
  amount     DECIMAL(18, 2),
  status     STRING,
  created_at TIMESTAMP
);`;
}

export function buildPlan(a: Answers, opts: PlanOptions): Plan {
  const domain = a.domain ?? 'project';
  const layers = LAYERS[(a.layering as keyof typeof LAYERS) ?? 'ods_dwd_dws'] ?? LAYERS.ods_dwd_dws;
  const s = { raw: `${domain}_${layers.raw}`, clean: `${domain}_${layers.clean}`, agg: `${domain}_${layers.agg}` };
  const route = routeOf(a);
  if (route.id === 'http_api') return httpApiPlan(a, opts, { domain, layers, schemas: s, route });
  if (route.id === 'dbt') return dbtPlan(a, opts, { domain, schemas: s, route });
  const c = crons(a.schedule);
  const src = sourceName(a, route);
  const folder = `${domain}_dw`;
  const tasks: PlannedTask[] = [];
  const bizdate = [{ name: 'bizdate', value: '$[yyyy-MM-dd-1]' }];
  // The source tables chosen from Studio (database routes), each an ODS table of its own name.
  const chosen = a.source && a.source !== 'database' ? [] : chosenTables(a, opts);
  const rawTable = route.id.startsWith('kafka') ? 'events' : route.id.startsWith('oss') ? 'files_raw' : ((chosen.find((t) => t.ods === 'orders') ?? chosen[0])?.ods ?? 'orders');
  const syncVc = a.sync_vc ?? opts.syncVc;

  // 00: ingestion.
  let ingest: PlannedTask | undefined;
  if (route.syncKind) {
    const continuous = route.syncKind === 'REALTIME' || route.syncKind === 'MULTI_REALTIME';
    // Seed 001: every Studio sync task is configured in the Studio UI (source, target, mapping, sync
    // rules); the bot saves a frame, and the frame is never deployed (it names no real source).
    const named = chosen.length
      ? `the data source \`${a.source_ds}\` and the table${chosen.length > 1 ? 's' : ''} ${chosen.map((t) => `\`${t.namespace}.${t.name}\``).join(', ')} (chosen here from Studio's lists) → ${chosen.map((t) => `${s.raw}.${t.ods}`).join(', ')}`
      : undefined;
    const needsUi = named
      ? `Select ${named} in the task, then the field mapping${route.syncKind === 'MULTI_DI' || route.syncKind === 'MULTI_REALTIME' ? ' (Sync Objects; naming variables `{SOURCE_DATABASE}`/`{SOURCE_TABLE}` for the targets)' : ''} and the sync rules${continuous ? '; submitting starts it' : ` (${a.write_mode === 'append' ? 'append' : 'overwrite'})`}`
      : route.syncKind === 'MULTI_DI'
        ? 'Choose the source data source and tables (multi-table naming variables `{SOURCE_DATABASE}`/`{SOURCE_TABLE}` for the target), the target schema, the column mapping (Sync Objects) and the sync rules'
        : continuous
          ? `Choose the ${src === 'kafka' ? 'Kafka data source and topic, the start offset and the JSONPath computed columns' : 'source data source and tables (CDC)'}; submitting starts it`
          : `Choose the source (${src === 'oss' ? 'the object-storage data source and path' : 'the data source, database and table'}), the target ${s.raw}.${rawTable}, the field mapping and the sync rules (${a.write_mode === 'append' ? 'append' : 'overwrite'})`;
    const content = chosen.length
      ? {
          // The source is named; the mapping is still the person's to configure in Studio (so it stays a frame).
          reader: { datasource: a.source_ds, tables: chosen.map((t) => ({ database: t.namespace, table: t.name })) },
          writer: { datasource: 'lakehouse', schema: s.raw, tables: chosen.map((t) => t.ods) },
          mapping: FRAME_MARK.mapping,
          ...(continuous ? {} : { mode: a.write_mode === 'append' ? 'APPEND' : 'OVERWRITE' }),
        }
      : {
          reader: {
            datasource: FRAME_MARK.dataSource,
            ...(src === 'kafka' ? { topic: '<topic>' } : src === 'oss' ? { path: 'oss://<bucket>/<prefix>/' } : { database: '<database>', table: '<table>' }),
          },
          writer: { datasource: 'lakehouse', schema: s.raw, table: rawTable },
          ...(continuous ? {} : { mode: a.write_mode === 'append' ? 'APPEND' : 'OVERWRITE' }),
        };
    ingest = {
      name: `00_sync_${src}_to_${layers.raw}`,
      kind: route.syncKind,
      role: 'sync',
      cron: continuous ? undefined : c.sync,
      dependsOn: [],
      vcCode: syncVc ?? FRAME_MARK.syncVc,
      content: JSON.stringify(content, null, 2),
      params: [],
      deploy: false,
      uiSetup: needsUi,
      description: `${route.label}: ${chosen.length ? `${a.source_ds} (${chosen.map((t) => `${t.namespace}.${t.name}`).join(', ')})` : src} → ${chosen.length ? chosen.map((t) => `${s.raw}.${t.ods}`).join(', ') : `${s.raw}.${rawTable}`}${continuous ? ', runs continuously' : `, ${a.write_mode === 'append' ? 'append' : 'overwrite'}`}`,
    };
  } else if (route.pipe) {
    const pipeSource =
      src === 'kafka'
        ? `READ_KAFKA('<bootstrap servers>', '<topic>', '', 'studio_ops_${domain}', '', '', '', '', 'raw', 'raw', 0, MAP())`
        : `@<volume> (FILE_FORMAT => (TYPE => CSV))`;
    ingest = {
      name: `00_pipe_${src}_to_${layers.raw}`,
      kind: 'SQL',
      role: 'pipe',
      cron: undefined,
      dependsOn: [],
      vcCode: opts.etlVc,
      content: `-- SQL Pipe: created once (DDL), then it loads continuously by itself.
CREATE PIPE IF NOT EXISTS ${s.raw}.${src}_pipe
  VIRTUAL_CLUSTER = '${opts.etlVc}'
  ${src === 'kafka' ? "BATCH_INTERVAL_IN_SECONDS = '60'" : "INGEST_MODE = 'LIST_PURGE'"}
AS COPY INTO ${s.raw}.${rawTable} FROM ${pipeSource};`,
      params: [],
      deploy: false,
      uiSetup: undefined,
      description: `${route.label}: a pipe created once by hand (a draft, like DDL)`,
    };
  }
  if (ingest) tasks.push(ingest);

  // 01–03: DDL drafts.
  tasks.push(
    {
      name: `01_ddl_${layers.raw}`,
      kind: 'SQL',
      role: 'ddl',
      cron: undefined,
      dependsOn: [],
      vcCode: opts.etlVc,
      content: odsDdl(a, route, s.raw, opts.typeMappings, chosen),
      params: [],
      deploy: false,
      uiSetup: undefined,
      description: `${layers.raw.toUpperCase()} tables (draft, run once by hand)`,
    },
    {
      name: `02_ddl_${layers.clean}`,
      kind: 'SQL',
      role: 'ddl',
      cron: undefined,
      dependsOn: [],
      vcCode: opts.etlVc,
      content: `CREATE SCHEMA IF NOT EXISTS ${s.clean};
CREATE TABLE IF NOT EXISTS ${s.clean}.orders_detail (
  order_id BIGINT, user_id BIGINT, is_paid BOOLEAN, amount DECIMAL(18, 2), status STRING, created_at TIMESTAMP, dt STRING
) PARTITIONED BY (dt);`,
      params: [],
      deploy: false,
      uiSetup: undefined,
      description: `${layers.clean.toUpperCase()} tables (draft)`,
    },
    {
      name: '03_ddl_dws_ads',
      kind: 'SQL',
      role: 'ddl',
      cron: undefined,
      dependsOn: [],
      vcCode: opts.etlVc,
      content: `-- ${layers.agg.toUpperCase()}: Dynamic Tables refresh themselves; no scheduled task.
CREATE SCHEMA IF NOT EXISTS ${s.agg};
CREATE OR REPLACE DYNAMIC TABLE ${s.agg}.sales_daily
  REFRESH INTERVAL ${refreshInterval(a.freshness)} VCLUSTER ${opts.etlVc}
AS SELECT dt, ${metricColumns(a.metrics)}
   FROM ${s.clean}.orders_detail
   GROUP BY dt;`,
      params: [],
      deploy: false,
      uiSetup: undefined,
      description: `${layers.agg.toUpperCase()} Dynamic Tables (draft; run once, then REFRESH DYNAMIC TABLE)`,
    },
  );

  // 04–05: scheduled transform and check, after the sync.
  // Downstream of a sync frame nothing is deployed until the sync is configured and has run (seed 000's launch order).
  const ingestDeployed = ingest?.role !== 'sync';
  const transformDeps = ingest?.role === 'sync' ? [ingest.name] : [];
  // With no ingestion task the transform has no upstream to wait for: scheduling it would break the
  // standards (etl-without-upstream, P0), so 04 and 05 stay drafts until their upstream is added.
  const noUpstream = route.id === 'internal' || route.id === 'dw_modeling';
  tasks.push(
    {
      name: `04_transform_${layers.raw}_to_${layers.clean}`,
      kind: 'SQL',
      role: 'transform',
      cron: noUpstream ? undefined : c.etl,
      dependsOn: transformDeps,
      vcCode: opts.etlVc,
      params: bizdate,
      content: route.id.startsWith('kafka')
        ? `INSERT OVERWRITE TABLE ${s.clean}.orders_detail PARTITION (dt = '\${bizdate}')
SELECT CAST(get_json_object(message_value, '$.order_id') AS BIGINT), CAST(get_json_object(message_value, '$.user_id') AS BIGINT),
       CAST(get_json_object(message_value, '$.is_paid') AS BOOLEAN), CAST(get_json_object(message_value, '$.amount') AS DECIMAL(18, 2)),
       get_json_object(message_value, '$.status'), kafka_timestamp
FROM ${s.raw}.events WHERE DATE(kafka_timestamp) = '\${bizdate}';`
        : `INSERT OVERWRITE TABLE ${s.clean}.orders_detail PARTITION (dt = '\${bizdate}')
SELECT o.order_id, o.user_id, CAST(o.is_paid AS BOOLEAN) AS is_paid, o.amount, o.status, o.created_at
FROM ${s.raw}.${rawTable} o
WHERE DATE(o.created_at) = '\${bizdate}';`,
      deploy: ingestDeployed && !noUpstream,
      uiSetup: undefined,
      description: `${layers.raw.toUpperCase()} → ${layers.clean.toUpperCase()} cleaning${transformDeps.length ? `, after ${transformDeps[0]}` : ''}`,
    },
    {
      name: '05_dqc_check',
      kind: 'SQL',
      role: 'dqc',
      cron: noUpstream ? undefined : c.dqc,
      dependsOn: [`04_transform_${layers.raw}_to_${layers.clean}`],
      vcCode: opts.etlVc,
      params: bizdate,
      content: `-- Data quality: rows exist and key columns are filled for the business date
SELECT assert_true(COUNT(*) > 0, 'no rows for \${bizdate}'),
       assert_true(AVG(CASE WHEN user_id IS NULL THEN 1 ELSE 0 END) < 0.01, 'user_id null rate over 1%')
FROM ${s.clean}.orders_detail WHERE dt = '\${bizdate}';`,
      deploy: ingestDeployed && !noUpstream,
      uiSetup: undefined,
      description: 'Row count and NULL-rate checks, after the transform',
    },
  );

  const notes: string[] = [];
  if (ingest?.uiSetup)
    notes.push(
      `${ingest.name} is saved as a frame and needs the Studio UI: ${ingest.uiSetup}. A frame is never deployed; 04 and 05 are deployed once it is configured and has run.`,
    );
  if (ingest?.cron === undefined && ingest?.role === 'sync')
    notes.push(
      `${ingest.name} runs continuously once submitted (no batch start time); 04 runs daily at ${c.etl.split(' ')[2]}:${c.etl.split(' ')[1]} on what it has synced (change its cron in Studio).`,
    );
  if (ingest?.role === 'sync' && !syncVc)
    notes.push(
      `${ingest.name} has no INTEGRATION VCluster: this workspace has none to choose, and a sync task runs only on one. Create one, then choose it; nothing is built until then.`,
    );
  if (chosen.length && rawTable !== 'orders') notes.push(`04 and 05 are the orders template and read ${s.raw}.${rawTable}: adapt their columns to it before the launch runs them.`);
  if (route.pipe) notes.push(`${ingest!.name} is a pipe: run its DDL once by hand; it then loads continuously. 04 does not depend on it (a pipe has no runs to wait for).`);
  const confirmed = parseMetrics(a.metrics);
  if (confirmed.length) notes.push(`Metric definitions confirmed: ${confirmed.map((m) => `${m.name} = ${m.expr}`).join('; ')} (the columns of ${s.agg}.sales_daily).`);
  if (route.id === 'internal' || route.id === 'dw_modeling')
    notes.push(
      "No ingestion task: 04 reads tables filled elsewhere, so 04 and 05 are saved unscheduled. Add the task that fills them as 04's upstream dependency, then schedule and deploy 04 and 05.",
    );
  if (a.source === 'unsure') notes.push('Explore first (seed 000, Step 1): SHOW SCHEMAS; SHOW TABLES IN <schema>; SELECT * FROM <schema>.<table> LIMIT 5; cz-cli datasource list.');

  const plan: Plan = { domain, folder, route, schemas: s, tasks, dynamicTables: [{ name: `${s.agg}.sales_daily`, refresh: refreshInterval(a.freshness) }], notes, cli: [] };
  plan.cli = cliCommands(plan, undefined);
  return plan;
}

/**
 * Seed 003: an HTTP API pulled by a Shell task into the raw layer, cleaned by a Python task into the
 * clean layer. Both take `biz_date = $[yyyy-MM-dd]` (resolved by the scheduler; a manual run is
 * given it), writes are idempotent (DELETE the day, then insert), the Python task depends on the
 * Shell task, both daily. The tables are created by DDL drafts (seed 000's separation of DDL and
 * pipeline; seed 003 creates them inside the scripts — the bot keeps the standard layout instead).
 */
function httpApiPlan(a: Answers, opts: PlanOptions, base: { domain: string; layers: (typeof LAYERS)[keyof typeof LAYERS]; schemas: Plan['schemas']; route: Route }): Plan {
  const { domain, layers, schemas: s, route } = base;
  const c = crons(a.schedule);
  const folder = `${domain}_dw`;
  const url = a.api_url ?? 'https://example.com/api';
  const bizDate = [{ name: 'biz_date', value: '$[yyyy-MM-dd]' }];
  const raw = `${s.raw}.api_raw`;
  const clean = `${s.clean}.api_records`;
  const fetchName = `00_fetch_http_to_${layers.raw}`;
  const cleanName = `04_transform_${layers.raw}_to_${layers.clean}`;
  const fetch: PlannedTask = {
    name: fetchName,
    kind: 'SHELL',
    role: 'sync',
    cron: c.sync,
    dependsOn: [],
    vcCode: opts.etlVc,
    params: bizDate,
    content: `#!/bin/bash
# Pulls ${url} into ${raw} for one business date.
# Task parameter: biz_date = $[yyyy-MM-dd] (a manual run must be given it: --param biz_date=2024-12-01)
set -euo pipefail
export BIZ_DATE='\${biz_date}'
export API_URL='${url}'
echo "Fetch date: $BIZ_DATE"
python3 - <<'PYEOF'
import json, os, urllib.request
from clickzetta_dbutils import get_active_lakehouse_engine
from sqlalchemy import text

biz_date = os.environ["BIZ_DATE"]
req = urllib.request.Request(os.environ["API_URL"], headers={"User-Agent": "studio-ops-bot"})
with urllib.request.urlopen(req, timeout=15) as r:
    records = json.loads(r.read())
if isinstance(records, dict):
    records = records.get("data") or records.get("items") or [records]
print(f"API returned {len(records)} records")

engine = get_active_lakehouse_engine()
with engine.begin() as conn:
    # Idempotent: a rerun of the day replaces the day.
    conn.execute(text(f"DELETE FROM ${raw} WHERE load_date = '{biz_date}'"))
    for rec in records:
        conn.execute(
            text("""INSERT INTO ${raw} VALUES (:load_date, :record_id, :raw_json, CURRENT_TIMESTAMP())"""),
            {"load_date": biz_date, "record_id": str(rec.get("id", "")), "raw_json": json.dumps(rec)[:60000]},
        )
print(f"Wrote {len(records)} raw records, load_date={biz_date}")
if not records:
    raise SystemExit("the API returned no records")
PYEOF
`,
    deploy: false,
    uiSetup: undefined,
    description: `Shell: ${url} → ${raw} (raw JSON kept), daily`,
  };
  const ddlRaw: PlannedTask = {
    name: `01_ddl_${layers.raw}`,
    kind: 'SQL',
    role: 'ddl',
    cron: undefined,
    dependsOn: [],
    vcCode: opts.etlVc,
    params: [],
    content: `-- ${layers.raw.toUpperCase()}: the API's records as returned (one JSON per record, per load date)
CREATE SCHEMA IF NOT EXISTS ${s.raw};
CREATE TABLE IF NOT EXISTS ${raw} (
  load_date  STRING,
  record_id  STRING,
  raw_json   STRING,
  fetched_at TIMESTAMP
);`,
    deploy: false,
    uiSetup: undefined,
    description: `${layers.raw.toUpperCase()} table (draft, run once by hand)`,
  };
  const ddlClean: PlannedTask = {
    name: `02_ddl_${layers.clean}`,
    kind: 'SQL',
    role: 'ddl',
    cron: undefined,
    dependsOn: [],
    vcCode: opts.etlVc,
    params: [],
    content: `-- ${layers.clean.toUpperCase()}: one row per record and load date, fields parsed from the JSON
CREATE SCHEMA IF NOT EXISTS ${s.clean};
CREATE TABLE IF NOT EXISTS ${clean} (
  load_date  STRING,
  record_id  STRING,
  name       STRING,
  created_at STRING,
  raw_json   STRING
);`,
    deploy: false,
    uiSetup: undefined,
    description: `${layers.clean.toUpperCase()} table (draft)`,
  };
  const cleanTask: PlannedTask = {
    name: cleanName,
    kind: 'PYTHON',
    role: 'transform',
    cron: c.etl,
    dependsOn: [fetchName],
    vcCode: opts.etlVc,
    params: bizDate,
    content: `# Cleans ${raw} into ${clean} for one business date: one row per record_id, fields parsed.
# Task parameter: biz_date = $[yyyy-MM-dd] (a manual run must be given it: --param biz_date=2024-12-01)
from clickzetta_dbutils import get_active_lakehouse_engine
from sqlalchemy import text

biz_date = '\${biz_date}'
print(f"Cleaning date: {biz_date}")
engine = get_active_lakehouse_engine()
with engine.begin() as conn:
    # Idempotent: the day is replaced; duplicates of a record in the raw layer are kept once.
    conn.execute(text(f"DELETE FROM ${clean} WHERE load_date = '{biz_date}'"))
    conn.execute(text(f"""INSERT INTO ${clean}
SELECT DISTINCT load_date, record_id, get_json_object(raw_json, '$.name') AS name, get_json_object(raw_json, '$.created_at') AS created_at, raw_json
FROM ${raw} WHERE load_date = '{biz_date}' AND record_id <> ''"""))
    raw_rows = conn.execute(text(f"SELECT COUNT(*) FROM ${raw} WHERE load_date = '{biz_date}'")).scalar()
    clean_rows = conn.execute(text(f"SELECT COUNT(*) FROM ${clean} WHERE load_date = '{biz_date}'")).scalar()
print(f"Raw {raw_rows} records, clean {clean_rows}")
if raw_rows and not clean_rows:
    raise SystemExit("the raw layer has records for the day but none survived cleaning")
`,
    deploy: false,
    uiSetup: undefined,
    description: `Python: ${raw} → ${clean} (dedup, fields parsed), after ${fetchName}`,
  };
  const notes = [
    `${fetchName} and ${cleanName} take biz_date = $[yyyy-MM-dd]: the scheduler resolves it; a manual run does not, so the launch (and \`/cz execute … --param biz_date=<date>\`) passes it.`,
    `${cleanName} depends on ${fetchName}: if the pull fails, the cleaning does not run; a wrong cleaning is rerun alone, without calling the API again.`,
  ];
  const plan: Plan = { domain, folder, route, schemas: s, tasks: [fetch, ddlRaw, ddlClean, cleanTask], dynamicTables: [], notes, cli: [] };
  plan.cli = cliCommands(plan, undefined);
  return plan;
}

/**
 * Seed 004: a dbt project run by a Studio Shell task (dbt-clickzetta ≥ 1.7.8 on Python ≥ 3.10). The
 * source table gets change tracking and an APPEND_ONLY table stream (a DDL draft); the incremental
 * model reads the stream once it exists (`is_incremental()`), the whole table on its first build;
 * a `dynamic_table` model aggregates it and refreshes itself. The profile has dev and prod targets
 * (schemas `<domain>_dbt_dev` / `_prod`), every connection field from the environment; the task's
 * parameter `dbt_target` is prod for the schedule, and the launch runs it once on dev.
 */
function dbtPlan(a: Answers, opts: PlanOptions, base: { domain: string; schemas: Plan['schemas']; route: Route }): Plan {
  const { domain, schemas: s, route } = base;
  const c = crons(a.schedule);
  const folder = `${domain}_dw`;
  const source = (a.dbt_source ?? `${s.raw}.events`).toLowerCase();
  const [srcSchema, srcTable] = source.split('.') as [string, string];
  const stream = `${srcTable}_stream`;
  const enriched = `${srcTable}_enriched`;
  const daily = `${srcTable}_daily`;
  const project = `${domain}_dbt`;
  const refresh = refreshInterval(a.freshness);
  const ddl: PlannedTask = {
    name: `01_ddl_${srcTable}_stream`,
    kind: 'SQL',
    role: 'ddl',
    cron: undefined,
    dependsOn: [],
    vcCode: opts.etlVc,
    params: [],
    content: `-- Seed 004: change tracking on the source, and a table stream of its new rows for the incremental model.
ALTER TABLE ${source} SET TBLPROPERTIES ('change_tracking' = 'true');
CREATE TABLE STREAM IF NOT EXISTS ${srcSchema}.${stream} ON TABLE ${source}
  WITH PROPERTIES ('TABLE_STREAM_MODE' = 'APPEND_ONLY');`,
    deploy: false,
    uiSetup: undefined,
    description: `Change tracking + table stream on ${source} (draft, run once by hand)`,
  };
  const dbt: PlannedTask = {
    name: `04_transform_dbt_${srcTable}`,
    kind: 'SHELL',
    role: 'transform',
    cron: c.etl,
    dependsOn: [],
    vcCode: opts.etlVc,
    params: [{ name: 'dbt_target', value: 'prod' }],
    content: `#!/bin/bash
# Runs the dbt project ${project} on Lakehouse (seed 004). Task parameter: dbt_target = prod
# (a run by hand: --param dbt_target=dev). Connection fields come from the environment:
# CZ_SERVICE, CZ_INSTANCE, CZ_WORKSPACE, CZ_USERNAME, CZ_PASSWORD, CZ_VCLUSTER.
set -euo pipefail
TARGET='\${dbt_target}'
python3 -c 'import sys; assert sys.version_info >= (3, 10), "dbt-clickzetta 1.7.8+ needs Python 3.10+ (3.12 recommended)"'
python3 -m pip install --quiet "dbt-clickzetta>=1.7.8"
WORK="$(mktemp -d)"
mkdir -p "$WORK/${project}/models"
cd "$WORK/${project}"

cat > dbt_project.yml <<'YML'
name: ${project}
version: '1.0'
profile: ${project}
model-paths: ['models']
YML

cat > profiles.yml <<'YML'
${project}:
  target: dev
  outputs:
    dev:
      type: clickzetta
      service: "{{ env_var('CZ_SERVICE') }}"
      instance: "{{ env_var('CZ_INSTANCE') }}"
      workspace: "{{ env_var('CZ_WORKSPACE') }}"
      username: "{{ env_var('CZ_USERNAME') }}"
      password: "{{ env_var('CZ_PASSWORD') }}"
      vcluster: "{{ env_var('CZ_VCLUSTER', '${opts.etlVc}') }}"
      schema: ${domain}_dbt_dev
    prod:
      type: clickzetta
      service: "{{ env_var('CZ_SERVICE') }}"
      instance: "{{ env_var('CZ_INSTANCE') }}"
      workspace: "{{ env_var('CZ_WORKSPACE') }}"
      username: "{{ env_var('CZ_USERNAME') }}"
      password: "{{ env_var('CZ_PASSWORD') }}"
      vcluster: "{{ env_var('CZ_VCLUSTER', '${opts.etlVc}') }}"
      schema: ${domain}_dbt_prod
YML

cat > models/sources.yml <<'YML'
version: 2
sources:
  - name: ${srcSchema}
    schema: ${srcSchema}
    tables:
      - name: ${srcTable}
      - name: ${stream}
YML

cat > models/${enriched}.sql <<'SQL'
{{ config(materialized='incremental') }}
SELECT *, CURRENT_TIMESTAMP() AS loaded_at
FROM {% if is_incremental() %}{{ source('${srcSchema}', '${stream}') }}{% else %}{{ source('${srcSchema}', '${srcTable}') }}{% endif %}
SQL

cat > models/${daily}.sql <<'SQL'
{{ config(materialized = 'dynamic_table', refresh_vc = '${opts.etlVc}', refresh_interval = '${refresh}') }}
SELECT CAST(loaded_at AS DATE) AS load_date, COUNT(*) AS row_count
FROM {{ ref('${enriched}') }}
GROUP BY CAST(loaded_at AS DATE)
SQL

dbt debug --profiles-dir . --target "$TARGET"
dbt build --profiles-dir . --target "$TARGET"
`,
    deploy: false,
    uiSetup: undefined,
    description: `Shell: dbt debug, then dbt build of ${enriched} (incremental, table stream) and ${daily} (dynamic_table) on the target given`,
  };
  const notes = [
    `Run ${ddl.name} once by hand before the first dbt run: the incremental model reads ${srcSchema}.${stream} once its table exists (its first build reads all of ${source}).`,
    `${dbt.name} reads its connection from CZ_SERVICE, CZ_INSTANCE, CZ_WORKSPACE, CZ_USERNAME, CZ_PASSWORD (and CZ_VCLUSTER): set them for the task in Studio; no password is written in profiles.yml.`,
    `dbt_target = prod on the schedule (schema ${domain}_dbt_prod); the launch runs it once with dbt_target = dev (schema ${domain}_dbt_dev). ${daily} is a Dynamic Table: Lakehouse refreshes it every ${refresh.toLowerCase()}, no dbt run needed.`,
  ];
  const plan: Plan = { domain, folder, route, schemas: s, tasks: [ddl, dbt], dynamicTables: [{ name: `${domain}_dbt_prod.${daily}`, refresh }], notes, cli: [] };
  plan.cli = cliCommands(plan, undefined);
  return plan;
}
