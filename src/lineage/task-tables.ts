/**
 * What one task's content says about tables: which it writes (INSERT), which it defines (CREATE,
 * ALTER, a Dynamic Table's definition) and which it reads — and, for each statement that could not
 * be read, why. SQL goes to node-sql-parser (its Hive grammar: backticks, single-quoted strings,
 * Lakehouse's family). Lakehouse's own statement heads the parser does not know — `INSERT
 * OVERWRITE TABLE t PARTITION (…)` and `CREATE [OR REPLACE] DYNAMIC TABLE t … AS` — are read by an
 * exact grammar of ours and their query goes to the parser. What the Hive grammar refuses but Trino's
 * reads (`CAST(x AS BOOLEAN)`, a three-part `workspace.schema.table`) is read with Trino's — both
 * are Lakehouse's family (Hive's quoting, Presto's functions). Nothing is guessed: a statement the
 * parser refuses is reported as unread, with the parser's words, and adds no table.
 */
import hiveParser from 'node-sql-parser/build/hive.js';
import trinoParser from 'node-sql-parser/build/trino.js';
import { statements } from '../review/sql.js';
import type { TaskKind } from '../studio/enums.js';

export interface UnreadStatement {
  /** The statement's first characters, for a person. */
  statement: string;
  reason: string;
}

export interface TaskTables {
  writes: string[];
  defines: string[];
  reads: string[];
  /** Dynamic Tables this content defines (a subset of `defines`). */
  dynamicTables: string[];
  /** A sync task's source outside Lakehouse (`mysql_shop:shop.orders`). */
  externalSources: string[];
  unread: UnreadStatement[];
}

let grammars: { name: string; parser: InstanceType<typeof hiveParser.Parser> }[] | undefined;

const NAME = '`?([A-Za-z_]\\w*)`?\\.`?([A-Za-z_]\\w*)`?';
const INSERT_HEAD = new RegExp(`^insert\\s+(?:overwrite|into)\\s+(?:table\\s+)?${NAME}\\s*(?:partition\\s*\\([^)]*\\)\\s*)?([\\s\\S]*)$`, 'i');
const DYNAMIC_HEAD = new RegExp(`^create\\s+(?:or\\s+replace\\s+)?dynamic\\s+table\\s+(?:if\\s+not\\s+exists\\s+)?${NAME}[\\s\\S]*?\\bas\\s+((?:select|with)\\b[\\s\\S]*)$`, 'i');
const CREATE_HEAD = new RegExp(`^create\\s+(?:or\\s+replace\\s+)?(?:external\\s+)?table\\s+(?:if\\s+not\\s+exists\\s+)?${NAME}([\\s\\S]*)$`, 'i');
const SCHEMA_ONLY = /^(?:create|drop)\s+(?:schema|database)\b|^(?:use|set)\b/i;

function excerpt(s: string): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}

function parse(sql: string): { tableList: string[] } | { error: string } {
  grammars ??= [
    { name: 'hive', parser: new hiveParser.Parser() },
    { name: 'trino', parser: new trinoParser.Parser() },
  ];
  let first: unknown;
  for (const g of grammars) {
    try {
      return g.parser.parse(sql, { database: g.name });
    } catch (e) {
      first ??= e;
    }
  }
  const at = (first as { location?: { start?: { offset?: number } } }).location?.start?.offset;
  return { error: at !== undefined ? `the SQL parser stopped at "${excerpt(sql.slice(at, at + 30))}"` : 'the SQL parser could not read it' };
}

/** `op::db::table` from the parser (`workspace.schema` as db for a three-part name); a name without a schema keeps its bare name. */
function tableOf(entry: string): { op: string; table: string } {
  const [op, db, table] = entry.split('::');
  const schema = db && db !== 'null' ? db.split('.').pop() : undefined;
  return { op: op!, table: (schema ? `${schema}.${table}` : table!).toLowerCase() };
}

