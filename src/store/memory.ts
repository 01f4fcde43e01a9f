/**
 * The team's memory of causes, from the alert cards of this workspace (this database): how often a
 * cause was seen, and how its last card was resolved and how long that took. A card records the
 * finding it showed (`cause_id`) and, when it closes, who resolved it and how (`resolved_how`:
 * a rerun or backfill from the card, a rerun elsewhere, Studio's own retry, a refresh).
 */
import type { Db } from './database.js';

export interface CauseHistory {
  /** Failures with this cause (every card's count). */
  seen: number;
  /** Cards with this cause that were resolved. */
  resolved: number;
  /** How the latest resolved card was resolved, and in how long from its failure. */
  last?: { how: string; ms: number; at: number };
}

export class CauseMemory {
  private readonly seenStmt;
  private readonly lastStmt;
  private readonly confirmedStmt;

  constructor(db: Db) {
    this.seenStmt = db.prepare(
      "SELECT COALESCE(SUM(count), 0) AS seen, COALESCE(SUM(CASE WHEN status = 'resolved' THEN 1 ELSE 0 END), 0) AS resolved FROM alert_cards WHERE cause_id = ?",
    );
    this.lastStmt = db.prepare(
      "SELECT resolved_how AS how, resolved_at - failed_at AS ms, resolved_at AS at FROM alert_cards WHERE cause_id = ? AND status = 'resolved' AND resolved_at IS NOT NULL ORDER BY resolved_at DESC, id DESC LIMIT 1",
    );
    this.confirmedStmt = db.prepare("SELECT cause_id AS id, COUNT(*) AS n FROM alert_cards WHERE status = 'resolved' AND cause_id IS NOT NULL GROUP BY cause_id");
  }

  of(causeId: string): CauseHistory | undefined {
    const s = this.seenStmt.get(causeId) as { seen: number; resolved: number };
    if (s.seen === 0) return undefined;
    const last = this.lastStmt.get(causeId) as { how: string | null; ms: number; at: number } | undefined;
    return { seen: s.seen, resolved: s.resolved, last: last ? { how: last.how ?? 'resolved', ms: Math.max(0, last.ms), at: last.at } : undefined };
  }

  /** The history of each of these causes that has one (a diagnosis's findings, read at once). */
  ofMany(causeIds: readonly string[]): Map<string, CauseHistory> {
    const out = new Map<string, CauseHistory>();
    for (const id of new Set(causeIds)) {
      const h = this.of(id);
      if (h) out.set(id, h);
    }
    return out;
  }

  /** Causes confirmed here: resolved cards per cause id. */
  confirmed(): Map<string, number> {
    return new Map((this.confirmedStmt.all() as { id: string; n: number }[]).map((r) => [r.id, r.n]));
  }
}
