/**
 * One statement as the sandbox's Lakehouse answers it. The text is taken as the SDK sends it
 * (trailing `;` and newlines, as in `"\n;"`, dropped); then:
 * - Lakehouse's own statements, answered from the model or from the engine's catalogs: SHOW
 *   SCHEMAS / TABLES [IN s] [LIKE 'p'] / VCLUSTERS / PARTITIONS t / DYNAMIC TABLE REFRESH HISTORY
 *   [t] [WHERE …] (any condition on its columns, run by the engine) — each with an optional
 *   LIMIT —, DESC [TABLE] [EXTENDED] t, and REFRESH DYNAMIC TABLE t (the one write the bot's user
 *   may make);
 * - SELECT / WITH / VALUES: run by the engine (joins, aggregates, subqueries, information_schema);
 * - any other write (INSERT, DROP, CREATE, …): the permission error a read-only user gets;
 * - anything else: a syntax error at its first word.
 */
import { type Result, SqlFailure, type SqliteEngine } from './engine.js';
import { type LakehouseModel, type LhTable, lhTime } from './model.js';

const STRING = (names: string[]) => names.map((name) => ({ name, category: 'STRING' }));
const WRITES = /^(insert|update|delete|merge|create|drop|alter|truncate|grant|revoke|overwrite|copy|put|undrop|comment|optimize|vacuum|analyze|load|set\s+owner)\b/i;

export interface Session {
  /** The session's schema (`sqlJob.defaultNamespace[1]`). */
  schema: string;
  /** The user the job runs as (for the wording of a permission error). */
  user: string;
  /** The job's settings (`SET k = v` travels as a hint: the SDK sends it in `sqlConfig.hint`). */
  hints?: Record<string, string>;
}

/** The statement without its trailing `;`, newlines and spaces (as the SDK's `"\n;"` leaves it). */
export function statementText(sql: string): string {
  return sql.replace(/^\s+/, '').replace(/[\s;]+$/, '');
}

