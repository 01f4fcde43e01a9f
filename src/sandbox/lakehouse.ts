/**
 * The sandbox's Lakehouse: a model of the demo workspace's schemas, tables, partitions, Dynamic
 * Tables and VClusters, answering the statements the bot uses over the SQL job protocol
 * (`/lh/submitJob`, `/lh/getJob`, `/lh/cancelJob`; raw JSON, no envelope; results embedded as
 * ARROW, or TEXT when asked). Anything else answers a syntax error, as Lakehouse would, and every
 * statement received is kept in `statements` so tests can see what reached it.
 */
import { Float64, Table, Utf8, type Vector, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { Clock } from './sim.js';

export interface LhColumn {
  name: string;
  type: string;
  comment?: string;
}

export interface LhTable {
  schema: string;
  name: string;
  kind: 'MANAGED_TABLE' | 'DYNAMIC_TABLE';
  columns: LhColumn[];
  partitionedBy?: string;
  /** Rows by partition value (partitioned tables), or under '' (others). */
  rows: Record<string, number>;
  bytesPerRow: number;
  createdAt: number;
  dynamic?: DynamicSpec;
}

export interface DynamicSpec {
  intervalMinutes: number;
  vcluster: string;
  sources: string[];
  state: 'RUNNING' | 'SUSPENDED';
  suspendedReason?: string;
  /** The next refreshes fail with this error (until cleared or a manual refresh succeeds). */
  failing?: { code: string; message: string; clearsOnManualRefresh: boolean };
}

export interface RefreshRow {
  workspace_name: string;
  schema_name: string;
  name: string;
  virtual_cluster: string;
  start_time: string;
  end_time: string | null;
  duration: string | null;
  state: 'SUCCEED' | 'FAILED' | 'RUNNING' | 'SUSPENDED';
  refresh_trigger: 'SYSTEM_SCHEDULED' | 'MANUAL';
  suspended_reason: string | null;
  refresh_mode: 'INCREMENTAL' | 'FULL' | 'NO_DATA';
  error_message: string | null;
  source_tables: string;
  stats: string | null;
  completion_target: string | null;
  job_id: string;
}

interface Job {
  id: string;
  sql: string;
  doneAt: number;
  answer: Record<string, unknown>;
  cancelled?: boolean;
}

class SqlFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Cell = string | number | null;
interface Result {
  fields: { name: string; category: string }[];
  rows: Cell[][];
}

const REFRESH_COLUMNS: (keyof RefreshRow)[] = [
  'workspace_name',
  'schema_name',
  'name',
  'virtual_cluster',
  'start_time',
  'end_time',
  'duration',
  'state',
  'refresh_trigger',
  'suspended_reason',
  'refresh_mode',
  'error_message',
  'source_tables',
  'stats',
  'completion_target',
  'job_id',
];
const TABLE_COLUMNS = ['table_catalog', 'table_schema', 'table_name', 'table_type', 'row_count', 'bytes', 'create_time', 'last_modify_time'];
const NUMERIC = new Set(['row_count', 'bytes']);

/** `yyyy-MM-dd HH:mm:ss` in UTC (the sandbox's Lakehouse time zone). */
export function lhTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `0 ${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}.${String(ms % 1000).padStart(3, '0')}000000`;
}

