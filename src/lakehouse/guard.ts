/**
 * The read-only rule for Lakehouse SQL: the bot reads metadata and counts, never data and never
 * writes. A statement passes only when it is one statement, starts with SHOW, DESC/DESCRIBE or
 * SELECT, a SELECT reads `information_schema` or counts rows, and no word outside quotes names a
 * write. Checked before anything is sent.
 */

export class SqlRefused extends Error {
  constructor(
    readonly sql: string,
    readonly reason: string,
  ) {
    super(`Refused before reaching Lakehouse: ${reason}`);
    this.name = 'SqlRefused';
  }
}

const WRITE_WORDS = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'UPSERT',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'REFRESH',
  'GRANT',
  'REVOKE',
  'CALL',
  'SET',
  'USE',
  'COPY',
  'PUT',
  'GET',
  'REMOVE',
  'OPTIMIZE',
  'VACUUM',
  'UNDROP',
  'RESTORE',
  'SUSPEND',
  'RESUME',
  'CANCEL',
  'KILL',
  'LOAD',
  'UNLOAD',
  'EXECUTE',
  'EXEC',
  'INTO',
  'OVERWRITE',
  'COMMENT',
  'RENAME',
  'ANALYZE',
]);

/**
 * The statement's words outside string literals and comments (identifiers in backticks or double
 * quotes are kept as one opaque word), and whether a `;` ends anything but the last statement.
 */
function scan(sql: string): { words: string[]; statements: number } {
  const words: string[] = [];
  let statements = 1;
  let i = 0;
  let word = '';
  const flush = () => {
    if (word) words.push(word);
    word = '';
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      flush();
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      flush();
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      flush();
      let j = i + 1;
      while (j < sql.length && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : sql[j] === '\\' && c === "'" ? 2 : 1;
      if (c !== "'") words.push('"ident"');
      i = j + 1;
      continue;
    }
    if (c === ';') {
      flush();
      if (
        sql
          .slice(i + 1)
          .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '')
          .trim() !== ''
      )
        statements++;
      i++;
      continue;
    }
    if (/[A-Za-z0-9_$]/.test(c)) word += c;
    else {
      flush();
      if (!/\s/.test(c)) words.push(c);
    }
    i++;
  }
  flush();
  return { words, statements };
}

/** Throws SqlRefused unless `sql` is a read the bot may run. Returns the statement trimmed. */
export function assertReadOnly(sql: string): string {
  const text = sql.trim().replace(/;\s*$/, '');
  if (!text) throw new SqlRefused(sql, 'the statement is empty');
  if (text.length > 20_000) throw new SqlRefused(sql, 'the statement is longer than 20,000 characters');
  const { words, statements } = scan(text);
  if (statements > 1) throw new SqlRefused(sql, 'only one statement at a time');
  const upper = words.map((w) => w.toUpperCase());
  const first = upper[0] ?? '';
  if (!['SHOW', 'DESC', 'DESCRIBE', 'SELECT'].includes(first)) {
    throw new SqlRefused(sql, `only SHOW, DESC and SELECT are allowed, not ${first || 'this statement'}`);
  }
  // (SHOW DYNAMIC TABLE REFRESH HISTORY reads the history of refreshes.)
  const write = upper.find((w) => WRITE_WORDS.has(w) && !(w === 'REFRESH' && first === 'SHOW'));
  if (write) throw new SqlRefused(sql, `${write} is a write; the bot never changes data through SQL`);
  if (first === 'SELECT') {
    const metadata = upper.some((w, k) => w === 'INFORMATION_SCHEMA' && upper[k + 1] === '.');
    const countOnly = upper[1] === 'COUNT' && upper[2] === '(' && upper[3] === '*' && upper[4] === ')' && (upper[5] === 'FROM' || (upper[5] === 'AS' && upper[7] === 'FROM'));
    if (!metadata && !countOnly) throw new SqlRefused(sql, 'a SELECT may read information_schema or count rows (SELECT COUNT(*) FROM …), not table data');
  }
  return text;
}
