/**
 * The sandbox Lakehouse's model: the workspace's schemas, tables (their columns, and their rows
 * counted by partition), Dynamic Tables with their refresh schedule and history, and VClusters.
 * What changes a Lakehouse by itself (scheduled refreshes, suspensions, a temporary run's CREATE
 * TABLE) changes this model; the SQL engine (engine.ts) holds rows that follow it.
 */
import type { Clock } from '../sim.js';

export interface LhColumn {
  name: string;
  type: string;
  comment?: string;
  /**
   * A column added by ALTER TABLE: the partitions (`''` unpartitioned, `'*'` all) in which rows have
   * values — NULL elsewhere, until a run writes it (src/sandbox/lakehouse/temporary-run.ts).
   * Absent: values everywhere.
   */
  filled?: string[];
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
  /** Rows given as they are (a test's table), instead of generated ones: `rows['']` is their number. */
  fixedRows?: Record<string, string | number | null>[];
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

export const REFRESH_COLUMNS: (keyof RefreshRow)[] = [
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
/** `yyyy-MM-dd HH:mm:ss` in UTC (the sandbox's Lakehouse time zone). */
export function lhTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `0 ${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}.${String(ms % 1000).padStart(3, '0')}000000`;
}

export class LakehouseModel {
  readonly tables: LhTable[] = [];
  readonly history: RefreshRow[] = [];
  readonly vclusters: { name: string; type: string; size: string; state: string }[];
  /**
   * Columns of the source tables sync tasks read (`datasource:database.table`): what a sync run
   * brings into its target (a column the target gained by ALTER gets values when its source has it).
   */
  readonly sourceColumns = new Map<string, string[]>();
  /** Refresh-history rows dropped from the front of `history` so far (it keeps the newest 20,000). */
  historyDropped = 0;
  protected seq = 0;

  constructor(
    private readonly clock: Clock,
    readonly workspace: string,
    vclusters: Record<string, string>,
  ) {
    this.vclusters = Object.entries(vclusters).map(([name, type]) => ({ name, type, size: type === 'INTEGRATION' ? 'SMALL' : 'MEDIUM', state: 'RUNNING' }));
  }

  now(): number {
    return this.clock.now();
  }

  /** The schemas: every workspace has `public`; the others are those of its tables. */
  schemas(): string[] {
    return [...new Set(['public', ...this.tables.map((t) => t.schema)])].sort();
  }

  table(ref: string): LhTable | undefined {
    const [a, b] = ref.toLowerCase().replace(/`/g, '').split('.');
    return this.tables.find((t) => (b === undefined ? t.name === a : t.schema === a && t.name === b));
  }

  // ---- the model's changes -----------------------------------------------------------------

  /** A refresh of a Dynamic Table, as the scheduler or REFRESH DYNAMIC TABLE runs it. */
  refresh(t: LhTable, trigger: RefreshRow['refresh_trigger'], at = this.now(), mode: 'INCREMENTAL' | 'FULL' = 'INCREMENTAL'): RefreshRow {
    const dt = t.dynamic!;
    const id = this.jobId(t, at, trigger);
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
        refresh_mode: mode,
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
        refresh_mode: mode,
        error_message: null,
        stats: JSON.stringify({ rows_deleted: '0', rows_inserted: String(Math.round(inserted)) }),
      };
      t.rows[''] = (t.rows[''] ?? 0) + Math.round(inserted);
    }
    this.history.push(row);
    return row;
  }

  /**
   * A refresh job's id, from what it is (the table, the time, the trigger) rather than from how
   * many came before: a sandbox restarted on its file rebuilds the same history with the same
   * ids, so the bot does not take old refreshes for new ones.
   */
  private jobId(t: LhTable, at: number, trigger: string): string {
    let h = 0x811c9dc5;
    for (const ch of `${t.schema}.${t.name}|${trigger}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    return `${lhTime(at).replace(/\D/g, '')}${String(h % 1_000_000).padStart(6, '0')}`;
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
      job_id: this.jobId(t, at, 'SUSPEND'),
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
    if (this.history.length > 20_000) {
      this.historyDropped += this.history.length - 20_000;
      this.history.splice(0, this.history.length - 20_000);
    }
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
}
