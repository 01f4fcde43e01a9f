/**
 * The SQL engine under the sandbox's Lakehouse: an in-memory SQLite database (better-sqlite3)
 * holding every Lakehouse table as a table of its own, named `"schema.table"`, and the catalogs
 * (information_schema, the refresh history, VClusters) as tables the SHOW statements read.
 *
 * - Rows follow the model: a table's rows are generated, deterministically, the first time a
 *   statement names it, and again when the model's count of a partition changed (a refresh, a test
 *   setting a partition's count). So the demo's 2.4 M legacy rows cost nothing until read.
 * - Names: `schema.table` (and `workspace.schema.table`) in a statement is rewritten to the one
 *   SQLite table; a bare name is the session schema's (`defaultNamespace`), through TEMP views.
 * - Types: a column read from a table has its Lakehouse type; a computed one the type of its
 *   values (integers INT64 — COUNT(*) included —, reals DOUBLE, text STRING).
 */
import Database from 'better-sqlite3';
import type { LakehouseModel, LhColumn, LhTable } from './model.js';
import { REFRESH_COLUMNS, lhTime } from './model.js';

export type Cell = string | number | bigint | boolean | null;
export interface ResultField {
  name: string;
  /** Lakehouse's type category: INT64, INT32, INT8, DOUBLE, DECIMAL, BOOLEAN, STRING, TIMESTAMP_LTZ, DATE. */
  category: string;
  precision?: number;
  scale?: number;
}
export interface Result {
  fields: ResultField[];
  rows: Cell[][];
}

/** A Lakehouse error: its code and message as Lakehouse words them. */
export class SqlFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** SQLite's name of a Lakehouse table. */
const physical = (schema: string, name: string) => `"${schema}.${name}"`;

