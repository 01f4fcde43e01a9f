/**
 * What a Studio temporary run (`adhoc/execute`) does to the sandbox's Lakehouse, as Studio runs a
 * task's content once: the SQL client reads only, but a task run writes. With the run's parameters
 * (`${bizdate}`) resolved, the statements that shape the model are applied:
 *
 * - `CREATE TABLE` / `CREATE DYNAMIC TABLE` of a new table (model.applyDdl);
 * - `CREATE OR REPLACE DYNAMIC TABLE … AS SELECT`: a new one created, or an existing one's definition
 *   replaced (columns from the SELECT list, sources from FROM/JOIN), empty until refreshed;
 * - `ALTER TABLE t ADD COLUMN c type`: the column appended, NULL in every existing row;
 * - `INSERT OVERWRITE TABLE t PARTITION (p = 'v') SELECT … FROM s`: partition v (or the table) holds
 *   as many rows as s; an added column gets values in partition v when the SELECT list gives it
 *   from a source column that has values (not a NULL literal);
 * - a sync task's JSON (`reader` → `writer`): its target holds the source's rows
 *   ({@link SANDBOX_SOURCE_ROWS}), and its added columns get values when the source table has them
 *   (`LakehouseModel.sourceColumns`); a missing target is created from the source's columns.
 *
 * - a Shell or Python script (a `#!` line, or Python imports): the SQL it sends is in its string
 *   literals (`text("…")`, triple-quoted), applied as above; an `INSERT INTO t VALUES` in a script
 *   is its loop over what it fetched (an HTTP API's records): t holds {@link SANDBOX_API_RECORDS} rows.
 *
 * - a script running dbt (`dbt build` / `dbt run`): the models it writes are compiled and
 *   materialised in its target's schema (see `dbtRun`).
 *
 * Anything else (DELETE, MERGE, a run that fails in Studio) leaves the model as it was: the sandbox
 * does not execute writes row by row. A table whose model changes is replaced by a new object, so
 * the engine regenerates its rows.
 */
import { statements } from '../../review/sql.js';
import type { LhColumn, LhTable, LakehouseModel } from './model.js';

const NAME = '`?(\\w+)`?\\.`?(\\w+)`?';

/** How many rows a sync task's run copies from the sandbox's source table. */
export const SANDBOX_SOURCE_ROWS = 1_000;

/** How many records the sandbox's stand-in for an HTTP API returns to a script's run. */
export const SANDBOX_API_RECORDS = 10;

const rowsOf = (t: LhTable): number => Object.values(t.rows).reduce((a, b) => a + b, 0);

/** The items of a SELECT list (up to its top-level FROM), and what follows FROM. */
function selectParts(select: string): { items: string[]; from: string } | undefined {
  const m = /^\s*select\s+/i.exec(select);
  if (!m) return undefined;
  let depth = 0;
  let quote: string | undefined;
  const items: string[] = [];
  let cur = '';
  for (let i = m[0].length; i < select.length; i++) {
    const ch = select[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      cur += ch;
      continue;
    }
    if (ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && ch === ',') {
      items.push(cur.trim());
      cur = '';
      continue;
    } else if (depth === 0 && /\s/.test(ch) && /^from\b/i.test(select.slice(i + 1))) {
      items.push(cur.trim());
      return { items, from: select.slice(i + 1 + 4) };
    }
    cur += ch;
  }
  items.push(cur.trim());
  return { items, from: '' };
}

/** The name a SELECT item gives its column: its alias, or the column it names. */
function outputName(item: string): string | undefined {
  const alias = /\bas\s+`?(\w+)`?\s*$/i.exec(item);
  if (alias) return alias[1]!.toLowerCase();
  return /(?:^|\.)`?(\w+)`?\s*$/.exec(item)?.[1]?.toLowerCase();
}

