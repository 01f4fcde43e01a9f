/**
 * Replicas and leases, in the shared database. Every bot process (replica) records a heartbeat;
 * the work done by one replica at a time (the alert poller, the outbox sender, the run watcher,
 * the verification loop, the audit anchor, the weekly report) is held under a lease: a row naming
 * its holder and until when it holds it. The holder renews it well before it expires; when the
 * holder dies, its lease runs out and another replica takes it. Times are the replicas' own
 * clocks (epoch ms): keep them in sync (NTP), the lease's length absorbs small differences.
 */
import type { Db } from './database.js';

export interface LeaseState {
  holder: string;
  incarnation: string;
  term: number;
  expiresAt: number;
}

export type Acquire = { held: true; term: number; expiresAt: number; fresh: boolean } | { held: false; holder: string; expiresAt: number };

export class LeaseStore {
  constructor(private readonly db: Db) {}

  /** This process is alive (a new incarnation of `replica` replaces the row of the earlier one). */
  heartbeat(replica: string, incarnation: string, now: number): void {
    this.db
      .prepare(
        'INSERT INTO replicas(id, incarnation, started_at, heartbeat_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET incarnation = excluded.incarnation, heartbeat_at = excluded.heartbeat_at, started_at = CASE WHEN replicas.incarnation = excluded.incarnation THEN replicas.started_at ELSE excluded.started_at END',
      )
      .run(replica, incarnation, now, now);
  }

  /** Replicas other than `self` whose heartbeat is older than `staleMs`, or that stopped (their row removed). */
  replicas(now: number, staleMs: number): { id: string; alive: boolean; heartbeatAt: number }[] {
    return (this.db.prepare('SELECT id, heartbeat_at FROM replicas ORDER BY id').all() as { id: string; heartbeat_at: number }[]).map((r) => ({
      id: r.id,
      alive: now - r.heartbeat_at < staleMs,
      heartbeatAt: r.heartbeat_at,
    }));
  }

  /** A replica that stops cleanly says so: what it owned is settled at once, not after its heartbeat goes stale. */
  leave(replica: string, incarnation: string): void {
    this.db.prepare('DELETE FROM replicas WHERE id = ? AND incarnation = ?').run(replica, incarnation);
  }

  /** Forget a dead replica once what it left has been settled (a row that is gone counts as dead too). */
  forget(replica: string, heartbeatAt: number): void {
    this.db.prepare('DELETE FROM replicas WHERE id = ? AND heartbeat_at = ?').run(replica, heartbeatAt);
  }

  /** The incarnation recorded for `replica` and its last heartbeat. */
  replica(replica: string): { incarnation: string; heartbeatAt: number } | undefined {
    const r = this.db.prepare('SELECT incarnation, heartbeat_at FROM replicas WHERE id = ?').get(replica) as { incarnation: string; heartbeat_at: number } | undefined;
    return r ? { incarnation: r.incarnation, heartbeatAt: r.heartbeat_at } : undefined;
  }

  /**
   * Take or renew the lease `name` for `ttlMs` from `now`: held when it is free, expired, this
   * incarnation's, or an earlier incarnation's of the same replica (a replica id names one live
   * process, so its earlier run is gone: a restart need not wait for its own lease to run out).
   * One transaction, so two replicas cannot both take it.
   */
  acquire(name: string, holder: string, incarnation: string, now: number, ttlMs: number): Acquire {
    return this.db.transaction((): Acquire => {
      const cur = this.get(name);
      if (cur && cur.incarnation !== incarnation && cur.holder !== holder && cur.expiresAt > now) return { held: false, holder: cur.holder, expiresAt: cur.expiresAt };
      const mine = cur?.incarnation === incarnation;
      const term = mine ? cur!.term : (cur?.term ?? 0) + 1;
      this.db
        .prepare(
          'INSERT INTO leases(name, holder, incarnation, term, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, incarnation = excluded.incarnation, term = excluded.term, acquired_at = CASE WHEN leases.incarnation = excluded.incarnation THEN leases.acquired_at ELSE excluded.acquired_at END, expires_at = excluded.expires_at',
        )
        .run(name, holder, incarnation, term, now, now + ttlMs);
      return { held: true, term, expiresAt: now + ttlMs, fresh: !mine };
    }, `lease:${name}`)();
  }

  /** Give the lease up (a clean stop): another replica takes it at its next try instead of waiting for it to expire. */
  release(name: string, incarnation: string): void {
    this.db.prepare('DELETE FROM leases WHERE name = ? AND incarnation = ?').run(name, incarnation);
  }

  get(name: string): LeaseState | undefined {
    const r = this.db.prepare('SELECT holder, incarnation, term, expires_at FROM leases WHERE name = ?').get(name) as
      | { holder: string; incarnation: string; term: number; expires_at: number }
      | undefined;
    return r ? { holder: r.holder, incarnation: r.incarnation, term: r.term, expiresAt: r.expires_at } : undefined;
  }
}
