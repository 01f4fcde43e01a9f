/**
 * Read views over Lakehouse SQL: the Dynamic Tables (state, last refresh, lag) and one table
 * (columns, size, rows by recent partition, and on request a few redacted sample rows). Only the
 * read-only client's statements.
 */
import type { LakehouseSql } from '../lakehouse/client.js';
import { LakehouseError, SqlRefused } from '../lakehouse/client.js';
import { PLAIN_NAME } from '../lakehouse/sql-tokens.js';
import { SAMPLE_MAX_COLUMNS, SAMPLE_MAX_ROWS } from '../lakehouse/statements.js';
import { MASK, clipWholeTokens, isSecretName, redact } from '../redaction/index.js';

export interface RefreshEntry {
  schema: string;
  name: string;
  vcluster: string;
  startedAt: number;
  endedAt: number | undefined;
  state: string;
  trigger: string;
  mode: string;
  error: string | null;
  suspendedReason: string | null;
  rowsInserted: number | undefined;
  /** How long the refresh took, ms (Lakehouse's `duration`, `D HH:MM:SS.fffffffff`). */
  durationMs: number | undefined;
  jobId: string;
}

export function parseLhDuration(text: unknown): number | undefined {
  const m = typeof text === 'string' ? /^(\d+) (\d+):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text.trim()) : null;
  if (!m) return undefined;
  const frac = m[5] ? Number(`0.${m[5]}`) : 0;
  return Math.round(((Number(m[1]) * 24 + Number(m[2])) * 3600 + Number(m[3]) * 60 + Number(m[4]) + frac) * 1000);
}

export interface DynamicTableSummary {
  schema: string;
  name: string;
  /** SUSPENDED, FAILED (its latest refresh failed), OK, or UNKNOWN (no refresh in the window). */
  state: 'SUSPENDED' | 'FAILED' | 'OK' | 'UNKNOWN';
  latest: RefreshEntry | undefined;
  lastSuccessAt: number | undefined;
  failuresInWindow: number;
}

