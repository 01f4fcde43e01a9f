/**
 * The read-only rule for Lakehouse SQL, as an allow-list of statement shapes: the bot reads
 * metadata and counts, never rows and never writes. Checked before anything is sent:
 *
 * 1. The text is read by a strict tokenizer (`sql-tokens.ts`): one statement, no comments or
 *    hints, no escapes or doubled quotes in strings, no double quotes, plain ASCII only.
 * 2. SELECT is parsed by node-sql-parser (its Hive grammar: backtick names and single-quoted
 *    strings, Lakehouse's own family) and its syntax tree must be one allowed shape: columns and
 *    COUNT/SUM/MIN/MAX/AVG over exactly one table, no joins, subqueries, set operations, CTEs or
 *    other functions; WHERE only compares a column with a literal, joined by AND; a data table
 *    may only be aggregated (plain columns only when grouped by), `information_schema.tables`
 *    and `.columns` may be listed.
 * 3. SHOW and DESC forms, which the parser does not know, are read by an exact grammar of ours
 *    over the same tokens: SHOW SCHEMAS | VCLUSTERS | TABLES [IN s] | DYNAMIC TABLES [IN s],
 *    SHOW DYNAMIC TABLE REFRESH HISTORY [name] [WHERE col op 'v' [AND …]] [LIMIT n],
 *    DESC|DESCRIBE [TABLE] [EXTENDED] name.
 *
 * Anything else is refused with the reason (`SqlRefused`). Reading rows has its own, narrower
 * check (`assertSample`): a few rows of named columns of one table, for `/cz table --sample`.
 */
import sqlParser from 'node-sql-parser/build/hive.js';
import { SqlRefused } from './refusal.js';
import { isWord, MAX_NAME_LENGTH, PLAIN_NAME, type Token, tokenize } from './sql-tokens.js';

export { SqlRefused };

const MAX_LENGTH = 20_000;
const AGGREGATES = new Set(['COUNT', 'SUM', 'MIN', 'MAX', 'AVG']);
const COMPARISONS = new Set(['=', '!=', '<>', '<', '<=', '>', '>=']);
const METADATA_TABLES = new Set(['tables', 'columns']);
const MAX_LIMIT = 10_000;

/** Throws SqlRefused unless `sql` is a read the bot may run. Returns the statement trimmed, without a final `;`. */
export function assertReadOnly(sql: string): string {
  const text = sql.trim().replace(/;\s*$/, '').trimEnd();
  if (!text) throw new SqlRefused(sql, 'the statement is empty');
  if (text.length > MAX_LENGTH) throw new SqlRefused(sql, `the statement is longer than ${MAX_LENGTH.toLocaleString('en-US')} characters`);
  const tokens = tokenize(text);
  const first = tokens[0]!;
  if (isWord(first, 'SELECT')) checkSelect(text);
  else if (isWord(first, 'SHOW')) checkShow(new Grammar(sql, tokens));
  else if (isWord(first, 'DESC', 'DESCRIBE')) checkDescribe(new Grammar(sql, tokens));
  else throw new SqlRefused(sql, `only SELECT, SHOW and DESC statements are run, not ${first.kind === 'word' ? first.text.toUpperCase() : `"${first.text}"`}`);
  return text;
}

/**
 * Throws SqlRefused unless `sql` is exactly a sample: `SELECT `c1`, … FROM `s`.`t` LIMIT n` with 1
 * to 8 backticked plain column names, one backticked schema.table and n from 1 to 5 — the one
 * statement that reads rows, shown redacted. Returns the statement.
 */
export function assertSample(sql: string): string {
  const text = sql.trim();
  const name = '`[A-Za-z_][A-Za-z0-9_]{0,127}`';
  const shape = new RegExp(`^SELECT ${name}(?:, ${name}){0,7} FROM ${name}\\.${name} LIMIT [1-5]$`);
  if (!shape.test(text)) throw new SqlRefused(sql, 'a sample is SELECT of 1 to 8 named columns FROM one schema.table LIMIT 1 to 5, nothing else');
  tokenize(text); // the strict reading too: one statement, plain ASCII
  return text;
}

// ---- SHOW and DESC: an exact grammar of ours --------------------------------------------------

class Grammar {
  private i = 0;
  constructor(
    readonly sql: string,
    private readonly tokens: Token[],
  ) {}

