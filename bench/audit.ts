/**
 * Audit log: 100,000 audited appends (hash chain, one transaction each) against a raw
 * better-sqlite3 insert loop of the same rows; /cz audit filter queries over 1,000,000 rows; and
 * the time to verify the whole chain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, type AuditEvent } from '../src/store/audit.js';
import { openDatabase } from '../src/store/database.js';

function event(i: number): AuditEvent {
  return {
    at: 1_795_000_000_000 + i * 1000,
    opId: `op-${i}`,
    actorId: `U${i % 50}`,
    actorName: `user${i % 50}`,
    teamId: 'T1',
    channelId: 'C1',
    source: 'button',
    action: i % 3 === 0 ? 'rerun' : i % 3 === 1 ? 'backfill' : 'stop',
    target: `run:${7_000_000 + i}`,
    taskName: `task_${i % 200}`,
    params: { runId: 7_000_000 + i },
    outcome: i % 2 ? 'succeeded' : 'requested',
    idempotencyKey: `k${i}`,
  };
}

export function runAuditBench() {
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  try {
    const N = 100_000;
    // Baseline: the same rows, a raw insert each (no hash, no chain look-up).
    const rawDb = openDatabase(join(dir, 'raw.db'));
    const ins =
      rawDb.prepare(`INSERT INTO audit_log (at, op_id, actor_id, actor_name, team_id, channel_id, source, action, target, task_name, params, outcome, error, studio_request_id, idempotency_key, prev_hash, hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, '', '')`);
    let t = performance.now();
    for (let i = 0; i < N; i++) {
      const e = event(i);
      ins.run(e.at, e.opId, e.actorId, e.actorName, e.teamId, e.channelId, e.source, e.action, e.target, e.taskName, JSON.stringify(e.params), e.outcome, e.idempotencyKey);
    }
    const rawMs = performance.now() - t;
    rawDb.close();

    const db = openDatabase(join(dir, 'audit.db'));
    const log = new AuditLog(db);
    t = performance.now();
    for (let i = 0; i < N; i++) log.append(event(i));
    const auditedMs = performance.now() - t;

    // Grow to 1,000,000 rows (batched), then time the /cz audit filters.
    db.transaction(() => {
      for (let i = N; i < 1_000_000; i++) log.append(event(i));
    })();
    const now = 1_795_000_000_000 + 1_000_000 * 1000;
    const queries = [
      () => log.query({ actorId: 'U7', since: now - 7 * 86_400_000, limit: 25 }),
      () => log.query({ taskName: 'task_42', since: now - 7 * 86_400_000, limit: 25 }),
      () => log.query({ since: now - 86_400_000, limit: 25 }),
      () => log.query({ actorId: 'U3', taskName: 'task_3', limit: 25 }),
    ];
    const times: number[] = [];
    for (let i = 0; i < 400; i++) {
      const q0 = performance.now();
      queries[i % queries.length]!();
      times.push(performance.now() - q0);
    }
    times.sort((a, b) => a - b);
    t = performance.now();
    const verified = log.verify();
    const verifyMs = performance.now() - t;
    db.close();
    return {
      rows: N,
      rawMs: Math.round(rawMs),
      auditedMs: Math.round(auditedMs),
      overhead: Math.round((auditedMs / rawMs) * 100) / 100,
      queryP99Ms: Math.round(times[Math.floor(times.length * 0.99)]! * 100) / 100,
      queryRows: 1_000_000,
      verifyMs: Math.round(verifyMs),
      verifiedOk: verified.ok,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
