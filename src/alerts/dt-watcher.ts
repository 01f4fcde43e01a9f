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
import type { AlertCard, AlertStore, QueueItem } from '../store/alerts.js';
import type { Remote } from '../store/remote.js';
import { humanDuration } from '../studio/dates.js';
import { CardPlan, applyPlan, newCard } from './card-plan.js';
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
  /** The messages that redraw a changed card (see WatcherOptions). */
  redraw: (card: AlertCard, change: 'update' | 'resolved') => QueueItem[];
  note: (card: AlertCard, text: string) => QueueItem;
  queued?: () => void;
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
    private readonly store: Remote<AlertStore>,
    private readonly router: AlertRouter,
    private readonly diagnoser: TextDiagnoser,
    private readonly opts: DtWatcherOptions,
  ) {}

  async poll(): Promise<DtPollStats> {
    const now = this.opts.now();
    const stats: DtPollStats = { refreshes: 0, cardsCreated: 0, cardsUpdated: 0, unrouted: 0, resolved: 0 };
    // Read from a little before the newest refresh already read (a refresh still running then is
    // read again once it ends), never further back than the look-back; a restart resumes here.
    const mark = Number((await this.store.getState('dt_read_from')) ?? 0);
    const from = Math.max(now - this.opts.lookbackMs, mark);
    const entries = await recentRefreshes(this.sql, from);
    stats.refreshes = entries.length;
    const newest = entries.reduce((m, e) => Math.max(m, e.startedAt), 0);
    if (newest > 0) await this.store.setState('dt_read_from', String(Math.max(mark, newest - RUNNING_MARGIN_MS)));
    const failed = [...entries].reverse().filter((e) => (e.state === 'FAILED' || e.state === 'SUSPENDED') && e.jobId);
    const checked = new Set(failed.length ? await this.store.checkedOf(failed.map((e) => `dt:${e.jobId}`)) : []);
    const fresh = new Map<string, RefreshEntry>();
    for (const e of failed) if (!checked.has(`dt:${e.jobId}`) && !fresh.has(e.jobId!)) fresh.set(e.jobId!, e);
    await this.record([...fresh.values()], stats);
    stats.resolved = await this.closeResolved(entries);
    return stats;
  }

  /** Failed or suspended refreshes (oldest first) into cards: one per table while it is broken; read and written at once. */
  private async record(refreshes: RefreshEntry[], stats: DtPollStats): Promise<void> {
    if (refreshes.length === 0) return;
    const now = this.opts.now();
    const decided: { e: RefreshEntry; table: string; channel: string | undefined; problem: string; top: { id: string; title: string; remediation: string[] } | undefined }[] = [];
    for (const e of refreshes) {
      const table = `${e.schema}.${e.name}`;
      const channel = this.router.route(e.schema, table);
      const problem = refreshProblem(e);
      const top = channel ? (await this.diagnoser.diagnose(problem, { taskType: 'DYNAMIC_TABLE' })).findings[0]?.entry : undefined;
      decided.push({ e, table, channel, problem, top });
    }
    const since = now - this.opts.groupWindowMs;
    const groups = [...new Set(decided.filter((d) => d.channel).map((d) => dtSubject(d.table)))];
    const { value, queued } = await applyPlan(this.store, now, async () => {
      const open = groups.length ? await this.store.openCardsOfGroups(groups, since) : [];
      const actions = open.length ? await this.store.actionsOf(open.map((c) => c.id)) : [];
      const plan = new CardPlan(open);
      const counts = { created: 0, updated: 0, unrouted: 0 };
      for (const { e, table, channel, problem, top } of decided) {
        const key = `dt:${e.jobId}`;
        if (!channel) {
          counts.unrouted++;
          plan.markChecked(key, null);
          continue;
        }
        // One card per table while it is broken: failing refreshes and the suspension that follows
        // them are one story; the card shows the latest problem and its cause.
        const groupKey = dtSubject(table);
        const at = e.endedAt ?? e.startedAt;
        const current = plan.open(groupKey);
        let card: AlertCard;
        if (current) {
          card = plan.change(current.id, {
            count: current.count + 1,
            lastFailedAt: Math.max(at, current.lastFailedAt ?? current.failedAt),
            lastSeen: now,
            failMsg: problem,
            latestJob: e.jobId,
            causeId: top?.id ?? null,
            causeTitle: top?.title ?? null,
            causeFix: top?.remediation[0] ?? null,
          });
          counts.updated++;
          plan.queue(...this.opts.redraw(card, 'update'));
          const tried = actions.filter((a) => a.cardId === current.id && a.at > (current.lastFailedAt ?? current.failedAt) && a.action === 'refresh_dt').at(-1);
          if (tried) plan.queue(this.opts.note(card, `:x: Failed again ${when(at)}, after <@${tried.userId}>'s refresh: ${esc(redactedExcerpt(problem, 300))}`));
        } else {
          card = plan.create(
            newCard({
              channel,
              groupKey,
              taskId: 0,
              taskName: table,
              folder: e.schema,
              taskType: 'Dynamic Table',
              failMsg: problem,
              runId: 0,
              failedAt: at,
              now,
              top,
              subject: dtSubject(table),
              latestJob: e.jobId,
            }),
            since,
          );
          counts.created++;
        }
        plan.markChecked(key, card.id);
      }
      return [plan, counts];
    });
    stats.cardsCreated += value.created;
    stats.cardsUpdated += value.updated;
    stats.unrouted += value.unrouted;
    if (queued) this.opts.queued?.();
  }

  /** Close the open cards of tables that refreshed successfully after their latest failure. */
  private async closeResolved(entries: RefreshEntry[]): Promise<number> {
    const { value, queued } = await applyPlan(this.store, this.opts.now(), async () => {
      const closing: { card: AlertCard; ok: RefreshEntry; since: number }[] = [];
      for (const card of await this.store.openCards()) {
        const table = tableOfSubject(card.subject);
        if (!table) continue;
        const since = card.lastFailedAt ?? card.failedAt;
        const ok = entries.filter((e) => `${e.schema}.${e.name}` === table && (e.state === 'SUCCEED' || e.state === 'SUCCEEDED') && e.startedAt >= since).at(-1);
        if (ok) closing.push({ card, ok, since });
      }
      const actions = closing.length ? await this.store.actionsOf(closing.map((c) => c.card.id)) : [];
      const plan = new CardPlan();
      for (const { card, ok, since } of closing) {
        plan.know(card);
        const fromCard = actions.filter((a) => a.cardId === card.id && a.action === 'refresh_dt' && a.at >= since - 60_000).at(-1);
        const by = ok.trigger === 'MANUAL' && fromCard ? `<@${fromCard.userId}>` : ok.trigger === 'MANUAL' ? 'someone' : 'Lakehouse';
        const how = ok.trigger === 'MANUAL' ? (fromCard ? 'Refresh now from this card' : 'a manual refresh') : 'its scheduled refresh';
        const at = ok.endedAt ?? ok.startedAt;
        const updated = plan.change(card.id, { status: 'resolved', resolvedBy: by, resolvedHow: how, resolvedAt: at, resolvedRunId: null });
        const rows = ok.rowsInserted !== undefined ? ` (${ok.rowsInserted.toLocaleString('en-US')} rows inserted)` : '';
        plan.queue(
          ...this.opts.redraw(updated, 'resolved'),
          this.opts.note(
            updated,
            `:white_check_mark: Resolved by ${by} (${how}): refresh job ${ok.jobId} succeeded${rows}, ${humanDuration(Math.max(60_000, at - card.failedAt))} after the failure.`,
          ),
        );
      }
      return [plan, closing.length];
    });
    if (queued) this.opts.queued?.();
    return value;
  }
}
