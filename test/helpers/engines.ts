/**
 * The two engines for contract tests: `forEachEngine((open) => …)` runs a suite on SQLite (in
 * memory) and on PostgreSQL (a fresh database on the test cluster), or skips the PostgreSQL one
 * with the reason printed by the global setup.
 */
import { describe, inject } from 'vitest';
import type { AuditLog } from '../../src/store/audit.js';
import { type Db, openDatabase } from '../../src/store/database.js';
import { freshDatabase } from './pg-cluster.js';

export type OpenDb = () => Promise<Db>;

/** The PostgreSQL test server's admin URL, or undefined (and why). */
export function pgAdmin(): { url: string } | { missing: string } {
  const url = inject('pgAdminUrl');
  return url ? { url } : { missing: inject('pgMissing') || 'no PostgreSQL test server' };
}

/** A fresh PostgreSQL database's URL (the cluster must be there: guard with pgAdmin()). */
export async function pgDatabaseUrl(prefix = 't'): Promise<string> {
  const a = pgAdmin();
  if (!('url' in a)) throw new Error(a.missing);
  return freshDatabase(a.url, prefix);
}

export function forEachEngine(name: string, suite: (open: OpenDb, engine: 'sqlite' | 'postgres') => void): void {
  describe(`${name} [sqlite]`, () => suite(async () => openDatabase(':memory:'), 'sqlite'));
  const a = pgAdmin();
  const title = 'url' in a ? `${name} [postgres]` : `${name} [postgres] — skipped: ${a.missing}`;
  describe.skipIf(!('url' in a))(title, () => suite(async () => openDatabase(await pgDatabaseUrl()), 'postgres'));
}

/** `n` `requested` rows, ops op<from>…: actors U0–U2 in turn, tasks b/a alternating, times `at0 + i`. */
export function fillAudit(log: AuditLog, n: number, o: { from?: number; at0?: number } = {}): void {
  const from = o.from ?? 0;
  for (let i = from; i < from + n; i++)
    log.append({
      at: (o.at0 ?? 1000) + i,
      opId: `op${i}`,
      actorId: `U${i % 3}`,
      source: 'slash',
      action: 'rerun',
      target: `run:${i}`,
      taskName: i % 2 ? 'a' : 'b',
      params: { i },
      outcome: 'requested',
    });
}