  refuse(reason: string): never {
    throw new SqlRefused(this.sql, reason);
  }
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  /** Takes the keyword if it comes next. */
  accept(...words: string[]): boolean {
    if (!isWord(this.peek(), ...words)) return false;
    this.i++;
    return true;
  }
  expect(word: string, form: string): void {
    if (!this.accept(word)) this.refuse(`${form}: expected ${word}${this.where()}`);
  }
  where(): string {
    const t = this.peek();
    return t ? ` at "${t.text.slice(0, 40)}"` : ' at the end';
  }
  /** A plain or backtick-quoted name. */
  name(form: string): string {
    const t = this.peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted') || !PLAIN_NAME.test(t.text) || t.text.length > MAX_NAME_LENGTH) this.refuse(`${form}: expected a name${this.where()}`);
    this.i++;
    return t.text;
  }
  /** schema.table (up to three dotted names). */
  objectName(form: string): string {
    const parts = [this.name(form)];
    while (parts.length < 3 && this.peek()?.kind === 'op' && this.peek()?.text === '.') {
      this.i++;
      parts.push(this.name(form));
    }
    return parts.join('.');
  }
  end(form: string): void {
    if (this.peek()) this.refuse(`${form} ends before "${this.peek()!.text.slice(0, 40)}"`);
  }
  atEnd(): boolean {
    return this.peek() === undefined;
  }
  condition(form: string): void {
    this.name(form);
    const op = this.peek();
    if (op?.kind !== 'op' || !COMPARISONS.has(op.text)) this.refuse(`${form}: WHERE may only compare a column with a '…' value${this.where()}`);
    this.i++;
    const v = this.peek();
    if (v?.kind !== 'string' && v?.kind !== 'number') this.refuse(`${form}: WHERE may only compare a column with a '…' value${this.where()}`);
    this.i++;
  }
  limit(form: string): void {
    const n = this.peek();
    if (n?.kind !== 'number' || !/^\d+$/.test(n.text) || Number(n.text) > MAX_LIMIT) this.refuse(`${form}: LIMIT takes a whole number up to ${MAX_LIMIT}`);
    this.i++;
  }
}

function checkShow(g: Grammar): void {
  g.expect('SHOW', 'SHOW');
  if (g.accept('SCHEMAS', 'VCLUSTERS')) {
    g.end('SHOW');
  } else if (g.accept('TABLES')) {
    if (g.accept('IN', 'FROM')) g.name('SHOW TABLES');
    g.end('SHOW TABLES');
  } else if (g.accept('DYNAMIC')) {
    if (g.accept('TABLES')) {
      if (g.accept('IN', 'FROM')) g.name('SHOW DYNAMIC TABLES');
      g.end('SHOW DYNAMIC TABLES');
    } else checkRefreshHistory(g);
  } else {
    g.refuse(
      `only SHOW SCHEMAS, TABLES, VCLUSTERS, DYNAMIC TABLES and DYNAMIC TABLE REFRESH HISTORY are run, not ${g.sql.trim().split(/\s+/).slice(0, 3).join(' ').toUpperCase()}`,
    );
  }
}

/** After SHOW DYNAMIC: TABLE REFRESH HISTORY [name] [WHERE col op 'v' [AND …]] [LIMIT n]. */
function checkRefreshHistory(g: Grammar): void {
  const form = 'SHOW DYNAMIC TABLE REFRESH HISTORY';
  g.expect('TABLE', form);
  g.expect('REFRESH', form);
  g.expect('HISTORY', form);
  if (!g.atEnd() && !isWord(g.peek(), 'WHERE', 'LIMIT')) g.objectName(form);
  if (g.accept('WHERE')) {
    g.condition(form);
    while (g.accept('AND')) g.condition(form);
  }
  if (g.accept('LIMIT')) g.limit(form);
  g.end(form);
}

function checkDescribe(g: Grammar): void {
  g.accept('DESC', 'DESCRIBE');
  g.accept('TABLE');
  g.accept('EXTENDED');
  g.objectName('DESC');
  g.end('DESC');
}

// ---- SELECT: node-sql-parser's syntax tree against an allow-list -----------------------------

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A key the parser sets to null, false, an empty list or leaves out when the clause is absent. */
const absent = (v: unknown) => v === null || v === undefined || v === false || v === '' || (Array.isArray(v) && v.length === 0);

let parser: InstanceType<typeof sqlParser.Parser> | undefined;

/** The keys a SELECT node may carry a value in; every other key (known or not) must be absent. */
const SELECT_KEYS = new Set(['type', 'columns', 'from', 'where', 'groupby', 'orderby', 'limit']);

