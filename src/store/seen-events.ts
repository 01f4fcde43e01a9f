/**
 * Events API deliveries already handled, by `event_id`. Slack redelivers an event it thinks was not
 * acknowledged in time (with `X-Slack-Retry-Num`), and with several replicas or a restart the retry
 * may reach another process: the record is in the database, not in memory.
 */
import type { Db } from './database.js';

const KEEP_MS = 24 * 3_600_000; // Slack retries within minutes; a day is plenty.

export class SeenEvents {
  private inserts = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time `eventId` is seen; false for every redelivery. */
  firstSeen(eventId: string): boolean {
    const t = this.now();
    const r = this.db.prepare('INSERT INTO seen_events(event_id, seen_at) VALUES (?, ?) ON CONFLICT(event_id) DO NOTHING').run(eventId, t);
    if (r.changes === 1 && ++this.inserts % 500 === 0) this.db.prepare('DELETE FROM seen_events WHERE seen_at < ?').run(t - KEEP_MS);
    return r.changes === 1;
  }
}