/** Lakehouse's `yyyy-MM-dd HH:mm:ss` (UTC in the sandbox and by default). */
export function parseLhTime(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(text)) return undefined;
  const ms = Date.parse(`${text.slice(0, 19).replace(' ', 'T')}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

export function lhTimeText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function refreshEntry(r: Record<string, unknown>): RefreshEntry {
  let rowsInserted: number | undefined;
  try {
    const stats = typeof r.stats === 'string' ? (JSON.parse(r.stats) as { rows_inserted?: string }) : undefined;
    if (stats?.rows_inserted !== undefined) rowsInserted = Number(stats.rows_inserted);
  } catch {
    /* stats is free text on some versions */
  }
  return {
    schema: String(r.schema_name ?? ''),
    name: String(r.name ?? ''),
    vcluster: String(r.virtual_cluster ?? ''),
    startedAt: parseLhTime(r.start_time) ?? 0,
    endedAt: parseLhTime(r.end_time),
    state: String(r.state ?? 'UNKNOWN').toUpperCase(),
    trigger: String(r.refresh_trigger ?? ''),
    mode: String(r.refresh_mode ?? ''),
    error: r.error_message === null || r.error_message === undefined || r.error_message === '' ? null : String(r.error_message),
    suspendedReason: r.suspended_reason === null || r.suspended_reason === undefined || r.suspended_reason === '' ? null : String(r.suspended_reason),
    rowsInserted,
    durationMs: parseLhDuration(r.duration),
    jobId: String(r.job_id ?? ''),
  };
}

/** Refreshes since `sinceMs`, newest first, in ONE statement whatever the number of tables. */
export async function recentRefreshes(sql: LakehouseSql, sinceMs: number): Promise<RefreshEntry[]> {
  const r = await sql.refreshHistory({ since: lhTimeText(sinceMs) });
  return r.rows.map(refreshEntry).sort((a, b) => b.startedAt - a.startedAt);
}

/** Per table: the latest refresh decides the state; the window gives the failures and the last success. */
export function summarise(entries: RefreshEntry[]): DynamicTableSummary[] {
  const byTable = new Map<string, RefreshEntry[]>();
  for (const e of entries) {
    const k = `${e.schema}.${e.name}`;
    byTable.set(k, [...(byTable.get(k) ?? []), e]);
  }
  return [...byTable.values()].map((list) => {
    const sorted = [...list].sort((a, b) => b.startedAt - a.startedAt);
    const latest = sorted[0];
    const success = sorted.find((e) => e.state === 'SUCCEED' || e.state === 'SUCCEEDED');
    const state = latest?.state === 'SUSPENDED' ? 'SUSPENDED' : latest?.state === 'FAILED' ? 'FAILED' : latest ? 'OK' : 'UNKNOWN';
    return {
      schema: latest!.schema,
      name: latest!.name,
      state,
      latest,
      lastSuccessAt: success?.endedAt ?? success?.startedAt,
      failuresInWindow: sorted.filter((e) => e.state === 'FAILED').length,
    };
  });
}

export interface DynamicTablesView {
  windowHours: number;
  tables: DynamicTableSummary[];
  /** Dynamic Tables with no refresh in the window. */
  quiet: string[];
}

const STATE_ORDER = { FAILED: 0, SUSPENDED: 1, UNKNOWN: 2, OK: 3 } as const;

export async function describeDynamicTables(sql: LakehouseSql, now: number, windowHours = 24): Promise<DynamicTablesView> {
  const [entries, all] = await Promise.all([
    recentRefreshes(sql, now - windowHours * 3_600_000),
    sql.tables(['table_schema', 'table_name'], { where: { table_type: 'DYNAMIC_TABLE' } }),
  ]);
  const tables = summarise(entries).sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || `${a.schema}.${a.name}`.localeCompare(`${b.schema}.${b.name}`));
  const seen = new Set(tables.map((t) => `${t.schema}.${t.name}`));
  const quiet = all.rows
    .map((r) => `${String(r.table_schema)}.${String(r.table_name)}`)
    .filter((n) => !seen.has(n))
    .sort();
  return { windowHours, tables, quiet };
}

export interface DynamicTableHistory {
  table: string;
  entries: RefreshEntry[];
}

export async function describeDynamicTable(sql: LakehouseSql, table: string, limit = 10): Promise<DynamicTableHistory> {
  const r = await sql.refreshHistory({ table, limit });
  if (r.rows.length === 0) {
    const [schema, name] = table.includes('.') ? table.split('.').slice(-2) : [undefined, table];
    const found = await sql.tables(['table_schema', 'table_name', 'table_type'], { where: { table_schema: schema, table_name: name } });
    if (found.rows.length === 0) throw new Error(`There is no table ${table} in this workspace. \`/cz dt\` lists the Dynamic Tables.`);
    if (found.rows[0]!.table_type !== 'DYNAMIC_TABLE')
      throw new Error(`${table} is a ${String(found.rows[0]!.table_type).toLowerCase().replace('_', ' ')}, not a Dynamic Table; \`/cz table ${table}\` shows it.`);
  }
  return { table, entries: r.rows.map(refreshEntry) };
}

export interface TableView {
  table: string;
  type: string;
  columns: { name: string; type: string; comment: string }[];
  rows: number | undefined;
  bytes: number | undefined;
  partitionedBy: string | undefined;
  /** Row counts of the most recent business dates (newest first), when partitioned by date. */
  partitions: { value: string; rows: number }[];
  /** Why the partitions were not counted (a partitioning that is not one plain column). */
  partitionsNotCounted?: string;
  /** A few rows, redacted (`--sample`). */
  sample?: TableSample;
}

export interface TableSample {
  columns: string[];
  /** Each value as text: redacted, a secret-named column masked whole, clipped. */
  rows: string[][];
  /** Columns not read: past the first eight, or not plain names. */
  columnsLeftOut: number;
}

