/** Migrations written once for both engines (PostgreSQL's use BIGINT where SQLite's say INTEGER). */
import type { Migration } from './sql.js';

export const REPLICAS_MIGRATION: Migration = {
  version: 12,
  name: 'replicas, leases, owners',
  sql: `
-- Each bot process (replica) and when it last said it was alive.
CREATE TABLE replicas (id TEXT PRIMARY KEY, incarnation TEXT NOT NULL, started_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL);
-- Work done by one replica at a time (the alert poller, outbox sender, watchers): who holds it, until when.
-- term grows by one at each change of holder.
CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, incarnation TEXT NOT NULL, term INTEGER NOT NULL, acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
-- The replica executing an operation or a wizard build: what a dead replica left is settled by another.
ALTER TABLE operations ADD COLUMN owner TEXT;
ALTER TABLE wizard_sessions ADD COLUMN owner TEXT;
-- The replica running a write audited without an operation (the wizard's steps).
CREATE TABLE write_owners (op_id TEXT PRIMARY KEY, owner TEXT NOT NULL, at INTEGER NOT NULL);
`,
};
