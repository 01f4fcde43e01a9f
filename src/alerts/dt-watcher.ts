/**
 * Dynamic Table alerts. Dynamic Tables refresh themselves, so their failures are not Studio task
 * runs: each poll reads Lakehouse's refresh history over the look-back window in ONE statement,
 * whatever the number of tables. A failed refresh or a suspension becomes a triage card like a
 * task failure (grouped per table and cause, the cause from the knowledge table, recorded by job
 * id so a restart neither re-alerts nor misses); the card closes itself when a later refresh of
 * the table succeeds (someone's Refresh now, or the table's own schedule).
 */
import { esc } from '../blocks/kit.js';
import { when } from '../blocks/replies.js';
import type { TextDiagnoser } from '../knowledge/diagnosis-pool.js';
import { redactedExcerpt } from '../redaction/index.js';
import type { LakehouseSql } from '../lakehouse/client.js';
import { type RefreshEntry, recentRefreshes } from '../ops/lakehouse-read.js';
import type { AlertCard, AlertStore } from '../store/alerts.js';
import { humanDuration } from '../studio/dates.js';
import { dtSubject, tableOfSubject } from './cards.js';
import type { AlertRouter } from './routing.js';

export interface DtPollStats {
  refreshes: number;
  cardsCreated: number;
  cardsUpdated: number;
  unrouted: number;
  resolved: number;
}

export interface DtWatcherOptions {
  groupWindowMs: number;
  lookbackMs: number;
  now: () => number;
  publish: (card: AlertCard, change: 'new' | 'update' | 'resolved') => void;
  note: (card: AlertCard, text: string) => void;
}

/** What a failed or suspended refresh says, as the text the knowledge table reads. */
export function refreshProblem(e: RefreshEntry): string {
  if (e.state === 'SUSPENDED') return `Dynamic table ${e.schema}.${e.name} was suspended: ${e.suspendedReason ?? 'no reason given'}`;
  return e.error ?? `Refresh of ${e.schema}.${e.name} failed without a message`;
}

/** How long a refresh may run and still be read when it ends (the read window's overlap). */
const RUNNING_MARGIN_MS = 3 * 3_600_000;

export class DynamicTableWatcher {
  constructor(
    private readonly sql: LakehouseSql,
    private readonly store: AlertStore,
    private readonly router: AlertRouter,
    private readonly diagnoser: TextDiagnoser,
    private readonly opts: DtWatcherOptions,
  ) {}

  async poll(): Promise<DtPollStats> {
    const now = this.opts.now();
    const stats: DtPollStats = { refreshes: 0, cardsCreated: 0, cardsUpdated: 0, unrouted: 0, resolved: 0 };
    // Read from a little before the newest refresh already read (a refresh still running then is
    // read again once it ends), never further back than the look-back; a restart resumes here.
    const mark = Number(this.store.getState('dt_read_from') ?? 0);
    const from = Math.max(now - this.opts.lookbackMs, mark);
    const entries = await recentRefreshes(this.sql, from);
    stats.refreshes = entries.length;
    const newest = entries.reduce((m, e) => Math.max(m, e.startedAt), 0);
    if (newest > 0) this.store.setState('dt_read_from', String(Math.max(mark, newest - RUNNING_MARGIN_MS)));
    const oldestFirst = [...entries].reverse();
    for (const e of oldestFirst) if (e.state === 'FAILED' || e.state === 'SUSPENDED') await this.record(e, stats);
    stats.resolved = this.closeResolved(entries);
    return stats;
  }