export function runStatement(model: LakehouseModel, engine: SqliteEngine, sqlIn: string, session: Session): Result {
  const sql = statementText(sqlIn);
  const flat = sql.replace(/\s+/g, ' ');
  const { limit, rest } = trailingLimit(flat);
  let m: RegExpExecArray | null;

  if (/^show schemas$/i.test(rest)) return cap({ fields: STRING(['schema_name']), rows: model.schemas().map((s) => [s]) }, limit);
  m = /^show tables(?: (?:in|from) ([\w`]+))?(?: like '([^']*)')?$/i.exec(rest);
  if (m) {
    const schema = unquote(m[1] ?? session.schema);
    if (!model.schemas().includes(schema)) throw new SqlFailure('CZLH-42000', `Schema not found: ${schema}`);
    const like = m[2] === undefined ? undefined : likePattern(m[2]);
    const rows = model.tables
      .filter((t) => t.schema === schema && (!like || like.test(t.name)))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => [t.schema, t.name, false, false, false, t.kind === 'DYNAMIC_TABLE']);
    return cap({ fields: STRING(['schema_name', 'table_name', 'is_view', 'is_materialized_view', 'is_external', 'is_dynamic']), rows: rows.map((r) => r.map(String)) }, limit);
  }
  if (/^show vclusters$/i.test(rest)) {
    return cap({ fields: STRING(['name', 'vcluster_size', 'vcluster_type', 'state']), rows: model.vclusters.map((v) => [v.name, v.size, v.type, v.state]) }, limit);
  }
  m = /^show partitions ([\w.`]+)$/i.exec(rest);
  if (m) {
    const t = resolve(model, m[1]!, session);
    if (!t.partitionedBy) throw new SqlFailure('CZLH-42000', `Table ${t.schema}.${t.name} is not partitioned`);
    const rows = Object.keys(t.rows)
      .sort()
      .map((p) => [`${t.partitionedBy}=${p}`]);
    return cap({ fields: STRING(['partitions']), rows }, limit);
  }
  m = /^show dynamic table refresh history(?: (?!where\b)([\w.`]+))?(?: where (.+))?$/i.exec(rest);
  if (m) {
    // A table that is missing or not dynamic has no refresh history: no rows, as the sandbox has
    // always answered (an assumption: docs/cz-cli-fidelity.md). The bot then says what the name is.
    const [schema, name] = m[1] ? qualified(m[1], session) : [];
    const dynamic = model.tables.some((t) => t.schema === schema && t.name === name && t.dynamic);
    if (m[1] && !dynamic) return engine.refreshHistory({ where: '0', limit: 0 });
    return engine.refreshHistory({ schema, name, where: m[2], limit });
  }
  m = /^(?:desc|describe)(?: table)?( extended)? ([\w.`]+)$/i.exec(flat);
  if (m) return describe(resolve(model, m[2]!, session), Boolean(m[1]));
  m = /^refresh dynamic table ([\w.`]+)$/i.exec(flat);
  if (m) {
    const t = resolve(model, m[1]!, session);
    if (!t.dynamic) throw new SqlFailure('CZLH-42000', `${t.schema}.${t.name} is not a dynamic table`);
    if (t.dynamic.state === 'SUSPENDED') {
      t.dynamic.state = 'RUNNING';
      t.dynamic.suspendedReason = undefined;
    }
    // SET cz.optimizer.incremental.force.full.refresh = true: a full refresh instead of an incremental one.
    const full = String(session.hints?.['cz.optimizer.incremental.force.full.refresh'] ?? '').toLowerCase() === 'true';
    const row = model.refresh(t, 'MANUAL', model.now(), full ? 'FULL' : 'INCREMENTAL');
    if (row.state === 'FAILED') throw new SqlFailure(row.error_message!.split(':')[0]!, row.error_message!.replace(/^[^:]+: /, ''));
    return { fields: [], rows: [] };
  }
  if (/^(select|with|values)\b/i.test(flat) || /^\(\s*select\b/i.test(flat)) return engine.select(sql, session.schema);
  m = WRITES.exec(flat);
  if (m) {
    const target = /\b(?:table|into|from|view|schema)\s+([\w.`]+)/i.exec(flat)?.[1]?.replace(/`/g, '') ?? 'this workspace';
    throw new SqlFailure('CZLH-42501', `Permission denied: user '${session.user}' has no ${m[1]!.toUpperCase()} privilege on ${target} (a read-only role)`);
  }
  throw new SqlFailure('CZLH-42000', `Syntax error at or near '${flat.split(' ')[0]?.slice(0, 40) ?? ''}' [1,1]`);
}

/** A trailing `LIMIT n` (the CLI's `LIMIT n+1` on SHOW statements), and the statement before it. */
function trailingLimit(flat: string): { limit?: number; rest: string } {
  const m = /^(.*?) limit (\d+)$/i.exec(flat);
  return m ? { limit: Number(m[2]), rest: m[1]! } : { rest: flat };
}

function cap(r: Result, limit: number | undefined): Result {
  return limit === undefined ? r : { fields: r.fields, rows: r.rows.slice(0, limit) };
}

const unquote = (name: string) => name.replace(/`/g, '').toLowerCase();

/** A LIKE pattern (% and _) as a regular expression. */
function likePattern(p: string): RegExp {
  return new RegExp(`^${[...p].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'i');
}

/** `[workspace.]schema.table`, or `table` of the session's schema, as [schema, table]. */
function qualified(ref: string, session: Session): [string, string] {
  const parts = unquote(ref).split('.');
  return parts.length >= 2 ? [parts.at(-2)!, parts.at(-1)!] : [session.schema, parts[0]!];
}

/** `schema.table` or the session schema's `table`; a missing one is Lakehouse's "not found". */
function resolve(model: LakehouseModel, ref: string, session: Session): LhTable {
  const [schema, name] = qualified(ref, session);
  const t = model.tables.find((x) => x.schema === schema && x.name === name);
  if (!t) throw new SqlFailure('CZLH-42000', `Table or view not found: ${schema}.${name}`);
  return t;
}

function describe(t: LhTable, extended: boolean): Result {
  const rows: string[][] = t.columns.map((c) => [c.name, c.type, c.comment ?? '']);
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
  return { fields: STRING(['column_name', 'data_type', 'comment']), rows };
}
