/**
 * Every statement the bot sends to Lakehouse, built from checked parts instead of spliced text.
 * A name that comes from outside this file (a command's argument, DESC output, a task's SQL, a
 * Dynamic Table's name) must be a plain name — a letter or _, then letters, digits and _ — and is
 * written in backticks; a value is written as a '…' string only when it holds no quote, backslash
 * or control character (Lakehouse reads `\` as an escape inside '…', so the bot never sends a
 * value that would need escaping: dates, times and names never do). Anything else is refused
 * (`SqlRefused`), never sent. Every statement built here also passes `assertReadOnly` (tested).
 */
import { SqlRefused } from './refusal.js';
import { MAX_NAME_LENGTH, PLAIN_NAME } from './sql-tokens.js';

/** One name, checked and written in backticks. */
export function quotedName(name: string, what = 'name'): string {
  if (typeof name !== 'string' || !PLAIN_NAME.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new SqlRefused(String(name), `"${String(name).slice(0, 80)}" is not a plain ${what} (letters, digits and _, starting with a letter or _)`);
  }
  return `\`${name}\``;
}

/** `schema.table` (or `table`, or `catalog.schema.table`), each part checked and quoted. */
export function quotedObjectName(name: string): string {
  const parts = typeof name === 'string' ? name.split('.') : [];
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => !PLAIN_NAME.test(p) || p.length > MAX_NAME_LENGTH)) {
    throw new SqlRefused(String(name), `"${String(name).slice(0, 80)}" is not a table name (schema.table, letters, digits and _)`);
  }
  return parts.map((p) => `\`${p}\``).join('.');
}

/** A value as a '…' string; refused when it would need an escape. */
export function stringLiteral(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (typeof value !== 'string' || value.length > 256 || /['"\\`\u0000-\u001f\u007f]|[^\u0020-\u007e]/.test(value)) {
    throw new SqlRefused(
      String(value),
      `the value ${JSON.stringify(String(value).slice(0, 80))} holds a character the bot never sends in a string (quote, backslash, control or non-ASCII)`,
    );
  }
  return `'${value}'`;
}

function limitClause(limit: number | undefined): string {
  if (limit === undefined) return '';
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new SqlRefused(String(limit), `LIMIT ${limit} is not a whole number from 1 to 10,000`);
  return ` LIMIT ${limit}`;
}

export const showSchemas = (): string => 'SHOW SCHEMAS';
export const showVClusters = (): string => 'SHOW VCLUSTERS';

/** `DESC [EXTENDED] `schema`.`table`` */
export function describeTable(table: string, extended = false): string {
  return `DESC ${extended ? 'EXTENDED ' : ''}${quotedObjectName(table)}`;
}

/** Lakehouse's `yyyy-MM-dd HH:mm:ss`. */
const LH_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

/**
 * The Dynamic Table refresh history: of one table, or of every table since a time (one statement
 * whatever the number of tables), newest first as Lakehouse returns it.
 */
export function refreshHistory(o: { table?: string; since?: string; limit?: number }): string {
  if (o.since !== undefined && !LH_TIME.test(o.since)) throw new SqlRefused(o.since, `"${o.since}" is not a time (yyyy-MM-dd HH:mm:ss)`);
  return `SHOW DYNAMIC TABLE REFRESH HISTORY${o.table ? ` ${quotedObjectName(o.table)}` : ''}${o.since ? ` WHERE start_time >= ${stringLiteral(o.since)}` : ''}${limitClause(o.limit)}`;
}

/** The columns of information_schema.tables the bot reads. */
export type TablesColumn = 'table_schema' | 'table_name' | 'table_type' | 'row_count' | 'bytes';
const TABLES_COLUMNS: readonly TablesColumn[] = ['table_schema', 'table_name', 'table_type', 'row_count', 'bytes'];

/**
 * `SELECT … FROM information_schema.tables [WHERE col = 'v' AND …] [ORDER BY col DESC] [LIMIT n]`.
 * The column names are this file's own; the values are checked strings.
 */
export function informationSchemaTables(
  columns: readonly TablesColumn[],
  o: { where?: Partial<Record<'table_schema' | 'table_name' | 'table_type', string>>; orderByDesc?: TablesColumn; limit?: number } = {},
): string {
  const known = (c: string) => {
    if (!TABLES_COLUMNS.includes(c as TablesColumn)) throw new SqlRefused(c, `${c} is not a column of information_schema.tables the bot reads`);
    return c;
  };
  if (columns.length === 0) throw new SqlRefused('', 'name at least one column of information_schema.tables');
  const conditions = Object.entries(o.where ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${known(k)} = ${stringLiteral(v as string)}`);
  return `SELECT ${columns.map(known).join(', ')} FROM information_schema.tables${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}${
    o.orderByDesc ? ` ORDER BY ${known(o.orderByDesc)} DESC` : ''
  }${limitClause(o.limit)}`;
}

/** `SELECT COUNT(*) AS n FROM `schema`.`table` [WHERE `column` = 'value']`: a table's or a partition's rows. */
export function countRows(table: string, partition?: { column: string; value: string }): string {
  const where = partition ? ` WHERE ${quotedName(partition.column, 'column name')} = ${stringLiteral(partition.value)}` : '';
  return `SELECT COUNT(*) AS n FROM ${quotedObjectName(table)}${where}`;
}

/**
 * `SELECT `c`, COUNT(*) AS n FROM `schema`.`table` [WHERE `p` = 'v'] GROUP BY `c` ORDER BY n DESC LIMIT k`:
 * a column's most frequent values (seed 000's `SELECT <col>, COUNT(*) … GROUP BY 1 LIMIT 5` check).
 */
export function groupCounts(table: string, column: string, o: { partition?: { column: string; value: string }; limit?: number } = {}): string {
  const c = quotedName(column, 'column name');
  const where = o.partition ? ` WHERE ${quotedName(o.partition.column, 'column name')} = ${stringLiteral(o.partition.value)}` : '';
  return `SELECT ${c}, COUNT(*) AS n FROM ${quotedObjectName(table)}${where} GROUP BY ${c} ORDER BY n DESC${limitClause(o.limit ?? 5)}`;
}

/** The most rows and columns a sample may read (`/cz table <t> --sample`). */
export const SAMPLE_MAX_ROWS = 5;
export const SAMPLE_MAX_COLUMNS = 8;

/** `SELECT `c1`, … FROM `schema`.`table` LIMIT n`: a few rows of named columns, nothing else. */
export function sampleRows(table: string, columns: readonly string[], rows = SAMPLE_MAX_ROWS): string {
  if (columns.length === 0 || columns.length > SAMPLE_MAX_COLUMNS) throw new SqlRefused(String(columns.length), `a sample names 1 to ${SAMPLE_MAX_COLUMNS} columns`);
  if (!Number.isInteger(rows) || rows < 1 || rows > SAMPLE_MAX_ROWS) throw new SqlRefused(String(rows), `a sample reads 1 to ${SAMPLE_MAX_ROWS} rows`);
  return `SELECT ${columns.map((c) => quotedName(c, 'column name')).join(', ')} FROM ${quotedObjectName(table)} LIMIT ${rows}`;
}

/** The one write: `REFRESH DYNAMIC TABLE `schema`.`table`` (the operations path only). */
export function refreshDynamicTable(table: string): string {
  return `REFRESH DYNAMIC TABLE ${quotedObjectName(table)}`;
}
