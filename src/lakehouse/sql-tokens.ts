/**
 * The tokens of a Lakehouse statement, read strictly: plain names, backtick-quoted plain names,
 * single-quoted strings without escapes, whole or decimal numbers, a few operators and punctuation,
 * and blanks. Anything on which two SQL readers could disagree about where a string, a name, a
 * comment or a statement ends is refused here, before any parser sees the text:
 *
 * - comments of every kind (`--`, `/* *\/`, `#`, `//`): Lakehouse reads `/*+ … *\/` as hints and
 *   ends `--` at a carriage return, and a comment is where a second statement hides;
 * - a backslash or a doubled quote inside a string: Lakehouse reads `\'` as a quote inside
 *   '…' (the public SDK escapes with backslashes), other readers do not;
 * - double-quoted text (a string to Lakehouse, a name to others) and backticks inside a name;
 * - any character outside printable ASCII (homoglyph semicolons, NUL, line separators);
 * - a number running into a name (`0x27`, `1e5`).
 */
import { SqlRefused } from './refusal.js';

export type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'quoted'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'number'; text: string; at: number }
  | { kind: 'op'; text: string; at: number };

/** A name Lakehouse and the bot agree on: a letter or _, then letters, digits and _. */
export const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_NAME_LENGTH = 128;

const OPERATORS = ['<=', '>=', '<>', '!=', '=', '<', '>', '(', ')', ',', '.', '*', ';'];

function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code >= 0x20 && code !== 0x7f ? `${hex} (${c})` : hex;
}

/**
 * The statement's tokens. A `;` may only end the statement (it is dropped); anything after it is
 * a second statement and refused.
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const refuse: (reason: string) => never = (reason) => {
    throw new SqlRefused(sql, reason);
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const code = c.charCodeAt(0);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (code < 0x20 || code > 0x7e) refuse(`character ${describeChar(c)} at ${i} is not allowed: statements are plain ASCII`);
    const two = sql.slice(i, i + 2);
    if (two === '--' || two === '/*' || two === '//' || c === '#') refuse('comments (and hints, which are comments) are not allowed in a statement');
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))![0];
      tokens.push({ kind: 'word', text: m, at: i });
      i += m.length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(?:\.[0-9]+)?/.exec(sql.slice(i))![0];
      if (/[A-Za-z_.]/.test(sql[i + m.length] ?? '')) refuse(`the number at ${i} runs into a name (${sql.slice(i, i + m.length + 1)}…)`);
      tokens.push({ kind: 'number', text: m, at: i });
      i += m.length;
      continue;
    }
    if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) refuse(`the quoted name at ${i} is never closed`);
      const name = sql.slice(i + 1, end);
      if (sql[end + 1] === '`') refuse(`the quoted name at ${i} holds a backtick`);
      if (!PLAIN_NAME.test(name) || name.length > MAX_NAME_LENGTH)
        refuse(`the quoted name at ${i} may hold only letters, digits and _ (it holds ${JSON.stringify(name.slice(0, 40))})`);
      tokens.push({ kind: 'quoted', text: name, at: i });
      i = end + 1;
      continue;
    }
    if (c === "'") {
      const end = sql.indexOf("'", i + 1);
      if (end < 0) refuse(`the string at ${i} is never closed`);
      const value = sql.slice(i + 1, end);
      if (value.includes('\\')) refuse(`the string at ${i} holds a backslash: Lakehouse reads \\ as an escape, so the bot never sends one`);
      if (sql[end + 1] === "'") refuse(`the string at ${i} holds a doubled quote ('')`);
      tokens.push({ kind: 'string', text: value, at: i });
      i = end + 1;
      continue;
    }
    if (c === '"') refuse(`double quotes at ${i} are not allowed: strings are written in single quotes, names in backticks`);
    const op = OPERATORS.find((o) => sql.startsWith(o, i));
    if (!op) refuse(`character ${describeChar(c)} at ${i} is not allowed in a statement`);
    tokens.push({ kind: 'op', text: op!, at: i });
    i += op!.length;
  }
  const semi = tokens.findIndex((t) => t.kind === 'op' && t.text === ';');
  if (semi >= 0) {
    if (semi < tokens.length - 1) refuse('only one statement at a time (a ; is followed by more)');
    tokens.pop();
  }
  return tokens;
}

export function isWord(t: Token | undefined, ...words: string[]): boolean {
  return t?.kind === 'word' && words.includes(t.text.toUpperCase());
}
