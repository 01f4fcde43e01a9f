/**
 * The one store interface both engines implement: the embedded SQLite file (better-sqlite3) and
 * PostgreSQL (`DATABASE_URL`, for several replicas). The stores (operations, audit, alerts, wizard,
 * events) are written against it in SQL both engines run: `?` or `@name` parameters, `INSERT … ON
 * CONFLICT`, `RETURNING id`, quoted camelCase aliases. Calls are synchronous on both (see
 * postgres.ts for how, and what it costs).
 */

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

export interface Statement {
  /** The first row, or undefined. Parameters: positional (`?`) or one object (`@name`). */
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): RunResult;
}

export type Engine = 'sqlite' | 'postgres';

/** A schema change; never edit one that has shipped: add a new one. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface Db {
  readonly engine: Engine;
  prepare(sql: string): Statement;
  /** Statements without parameters (migrations). */
  exec(sql: string): void;
  /**
   * `fn` in one transaction; nested calls are savepoints. On PostgreSQL a transaction holds a lock
   * for its `scope` until it ends, so the read-then-write inside it (claim a key, take a lease,
   * append to the audit chain) cannot interleave with another replica's — and only transactions of
   * the same scope wait for each other: `idempotency:<key>`, `lease:<name>`, `audit`, `alerts` …
   * Without a scope (migrations): the one lock of the whole database, which every scope also waits
   * for. SQLite runs one writer at a time whatever the scope.
   */
  transaction<T>(fn: () => T, scope?: string): () => T;
  /** Bytes the database takes (the file, or PostgreSQL's database). */
  sizeBytes(): number;
  /** Refuse writes from now on (readiness tests: a read-only database). */
  setReadOnly(on: boolean): void;
  close(): void;
}

/**
 * `?` and `@name` parameters as PostgreSQL's `$n`, with how to order the values. Our SQL has no
 * `?` or `@` inside string literals (checked by the contract tests running every store on both).
 */
export function toPositional(sql: string): { text: string; names: string[] | undefined } {
  if (/@\w/.test(sql)) {
    const names: string[] = [];
    const text = sql.replace(/@(\w+)/g, (_, name: string) => {
      let i = names.indexOf(name);
      if (i < 0) i = names.push(name) - 1;
      return `$${i + 1}`;
    });
    return { text, names };
  }
  let n = 0;
  return { text: sql.replace(/\?/g, () => `$${++n}`), names: undefined };
}

/** The values of one call, in `$n` order. */
export function bindValues(names: string[] | undefined, params: unknown[]): unknown[] {
  if (!names) return params.map(pgValue);
  const obj = (params[0] ?? {}) as Record<string, unknown>;
  return names.map((k) => pgValue(obj[k]));
}

function pgValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}
