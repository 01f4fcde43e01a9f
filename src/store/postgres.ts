/**
 * PostgreSQL (`DATABASE_URL=postgres://…`), for several replicas on one database, through the
 * `pg` driver.
 *
 * The store interface is synchronous (it was written for better-sqlite3, and every caller — the
 * operations path, the audit chain, the outbox — relies on a statement having happened when the
 * call returns). `pg` is asynchronous, so its client lives in a worker thread and each statement
 * is a blocking round trip: the caller posts it and waits on a shared flag (Atomics.wait) until the
 * worker has the answer. The cost is that the event loop waits for the database during each
 * statement (≈0.1–0.3 ms on a local network; `npm run bench` compares ack times with SQLite's),
 * and that one process uses one connection, which also keeps a process's statements in order.
 * A statement that takes longer than `statementTimeoutMs` fails (and the connection is replaced,
 * so a late answer cannot be taken for a later statement's).
 */
import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { type Db, type RunResult, type Statement, bindValues, toPositional } from './sql.js';

/** The worker: one pg.Client, connected on first use and again after a lost connection. CommonJS (an eval worker). */
const WORKER = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
pg.types.setTypeParser(20, (v) => Number(v));   // int8: ids, counts, epoch milliseconds
pg.types.setTypeParser(1700, (v) => Number(v)); // numeric: SUM() of bigints
const flag = new Int32Array(workerData.flag);
const port = workerData.port;
let client;
async function connection() {
  if (client) return client;
  const c = new pg.Client({ connectionString: workerData.url, application_name: workerData.name });
  c.on('error', () => { if (client === c) client = undefined; });
  await c.connect();
  if (workerData.schema) {
    await c.query('CREATE SCHEMA IF NOT EXISTS "' + workerData.schema + '"');
    await c.query('SET search_path TO "' + workerData.schema + '"');
  }
  client = c;
  return c;
}
port.on('message', async (m) => {
  let answer;
  try {
    if (m.op === 'close') {
      if (client) await client.end().catch(() => undefined);
      client = undefined;
      answer = { id: m.id, rows: [], rowCount: 0 };
    } else {
      const c = await connection();
      // A statement with parameters is prepared once per connection (named), then only bound and run.
      const r = m.params ? await c.query(m.name ? { name: m.name, text: m.sql, values: m.params } : { text: m.sql, values: m.params }) : await c.query(m.sql);
      const last = Array.isArray(r) ? r[r.length - 1] : r;
      answer = { id: m.id, rows: last.rows || [], rowCount: last.rowCount || 0 };
    }
  } catch (e) {
    if (client && (e.code === undefined || /^08|^57P/.test(String(e.code)))) { client.end().catch(() => undefined); client = undefined; }
    answer = { id: m.id, error: { message: String(e.message), code: e.code } };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

/**
 * The advisory locks of transactions (see Db.transaction): a scoped transaction holds the shared
 * form of the database's lock and the exclusive lock of its scope (two keys: this class and the
 * scope's hash; two scopes whose hashes collide only wait for each other); a transaction without a
 * scope (migrations) holds the database's lock exclusively, so it waits for all and all wait for it.
 */
const TX_LOCK = 727_001;
const SCOPE_LOCKS = 727_002;

/** The statement that takes a transaction's locks (scopes are the bot's own names, never input). */
function lockStatement(scope: string | undefined): string {
  if (scope === undefined) return `SELECT pg_advisory_xact_lock(${TX_LOCK})`;
  const literal = `'${scope.replace(/'/g, "''")}'`;
  return `SELECT pg_advisory_xact_lock_shared(${TX_LOCK}), pg_advisory_xact_lock(${SCOPE_LOCKS}, hashtext(${literal}))`;
}

export class PostgresError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'PostgresError';
  }
}

interface Answer {
  id: number;
  rows?: Record<string, unknown>[];
  rowCount?: number;
  error?: { message: string; code?: string };
}

/** A blocking round trip to a pg client in a worker thread. */
class Bridge {
  private worker!: Worker;
  private port!: MessagePort;
  private flag!: Int32Array;
  private seq = 0;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly timeoutMs: number,
    private readonly schema: string | undefined,
  ) {
    this.spawn();
  }

  private spawn(): void {
    const shared = new SharedArrayBuffer(4);
    this.flag = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const pgPath = createRequire(import.meta.url).resolve('pg');
    this.worker = new Worker(WORKER, { eval: true, workerData: { url: this.url, name: this.name, schema: this.schema, pgPath, flag: shared, port: port2 }, transferList: [port2] });
    this.worker.unref();
  }

  call(sql: string, params?: unknown[], name?: string): { rows: Record<string, unknown>[]; rowCount: number } {
    const id = ++this.seq;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(params ? { op: 'query', id, sql, params, name } : { op: 'query', id, sql });
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.flag, 0, 0, left) === 'timed-out') {
        // The worker may still answer later: a new worker (and connection) so that answer is never read.
        void this.worker.terminate();
        this.port.close();
        this.spawn();
        throw new PostgresError(`PostgreSQL did not answer within ${Math.round(this.timeoutMs / 1000)} s`);
      }
      let m: { message: Answer } | undefined;
      for (;;) {
        m = receiveMessageOnPort(this.port) as { message: Answer } | undefined;
        if (!m || m.message.id === id) break;
      }
      if (!m) {
        Atomics.store(this.flag, 0, 0);
        continue;
      }
      if (m.message.error) throw new PostgresError(m.message.error.message, m.message.error.code);
      return { rows: m.message.rows ?? [], rowCount: m.message.rowCount ?? 0 };
    }
  }

  close(): void {
    try {
      const id = ++this.seq;
      Atomics.store(this.flag, 0, 0);
      this.port.postMessage({ op: 'close', id });
      Atomics.wait(this.flag, 0, 0, 5000);
    } finally {
      void this.worker.terminate();
      this.port.close();
    }
  }
}