/** A Lakehouse column type as a result field. */
export function fieldOf(name: string, lakehouseType: string): ResultField {
  const t = lakehouseType.toLowerCase().trim();
  const decimal = /^decimal\s*\((\d+)\s*,\s*(\d+)\)/.exec(t);
  if (decimal) return { name, category: 'DECIMAL', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  const category =
    t === 'bigint' || t === 'long'
      ? 'INT64'
      : t === 'int' || t === 'integer'
        ? 'INT32'
        : t === 'smallint'
          ? 'INT16'
          : t === 'tinyint'
            ? 'INT8'
            : t === 'boolean'
              ? 'BOOLEAN'
              : t === 'double'
                ? 'DOUBLE'
                : t === 'float'
                  ? 'FLOAT'
                  : t.startsWith('timestamp')
                    ? 'TIMESTAMP_LTZ'
                    : t === 'date'
                      ? 'DATE'
                      : 'STRING';
  return { name, category };
}

/** The SQLite declared type that stores a Lakehouse type with the right affinity. */
function storage(lakehouseType: string): string {
  const c = fieldOf('', lakehouseType).category;
  return c.startsWith('INT') || c === 'BOOLEAN' ? 'INTEGER' : c === 'DOUBLE' || c === 'FLOAT' || c === 'DECIMAL' ? 'REAL' : 'TEXT';
}

/** The SQL expression giving column `name` of generated row `i` (1-based within its partition). */
function generator(t: LhTable, column: LhColumn, partitionBase: number): string {
  if (column.filled !== undefined && !column.filled.includes('*')) {
    const where = column.filled.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ');
    const values = generator(t, { name: column.name, type: column.type }, partitionBase);
    return where ? `CASE WHEN $partition IN (${where}) THEN ${values} ELSE NULL END` : 'NULL';
  }
  const c = fieldOf(column.name, column.type).category;
  const n = column.name;
  if (t.partitionedBy === n) return '$partition';
  if (n === 'order_id') return `${1_000_000 + partitionBase} + i`;
  if (n === 'user_id') return '10000 + (i * 7919) % 50000';
  if (n === 'product_id') return '500 + (i * 131) % 2000';
  if (n === 'status') return "CASE i % 4 WHEN 0 THEN 'paid' WHEN 1 THEN 'shipped' WHEN 2 THEN 'paid' ELSE 'cancelled' END";
  if (c === 'BOOLEAN' || (c === 'INT8' && /^is_/.test(n))) return 'CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END';
  if (c.startsWith('INT')) return '(i * 13) % 1000';
  if (c === 'DOUBLE' || c === 'FLOAT' || c === 'DECIMAL') return 'round(((i * 37) % 50000) / 100.0 + 1, 2)';
  if (c === 'TIMESTAMP_LTZ') return `datetime($epoch + i * 7 % 86400, 'unixepoch')`;
  if (c === 'DATE' || /dt$/.test(n)) return `date($epoch, 'unixepoch')`;
  return `'${n}_' || CAST(i AS INTEGER)`; // i may arrive as a REAL: 'code_999', not 'code_999.0'
}

export class SqliteEngine {
  private readonly db = new Database(':memory:');
  /** Rows generated so far, by table (`schema.table`) and partition. */
  private readonly generated = new Map<string, { table: LhTable; rows: Map<string, number> }>();
  /** The Lakehouse type of each column of each table, by `schema.table` and column. */
  private readonly types = new Map<string, Map<string, string>>();
  private views = '';
  private historySynced = 0;

  constructor(private readonly model: LakehouseModel) {
    this.db.pragma('journal_mode = OFF');
    this.db.exec(`CREATE TABLE "$refresh_history" (seq INTEGER PRIMARY KEY, ${REFRESH_COLUMNS.map((c) => `${c} TEXT`).join(', ')})`);
    this.db.exec('CREATE TABLE "information_schema.schemata" (catalog_name TEXT, schema_name TEXT)');
    this.db.exec(
      'CREATE TABLE "information_schema.tables" (table_catalog TEXT, table_schema TEXT, table_name TEXT, table_type TEXT, row_count INTEGER, bytes INTEGER, create_time TEXT, last_modify_time TEXT)',
    );
    this.db.exec(
      'CREATE TABLE "information_schema.columns" (table_catalog TEXT, table_schema TEXT, table_name TEXT, column_name TEXT, ordinal_position INTEGER, data_type TEXT, comment TEXT)',
    );
    for (const [name, cols] of Object.entries({
      'information_schema.tables': { row_count: 'bigint', bytes: 'bigint' },
      'information_schema.columns': { ordinal_position: 'int' },
    }))
      this.types.set(name, new Map(Object.entries(cols)));
  }

  close(): void {
    this.db.close();
  }

  /**
   * Run one SELECT (already free of its trailing `;`) in session schema `schema`: names
   * rewritten, the tables it names brought up to date, the result typed.
   */
  select(sql: string, schema: string): Result {
    const { text, tables } = this.rewrite(sql, schema);
    for (const t of tables) this.follow(t);
    if (/information_schema/i.test(sql)) this.fillCatalog();
    this.sessionViews(schema);
    let stmt: Database.Statement;
    try {
      stmt = this.db.prepare(text);
    } catch (e) {
      throw lakehouseError(e as Error, sql);
    }
    if (!stmt.reader) throw new SqlFailure('CZLH-42501', 'Permission denied: the statement writes, and this user may only read');
    stmt.safeIntegers(true);
    const columns = stmt.columns();
    let raw: unknown[][];
    try {
      raw = stmt.raw(true).all() as unknown[][];
    } catch (e) {
      throw lakehouseError(e as Error, sql);
    }
    const fields = columns.map((c, k): ResultField => {
      const declared = c.table && c.column ? this.types.get(c.table)?.get(c.column) : undefined;
      if (declared) return fieldOf(c.name, declared);
      const values = raw.map((r) => r[k]).filter((v) => v !== null && v !== undefined);
      const category = values.length === 0 ? 'STRING' : values.every((v) => typeof v === 'bigint') ? 'INT64' : values.every((v) => typeof v !== 'string') ? 'DOUBLE' : 'STRING';
      return { name: c.name, category };
    });
    const rows = raw.map((r) => r.map((v, k) => cell(v, fields[k]!)));
    return { fields, rows };
  }

  /** The newest refresh-history rows matching `where` (SQL over the history's columns), newest first. */
  refreshHistory(filter: { schema?: string; name?: string; where?: string; limit?: number }): Result {
    this.syncHistory();
    const conditions: string[] = [];
    const params: string[] = [];
    if (filter.schema && filter.name) {
      conditions.push('schema_name = ? AND name = ?');
      params.push(filter.schema, filter.name);
    }
    if (filter.where) conditions.push(`(${filter.where})`);
    const text = `SELECT ${REFRESH_COLUMNS.join(', ')} FROM "$refresh_history"${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY start_time DESC, seq DESC${
      filter.limit !== undefined ? ` LIMIT ${filter.limit}` : ''
    }`;
    let stmt: Database.Statement;
    try {
      stmt = this.db.prepare(text);
    } catch (e) {
      throw lakehouseError(e as Error, filter.where ?? '');
    }
    if (!stmt.reader) throw new SqlFailure('CZLH-42000', 'Syntax error in the WHERE clause of SHOW DYNAMIC TABLE REFRESH HISTORY');
    const rows = stmt.raw(true).all(...params) as Cell[][];
    return { fields: REFRESH_COLUMNS.map((name) => ({ name, category: 'STRING' })), rows };
  }

  // ---- names ---------------------------------------------------------------------------------

  /** The statement with every `schema.table` written as SQLite's table, and the tables it names. */
  private rewrite(sql: string, schema: string): { text: string; tables: LhTable[] } {
    const schemas = new Set([...this.model.schemas(), 'information_schema']);
    const tokens = tokenize(sql);
    const tables = new Set<LhTable>();
    const out: string[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const tk = tokens[i]!;
      const name = identifier(tk);
      if (name !== undefined) {
        // workspace.schema.table → schema.table
        let parts = [name];
        let j = i;
        while (tokens[j + 1] === '.' && identifier(tokens[j + 2] ?? '') !== undefined && parts.length < 3) {
          parts.push(identifier(tokens[j + 2]!)!);
          j += 2;
        }
        if (parts.length === 3 && parts[0] === this.model.workspace.toLowerCase() && schemas.has(parts[1]!)) {
          parts = parts.slice(1);
        } else if (parts.length >= 2 && schemas.has(parts[0]!)) {
          j = i + 2;
          parts = parts.slice(0, 2);
        } else parts = [];
        if (parts.length === 2) {
          const t = this.model.table(`${parts[0]}.${parts[1]}`);
          if (t) tables.add(t);
          out.push(physical(parts[0]!, parts[1]!));
          i = j;
          continue;
        }
        const bare = this.model.tables.find((t) => t.schema === schema && t.name === name);
        if (bare && tokens[i - 1] !== '.') tables.add(bare);
      }
      out.push(tk);
    }
    return { text: out.join(''), tables: [...tables] };
  }

  /** TEMP views naming the session schema's tables by their bare names. */
  private sessionViews(schema: string): void {
    const own = this.model.tables.filter((t) => t.schema === schema);
    const key = `${schema}:${own.map((t) => t.name).join(',')}`;
    if (key === this.views) return;
    for (const v of this.db.prepare("SELECT name FROM temp.sqlite_master WHERE type = 'view'").pluck().all() as string[]) this.db.exec(`DROP VIEW temp."${v}"`);
    for (const t of own) {
      this.ensureTable(t);
      this.db.exec(`CREATE TEMP VIEW "${t.name}" AS SELECT * FROM ${physical(t.schema, t.name)}`);
    }
    this.views = key;
  }

  // ---- rows ----------------------------------------------------------------------------------

  private ensureTable(t: LhTable): { table: LhTable; rows: Map<string, number> } {
    const key = `${t.schema}.${t.name}`;
    let g = this.generated.get(key);
    if (g && g.table === t) return g;
    this.db.exec(`DROP TABLE IF EXISTS ${physical(t.schema, t.name)}`);
    this.db.exec(`CREATE TABLE ${physical(t.schema, t.name)} (${t.columns.map((c) => `"${c.name}" ${storage(c.type)}`).join(', ')})`);
    this.types.set(key, new Map(t.columns.map((c) => [c.name, c.type])));
    this.views = '';
    g = { table: t, rows: new Map() };
    this.generated.set(key, g);
    return g;
  }

  /** Rows the tables `sql` names still lack: a statement over a table of millions waits for them in slices. */
  backlog(sql: string, schema: string): number {
    let tables: LhTable[];
    try {
      tables = this.rewrite(sql, schema).tables;
    } catch {
      return 0; // the statement itself will say what is wrong
    }
    let n = 0;
    for (const t of tables) {
      if (t.fixedRows) continue;
      const g = this.generated.get(`${t.schema}.${t.name}`);
      for (const [p, want] of Object.entries(t.rows)) n += Math.max(0, want - (g && g.table === t ? (g.rows.get(p) ?? 0) : 0));
    }
    return n;
  }

  /** Generate at most `budget` of the rows the tables `sql` names lack; true once none is left. */
  generateSome(sql: string, schema: string, budget: number): boolean {
    let left = budget;
    for (const t of this.rewrite(sql, schema).tables) {
      left = this.follow(t, left);
      if (left <= 0) return this.backlog(sql, schema) === 0;
    }
    return true;
  }

  /** Bring table `t`'s rows to the model's count of each partition (at most `budget` new rows); returns the budget left. */
  private follow(t: LhTable, budget = Number.POSITIVE_INFINITY): number {
    const g = this.ensureTable(t);
    const name = physical(t.schema, t.name);
    if (t.fixedRows) {
      if (g.rows.get('') === t.fixedRows.length) return budget;
      const insert = this.db.prepare(`INSERT INTO ${name} VALUES (${t.columns.map(() => '?').join(', ')})`);
      this.db.transaction(() => {
        this.db.exec(`DELETE FROM ${name}`);
        for (const r of t.fixedRows!) insert.run(...t.columns.map((c) => r[c.name] ?? null));
      })();
      t.rows = { '': t.fixedRows.length };
      g.rows.set('', t.fixedRows.length);
      return budget;
    }
    const partitions = Object.keys(t.rows).sort();
    let base = 0;
    for (const p of new Set([...partitions, ...g.rows.keys()])) {
      const want = t.rows[p] ?? 0;
      const have = g.rows.get(p) ?? 0;
      const where = t.partitionedBy && p !== '' ? `"${t.partitionedBy}" = $partition` : '1';
      if (want > have && budget <= 0) return 0;
      let upTo = want;
      if (want > have) {
        upTo = Math.min(want, have + budget);
        budget -= upTo - have;
        const epoch = Math.floor((p && /^\d{4}-\d\d-\d\d$/.test(p) ? Date.parse(`${p}T00:00:00Z`) : t.createdAt) / 1000);
        const exprs = t.columns.map((c) => generator(t, c, base));
        const insert = `WITH RECURSIVE seq(i) AS (SELECT $from UNION ALL SELECT i + 1 FROM seq WHERE i < $to) INSERT INTO ${name} SELECT ${exprs.join(', ')} FROM seq`;
        const params: Record<string, unknown> = { from: have + 1, to: upTo };
        if (insert.includes('$partition')) params.partition = p;
        if (insert.includes('$epoch')) params.epoch = epoch;
        this.db.prepare(insert).run(params);
      } else if (want < have) {
        const params: Record<string, unknown> = { n: have - want };
        if (where !== '1') params.partition = p;
        this.db.prepare(`DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} WHERE ${where} ORDER BY rowid DESC LIMIT $n)`).run(params);
      }
      g.rows.set(p, upTo);
      base += want;
    }
    return budget;
  }

  // ---- catalogs ------------------------------------------------------------------------------

  private fillCatalog(): void {
    this.db.exec('DELETE FROM "information_schema.schemata"; DELETE FROM "information_schema.tables"; DELETE FROM "information_schema.columns"');
    const ws = this.model.workspace;
    const schema = this.db.prepare('INSERT INTO "information_schema.schemata" VALUES (?, ?)');
    const table = this.db.prepare('INSERT INTO "information_schema.tables" VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const column = this.db.prepare('INSERT INTO "information_schema.columns" VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const s of this.model.schemas()) schema.run(ws, s);
      for (const t of this.model.tables) {
        const total = Object.values(t.rows).reduce((a, b) => a + b, 0);
        table.run(ws, t.schema, t.name, t.kind, total, total * t.bytesPerRow, lhTime(t.createdAt), lhTime(Math.max(t.createdAt, this.model.now() - 3_600_000)));
        for (const [k, c] of t.columns.entries()) column.run(ws, t.schema, t.name, c.name, k + 1, c.type, c.comment ?? '');
      }
    })();
  }

  private syncHistory(): void {
    const h = this.model.history;
    const dropped = this.model.historyDropped;
    if (this.historySynced < dropped) {
      this.db.prepare('DELETE FROM "$refresh_history" WHERE seq < ?').run(dropped);
      this.historySynced = dropped;
    }
    const end = dropped + h.length;
    if (this.historySynced >= end) return;
    const insert = this.db.prepare(`INSERT INTO "$refresh_history" VALUES (?, ${REFRESH_COLUMNS.map(() => '?').join(', ')})`);
    this.db.transaction(() => {
      for (let s = this.historySynced; s < end; s++) {
        const r = h[s - dropped]!;
        insert.run(s, ...REFRESH_COLUMNS.map((c) => r[c]));
      }
    })();
    this.historySynced = end;
  }
}