  private async record(e: RefreshEntry, stats: DtPollStats): Promise<void> {
    const now = this.opts.now();
    if (!e.jobId || this.store.checked(`dt:${e.jobId}`)) return;
    const table = `${e.schema}.${e.name}`;
    const channel = this.router.route(e.schema, table);
    if (!channel) {
      stats.unrouted++;
      this.store.markChecked(`dt:${e.jobId}`, null, now);
      return;
    }
    const problem = refreshProblem(e);
    const top = (await this.diagnoser.diagnose(problem, { taskType: 'DYNAMIC_TABLE' })).findings[0]?.entry;
    // One card per table while it is broken: failing refreshes and the suspension that follows
    // them are one story; the card shows the latest problem and its cause.
    const groupKey = dtSubject(table);
    const at = e.endedAt ?? e.startedAt;
    this.store.transaction(() => {
      const open = this.store.openCardOfGroup(groupKey, now - this.opts.groupWindowMs);
      let card: AlertCard;
      if (open) {
        card = this.store.updateCard(open.id, {
          count: open.count + 1,
          lastFailedAt: Math.max(at, open.lastFailedAt ?? open.failedAt),
          lastSeen: now,
          failMsg: problem,
          latestJob: e.jobId,
          causeId: top?.id ?? null,
          causeTitle: top?.title ?? null,
          causeFix: top?.remediation[0] ?? null,
        });
        stats.cardsUpdated++;
        this.opts.publish(card, 'update');
        const tried = this.store
          .actions(open.id)
          .filter((a) => a.at > (open.lastFailedAt ?? open.failedAt) && a.action === 'refresh_dt')
          .at(-1);
        if (tried) this.opts.note(card, `:x: Failed again ${when(at)}, after <@${tried.userId}>'s refresh: ${esc(redactedExcerpt(problem, 300))}`);
      } else {
        card = this.store.insertCard({
          channel,
          groupKey,
          taskId: 0,
          taskName: table,
          folder: e.schema,
          taskType: 'Dynamic Table',
          owner: null,
          causeId: top?.id ?? null,
          causeTitle: top?.title ?? null,
          causeFix: top?.remediation[0] ?? null,
          failMsg: problem,
          firstRunId: 0,
          latestRunId: 0,
          bizDate: null,
          attempts: 1,
          count: 1,
          failedAt: at,
          lastFailedAt: at,
          firstSeen: now,
          lastSeen: now,
          blocked: [],
          subject: dtSubject(table),
          latestJob: e.jobId,
        });
        stats.cardsCreated++;
        this.opts.publish(card, 'new');
      }
      this.store.markChecked(`dt:${e.jobId}`, card.id, now);
    });
  }

  /** Close the open cards of tables that refreshed successfully after their latest failure. */
  private closeResolved(entries: RefreshEntry[]): number {
    let resolved = 0;
    for (const card of this.store.openCards()) {
      const table = tableOfSubject(card.subject);
      if (!table) continue;
      const since = card.lastFailedAt ?? card.failedAt;
      const ok = entries.filter((e) => `${e.schema}.${e.name}` === table && (e.state === 'SUCCEED' || e.state === 'SUCCEEDED') && e.startedAt >= since).at(-1);
      if (!ok) continue;
      const fromCard = [...this.store.actions(card.id)].reverse().find((a) => a.action === 'refresh_dt' && a.at >= since - 60_000);
      const by = ok.trigger === 'MANUAL' && fromCard ? `<@${fromCard.userId}>` : ok.trigger === 'MANUAL' ? 'someone' : 'Lakehouse';
      const how = ok.trigger === 'MANUAL' ? (fromCard ? 'Refresh now from this card' : 'a manual refresh') : 'its scheduled refresh';
      const at = ok.endedAt ?? ok.startedAt;
      const updated = this.store.updateCard(card.id, { status: 'resolved', resolvedBy: by, resolvedHow: how, resolvedAt: at, resolvedRunId: null });
      this.opts.publish(updated, 'resolved');
      const rows = ok.rowsInserted !== undefined ? ` (${ok.rowsInserted.toLocaleString('en-US')} rows inserted)` : '';
      this.opts.note(
        updated,
        `:white_check_mark: Resolved by ${by} (${how}): refresh job ${ok.jobId} succeeded${rows}, ${humanDuration(Math.max(60_000, at - card.failedAt))} after the failure.`,
      );
      resolved++;
    }
    return resolved;
  }
}