/** The column an item's expression reads (its last `alias.column` or bare column), unless it is a literal. */
function sourceColumn(item: string): string | undefined {
  const expr = item.replace(/\bas\s+`?\w+`?\s*$/i, '').trim();
  if (/^null$/i.test(expr) || /^'.*'$/.test(expr) || /^-?\d/.test(expr)) return undefined;
  const refs = [...expr.matchAll(/(?:\b\w+\.)?\b([A-Za-z_]\w*)\b(?!\s*\()/g)]
    .map((r) => r[1]!.toLowerCase())
    .filter((r) => !/^(cast|as|case|when|then|else|end|and|or|not|null|is|in|boolean|string|bigint|int|decimal|double|timestamp|date)$/.test(r));
  return refs[refs.length - 1];
}

function hasValues(c: LhColumn, partition: string): boolean {
  return c.filled === undefined || c.filled.includes(partition) || c.filled.includes('*');
}

function replace(model: LakehouseModel, old: LhTable, next: LhTable): void {
  const k = model.tables.indexOf(old);
  if (k >= 0) model.tables[k] = next;
}

function alterAddColumn(model: LakehouseModel, stmt: string): boolean {
  const m = new RegExp(`^alter\\s+table\\s+${NAME}\\s+add\\s+columns?\\s*\\(?\\s*\`?(\\w+)\`?\\s+([\\w(), ]+?)\\s*\\)?\\s*(?:comment\\s+'[^']*')?\\s*$`, 'i').exec(stmt);
  if (!m) return false;
  const t = model.table(`${m[1]}.${m[2]}`);
  const name = m[3]!.toLowerCase();
  if (!t || t.columns.some((c) => c.name === name)) return true; // Lakehouse would refuse; the model stays
  const columns = [...t.columns];
  const col: LhColumn = { name, type: m[4]!.toLowerCase().replace(/\s+/g, ''), filled: [] };
  // After the data columns, before a partition column listed last.
  const at = t.partitionedBy && columns[columns.length - 1]?.name === t.partitionedBy ? columns.length - 1 : columns.length;
  columns.splice(at, 0, col);
  replace(model, t, { ...t, columns });
  return true;
}

function replaceDynamicTable(model: LakehouseModel, stmt: string): boolean {
  const m = new RegExp(`^create\\s+or\\s+replace\\s+dynamic\\s+table\\s+${NAME}([\\s\\S]*?)\\bas\\s+(select\\b[\\s\\S]*)$`, 'i').exec(stmt);
  if (!m) return false;
  const existing = model.table(`${m[1]}.${m[2]}`);
  if (existing && !existing.dynamic) return false;
  // A new one: created empty, its columns from the SELECT list (a column list in parentheses is rare for a DT).
  const t: LhTable = existing ?? {
    schema: m[1]!.toLowerCase(),
    name: m[2]!.toLowerCase(),
    kind: 'DYNAMIC_TABLE',
    columns: [],
    rows: { '': 0 },
    bytesPerRow: 32,
    createdAt: model.now(),
  };
  if (!existing) model.tables.push(t);
  const parts = selectParts(m[4]!);
  const old = new Map(t.columns.map((c) => [c.name, c.type]));
  const columns: LhColumn[] = (parts?.items ?? []).map((item) => {
    const name = outputName(item) ?? 'expr';
    return { name, type: old.get(name) ?? (/^\s*count\s*\(/i.test(item) ? 'bigint' : /^\s*sum\s*\(/i.test(item) ? 'decimal(38,2)' : 'string') };
  });
  const every = /refresh\s+interval\s+(\d+)\s+(minute|hour|day)/i.exec(m[3]!);
  const minutes = every ? Number(every[1]) * ({ minute: 1, hour: 60, day: 1440 } as Record<string, number>)[every[2]!.toLowerCase()]! : (t.dynamic?.intervalMinutes ?? 60);
  const sources = [...m[4]!.matchAll(/\b(?:from|join)\s+`?(\w+)`?\.`?(\w+)`?/gi)].map((x) => `${x[1]}.${x[2]}`.toLowerCase());
  replace(model, t, {
    ...t,
    columns,
    rows: { '': 0 },
    createdAt: model.now() + minutes * 60_000,
    dynamic: { intervalMinutes: minutes, vcluster: /vcluster\s+(\w+)/i.exec(m[3]!)?.[1] ?? t.dynamic?.vcluster ?? 'default', sources, state: 'RUNNING' },
  });
  return true;
}

function insertOverwrite(model: LakehouseModel, stmt: string): boolean {
  const m = new RegExp(
    `^insert\\s+(?:overwrite|into)\\s+(?:table\\s+)?${NAME}\\s*(?:partition\\s*\\(\\s*\`?(\\w+)\`?\\s*=\\s*'([^']*)'\\s*\\))?\\s*(select\\b[\\s\\S]*)$`,
    'i',
  ).exec(stmt);
  if (!m) return false;
  const t = model.table(`${m[1]}.${m[2]}`);
  if (!t) return true;
  const partition = m[4] ?? '';
  const parts = selectParts(m[5]!);
  const src = parts ? /^\s*`?(\w+)`?\.`?(\w+)`?/.exec(parts.from) : null;
  const source = src ? model.table(`${src[1]}.${src[2]}`) : undefined;
  let changed = false;
  const rows = source && t.rows[partition] !== rowsOf(source) ? { ...t.rows, [partition]: rowsOf(source) } : t.rows;
  if (rows !== t.rows) changed = true;
  const columns = t.columns.map((c) => {
    if (c.filled === undefined) return c;
    const item = parts?.items.find((i) => outputName(i) === c.name);
    const from = item ? sourceColumn(item) : undefined;
    const srcCol = from ? source?.columns.find((x) => x.name === from) : undefined;
    const valued = from !== undefined && (source === undefined || (srcCol !== undefined && hasValues(srcCol, '')));
    const filled = valued ? [...new Set([...c.filled, partition])] : c.filled.filter((p) => p !== partition);
    if (filled.length !== c.filled.length) changed = true;
    return { ...c, filled };
  });
  if (changed) replace(model, t, { ...t, columns, rows });
  return true;
}

function syncRun(model: LakehouseModel, content: string): void {
  let j: { reader?: { datasource?: string; database?: string; table?: string }; writer?: { schema?: string; table?: string } };
  try {
    j = JSON.parse(content) as typeof j;
  } catch {
    return;
  }
  const r = j.reader;
  if (!j.writer?.schema || !j.writer.table) return;
  const source = r?.table === undefined ? undefined : model.sourceColumns.get(`${r.datasource}:${r.database ? `${r.database}.` : ''}${r.table}`.toLowerCase());
  const t = model.table(`${j.writer.schema}.${j.writer.table}`);
  if (!t) {
    // Studio's sync creates a missing target from the source's columns (broad types: STRING), then loads it.
    if (source) {
      model.tables.push({
        schema: j.writer.schema.toLowerCase(),
        name: j.writer.table.toLowerCase(),
        kind: 'MANAGED_TABLE',
        columns: source.map((name) => ({ name, type: /_id$/.test(name) ? 'bigint' : 'string' })),
        rows: { '': SANDBOX_SOURCE_ROWS },
        bytesPerRow: 48,
        createdAt: model.now(),
      });
    }
    return;
  }
  const has = new Set(source ?? []);
  let changed = t.rows[''] !== SANDBOX_SOURCE_ROWS || Object.keys(t.rows).length !== 1;
  const columns = t.columns.map((c) => {
    if (c.filled === undefined || !has.has(c.name) || c.filled.includes('*')) return c;
    changed = true;
    return { ...c, filled: ['*'] };
  });
  if (changed) replace(model, t, { ...t, columns, rows: { '': SANDBOX_SOURCE_ROWS } });
}

/** A script's here-documents written to files (`cat > path <<'END' … END`), by path. */
function heredocs(text: string): [string, string][] {
  return [...text.matchAll(/cat\s+>\s*"?([^\s"]+)"?\s+<<-?\s*'?(\w+)'?\n([\s\S]*?)\n\2\n/g)].map((m) => [m[1]!, m[3]!]);
}

/**
 * A script running `dbt build` / `dbt run` on the project it writes: each model is compiled as dbt
 * would (config, `is_incremental()` — true once the model's table exists —, `source('s', 't')` →
 * s.t, `ref('m')` → the target's schema) and materialised in the schema of the target the run
 * names (`--target`, else the profile's default): `incremental` / `table` → a table holding its
 * SELECT's rows (a later incremental run reads the table stream, which the sandbox keeps empty),
 * `dynamic_table` → CREATE OR REPLACE DYNAMIC TABLE with its refresh_interval and refresh_vc.
 */
function dbtRun(model: LakehouseModel, text: string): void {
  const files = heredocs(text);
  const profiles = files.find(([p]) => /(?:^|\/)profiles\.yml$/.test(p))?.[1] ?? '';
  let target = /\bdbt\s+(?:build|run)\b[^\n]*?(?:--target|-t)\s+"?([^\s"]+)"?/.exec(text)?.[1];
  if (target?.startsWith('$')) target = new RegExp(`\\b${target.replace(/[${}]/g, '')}=['"]?(\\w+)`).exec(text)?.[1];
  target ??= /^\s*target:\s*(\w+)/m.exec(profiles)?.[1];
  if (!target) return;
  const schema = new RegExp(`^\\s+${target}:\\s*\\n(?:\\s{6,}.*\\n)*?\\s{6,}schema:\\s*(\\w+)`, 'm').exec(profiles)?.[1]?.toLowerCase();
  if (!schema) return;
  for (const [path, body] of files) {
    const name = /(?:^|\/)models\/(\w+)\.sql$/.exec(path)?.[1]?.toLowerCase();
    if (!name) continue;
    const config = /\{\{\s*config\s*\(([\s\S]*?)\)\s*\}\}/.exec(body);
    const setting = (k: string) => new RegExp(`${k}\\s*=\\s*['"]([^'"]+)['"]`).exec(config?.[1] ?? '')?.[1];
    const materialized = setting('materialized') ?? 'view';
    const table = `${schema}.${name}`;
    const exists = model.table(table) !== undefined;
    const sql = body
      .replace(config?.[0] ?? '', '')
      .replace(/\{%\s*if\s+is_incremental\(\)\s*%\}([\s\S]*?)(?:\{%\s*else\s*%\}([\s\S]*?))?\{%\s*endif\s*%\}/g, (_all, inc: string, full?: string) =>
        exists ? inc : (full ?? ''),
      )
      .replace(/\{\{\s*source\(\s*['"](\w+)['"]\s*,\s*['"](\w+)['"]\s*\)\s*\}\}/g, '$1.$2')
      .replace(/\{\{\s*ref\(\s*['"](\w+)['"]\s*\)\s*\}\}/g, `${schema}.$1`)
      .trim();
    if (materialized === 'dynamic_table') {
      replaceDynamicTable(
        model,
        `CREATE OR REPLACE DYNAMIC TABLE ${table} REFRESH INTERVAL ${setting('refresh_interval') ?? '1 HOUR'} VCLUSTER ${setting('refresh_vc') ?? 'default'} AS ${sql}`,
      );
      continue;
    }
    if (materialized !== 'incremental' && materialized !== 'table') continue;
    if (exists && materialized === 'incremental') continue; // the stream's new rows: none in the sandbox
    const parts = selectParts(sql);
    const from = parts ? /^\s*`?(\w+)`?\.`?(\w+)`?/.exec(parts.from) : null;
    const source = from ? model.table(`${from[1]}.${from[2]}`) : undefined;
    const columns: LhColumn[] = (parts?.items ?? []).flatMap((item) =>
      item === '*' ? (source?.columns ?? []).map((c) => ({ name: c.name, type: c.type })) : [{ name: outputName(item) ?? 'expr', type: 'string' }],
    );
    const old = model.table(table);
    const fresh: LhTable = { schema, name, kind: 'MANAGED_TABLE', columns, rows: { '': 0 }, bytesPerRow: 48, createdAt: model.now() };
    if (old) replace(model, old, fresh);
    else model.tables.push(fresh);
    insertOverwrite(model, `INSERT INTO ${table} ${sql}`);
  }
}

/** Is this a Shell or Python script (not SQL, not a sync's JSON)? */
function isScript(text: string): boolean {
  return /^\s*#!/.test(text) || /^\s*(?:import\s+\w|from\s+[\w.]+\s+import\b)/m.test(text);
}

/** The SQL a script sends: its string literals that start with a SQL verb. */
function scriptSql(text: string): string[] {
  const literals = [...text.matchAll(/"""([\s\S]*?)"""|'''([\s\S]*?)'''|"((?:[^"\\\n]|\\.)*)"/g)].map((m) => (m[1] ?? m[2] ?? m[3] ?? '').trim());
  return literals.filter((l) => /^(?:create|insert|delete|alter|merge)\b/i.test(l));
}

function insertValues(model: LakehouseModel, stmt: string): boolean {
  const m = new RegExp(`^insert\\s+into\\s+(?:table\\s+)?${NAME}\\s*(?:\\([^)]*\\)\\s*)?values\\b`, 'i').exec(stmt);
  if (!m) return false;
  const t = model.table(`${m[1]}.${m[2]}`);
  if (t && (t.rows[''] !== SANDBOX_API_RECORDS || Object.keys(t.rows).length !== 1)) replace(model, t, { ...t, rows: { '': SANDBOX_API_RECORDS } });
  return true;
}

/** Apply a temporary run's content (parameters resolved) to the model. */
export function applyTemporaryRun(model: LakehouseModel, content: string, params: Record<string, string>): void {
  const text = content.replace(/\$\{\s*([A-Za-z_][\w.]*)\s*\}/g, (all, k: string) => params[k] ?? all);
  if (/^\s*\{/.test(text)) {
    syncRun(model, text);
    return;
  }
  if (isScript(text)) {
    if (/\bdbt\s+(?:build|run)\b/.test(text)) {
      dbtRun(model, text);
      return;
    }
    for (const stmt of scriptSql(text).flatMap(statements)) {
      if (insertValues(model, stmt) || insertOverwrite(model, stmt)) continue;
      if (/^create\b/i.test(stmt)) model.applyDdl(stmt);
    }
    return;
  }
  for (const stmt of statements(text)) {
    if (alterAddColumn(model, stmt) || replaceDynamicTable(model, stmt) || insertOverwrite(model, stmt)) continue;
    if (/^create\b/i.test(stmt)) model.applyDdl(stmt);
  }
}

/**
 * The rows a task's run for `bizDate` left in its output, when its SQL says where it writes
 * (`INSERT OVERWRITE|INTO [TABLE] s.t [PARTITION (c = '…')]`) and the model holds that table (and
 * that partition, for a partitioned write): what the run's log reports as written.
 */
export function outputRows(model: LakehouseModel, content: string, bizDate: string): number | undefined {
  for (const stmt of statements(content)) {
    const m = new RegExp(`^insert\\s+(?:overwrite|into)\\s+(?:table\\s+)?${NAME}\\s*(partition\\s*\\()?`, 'i').exec(stmt);
    if (!m) continue;
    const t = model.table(`${m[1]}.${m[2]}`);
    if (!t) return undefined;
    return m[3] ? t.rows[bizDate] : rowsOf(t);
  }
  return undefined;
}
