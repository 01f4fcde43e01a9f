/**
 * Lakehouse SQL over HTTP, read-only: `POST /lh/submitJob` (HYBRID: the answer may already hold
 * the result), then `POST /lh/getJob` with back-off until the job ends, `POST /lh/cancelJob` when
 * it outlasts the timeout. Results arrive embedded as ARROW (what the public SDK asks for) or TEXT;
 * both become rows keyed by lower-case column name. The bot's reads are this client's methods,
 * each built by `statements.ts` from checked names and values (never spliced); every statement,
 * built or given to `query`, passes `assertReadOnly` before anything is sent, and every refusal is
 * reported to `onRefused` (the audit log). The one write the bot makes, `REFRESH DYNAMIC TABLE`,
 * has its own method, for the operations path only.
 */
import { randomBytes } from 'node:crypto';
import { DataType, tableFromIPC } from 'apache-arrow';
import { StudioError } from '../studio/errors.js';
import { assertReadOnly, assertSample, SqlRefused } from './guard.js';
import * as statement from './statements.js';

export { SqlRefused };

/** What the SQL client needs from the Studio client: the session's identity and raw calls. */
export interface LakehouseTransport {
  /** An authenticated POST whose JSON answer is returned as it is (Lakehouse has no envelope). */
  lakehouseCall(path: string, body: unknown, kind: 'read' | 'write', headers: Record<string, string>): Promise<unknown>;
  lakehouseIdentity(): Promise<{ instance: string; instanceId: number; workspace: string; userName: string; baseUrl: string }>;
}

export interface SqlColumn {
  name: string;
  type: string;
}

export interface SqlResult {
  jobId: string;
  columns: SqlColumn[];
  rows: Record<string, unknown>[];
}

export interface LakehouseSqlOptions {
  /** The VCluster the bot's reads run on. */
  vcluster: string;
  /** Default schema for unqualified names. */
  schema?: string;
  /** Give up (and cancel the job) after this long, ms. */
  timeoutMs?: number;
  /** How long submitJob may hold the answer waiting for the result, s (HYBRID mode). */
  hybridWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Told of every statement refused before it was sent (the services audit it; a promise it answers is awaited before the refusal is thrown). */
  onRefused?: (refusal: SqlRefused) => unknown;
}

export class LakehouseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly jobId: string,
  ) {
    super(message);
    this.name = 'LakehouseError';
  }
}

const TERMINAL = new Set(['SUCCEED', 'SUCCEEDED', 'FAILED', 'CANCELLED']);

interface LhField {
  name: string;
  type?: { category?: string };
}
interface LhAnswer {
  status?: { state?: string; errorCode?: string; errorMessage?: string; message?: string };
  respStatus?: { errorCode?: string; errorMsg?: string };
  resultSet?: { metadata?: { fields?: LhField[]; format?: string }; data?: { data?: string[] }; location?: { presignedUrls?: string[] } };
}

/** 17 digits of Asia/Shanghai wall time, then random base-36: the shape of the SDK's job ids. */
export function newJobId(now: number): string {
  const d = new Date(now + 8 * 3_600_000).toISOString(); // 2026-11-22T09:05:01.123Z
  const stamp = d.slice(0, 23).replace(/[-T:.]/g, '');
  return `${stamp}${BigInt(`0x${randomBytes(7).toString('hex')}`).toString(36)}`;
}

export class LakehouseSql {
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  /** SQL jobs submitted (for the one-job-per-poll check and the benchmark). */
  jobsSubmitted = 0;

  constructor(
    private readonly transport: LakehouseTransport,
    private readonly opts: LakehouseSqlOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? Date.now;
  }

  /** Runs one read-only statement; refused statements never leave the process. */
  async query(sql: string): Promise<SqlResult> {
    return this.read(() => sql);
  }

  /** Builds and checks reads; a refusal (of a name, a value or a statement) is reported (audited) once, then thrown. */
  private async checked(build: () => string[]): Promise<string[]> {
    try {
      return build().map(assertReadOnly);
    } catch (e) {
      if (e instanceof SqlRefused) await this.opts.onRefused?.(e);
      throw e;
    }
  }

  private async read(build: () => string): Promise<SqlResult> {
    const [sql] = await this.checked(() => [build()]);
    return this.run(sql!, 'read');
  }

  showSchemas(): Promise<SqlResult> {
    return this.read(statement.showSchemas);
  }

  showVClusters(): Promise<SqlResult> {
    return this.read(statement.showVClusters);
  }

  /**
   * A few rows of named columns (`/cz table <t> --sample`): the one read of rows, built by
   * `sampleRows` and checked by `assertSample`, which nothing else passes. The caller redacts.
   */
  async sample(table: string, columns: readonly string[], rows?: number): Promise<SqlResult> {
    let sql: string;
    try {
      sql = assertSample(statement.sampleRows(table, columns, rows));
    } catch (e) {
      if (e instanceof SqlRefused) await this.opts.onRefused?.(e);
      throw e;
    }
    return this.run(sql, 'read');
  }