function checkSelect(sql: string): void {
  const refuse: (reason: string) => never = (reason) => {
    throw new SqlRefused(sql, reason);
  };
  parser ??= new sqlParser.Parser();
  let parsed: { tableList: string[]; ast: unknown };
  try {
    parsed = parser.parse(sql, { database: 'hive' });
  } catch (e) {
    const at = (e as { location?: { start?: { offset?: number } } }).location?.start?.offset;
    refuse(
      `the SELECT does not parse${at !== undefined ? ` near "${sql.slice(at, at + 40)}"` : ''} (the clauses allowed: columns and aggregates, FROM one table, WHERE, GROUP BY, ORDER BY, LIMIT)`,
    );
  }
  const { ast, tableList } = parsed;
  if (Array.isArray(ast) && ast.length !== 1) refuse('only one statement at a time');
  const select = Array.isArray(ast) ? ast[0] : ast;
  if (!isNode(select) || select.type !== 'select') refuse('only a SELECT is run here');
  const s = select as Node;
  if (!absent(s.with)) refuse('WITH (common table expressions) is not allowed');
  if (!absent(s._next) || !absent(s.set_op)) refuse(`set operations (${String(s.set_op ?? 'UNION').toUpperCase()}) are not allowed`);
  if (!absent(s.distinct)) refuse('SELECT DISTINCT reads rows; the bot only counts');
  if (!absent(s.having)) refuse('HAVING is not allowed');
  for (const [k, v] of Object.entries(s)) if (!SELECT_KEYS.has(k) && !absent(v)) refuse(`the SELECT has a clause the bot does not use (${k})`);
  if (tableList.length !== 1) refuse(`a SELECT reads exactly one table (this one reads ${tableList.length})`);

  // FROM: one named table, no join, no subquery.
  const from = s.from;
  if (!Array.isArray(from) || from.length !== 1) refuse(`a SELECT reads exactly one table, with no join (this one names ${Array.isArray(from) ? from.length : 0})`);
  const table = (from as unknown[])[0];
  if (!isNode(table) || typeof table.table !== 'string' || !absent(table.expr)) refuse('FROM must name a table, not a subquery');
  const t = table as Node;
  for (const [k, v] of Object.entries(t)) if (!['db', 'table', 'as'].includes(k) && !absent(v)) refuse(`FROM must name one table, with no ${k.toUpperCase()}`);
  for (const part of [t.db, t.table, t.as]) if (!absent(part) && (typeof part !== 'string' || !PLAIN_NAME.test(part))) refuse(`"${String(part)}" is not a plain name`);
  const metadata = String(t.db ?? '').toLowerCase() === 'information_schema';
  if (metadata && !METADATA_TABLES.has(String(t.table).toLowerCase()))
    refuse(`only information_schema.tables and information_schema.columns are read, not information_schema.${String(t.table)}`);
  const qualifiers = new Set([String(t.table).toLowerCase(), String(t.as ?? '').toLowerCase()].filter(Boolean));

  const column = (e: unknown, where: string): string => {
    if (!isNode(e) || e.type !== 'column_ref') return refuse(`${where} may only name a column, not ${describeExpr(e)}`);
    const name = e.column;
    if (typeof name !== 'string' || !PLAIN_NAME.test(name)) refuse(`${where}: "${typeof name === 'string' ? name : JSON.stringify(name)}" is not a plain column name`);
    if (!absent(e.table) && !qualifiers.has(String(e.table).toLowerCase())) refuse(`${where}: the column ${String(e.table)}.${String(name)} belongs to another table`);
    for (const [k, v] of Object.entries(e)) if (!['type', 'table', 'column', 'collate'].includes(k) && !absent(v)) refuse(`${where}: an unexpected column form (${k})`);
    return (name as string).toLowerCase();
  };

  // The select list: columns and aggregates of columns (COUNT(*) too).
  if (!Array.isArray(s.columns) || s.columns.length === 0) refuse('SELECT * reads rows; name the columns or count');
  const plain: string[] = [];
  const aliases = new Set<string>();
  let aggregates = 0;
  for (const item of s.columns as unknown[]) {
    if (!isNode(item) || !isNode(item.expr)) refuse('SELECT * reads rows; name the columns or count');
    const it = item as Node;
    const e = it.expr as Node;
    if (!absent(it.as)) {
      if (typeof it.as !== 'string' || !PLAIN_NAME.test(it.as)) refuse(`"${String(it.as)}" is not a plain alias`);
      aliases.add(String(it.as).toLowerCase());
    }
    if (e.type === 'column_ref') {
      if (e.column === '*') refuse('SELECT * reads rows; name the columns or count');
      plain.push(column(e, 'the select list'));
    } else if (e.type === 'aggr_func') {
      const fn = String(e.name).toUpperCase();
      if (!AGGREGATES.has(fn)) refuse(`the aggregate ${fn} is not one of COUNT, SUM, MIN, MAX, AVG`);
      if (!absent(e.over)) refuse('window functions (OVER) are not allowed');
      const args = e.args;
      if (!isNode(args)) refuse(`${fn} takes one column`);
      const a = args as Node;
      for (const [k, v] of Object.entries(a))
        if (!['expr', 'distinct', 'orderby', 'separator'].includes(k) || (k !== 'expr' && k !== 'distinct' && !absent(v))) refuse(`${fn}: an unexpected argument form (${k})`);
      if (!absent(a.distinct) && fn !== 'COUNT') refuse(`${fn}(DISTINCT …) is not allowed`);
      if (isNode(a.expr) && a.expr.type === 'star') {
        if (fn !== 'COUNT' || !absent(a.distinct)) refuse(`${fn}(*) is not allowed; COUNT(*) is`);
      } else column(a.expr, `${fn}(…)`);
      aggregates++;
    } else {
      refuse(`only columns and COUNT/SUM/MIN/MAX/AVG may be selected, not ${describeExpr(e)}`);
    }
  }

  // GROUP BY: columns only.
  const grouped = new Set<string>();
  if (!absent(s.groupby)) {
    const g = s.groupby;
    const cols = isNode(g) ? g.columns : g;
    if (!Array.isArray(cols)) refuse('GROUP BY may only name columns');
    if (isNode(g)) for (const [k, v] of Object.entries(g)) if (k !== 'columns' && !(Array.isArray(v) ? v.every(absent) : absent(v))) refuse(`GROUP BY: an unexpected form (${k})`);
    for (const c of cols as unknown[]) grouped.add(column(c, 'GROUP BY'));
  }
  if (!metadata) {
    if (aggregates === 0) refuse(`a SELECT on a data table may count or aggregate, not read rows (${String(t.db ?? '')}${t.db ? '.' : ''}${String(t.table)})`);
    const loose = plain.find((c) => !grouped.has(c));
    if (loose) refuse(`the column ${loose} is read without GROUP BY ${loose}: a data table may only be aggregated`);
  }

  // WHERE: column <op> literal, joined by AND.
  if (!absent(s.where)) checkCondition(s.where, column, refuse);

  // ORDER BY columns or aliases; LIMIT one whole number.
  if (!absent(s.orderby)) {
    if (!Array.isArray(s.orderby)) refuse('ORDER BY may only name columns');
    for (const o of s.orderby as unknown[]) {
      if (!isNode(o)) refuse('ORDER BY may only name columns');
      const c = column((o as Node).expr, 'ORDER BY');
      if (!metadata && !grouped.has(c) && !aliases.has(c)) refuse(`ORDER BY ${c}: a data table may only be ordered by a grouped column or an alias`);
    }
  }
  if (!absent(s.limit)) {
    const l = s.limit;
    const values = isNode(l) ? l.value : undefined;
    if (!Array.isArray(values) || values.length > 1 || (values.length === 1 && !isLimit(values[0]))) refuse(`LIMIT takes one whole number up to ${MAX_LIMIT}`);
  }
}

