/**
 * The bot's database: the embedded SQLite file (default) or PostgreSQL (`DATABASE_URL`), with
 * versioned migrations for each engine applied in order at open (src/store/migrations-pg.ts holds
 * PostgreSQL's). On PostgreSQL the migrations run in one transaction under the transaction lock,
 * so replicas starting together apply each once.
 */
import { PG_MIGRATIONS } from './migrations-pg.js';
import { REPLICAS_MIGRATION } from './migrations-shared.js';
import { PostgresDb } from './postgres.js';
import type { Db, Migration } from './sql.js';
import { SqliteDb } from './sqlite.js';

const GENESIS = '0'.repeat(64);

/** Migrations, in order; never edit one that has shipped: add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit log',
    sql: `
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  op_id TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT,
  team_id TEXT,
  channel_id TEXT,
  source TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  task_name TEXT,
  params TEXT NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT,
  studio_request_id TEXT,
  idempotency_key TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_actor ON audit_log(actor_id, at);
CREATE INDEX audit_task ON audit_log(task_name, at);
CREATE INDEX audit_op ON audit_log(op_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
  },
  {
    version: 2,
    name: 'operations, idempotency keys, run watches',
    sql: `
CREATE TABLE operations (
  id TEXT PRIMARY KEY,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  task_name TEXT,
  params TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_by_name TEXT,
  team_id TEXT,
  channel_id TEXT,
  source TEXT NOT NULL,
  status TEXT NOT NULL,
  result TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS operations_by_status ON operations(status);
CREATE TABLE idempotency (
  key TEXT PRIMARY KEY,
  op_id TEXT NOT NULL,
  status TEXT NOT NULL,
  result TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE run_watches (
  run_id INTEGER NOT NULL,
  op_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  channel_id TEXT,
  message_ts TEXT,
  response_url TEXT,
  created_at INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, op_id)
);
`,
  },
  {
    version: 3,
    name: 'alert cards, seen failures, mutes, card actions, outbox',
    sql: `
CREATE TABLE alert_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE alert_seen (run_id INTEGER NOT NULL, end_time INTEGER NOT NULL, card_id INTEGER, seen_at INTEGER NOT NULL, PRIMARY KEY (run_id, end_time));
CREATE TABLE alert_cards (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  ts TEXT,
  group_key TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  task_name TEXT NOT NULL,
  folder TEXT,
  task_type TEXT,
  owner TEXT,
  cause_id TEXT,
  cause_title TEXT,
  cause_fix TEXT,
  fail_msg TEXT,
  first_run_id INTEGER NOT NULL,
  latest_run_id INTEGER NOT NULL,
  biz_date TEXT,
  attempts INTEGER NOT NULL DEFAULT 1,
  count INTEGER NOT NULL DEFAULT 1,
  failed_at INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  blocked TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL DEFAULT 'open',
  ack_by TEXT,
  ack_at INTEGER,
  resolved_by TEXT,
  resolved_how TEXT,
  resolved_at INTEGER,
  resolved_run_id INTEGER
);
CREATE INDEX alert_cards_group ON alert_cards(group_key, status, last_seen);
CREATE INDEX alert_cards_status ON alert_cards(status);
CREATE INDEX alert_cards_channel ON alert_cards(channel, first_seen);
CREATE TABLE alert_card_actions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  card_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  action TEXT NOT NULL,
  run_id INTEGER,
  detail TEXT
);
CREATE INDEX alert_card_actions_card ON alert_card_actions(card_id);
CREATE TABLE alert_mutes (task_id INTEGER PRIMARY KEY, until INTEGER NOT NULL, by_user TEXT NOT NULL);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  card_id INTEGER,
  thread_card_id INTEGER,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  done INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox(done, channel, id);
`,
  },
  {
    version: 4,
    name: 'wizard sessions',
    sql: `
CREATE TABLE wizard_sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  status TEXT NOT NULL,
  answers TEXT NOT NULL DEFAULT '{}',
  from_doc TEXT NOT NULL DEFAULT '[]',
  history TEXT NOT NULL DEFAULT '[]',
  current_question TEXT,
  message_ts TEXT,
  progress TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX wizard_user ON wizard_sessions(user_id, status);
`,
  },
  {
    version: 5,
    name: 'one write per target',
    sql: `
-- Held by the operation that is writing to a target (a run, a task) until its outcome is known.
CREATE TABLE target_locks (
  target TEXT PRIMARY KEY,
  op_id TEXT NOT NULL,
  acquired_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS operations_by_status ON operations(status);
`,
  },
  {
    version: 6,
    name: 'events seen',
    sql: `
-- Events API deliveries handled, by event_id: a redelivery (retry) is acknowledged and not handled again.
CREATE TABLE seen_events (
  event_id TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
);
CREATE INDEX seen_events_at ON seen_events(seen_at);
`,
  },
  {
    version: 7,
    name: 'keyed audit chain',
    sql: `
-- Which key signed which rows: from_id is the first row of a segment; key_id a key's fingerprint
-- ('sha256' for the unkeyed chain written before keys). The keys themselves are never stored here.
CREATE TABLE audit_segments (
  from_id INTEGER PRIMARY KEY,
  key_id TEXT NOT NULL
);
INSERT INTO audit_segments(from_id, key_id) SELECT 1, 'sha256' WHERE EXISTS (SELECT 1 FROM audit_log);
`,
  },
  {
    version: 8,
    name: 'latest failure of a card',
    sql: `
-- failed_at stays the first failure (time to resolve counts from it); a repeat moves last_failed_at.
ALTER TABLE alert_cards ADD COLUMN last_failed_at INTEGER;
`,
  },
  {
    version: 9,
    name: 'storm digests and budgeted sending',
    sql: `
-- One message per storm (many new groups in one poll): the cards of its groups go into its thread.
CREATE TABLE alert_digests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  ts TEXT,
  created_at INTEGER NOT NULL
);
ALTER TABLE alert_cards ADD COLUMN digest_id INTEGER;
CREATE INDEX alert_cards_digest ON alert_cards(digest_id);
-- 0: someone is waiting for it (a click, a card closing); 1: new cards; 2: background refreshes.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
ALTER TABLE outbox ADD COLUMN digest_id INTEGER;
CREATE INDEX outbox_card ON outbox(card_id);
CREATE INDEX outbox_next ON outbox(done, channel, priority, id);
`,
  },
  {
    version: 10,
    name: 'root fixed, downstream still blocked',
    sql: `
-- The root's own run succeeded while runs it blocked did not: the card stays open until they do.
ALTER TABLE alert_cards ADD COLUMN root_fixed_at INTEGER;
ALTER TABLE alert_cards ADD COLUMN root_fix_run_id INTEGER;
ALTER TABLE alert_cards ADD COLUMN root_fixed_by TEXT;
ALTER TABLE alert_cards ADD COLUMN root_fixed_how TEXT;
`,
  },
  {
    version: 11,
    name: 'Dynamic Table alerts and output checks',
    sql: `
-- A card about something other than a task's runs: 'dt:<schema>.<table>' for a Dynamic Table
-- (task_id 0, run ids 0); latest_job is the refresh job of its latest failure.
ALTER TABLE alert_cards ADD COLUMN subject TEXT;
ALTER TABLE alert_cards ADD COLUMN latest_job TEXT;
-- Things already checked that are not task failures: 'dt:<job id>' (a Dynamic Table refresh),
-- 'out:<run id>' (a successful run's output counted).
CREATE TABLE alert_checked (
  key TEXT PRIMARY KEY,
  card_id INTEGER,
  seen_at INTEGER NOT NULL
);
`,
  },
  REPLICAS_MIGRATION,
];

export type { Db } from './sql.js';

/** A PostgreSQL connection string (postgres:// or postgresql://). */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** The database named by DATABASE_URL cannot be used (unreachable, refused, not migratable): said without its credentials. */
export class DatabaseUnavailableError extends Error {
  constructor(where: string, cause: string) {
    super(`PostgreSQL at ${where} (DATABASE_URL) cannot be used: ${cause}`);
    this.name = 'DatabaseUnavailableError';
  }
}

/** host:port/database of a connection string, without user or password. */
export function serverOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured server';
  }
}

/** Open (and migrate) the database: a file path, `:memory:`, or a PostgreSQL connection string. */
export function openDatabase(target: string, o: { name?: string; schema?: string } = {}): Db {
  const pg = isPostgresUrl(target);
  const db: Db = pg ? new PostgresDb(target, o) : new SqliteDb(target);
  try {
    migrate(db);
  } catch (e) {
    try {
      db.close();
    } catch {
      // nothing to close: it never connected
    }
    throw pg ? new DatabaseUnavailableError(serverOf(target), (e as Error).message) : e;
  }
  return db;
}

export function migrate(db: Db): number {
  const list: readonly Migration[] = db.engine === 'postgres' ? PG_MIGRATIONS : MIGRATIONS;
  const bigint = db.engine === 'postgres' ? 'BIGINT' : 'INTEGER';
  return db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${bigint} NOT NULL)`);
    const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    let count = 0;
    for (const m of list) {
      if (applied.has(m.version)) continue;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      count++;
    }
    return count;
  })();
}

export { GENESIS };