export class SandboxLakehouse {
  readonly tables: LhTable[] = [];
  readonly history: RefreshRow[] = [];
  readonly vclusters: { name: string; type: string; size: string; state: string }[];
  /** Every statement received, in order. */
  readonly statements: string[] = [];
  /** How long a job runs before its result is ready, ms (0: at once). */
  jobMs = 0;
  private readonly jobs = new Map<string, Job>();
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    readonly workspace: string,
    vclusters: Record<string, string>,
  ) {
    this.vclusters = Object.entries(vclusters).map(([name, type]) => ({ name, type, size: type === 'INTEGRATION' ? 'SMALL' : 'MEDIUM', state: 'RUNNING' }));
  }

  private now(): number {
    return this.clock.now();
  }

  table(ref: string): LhTable | undefined {
    const [a, b] = ref.toLowerCase().replace(/`/g, '').split('.');
    return this.tables.find((t) => (b === undefined ? t.name === a : t.schema === a && t.name === b));
  }

  // ---- the model's changes -----------------------------------------------------------------

  /** A refresh of a Dynamic Table, as the scheduler or REFRESH DYNAMIC TABLE runs it. */
  refresh(t: LhTable, trigger: RefreshRow['refresh_trigger'], at = this.now()): RefreshRow {
    const dt = t.dynamic!;
    const id = `${lhTime(at).replace(/\D/g, '')}${String(++this.seq).padStart(6, '0')}`;
    const base = {
      workspace_name: this.workspace,
      schema_name: t.schema,
      name: t.name,
      virtual_cluster: dt.vcluster,
      start_time: lhTime(at),
      refresh_trigger: trigger,
      completion_target: null,
      job_id: id,
      source_tables: JSON.stringify(dt.sources.map((s) => ({ schema: s.split('.')[0], table_name: s.split('.')[1], workspace: this.workspace }))),
    };
    let row: RefreshRow;
    if (trigger === 'MANUAL' && dt.failing?.clearsOnManualRefresh) dt.failing = undefined;
    if (dt.failing) {
      row = {
        ...base,
        end_time: lhTime(at + 1200),
        duration: duration(1200),
        state: 'FAILED',
        suspended_reason: null,
        refresh_mode: 'INCREMENTAL',
        error_message: `${dt.failing.code}: ${dt.failing.message}`,
        stats: null,
      };
    } else {
      const inserted = 800 + ((at / 1000) % 400);
      row = {
        ...base,
        end_time: lhTime(at + 566),
        duration: duration(566),
        state: 'SUCCEED',
        suspended_reason: null,
        refresh_mode: 'INCREMENTAL',
        error_message: null,
        stats: JSON.stringify({ rows_deleted: '0', rows_inserted: String(Math.round(inserted)) }),
      };
      t.rows[''] = (t.rows[''] ?? 0) + Math.round(inserted);
    }
    this.history.push(row);
    return row;
  }

  suspend(t: LhTable, reason: string, at = this.now()): void {
    t.dynamic!.state = 'SUSPENDED';
    t.dynamic!.suspendedReason = reason;
    this.history.push({
      workspace_name: this.workspace,
      schema_name: t.schema,
      name: t.name,
      virtual_cluster: t.dynamic!.vcluster,
      start_time: lhTime(at),
      end_time: null,
      duration: null,
      state: 'SUSPENDED',
      refresh_trigger: 'SYSTEM_SCHEDULED',
      suspended_reason: reason,
      refresh_mode: 'NO_DATA',
      error_message: null,
      source_tables: '[]',
      stats: null,
      completion_target: null,
      job_id: `${lhTime(at).replace(/\D/g, '')}${String(++this.seq).padStart(6, '0')}`,
    });
  }

  /** Scheduled refreshes due up to `until`, for every running Dynamic Table (at most 48 each per call). */
  advance(until = this.now()): void {
    for (const t of this.tables) {
      const dt = t.dynamic;
      if (dt?.state !== 'RUNNING') continue;
      const last = this.lastRefresh(t);
      const every = dt.intervalMinutes * 60_000;
      let next = last ? Date.parse(`${last.start_time.replace(' ', 'T')}Z`) + every : t.createdAt;
      if ((until - next) / every > 48) next += Math.floor((until - next) / every - 47) * every;
      for (; next <= until; next += every) this.refresh(t, 'SYSTEM_SCHEDULED', next);
    }
    if (this.history.length > 20_000) this.history.splice(0, this.history.length - 20_000);
  }

  private lastRefresh(t: LhTable): RefreshRow | undefined {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i]!;
      if (h.schema_name === t.schema && h.name === t.name && h.state !== 'SUSPENDED') return h;
    }
    return undefined;
  }

  /**
   * The CREATE TABLE / CREATE DYNAMIC TABLE statements of SQL a temporary run executes (the
   * sandbox applies them when the run starts): new tables, empty; a Dynamic Table that has not
   * refreshed yet. Existing tables are left as they are.
   */
  applyDdl(sql: string): void {
    const text = sql.replace(/--[^\n]*/g, ' ');
    for (const m of text.matchAll(/create\s+(?:or\s+replace\s+)?(dynamic\s+)?table\s+(?:if\s+not\s+exists\s+)?`?(\w+)\.(\w+)`?\s*([\s\S]*?)(?:;|$)/gi)) {
      const [schema, name] = [m[2]!.toLowerCase(), m[3]!.toLowerCase()];
      if (this.table(`${schema}.${name}`)) continue;
      const body = m[4] ?? '';
      const cols = /^\(([\s\S]*?)\)\s*(?:partitioned|comment|$)/i.exec(body.trim())?.[1] ?? '';
      const columns = cols
        .split(/,(?![^(]*\))/)
        .map((c) => /^\s*`?(\w+)`?\s+([\w(), ]+?)\s*$/.exec(c.trim()))
        .filter((c): c is RegExpExecArray => c !== null)
        .map((c) => ({ name: c[1]!.toLowerCase(), type: c[2]!.toLowerCase() }));
      const partitionedBy = /partitioned\s+by\s*\(\s*(\w+)/i.exec(body)?.[1]?.toLowerCase();
      const t: LhTable = { schema, name, kind: m[1] ? 'DYNAMIC_TABLE' : 'MANAGED_TABLE', columns, rows: {}, bytesPerRow: 48, createdAt: this.now(), partitionedBy };
      if (m[1]) {
        const every = /refresh\s+interval\s+(\d+)\s+(minute|hour|day)/i.exec(body);
        const minutes = every ? Number(every[1]) * ({ minute: 1, hour: 60, day: 1440 } as Record<string, number>)[every[2]!.toLowerCase()]! : 60;
        const vc = /vcluster\s+(\w+)/i.exec(body)?.[1] ?? 'default';
        const sources = [...body.matchAll(/\bfrom\s+(\w+\.\w+)/gi)].map((x) => x[1]!.toLowerCase());
        // The first refresh comes one interval after creation (or now, with REFRESH DYNAMIC TABLE).
        t.createdAt = this.now() + minutes * 60_000;
        t.dynamic = { intervalMinutes: minutes, vcluster: vc, sources, state: 'RUNNING' };
      }
      this.tables.push(t);
    }
  }

  // ---- the job protocol --------------------------------------------------------------------

  submit(body: Record<string, unknown>): Record<string, unknown> {
    const desc = (body.jobDesc ?? {}) as { jobId?: { id?: string }; sqlJob?: { query?: string[]; sqlConfig?: { hint?: Record<string, string> } }; hybridPollingTimeout?: number };
    const id = String(desc.jobId?.id ?? `job${++this.seq}`);
    const sql = String(desc.sqlJob?.query?.[0] ?? '');
    if (!sql.trim()) return { status: { state: 'FAILED', errorCode: 'CZLH-42000', errorMessage: 'empty query' } };
    this.statements.push(sql);
    const text = (desc.sqlJob?.sqlConfig?.hint?.['cz.sql.adhoc.default.format'] ?? 'ARROW').toUpperCase() === 'TEXT';
    let answer: Record<string, unknown>;
    try {
      this.advance();
      answer = { status: { state: 'SUCCEED' }, resultSet: encode(this.execute(sql), text) };
    } catch (e) {
      const f = e instanceof SqlFailure ? e : new SqlFailure('CZLH-50000', (e as Error).message);
      answer = { status: { state: 'FAILED', errorCode: f.code, errorMessage: `${f.code}: ${f.message}` } };
    }
    const job: Job = { id, sql, doneAt: this.now() + this.jobMs, answer };
    this.jobs.set(id, job);
    if (this.jobs.size > 1000) this.jobs.delete(this.jobs.keys().next().value!);
    return this.view(job);
  }

  getJob(body: Record<string, unknown>): Record<string, unknown> {
    const req = (body.getResultRequest ?? {}) as { jobId?: { id?: string } };
    const job = this.jobs.get(String(req.jobId?.id ?? ''));
    if (!job) return { status: { state: 'FAILED', errorCode: 'CZLH-60005', errorMessage: `job ${String(req.jobId?.id)} not found` } };
    return this.view(job);
  }

  cancel(body: Record<string, unknown>): Record<string, unknown> {
    const job = this.jobs.get(String((body.job_id as { id?: string } | undefined)?.id ?? ''));
    if (job && this.now() < job.doneAt) job.cancelled = true;
    return { status: { state: job?.cancelled ? 'CANCELLED' : 'SUCCEED' } };
  }

  private view(job: Job): Record<string, unknown> {
    if (job.cancelled) return { status: { state: 'CANCELLED', errorMessage: 'cancelled by user' } };
    if (this.now() < job.doneAt) return { status: { state: 'RUNNING' } };
    return job.answer;
  }

  // ---- the statements ----------------------------------------------------------------------

  execute(sqlIn: string): Result {
    const sql = sqlIn.trim().replace(/;\s*$/, '').replace(/\s+/g, ' ');
    let m: RegExpExecArray | null;
    if (/^show schemas$/i.test(sql)) {
      const schemas = [...new Set(this.tables.map((t) => t.schema))].sort();
      return { fields: [{ name: 'schema_name', category: 'STRING' }], rows: schemas.map((s) => [s]) };
    }
    m = /^show tables(?: (?:in|from) (\w+))?$/i.exec(sql);
    if (m) {
      const schema = m[1]?.toLowerCase();
      const rows = this.tables
        .filter((t) => !schema || t.schema === schema)
        .map((t) => [t.schema, t.name, 'false', 'false', 'false', t.kind === 'DYNAMIC_TABLE' ? 'true' : 'false'] as Cell[]);
      return { fields: ['schema_name', 'table_name', 'is_view', 'is_materialized_view', 'is_external', 'is_dynamic'].map((name) => ({ name, category: 'STRING' })), rows };
    }
    m = /^(?:desc|describe)(?: table)?( extended)? ([\w.`]+)$/i.exec(sql);
    if (m) return this.describe(m[2]!, Boolean(m[1]));
    if (/^show vclusters$/i.test(sql)) {
      return {
        fields: ['name', 'vcluster_size', 'vcluster_type', 'state'].map((name) => ({ name, category: 'STRING' })),
        rows: this.vclusters.map((v) => [v.name, v.size, v.type, v.state]),
      };
    }
    m = /^show dynamic table refresh history(?: ([\w.`]+))?(?: where (.+?))?(?: limit (\d+))?$/i.exec(sql);
    if (m) return this.refreshHistory(m[1], m[2], m[3]);
    m = /^select count\(\*\)(?: as (\w+))? from ([\w.`]+)(?: where `?(\w+)`? ?= ?'([^']*)')?$/i.exec(sql);
    if (m) {
      const t = this.table(m[2]!);
      if (!t) throw new SqlFailure('CZLH-42000', `Table or view not found: ${m[2]}`);
      let n: number;
      if (m[3]) {
        if (m[3].toLowerCase() !== t.partitionedBy) throw new SqlFailure('CZLH-42000', `cannot resolve column '${m[3]}' as a partition of ${t.schema}.${t.name}`);
        n = t.rows[m[4]!] ?? 0;
      } else n = Object.values(t.rows).reduce((a, b) => a + b, 0);
      return { fields: [{ name: m[1] ?? 'count(*)', category: 'INT64' }], rows: [[n]] };
    }
    m = /^select (.+?) from information_schema\.tables(?: where (.+?))?(?: order by (\w+)( desc| asc)?)?(?: limit (\d+))?$/i.exec(sql);
    if (m) return this.infoTables(m[1]!, m[2], m[3], m[4], m[5]);
    m = /^refresh dynamic table ([\w.`]+)$/i.exec(sql);
    if (m) {
      const t = this.table(m[1]!);
      if (!t?.dynamic) throw new SqlFailure('CZLH-42000', `Dynamic table not found: ${m[1]}`);
      if (t.dynamic.state === 'SUSPENDED') {
        t.dynamic.state = 'RUNNING';
        t.dynamic.suspendedReason = undefined;
      }
      const row = this.refresh(t, 'MANUAL');
      if (row.state === 'FAILED') throw new SqlFailure(row.error_message!.split(':')[0]!, row.error_message!.replace(/^[^:]+: /, ''));
      return { fields: [], rows: [] };
    }
    throw new SqlFailure('CZLH-42000', `Syntax error: the sandbox does not run "${sql.slice(0, 80)}"`);
  }

  private describe(ref: string, extended: boolean): Result {
    const t = this.table(ref);
    if (!t) throw new SqlFailure('CZLH-42000', `Table or view not found: ${ref}`);
    const rows: Cell[][] = t.columns.map((c) => [c.name, c.type, c.comment ?? '']);
    if (extended) {
      const total = Object.values(t.rows).reduce((a, b) => a + b, 0);
      rows.push(
        ['', '', ''],
        ['# detailed table information', '', ''],
        ['schema', t.schema, ''],
        ['name', t.name, ''],
        ['type', t.kind, ''],
        ['created_time', lhTime(t.createdAt), ''],
        ['format', 'PARQUET', ''],
        ['statistics', `${total} rows ${total * t.bytesPerRow} bytes`, ''],
      );
      if (t.partitionedBy) rows.push(['partitioned by', t.partitionedBy, '']);
      if (t.dynamic) rows.push(['refresh', `INTERVAL ${t.dynamic.intervalMinutes} MINUTE VCLUSTER ${t.dynamic.vcluster}`, ''], ['state', t.dynamic.state, '']);
    }
    return { fields: ['column_name', 'data_type', 'comment'].map((name) => ({ name, category: 'STRING' })), rows };
  }

  private refreshHistory(ref: string | undefined, where: string | undefined, limit: string | undefined): Result {
    let rows = this.history.slice();
    if (ref) {
      const t = this.table(ref);
      rows = rows.filter((r) => t && r.schema_name === t.schema && r.name === t.name);
    }
    for (const cond of where ? where.split(/ and /i) : []) {
      const c = /^(\w+) ?(=|>=|>|<=|<) ?'([^']*)'$/.exec(cond.trim());
      if (!c || !REFRESH_COLUMNS.includes(c[1]!.toLowerCase() as keyof RefreshRow))
        throw new SqlFailure('CZLH-42000', `unsupported condition in SHOW DYNAMIC TABLE REFRESH HISTORY: ${cond}`);
      const col = c[1]!.toLowerCase() as keyof RefreshRow;
      const v = c[3]!;
      const cmp = (x: string | null) => (x === null ? false : c[2] === '=' ? x === v : c[2] === '>=' ? x >= v : c[2] === '>' ? x > v : c[2] === '<=' ? x <= v : x < v);
      rows = rows.filter((r) => cmp(r[col]));
    }
    rows.sort((a, b) => (a.start_time < b.start_time ? 1 : a.start_time > b.start_time ? -1 : 0)); // newest first
    if (limit) rows = rows.slice(0, Number(limit));
    return { fields: REFRESH_COLUMNS.map((name) => ({ name, category: 'STRING' })), rows: rows.map((r) => REFRESH_COLUMNS.map((k) => r[k])) };
  }

  private infoTables(select: string, where: string | undefined, orderBy: string | undefined, dir: string | undefined, limit: string | undefined): Result {
    const cols = select.trim() === '*' ? TABLE_COLUMNS : select.split(',').map((c) => c.trim().toLowerCase());
    const unknown = cols.find((c) => !TABLE_COLUMNS.includes(c));
    if (unknown) throw new SqlFailure('CZLH-42000', `cannot resolve column '${unknown}' in information_schema.tables`);
    let rows = this.tables.map((t) => {
      const total = Object.values(t.rows).reduce((a, b) => a + b, 0);
      const r: Record<string, Cell> = {
        table_catalog: this.workspace,
        table_schema: t.schema,
        table_name: t.name,
        table_type: t.kind,
        row_count: total,
        bytes: total * t.bytesPerRow,
        create_time: lhTime(t.createdAt),
        last_modify_time: lhTime(Math.max(t.createdAt, this.now() - 3_600_000)),
      };
      return r;
    });
    for (const cond of where ? where.split(/ and /i) : []) {
      const c = /^(\w+) ?= ?'([^']*)'$/.exec(cond.trim());
      if (!c || !TABLE_COLUMNS.includes(c[1]!.toLowerCase())) throw new SqlFailure('CZLH-42000', `unsupported condition on information_schema.tables: ${cond}`);
      rows = rows.filter((r) => String(r[c[1]!.toLowerCase()]) === c[2]);
    }
    if (orderBy) {
      const k = orderBy.toLowerCase();
      const sign = dir?.trim().toLowerCase() === 'desc' ? -1 : 1;
      rows.sort((a, b) => (Number(a[k]) - Number(b[k]) || String(a[k]).localeCompare(String(b[k]))) * sign);
    }
    if (limit) rows = rows.slice(0, Number(limit));
    return { fields: cols.map((name) => ({ name, category: NUMERIC.has(name) ? 'INT64' : 'STRING' })), rows: rows.map((r) => cols.map((c) => r[c]!)) };
  }
}

/** A result set as Lakehouse embeds it: ARROW IPC stream (base64), or TEXT lines (base64). */
function encode(result: Result, text: boolean): Record<string, unknown> {
  const metadata = { format: text ? 'TEXT' : 'ARROW', fields: result.fields.map((f) => ({ name: f.name, type: { category: f.category, nullable: true } })) };
  if (result.fields.length === 0) return { metadata };
  if (text) {
    const quote = (v: Cell) => (v === null ? 'null' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const body = result.rows.map((r) => r.map(quote).join(',')).join('\n');
    return { metadata, data: { data: result.rows.length ? [Buffer.from(body, 'utf8').toString('base64')] : [] } };
  }
  const columns: Record<string, Vector> = {};
  result.fields.forEach((f, k) => {
    const values = result.rows.map((r) => r[k] ?? null);
    columns[f.name] =
      f.category === 'INT64'
        ? vectorFromArray(values as (number | null)[], new Float64())
        : vectorFromArray(
            values.map((v) => (v === null ? null : String(v))),
            new Utf8(),
          );
  });
  const ipc = tableToIPC(new Table(columns), 'stream');
  return { metadata, data: { data: [Buffer.from(ipc).toString('base64')] } };
}

/**
 * The demo workspace's Lakehouse: the e-commerce pipeline's ODS and DWD tables (the DWD table's
 * partitions with row counts; yesterday's is empty although its run succeeded), Dynamic Tables
 * over DWD (one refreshing fine, one failing on a full VCluster queue until refreshed by hand, one
 * suspended after repeated failures), the legacy schemas, and `extraDynamicTables` healthy ones
 * for the benchmark.
 */
export function seedLakehouse(lh: SandboxLakehouse, now: number, opts: { extraDynamicTables?: number } = {}): void {
  const day = 86_400_000;
  const created = now - 3 * day;
  const date = (offset: number) => new Date(now - offset * day).toISOString().slice(0, 10);
  const orderCols: LhColumn[] = [
    { name: 'order_id', type: 'bigint' },
    { name: 'user_id', type: 'bigint' },
    { name: 'is_paid', type: 'tinyint', comment: 'MySQL BIT(1)' },
    { name: 'amount', type: 'decimal(18,2)' },
    { name: 'status', type: 'string' },
    { name: 'created_at', type: 'timestamp' },
  ];
  const partitions: Record<string, number> = {};
  for (let d = 7; d >= 2; d--) partitions[date(d)] = 11_800 + ((d * 379) % 900);
  partitions[date(1)] = 0; // yesterday's run succeeded and wrote nothing
  lh.tables.push(
    { schema: 'ecommerce_ods', name: 'orders', kind: 'MANAGED_TABLE', columns: orderCols, rows: { '': 84_211 }, bytesPerRow: 61, createdAt: created },
    {
      schema: 'ecommerce_dwd',
      name: 'orders_detail',
      kind: 'MANAGED_TABLE',
      columns: [...orderCols.map((c) => (c.name === 'is_paid' ? { name: 'is_paid', type: 'boolean' } : c)), { name: 'dt', type: 'string', comment: 'business date' }],
      partitionedBy: 'dt',
      rows: partitions,
      bytesPerRow: 58,
      createdAt: created,
    },
    {
      schema: 'legacy_ods',
      name: 'orders',
      kind: 'MANAGED_TABLE',
      columns: [
        { name: 'order_id', type: 'bigint' },
        { name: 'amount', type: 'double' },
        { name: 'created_at', type: 'timestamp' },
      ],
      rows: { '': 1_204_337 },
      bytesPerRow: 40,
      createdAt: created - 200 * day,
    },
    {
      schema: 'legacy_dwd',
      name: 'orders',
      kind: 'MANAGED_TABLE',
      columns: [
        { name: 'order_id', type: 'bigint' },
        { name: 'amount', type: 'double' },
        { name: 'created_at', type: 'timestamp' },
      ],
      rows: { '': 1_198_020 },
      bytesPerRow: 40,
      createdAt: created - 200 * day,
    },
    {
      schema: 'legacy_dws',
      name: 'sales_summary',
      kind: 'MANAGED_TABLE',
      columns: [
        { name: 'dt', type: 'string' },
        { name: 'gmv', type: 'double' },
      ],
      rows: { '': 730 },
      bytesPerRow: 24,
      createdAt: created - 200 * day,
    },
  );
  const dt = (schema: string, name: string, columns: LhColumn[], spec: Partial<DynamicSpec> = {}): LhTable => {
    const t: LhTable = {
      schema,
      name,
      kind: 'DYNAMIC_TABLE',
      columns,
      rows: { '': 0 },
      bytesPerRow: 32,
      createdAt: created,
      dynamic: { intervalMinutes: 60, vcluster: 'default', sources: ['ecommerce_dwd.orders_detail'], state: 'RUNNING', ...spec },
    };
    lh.tables.push(t);
    return t;
  };
  dt('ecommerce_dws', 'sales_daily', [
    { name: 'dt', type: 'string' },
    { name: 'orders', type: 'bigint' },
    { name: 'gmv', type: 'decimal(38,2)' },
    { name: 'buyers', type: 'bigint' },
  ]);
  const retention = dt('ecommerce_dws', 'user_retention', [
    { name: 'cohort_dt', type: 'string' },
    { name: 'day_n', type: 'int' },
    { name: 'users', type: 'bigint' },
  ]);
  const top = dt(
    'ecommerce_ads',
    'top_products',
    [
      { name: 'dt', type: 'string' },
      { name: 'product_id', type: 'bigint' },
      { name: 'gmv', type: 'decimal(38,2)' },
    ],
    { intervalMinutes: 30 },
  );
  for (let i = 0; i < (opts.extraDynamicTables ?? 0); i++)
    dt(
      'bench_dws',
      `metric_${String(i).padStart(3, '0')}`,
      [
        { name: 'dt', type: 'string' },
        { name: 'value', type: 'double' },
      ],
      { intervalMinutes: 60 },
    );
  // Healthy history up to three hours ago; then the retention table fails on a full queue, and
  // the top-products table, failing on a dropped source, was suspended.
  lh.advance(now - 3 * 3_600_000);
  retention.dynamic!.failing = {
    code: 'CZLH-60015',
    message: "virtual cluster 'default' queue is full (128 queued jobs, limit 128); the refresh was rejected",
    clearsOnManualRefresh: true,
  };
  top.dynamic!.failing = { code: 'CZLH-42000', message: 'Table or view not found: ecommerce_dwd.refunds_detail', clearsOnManualRefresh: false };
  lh.advance(now - 2 * 3_600_000);
  lh.suspend(top, 'auto-suspended after 5 consecutive refresh failures', now - 2 * 3_600_000 + 60_000);
  lh.advance(now);
}