function cell(v: unknown, f: ResultField): Cell {
  if (v === null || v === undefined) return null;
  if (f.category === 'BOOLEAN') return Number(v) !== 0;
  if (typeof v === 'bigint') return f.category === 'DOUBLE' || f.category === 'FLOAT' || f.category === 'DECIMAL' ? Number(v) : v;
  if (typeof v === 'number' && f.category.startsWith('INT')) return BigInt(Math.trunc(v));
  if (Buffer.isBuffer(v)) return v.toString('hex');
  return v as Cell;
}

/** SQLite's error as Lakehouse words it. */
function lakehouseError(e: Error, sql: string): SqlFailure {
  const m = e.message;
  let x = /no such table: (\S+)/.exec(m);
  if (x) return new SqlFailure('CZLH-42000', `Table or view not found: ${x[1]!.replace(/"/g, '')}`);
  x = /no such column: (\S+)/.exec(m);
  if (x) return new SqlFailure('CZLH-42000', `Column not found: ${x[1]}`);
  x = /near "([^"]*)": syntax error/.exec(m);
  if (x) return new SqlFailure('CZLH-42000', `Syntax error at or near '${x[1]}'`);
  if (/incomplete input|syntax error/.test(m)) return new SqlFailure('CZLH-42000', `Syntax error at end of input: ${sql.slice(-40)}`);
  if (/more than one statement/.test(m)) return new SqlFailure('CZLH-42000', 'Syntax error: one statement per job');
  if (/no such function: (\S+)/.test(m)) return new SqlFailure('CZLH-42000', `Function not found: ${/no such function: (\S+)/.exec(m)![1]}`);
  return new SqlFailure('CZLH-42000', m);
}

/**
 * The statement's tokens, their text joined back giving the statement: '…' strings (with ''
 * and \ escapes), "…" and `…` names, comments, words, and each other character.
 */
export function tokenize(sql: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    let j = i + 1;
    if (ch === "'" || ch === '"' || ch === '`') {
      while (j < sql.length) {
        if (sql[j] === '\\' && ch === "'") j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) {
          j++;
          break;
        } else j++;
      }
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (j < sql.length && sql[j] !== '\n') j++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      j = end < 0 ? sql.length : end + 2;
    } else if (/\w/.test(ch)) {
      while (j < sql.length && /\w/.test(sql[j]!)) j++;
    } else if (/\s/.test(ch)) {
      while (j < sql.length && /\s/.test(sql[j]!)) j++;
    }
    out.push(sql.slice(i, j));
    i = j;
  }
  return out;
}

/** The name a token spells (lower case; backticks and double quotes removed), or undefined. */
function identifier(token: string): string | undefined {
  if (/^[A-Za-z_]\w*$/.test(token)) return token.toLowerCase();
  if (/^`[^`]+`$/.test(token)) return token.slice(1, -1).toLowerCase();
  return undefined;
}