/** Reads one SQL script. */
export function readSql(sql: string): TaskTables {
  const r: TaskTables = { writes: [], defines: [], reads: [], dynamicTables: [], externalSources: [], unread: [] };
  const add = (list: string[], t: string) => {
    if (!list.includes(t)) list.push(t);
  };
  const readQuery = (query: string, stmt: string): void => {
    const p = parse(query);
    if ('error' in p) {
      r.unread.push({ statement: excerpt(stmt), reason: p.error });
      return;
    }
    for (const e of p.tableList) add(r.reads, tableOf(e).table);
  };
  for (const stmt of statements(sql)) {
    if (SCHEMA_ONLY.test(stmt)) continue;
    const ins = INSERT_HEAD.exec(stmt);
    if (ins) {
      const target = `${ins[1]}.${ins[2]}`.toLowerCase();
      const before = r.unread.length;
      readQuery(ins[3]!, stmt);
      // The target is named by the statement's head, which our grammar read exactly: it is known even when the query is not.
      add(r.writes, target);
      if (r.unread.length > before) r.unread[r.unread.length - 1]!.reason += `; it writes ${target}, what it reads is not known`;
      continue;
    }
    const dyn = DYNAMIC_HEAD.exec(stmt);
    if (dyn) {
      const target = `${dyn[1]}.${dyn[2]}`.toLowerCase();
      add(r.defines, target);
      add(r.dynamicTables, target);
      readQuery(dyn[3]!, stmt);
      continue;
    }
    const create = CREATE_HEAD.exec(stmt);
    if (create) {
      // Columns, PARTITIONED BY, properties: Lakehouse's forms, read by the head; a query after AS goes to the parser.
      add(r.defines, `${create[1]}.${create[2]}`.toLowerCase());
      const query = /\bas\s+((?:select|with)\b[\s\S]*)$/i.exec(create[3]!)?.[1];
      if (query) readQuery(query, stmt);
      continue;
    }
    const p = parse(stmt);
    if ('error' in p) {
      r.unread.push({ statement: excerpt(stmt), reason: p.error });
      continue;
    }
    for (const e of p.tableList) {
      const { op, table } = tableOf(e);
      if (op === 'select') add(r.reads, table);
      else if (op === 'insert' || op === 'replace' || op === 'update' || op === 'delete') add(r.writes, table);
      else add(r.defines, table);
    }
  }
  return r;
}

interface SyncSide {
  datasource?: string;
  database?: string;
  schema?: string;
  table?: string;
  topic?: string;
  databases?: string[];
  tables?: string;
}

/** A sync task's JSON: the Lakehouse table it writes and the source it reads. */
export function readSyncConfig(content: string): TaskTables {
  const r: TaskTables = { writes: [], defines: [], reads: [], dynamicTables: [], externalSources: [], unread: [] };
  let j: Record<string, SyncSide | undefined>;
  try {
    j = JSON.parse(content) as Record<string, SyncSide | undefined>;
  } catch {
    r.unread.push({ statement: excerpt(content), reason: 'the sync configuration is not JSON' });
    return r;
  }
  const sink = j.writer ?? j.sink;
  const source = j.reader ?? j.source;
  if (sink?.schema && sink.table) r.writes.push(`${sink.schema}.${sink.table}`.toLowerCase());
  else if (sink?.schema) r.unread.push({ statement: excerpt(content), reason: `a multi-table sync into schema ${sink.schema}: its tables are not named in the content` });
  else r.unread.push({ statement: excerpt(content), reason: 'the sync names no target schema and table' });
  if (source) {
    const where = source.table ? [source.database, source.schema, source.table].filter(Boolean).join('.') : (source.topic ?? source.databases?.join(',') ?? source.tables ?? '');
    if (where) r.externalSources.push(source.datasource ? `${source.datasource}:${where}` : where);
  }
  return r;
}

/** What a task's content says, by its kind: SQL-like kinds are parsed, sync kinds read as JSON, others not read (said). */
export function readTaskContent(kind: TaskKind | undefined, content: string): TaskTables {
  if (kind?.isSync) return readSyncConfig(content);
  if (kind && ['SQL', 'DYNAMIC_TABLE'].includes(kind.key)) return readSql(content);
  if (kind?.key === 'JDBC') {
    return {
      writes: [],
      defines: [],
      reads: [],
      dynamicTables: [],
      externalSources: [],
      unread: [{ statement: excerpt(content), reason: "a JDBC task runs its SQL on the data source's own database: its tables are not Lakehouse's, not read" }],
    };
  }
  return {
    writes: [],
    defines: [],
    reads: [],
    dynamicTables: [],
    externalSources: [],
    unread: [{ statement: excerpt(content), reason: `a ${kind?.label ?? 'task of unknown kind'}: its tables are not declared in a form that can be read` }],
  };
}

/**
 * The columns one SELECT reads (by the parser's column list, Hive's grammar then Trino's), lower-cased;
 * or why it could not be read (never guessed).
 */
export function columnsOfQuery(sql: string): { columns: string[] } | { error: string } {
  const p = parse(sql);
  if ('error' in p) return p;
  grammars ??= [];
  for (const g of grammars) {
    try {
      const cols = g.parser.columnList(sql, { database: g.name }).map((e) => String(e.split('::')[2] ?? '').toLowerCase());
      return { columns: [...new Set(cols.filter((c) => /^[a-z_]\w*$/.test(c)))] };
    } catch {
      // the next grammar
    }
  }
  return { error: 'the SQL parser could not list its columns' };
}
