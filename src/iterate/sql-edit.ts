/**
 * The edits a pipeline change makes to a task's SQL, as text (the person's formatting and comments
 * kept): a statement appended to a DDL draft, a column added to an `INSERT … SELECT` list, a
 * Dynamic Table's query replaced. Each returns undefined when the script does not have the shape the
 * edit needs, so the flow can say so instead of writing something wrong.
 */

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Positions in `sql` that are code (not inside a string, a quoted name or a comment). */
function codeMask(sql: string): boolean[] {
  const mask = new Array<boolean>(sql.length).fill(true);
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') mask[i++] = false;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      while (i < stop) mask[i++] = false;
      i--;
    } else if (ch === "'" || ch === '`' || ch === '"') {
      mask[i] = false;
      for (i++; i < sql.length && sql[i] !== ch; i++) mask[i] = false;
      if (i < sql.length) mask[i] = false;
    }
  }
  return mask;
}

/** A DDL draft with one more statement at its end. */
export function appendStatement(content: string, statement: string): string {
  const body = content.replace(/\s+$/, '');
  const mask = codeMask(body);
  let last = body.length - 1;
  while (last >= 0 && (!mask[last] || /\s/.test(body[last]!))) last--;
  const terminated = last >= 0 && body[last] === ';';
  return `${body}${terminated || body === '' ? '' : ';'}${body === '' ? '' : '\n\n'}${statement.replace(/;\s*$/, '')};\n`;
}

/**
 * The `INSERT … SELECT` in `sql` with `<expression> AS <alias>` appended to its SELECT list (the
 * new column goes last, where ALTER TABLE … ADD COLUMN puts it). Undefined unless the script has
 * exactly one INSERT with a SELECT … FROM.
 */
export function addSelectColumn(sql: string, expression: string, alias: string): string | undefined {
  if (!IDENT.test(alias)) return undefined;
  const mask = codeMask(sql);
  const code = [...sql].map((c, i) => (mask[i] ? c : ' ')).join('');
  const inserts = [...code.matchAll(/\binsert\s+(?:overwrite|into)\b/gi)];
  if (inserts.length !== 1) return undefined;
  const select = /\bselect\b/i.exec(code.slice(inserts[0]!.index));
  if (!select) return undefined;
  let depth = 0;
  for (let i = inserts[0]!.index + select.index + select[0].length; i < code.length; i++) {
    const ch = code[i]!;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && /^from\b/i.test(code.slice(i, i + 5)) && /\W/.test(code[i - 1] ?? ' ')) {
      let last = i - 1;
      while (last >= 0 && (!mask[last] || /\s/.test(sql[last]!))) last--;
      const indent = /\n([ \t]*)\S[^\n]*$/.exec(sql.slice(0, last + 1))?.[1] ?? '';
      const lineEnd = sql.indexOf('\n', last + 1);
      const breakAt = lineEnd >= 0 && lineEnd < i ? lineEnd : last + 1;
      // The new item goes after the last one, after any comment on that item's line.
      return `${sql.slice(0, last + 1)},${sql.slice(last + 1, breakAt)}\n${indent}${expression} AS ${alias}${sql.slice(breakAt)}`;
    }
  }
  return undefined;
}

/** The alias the FROM clause gives `table` (`FROM ecommerce_ods.orders o` → `o`), or the table itself. */
export function aliasOf(sql: string, table: string): string {
  const escaped = table.replace(/\./g, '\\.`?').replace(/^/, '`?');
  const m = new RegExp(`\\b(?:from|join)\\s+${escaped}\`?\\s+(?:as\\s+)?([A-Za-z_]\\w*)`, 'i').exec(sql);
  const word = m?.[1];
  if (word && !/^(where|join|left|right|inner|outer|full|cross|on|group|order|limit|union|lateral)$/i.test(word)) return word;
  return table;
}

/** Where a Dynamic Table's definition is in a script: the statement, its head (up to AS) and its query. */
export function findDynamicTable(content: string, table: string): { start: number; end: number; head: string; query: string } | undefined {
  const [schema, name] = table.split('.');
  const mask = codeMask(content);
  const code = [...content].map((c, i) => (mask[i] ? c : ' ')).join('');
  const re = new RegExp(`\\bcreate\\s+(?:or\\s+replace\\s+)?dynamic\\s+table\\s+(?:if\\s+not\\s+exists\\s+)?\`?${schema}\`?\\.\`?${name}\`?(?=[\\s(])`, 'i');
  const m = re.exec(code);
  if (!m) return undefined;
  let end = code.indexOf(';', m.index);
  if (end < 0) end = content.length;
  const as = /\bas\s+(?=select\b|with\b)/i.exec(code.slice(m.index, end));
  if (!as) return undefined;
  return { start: m.index, end, head: content.slice(m.index, m.index + as.index + as[0].length), query: content.slice(m.index + as.index + as[0].length, end).trim() };
}

/**
 * The script with `table`'s definition given a new query, and its head made `CREATE OR REPLACE`
 * (a Dynamic Table does not support ALTER: it is rebuilt). Undefined when the script does not define it.
 */
export function replaceDynamicTableQuery(content: string, table: string, query: string): { content: string; statement: string } | undefined {
  const found = findDynamicTable(content, table);
  if (!found) return undefined;
  const head = found.head.replace(/^create\s+(?:or\s+replace\s+)?dynamic\s+table\s+(?:if\s+not\s+exists\s+)?/i, 'CREATE OR REPLACE DYNAMIC TABLE ');
  const statement = `${head}${query.trim().replace(/;\s*$/, '')}`;
  return { content: `${content.slice(0, found.start)}${statement}${content.slice(found.end)}`, statement: `${statement};` };
}
