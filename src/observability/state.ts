/** What /metrics and /readyz read from the bot's database when asked. */
import type { Db } from '../store/database.js';
import type { StateSnapshot, StateSources } from './metrics.js';

export function databaseState(db: Db, now: () => number): StateSources {
  const outbox = db.prepare('SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE done IN (0, 3)');
  const cards = db.prepare("SELECT COUNT(*) AS n FROM alert_cards WHERE status = 'open'");
  const ops = db.prepare('SELECT status, COUNT(*) AS n FROM operations GROUP BY status');
  return {
    outbox: () => {
      const r = outbox.get() as { n: number; oldest: number | null };
      return { depth: r.n, oldestAgeSeconds: r.oldest === null ? 0 : Math.max(0, (now() - r.oldest) / 1000) };
    },
    cardsOpen: () => (cards.get() as { n: number }).n,
    operationsByStatus: () => Object.fromEntries((ops.all() as { status: string; n: number }[]).map((r) => [r.status, r.n])),
    databaseBytes: () => db.sizeBytes(),
  };
}

/** The database takes a write: one row in alert_state, rewritten (a read-only or full disk fails here). Undefined, or why not. */
export function databaseTakesWrites(db: Db, now: () => number): () => string | undefined {
  const write = db.prepare("INSERT INTO alert_state (key, value) VALUES ('readyz', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  return () => {
    try {
      write.run(String(now()));
      return undefined;
    } catch (e) {
      return `the database does not take writes: ${(e as Error).message}`;
    }
  };
}

/** databaseTakesWrites as a readiness check. */
export function databaseWritable(db: Db, now: () => number): () => Promise<string | undefined> {
  const check = databaseTakesWrites(db, now);
  return async () => check();
}

/** Several databases (one per workspace) as one set of gauges: depths and counts add up, the oldest is the oldest. */
export function combinedState(list: StateSnapshot[]): StateSnapshot {
  const operationsByStatus: Record<string, number> = {};
  for (const s of list) for (const [k, n] of Object.entries(s.operationsByStatus)) operationsByStatus[k] = (operationsByStatus[k] ?? 0) + n;
  return {
    outbox: { depth: list.reduce((a, s) => a + s.outbox.depth, 0), oldestAgeSeconds: Math.max(0, ...list.map((s) => s.outbox.oldestAgeSeconds)) },
    cardsOpen: list.reduce((a, s) => a + s.cardsOpen, 0),
    operationsByStatus,
    databaseBytes: list.reduce((a, s) => a + s.databaseBytes, 0),
  };
}