/** The longest a sample value is shown. */
const SAMPLE_VALUE_CHARS = 40;

/**
 * Up to five rows of the first eight plain-named columns, each value redacted (secrets inside any
 * text masked; a column whose name says secret — password, token, key… — masked whole) and clipped.
 */
export async function sampleTable(sql: LakehouseSql, table: string, columns: readonly string[]): Promise<TableSample> {
  const plain = columns.filter((c) => PLAIN_NAME.test(c));
  const chosen = plain.slice(0, SAMPLE_MAX_COLUMNS);
  const r = await sql.sample(table, chosen, SAMPLE_MAX_ROWS);
  const rows = r.rows.map((row) =>
    chosen.map((c) => {
      const v = row[c.toLowerCase()];
      if (v === null || v === undefined) return 'NULL';
      return isSecretName(c) ? MASK : clipWholeTokens(redact(String(v)), SAMPLE_VALUE_CHARS);
    }),
  );
  return { columns: chosen, rows, columnsLeftOut: columns.length - chosen.length };
}

/** A table's sample by its name alone: its columns read with DESC first. */
export async function sampleOf(sql: LakehouseSql, table: string): Promise<TableSample> {
  const desc = await sql.describe(table, false);
  const columns: string[] = [];
  for (const r of desc.rows) {
    const name = String(r.column_name ?? '');
    if (name.startsWith('#')) break;
    if (name) columns.push(name);
  }
  return sampleTable(sql, table, columns);
}

/** Business dates (yyyy-MM-dd) before `now` in `timeZone`, yesterday first. */
export function recentDates(now: number, timeZone: string, days: number): string[] {
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return Array.from({ length: days }, (_, i) => fmt.format(new Date(now - (i + 1) * 86_400_000)));
}

export async function describeTable(sql: LakehouseSql, table: string, now: number, timeZone: string, days = 7, opts: { sample?: boolean } = {}): Promise<TableView> {
  let desc: Awaited<ReturnType<LakehouseSql['query']>>;
  try {
    desc = await sql.describe(table, true);
  } catch (e) {
    if (e instanceof LakehouseError && /not found/i.test(e.message)) throw new Error(`There is no table ${table} in this workspace (Lakehouse: ${e.message}).`);
    throw e;
  }
  const columns: TableView['columns'] = [];
  const detail = new Map<string, string>();
  let inDetail = false;
  for (const r of desc.rows) {
    const name = String(r.column_name ?? '');
    if (name.startsWith('#')) inDetail = true;
    else if (!name) continue;
    else if (inDetail) detail.set(name.toLowerCase(), String(r.data_type ?? ''));
    else columns.push({ name, type: String(r.data_type ?? ''), comment: String(r.comment ?? '') });
  }
  const stats = /^(\d+) rows (\d+) bytes/.exec(detail.get('statistics') ?? '');
  const partitionedBy = detail.get('partitioned by') || undefined;
  let partitions: TableView['partitions'] = [];
  let partitionsNotCounted: string | undefined;
  if (partitionedBy) {
    const dates = recentDates(now, timeZone, days);
    try {
      // The column's name comes from DESC output: counted only when it is a plain name (quoted, never spliced).
      partitions = await sql.countPartitions(table, partitionedBy, dates);
    } catch (e) {
      if (!(e instanceof SqlRefused)) throw e;
      partitionsNotCounted = `Rows by business date are not counted: Lakehouse names the partitioning \`${partitionedBy.slice(0, 80)}\`, not a plain column name.`;
    }
  }
  const sample = opts.sample
    ? await sampleTable(
        sql,
        table,
        columns.map((c) => c.name),
      )
    : undefined;
  return {
    table,
    sample,
    type: detail.get('type') ?? 'TABLE',
    columns,
    rows: stats ? Number(stats[1]) : undefined,
    bytes: stats ? Number(stats[2]) : undefined,
    partitionedBy,
    partitions,
    partitionsNotCounted,
  };
}