  /** DESC [EXTENDED] of a schema.table. */
  describe(table: string, extended = false): Promise<SqlResult> {
    return this.read(() => statement.describeTable(table, extended));
  }

  /** SHOW DYNAMIC TABLE REFRESH HISTORY [table] [WHERE start_time >= since] [LIMIT n]. */
  refreshHistory(o: Parameters<typeof statement.refreshHistory>[0]): Promise<SqlResult> {
    return this.read(() => statement.refreshHistory(o));
  }

  /** Columns of information_schema.tables, optionally filtered by schema, name or type. */
  tables(columns: readonly statement.TablesColumn[], o?: Parameters<typeof statement.informationSchemaTables>[1]): Promise<SqlResult> {
    return this.read(() => statement.informationSchemaTables(columns, o));
  }

  /** The rows of a table, or of one partition (`column = 'value'`). */
  async countRows(table: string, partition?: { column: string; value: string }): Promise<number> {
    const r = await this.read(() => statement.countRows(table, partition));
    return Number(r.rows[0]?.n ?? 0);
  }

  /** A column's most frequent values with their counts (optionally in one partition). */
  groupCounts(table: string, column: string, o?: Parameters<typeof statement.groupCounts>[2]): Promise<SqlResult> {
    return this.read(() => statement.groupCounts(table, column, o));
  }

  /** The rows of several partitions, counted in parallel; every statement is built (or refused, once) before any is sent. */
  async countPartitions(table: string, column: string, values: string[]): Promise<{ value: string; rows: number }[]> {
    const built = await this.checked(() => values.map((value) => statement.countRows(table, { column, value })));
    return Promise.all(built.map(async (sql, k) => ({ value: values[k]!, rows: Number((await this.run(sql, 'read')).rows[0]?.n ?? 0) })));
  }

  /**
   * `REFRESH DYNAMIC TABLE <name>`: the one write, for the operations path (which confirms,
   * authorises, keys and audits it). Sent once; never retried.
   */
  async refreshDynamicTable(name: string, opts: { forceFullRefresh?: boolean } = {}): Promise<SqlResult> {
    let sql: string;
    try {
      sql = statement.refreshDynamicTable(name);
    } catch (e) {
      if (e instanceof SqlRefused) await this.opts.onRefused?.(e);
      throw e;
    }
    // Seed 000: SET cz.optimizer.incremental.force.full.refresh = true before the REFRESH; the SDK sends a SET as a job hint.
    return this.run(sql, 'write', opts.forceFullRefresh ? { 'cz.optimizer.incremental.force.full.refresh': 'true' } : undefined);
  }

