/**
 * Events API deliveries already handled, by `event_id`. Slack redelivers an event it thinks was not
 * acknowledged in time (with `X-Slack-Retry-Num`), and with several replicas or a restart the retry
 * may reach another process: the record is in the database, not in memory.
 */
import { rowBatches, rowMarks } from './bulk.js';
import type { Db } from './database.js';

const KEEP_MS = 24 * 3_600_000; // Slack retries within minutes; a day is plenty.

export class SeenEvents {
  private inserts = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `firstSeen` for many ids in one statement per batch (the replay guard's requests that arrive
   * while one round trip is under way): an id's first occurrence in the list may be new, a repeat never.
   */
  firstSeenMany(eventIds: readonly string[]): boolean[] {
    const t = this.now();
    const inserted = new Set<string>();
    for (const batch of rowBatches(eventIds, 2)) {
      const rows = this.db
        .prepare(`INSERT INTO seen_events(event_id, seen_at) VALUES ${rowMarks(batch.length, 2)} ON CONFLICT(event_id) DO NOTHING RETURNING event_id`)
        .all(...batch.flatMap((id) => [id, t])) as { event_id: string }[];
      for (const r of rows) inserted.add(r.event_id);
    }
    const before = this.inserts;
    this.inserts += inserted.size;
    if (Math.floor(this.inserts / 500) > Math.floor(before / 500)) this.db.prepare('DELETE FROM seen_events WHERE seen_at < ?').run(t - KEEP_MS);
    return eventIds.map((id) => inserted.delete(id));
  }

  /** The ids starting with `prefix` seen since `since` (ms): what a new process's memory starts from. */
  seenSince(prefix: string, since: number): string[] {
    const rows = this.db
      .prepare('SELECT event_id FROM seen_events WHERE seen_at >= ? AND substr(event_id, 1, ?) = ? ORDER BY seen_at LIMIT 100000')
      .all(since, prefix.length, prefix) as { event_id: string }[];
    return rows.map((r) => r.event_id.slice(prefix.length));
  }

  /** True the first time `eventId` is seen; false for every redelivery. */
  firstSeen(eventId: string): boolean {
    const t = this.now();
    const r = this.db.prepare('INSERT INTO seen_events(event_id, seen_at) VALUES (?, ?) ON CONFLICT(event_id) DO NOTHING').run(eventId, t);
    if (r.changes === 1 && ++this.inserts % 500 === 0) this.db.prepare('DELETE FROM seen_events WHERE seen_at < ?').run(t - KEEP_MS);
    return r.changes === 1;
  }
}
