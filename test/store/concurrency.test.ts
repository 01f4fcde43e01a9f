/**
 * Several processes on one PostgreSQL database at once (what replicas do): the audit chain stays
 * one chain and each idempotency key is claimed by exactly one of them — held by the database
 * (every transaction under its lock), not by any process's memory.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../src/store/alerts.js';
import { AuditLog } from '../../src/store/audit.js';
import { keyFromHex } from '../../src/store/audit-key.js';
import { openDatabase } from '../../src/store/database.js';
import { pgAdmin, pgDatabaseUrl } from '../helpers/engines.js';

const pg = pgAdmin();

describe.skipIf(!('url' in pg))(`several processes on one PostgreSQL database${'url' in pg ? '' : ` — skipped: ${(pg as { missing: string }).missing}`}`, () => {
  it('three processes appending, claiming and adding baselines at once: one intact chain, every key claimed once, every baseline kept', async () => {
    const url = await pgDatabaseUrl('hammer');
    openDatabase(url).close(); // migrated once before the race
    const n = 300;
    const run = (w: string) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/helpers/store-hammer.ts', url, w, String(n)]);
    const outs = await Promise.all(['p1', 'p2', 'p3'].map(run));
    const claimed = outs.flatMap((o) => (JSON.parse(o.stdout) as { claimed: string[] }).claimed);
    expect(claimed.sort()).toEqual(Array.from({ length: n }, (_, i) => `k${i}`).sort());
    const db = openDatabase(url);
    const key = keyFromHex('f'.repeat(64));
    const log = new AuditLog(db, key);
    expect(log.verify({ keys: new Map([[key.id, key]]) })).toMatchObject({ ok: true, rows: 3 * n });
    // The three really ran at once: their rows interleave.
    const actors = (db.prepare('SELECT actor_id FROM audit_log ORDER BY id').all() as { actor_id: string }[]).map((r) => r.actor_id);
    const switches = actors.slice(1).filter((a, i) => a !== actors[i]).length;
    expect(switches).toBeGreaterThan(10);
    // Each baseline added went into the one stored list (a read-modify-write outside a transaction lost some).
    const baselines = new AlertStore(db).addedBaselines().map((b) => b.task);
    expect(baselines).toHaveLength(3 * n);
    expect(new Set(baselines)).toEqual(new Set(['p1', 'p2', 'p3'].flatMap((w) => Array.from({ length: n }, (_, i) => `${w}_${i}`))));
    db.close();
  }, 120_000);
});