function isLimit(v: unknown): boolean {
  return isNode(v) && v.type === 'number' && Number.isInteger(v.value) && (v.value as number) >= 0 && (v.value as number) <= MAX_LIMIT;
}

const LITERALS = new Set(['single_quote_string', 'string', 'number']);

function checkCondition(e: unknown, column: (e: unknown, where: string) => string, refuse: (reason: string) => never): void {
  if (!isNode(e) || e.type !== 'binary_expr') refuse(`WHERE may only compare a column with a literal, joined by AND; not ${describeExpr(e)}`);
  const b = e as Node;
  const op = String(b.operator).toUpperCase();
  if (op === 'AND') {
    checkCondition(b.left, column, refuse);
    checkCondition(b.right, column, refuse);
    return;
  }
  if (!COMPARISONS.has(op)) refuse(`WHERE may only compare a column with a literal, joined by AND; not ${op}`);
  column(b.left, 'WHERE');
  const right = b.right;
  if (!isNode(right) || !LITERALS.has(String(right.type))) refuse(`WHERE may only compare a column with a literal, not with ${describeExpr(right)}`);
  for (const [k, v] of Object.entries(right as Node)) if (!['type', 'value'].includes(k) && !absent(v)) refuse(`WHERE: an unexpected literal form (${k})`);
}

function describeExpr(e: unknown): string {
  if (!isNode(e)) return 'this expression';
  if (e.type === 'function') {
    const n = e.name;
    const name = isNode(n) && Array.isArray(n.name) ? n.name.map((x: unknown) => (isNode(x) ? String(x.value) : String(x))).join('.') : String(n);
    return `the function ${name}()`;
  }
  if (e.type === 'binary_expr') return `the operator ${String(e.operator).toUpperCase()}`;
  if (LITERALS.has(String(e.type))) return `the literal ${JSON.stringify(String(e.value)).slice(0, 40)}`;
  if (e.ast || e.type === 'select' || (e.type === 'expr_list' && Array.isArray(e.value) && e.value.some((x) => isNode(x) && x.ast))) return 'a subquery';
  return `${String(e.type).replace(/_/g, ' ')}`;
}