  private async run(sql: string, kind: 'read' | 'write', settings?: Record<string, string>): Promise<SqlResult> {
    const who = await this.transport.lakehouseIdentity();
    const jobId = newJobId(this.now());
    const schema = this.opts.schema ?? 'public';
    const hint = {
      'cz.sql.adhoc.result.type': 'embedded',
      'cz.sql.adhoc.default.format': 'ARROW',
      'cz.sql.job.result.file.presigned.url.enabled': 'true',
      'cz.sql.job.result.file.presigned.url.ttl': '3600',
      ...settings,
    };
    const context = {
      host: who.baseUrl.replace(/^https?:\/\//, ''),
      instance: who.instance,
      user: who.userName,
      workspace: who.workspace,
      schema,
      vc: this.opts.vcluster,
      maxRowSize: 0,
      priority: '',
      configs: hint,
    };
    const body = {
      jobDesc: {
        virtualCluster: this.opts.vcluster,
        type: 'SQL_JOB',
        jobId: { id: jobId, workspace: who.workspace },
        requestMode: 'HYBRID',
        hybridPollingTimeout: this.opts.hybridWaitSeconds ?? 5,
        jobTimeoutMs: this.timeoutMs,
        sqlJob: { query: [sql], defaultNamespace: [who.workspace, schema], sqlConfig: { hint } },
        priorityString: 'NORMAL',
        userAgent: 'studio-ops-bot/0.1',
        // As the SDK's session sends a SET: the setting among the hints, and the statement itself.
        clientContext: { configStatements: Object.entries(settings ?? {}).map(([k, v]) => `SET ${k} = ${v}`), contextJson: JSON.stringify(context) },
      },
    };
    const started = this.now();
    this.jobsSubmitted++;
    let answer = (await this.transport.lakehouseCall('/lh/submitJob', body, kind, { instanceName: who.instance, jobId })) as LhAnswer;
    let wait = 50;
    const ref = { id: jobId, workspace: who.workspace, instanceId: who.instanceId };
    while (!TERMINAL.has(answer.status?.state ?? '') && !(answer.resultSet?.data?.data?.length ?? 0)) {
      const failed = answer.respStatus?.errorCode;
      if (failed) throw new LakehouseError(failed, answer.respStatus?.errorMsg ?? `Lakehouse refused job ${jobId}`, jobId);
      if (this.now() - started > this.timeoutMs) {
        await this.transport
          .lakehouseCall(
            '/lh/cancelJob',
            { account: { user_id: 0 }, job_id: { id: jobId, workspace: who.workspace, instance_id: who.instanceId }, user_agent: '', force: false },
            'write',
            { instanceId: String(who.instanceId) },
          )
          .catch(() => undefined);
        throw new LakehouseError('TIMEOUT', `Lakehouse did not finish job ${jobId} within ${Math.round(this.timeoutMs / 1000)} s; it was cancelled`, jobId);
      }
      await this.sleep(wait);
      wait = Math.min(2_000, Math.round(wait * 1.5));
      answer = (await this.transport.lakehouseCall('/lh/getJob', { getResultRequest: { jobId: ref, userAgent: '' }, userAgent: '' }, 'read', {
        instanceId: String(who.instanceId),
      })) as LhAnswer;
    }
    const state = answer.status?.state;
    if (state === 'FAILED' || state === 'CANCELLED') {
      const code = answer.status?.errorCode ?? state;
      throw new LakehouseError(code, answer.status?.errorMessage ?? answer.status?.message ?? `Lakehouse job ${jobId} ${state.toLowerCase()}`, jobId);
    }
    return { jobId, ...decodeResult(answer) };
  }
}

/** The result set of a finished job as rows keyed by lower-case column name. */
export function decodeResult(answer: LhAnswer): { columns: SqlColumn[]; rows: Record<string, unknown>[] } {
  const rs = answer.resultSet;
  const columns: SqlColumn[] = (rs?.metadata?.fields ?? []).map((f) => ({ name: f.name.toLowerCase(), type: f.type?.category ?? 'STRING' }));
  const chunks = rs?.data?.data ?? [];
  if (chunks.length === 0) {
    if (rs?.location?.presignedUrls?.length)
      throw new LakehouseError('RESULT_NOT_EMBEDDED', 'Lakehouse put the result in object storage; the bot reads only small embedded results', '');
    return { columns, rows: [] };
  }
  const format = (rs?.metadata?.format ?? 'ARROW').toUpperCase();
  const rows: Record<string, unknown>[] = [];
  if (format === 'ARROW') {
    for (const chunk of chunks) {
      const table = tableFromIPC(Buffer.from(chunk, 'base64'));
      const names = columns.length ? columns.map((c) => c.name) : table.schema.fields.map((f) => f.name.toLowerCase());
      if (!columns.length) columns.push(...table.schema.fields.map((f) => ({ name: f.name.toLowerCase(), type: String(f.type) })));
      const scales = table.schema.fields.map((f) => (DataType.isDecimal(f.type) ? f.type.scale : undefined));
      for (let r = 0; r < table.numRows; r++) {
        const row: Record<string, unknown> = {};
        names.forEach((n, c) => {
          const v = table.getChildAt(c)?.get(r);
          const scale = scales[c];
          row[n] =
            scale !== undefined && v !== null && v !== undefined
              ? decimalText(String(v), scale)
              : typeof v === 'bigint'
                ? Number.isSafeInteger(Number(v))
                  ? Number(v)
                  : String(v)
                : (v ?? null);
        });
        rows.push(row);
      }
    }
    return { columns, rows };
  }
  for (const chunk of chunks) {
    for (const line of splitOutside(Buffer.from(chunk, 'base64').toString('utf8'), '\n')) {
      if (!line && columns.length > 1) continue;
      const cells = splitOutside(line, ',');
      const row: Record<string, unknown> = {};
      columns.forEach((c, k) => {
        row[c.name] = textValue(cells[k] ?? null, c.type);
      });
      rows.push(row);
    }
  }
  return { columns, rows };
}

/** An Arrow Decimal's unscaled integer text with its scale applied ("-1234", 2 → "-12.34"), as the SDK reads it. */
function decimalText(unscaled: string, scale: number): string {
  if (scale <= 0) return unscaled;
  const negative = unscaled.startsWith('-');
  const digits = (negative ? unscaled.slice(1) : unscaled).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function splitOutside(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur || out.length) out.push(cur);
  return out;
}

function textValue(v: string | null, type: string): unknown {
  if (v === null || v === 'null' || v === 'NULL' || v === '\\N') return null;
  const unquoted = v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/""/g, '"') : v;
  if (/^(INT|BIGINT|LONG|INT64|INT32|INT16|INT8|TINYINT|SMALLINT|DOUBLE|FLOAT)/i.test(type)) {
    const n = Number(unquoted);
    return Number.isFinite(n) && (Number.isSafeInteger(n) || !/^(BIG|LONG|INT64)/i.test(type)) ? n : unquoted;
  }
  if (/^BOOLEAN/i.test(type)) return unquoted.toLowerCase() === 'true';
  return unquoted;
}

/** A StudioError raised while talking to Lakehouse keeps its kind; anything else is wrapped. */
export function isLakehouseFailure(e: unknown): e is LakehouseError | StudioError | SqlRefused {
  return e instanceof LakehouseError || e instanceof StudioError || e instanceof SqlRefused;
}