class PgStatement implements Statement {
  private readonly text: string;
  private readonly names: string[] | undefined;
  private readonly name: string;

  constructor(
    private readonly db: PostgresDb,
    sql: string,
  ) {
    const t = toPositional(sql);
    this.text = t.text;
    this.names = t.names;
    this.name = db.nameFor();
  }

  get(...params: unknown[]): unknown {
    return this.db.query(this.text, bindValues(this.names, params), this.name).rows[0];
  }

  all(...params: unknown[]): unknown[] {
    return this.db.query(this.text, bindValues(this.names, params), this.name).rows;
  }

  run(...params: unknown[]): RunResult {
    return { changes: this.db.query(this.text, bindValues(this.names, params), this.name).rowCount };
  }
}

export class PostgresDb implements Db {
  readonly engine = 'postgres' as const;
  private readonly bridge: Bridge;
  private depth = 0;
  private readonly statements = new Map<string, PgStatement>();
  private named = 0;

  /** `schema`: the tables live in this schema (created when missing): a workspace other than the default. */
  constructor(url: string, o: { name?: string; statementTimeoutMs?: number; schema?: string } = {}) {
    if (o.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(o.schema)) throw new Error(`not a schema name: ${o.schema}`);
    this.bridge = new Bridge(url, o.name ?? 'studio-ops', o.statementTimeoutMs ?? 30_000, o.schema);
  }

  query(text: string, params?: unknown[], name?: string): { rows: Record<string, unknown>[]; rowCount: number } {
    return this.bridge.call(text, params, name);
  }

  /** A name for a prepared statement (one per distinct SQL text). */
  nameFor(): string {
    return `s${++this.named}`;
  }

  prepare(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = new PgStatement(this, sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  exec(sql: string): void {
    this.query(sql);
  }

  transaction<T>(fn: () => T, scope?: string): () => T {
    return () => {
      const savepoint = this.depth > 0 ? `sp${this.depth}` : undefined;
      if (savepoint) this.query(`SAVEPOINT ${savepoint}`);
      else {
        // One round trip: BEGIN and the locks, as one simple query.
        try {
          this.query(`BEGIN; ${lockStatement(scope)}`);
        } catch (e) {
          this.rollbackQuietly();
          throw e;
        }
      }
      this.depth++;
      try {
        const r = fn();
        if (r instanceof Promise) throw new TypeError('a transaction function must not be async');
        this.query(savepoint ? `RELEASE SAVEPOINT ${savepoint}` : 'COMMIT');
        return r;
      } catch (e) {
        if (savepoint) this.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        else this.rollbackQuietly();
        throw e;
      } finally {
        this.depth--;
      }
    };
  }

  private rollbackQuietly(): void {
    try {
      this.bridge.call('ROLLBACK');
    } catch {
      // a lost connection has rolled it back already
    }
  }

  sizeBytes(): number {
    return Number(this.query('SELECT pg_database_size(current_database()) AS bytes').rows[0]?.bytes ?? 0);
  }

  /** PostgreSQL's own read-only mode for this connection: writes fail as they would on a read-only replica. */
  setReadOnly(on: boolean): void {
    this.exec(`SET default_transaction_read_only = ${on ? 'on' : 'off'}`);
  }

  close(): void {
    this.bridge.close();
  }
}
