/**
 * Stream alerts: real-time and CDC tasks do not fail as runs, they stop, fall behind or lose a
 * table. Each poll lists the workspace's streams (one call a page) and keeps one card per problem:
 *
 * - `stream:<taskId>:down` — the stream failed, or stopped after the bot saw it running; it stays
 *   open (edited in place) while the stream starts and catches up, and closes itself once it is
 *   running with its lag under the threshold;
 * - `stream:<taskId>:lag` — a running stream more than the threshold behind: how far, since when,
 *   and whether it is growing, edited in place as the lag changes; closes when it is back under;
 * - `stream:<taskId>:table:<tableId>` — a CDC table that failed, with its error; closes when the
 *   table syncs again (someone's *Resync table*, or Studio's own recovery).
 */
import { esc } from '../blocks/kit.js';
import type { TextDiagnoser } from '../knowledge/diagnosis-pool.js';
import { DEFAULT_LAG_THRESHOLD_MS } from '../ops/stream-read.js';
import { redactedExcerpt } from '../redaction/index.js';
import type { AlertCard, AlertStore, QueueItem } from '../store/alerts.js';
import type { Remote } from '../store/remote.js';
import type { StudioClient } from '../studio/client.js';
import { humanDuration } from '../studio/dates.js';
import type { Stream, StreamTable } from '../studio/streams.js';
import { CardPlan, applyPlan, newCard } from './card-plan.js';
import type { AlertRouter } from './routing.js';

export interface StreamPollStats {
  streams: number;
  cardsCreated: number;
  cardsUpdated: number;
  resolved: number;
  unrouted: number;
}

export interface StreamWatcherOptions {
  now: () => number;
  /** The lag threshold of a stream (the policy's `alerts.stream_lag`); default 5 minutes for all. */
  lagThresholdFor?: (folder: string | undefined, task: string) => number;
  redraw: (card: AlertCard, change: 'update' | 'resolved') => QueueItem[];
  note: (card: AlertCard, text: string) => QueueItem;
  queued?: () => void;
}

export type StreamProblemKind = 'down' | 'lag' | 'table';

export function streamSubject(taskId: number, kind: 'down' | 'lag'): string;
export function streamSubject(taskId: number, kind: 'table', tableId: number): string;
export function streamSubject(taskId: number, kind: StreamProblemKind, tableId?: number): string {
  return kind === 'table' ? `stream:${taskId}:table:${tableId}` : `stream:${taskId}:${kind}`;
}

/** A stream card's subject, read back. */
export function streamOfSubject(subject: string | null): { taskId: number; kind: StreamProblemKind; tableId?: number } | undefined {
  const m = /^stream:(\d+):(down|lag|table)(?::(\d+))?$/.exec(subject ?? '');
  if (!m) return undefined;
  return { taskId: Number(m[1]), kind: m[2] as StreamProblemKind, tableId: m[3] === undefined ? undefined : Number(m[3]) };
}

const live = (s: Stream) => s.state.label === 'RUNNING' || s.state.label === 'STARTING';

interface Problem {
  subject: string;
  stream: Stream;
  table?: StreamTable;
  text: string;
  /** Lag in ms (lag and down cards), to say whether it grows. */
  lagMs?: number;
  threshold?: number;
}

export class StreamWatcher {
  /** Each stream's folder, read once (a stream's lag threshold and route depend on it). */
  private readonly folders = new Map<number, string | undefined>();

  constructor(
    private readonly studio: StudioClient,
    private readonly store: Remote<AlertStore>,
    private readonly router: AlertRouter,
    private readonly diagnoser: TextDiagnoser,
    private readonly opts: StreamWatcherOptions,
  ) {}

  private async thresholdOf(s: Stream): Promise<number> {
    if (!this.opts.lagThresholdFor) return DEFAULT_LAG_THRESHOLD_MS;
    if (!this.folders.has(s.taskId)) this.folders.set(s.taskId, (await this.studio.getTask(s.taskId).catch(() => undefined))?.folderName);
    return this.opts.lagThresholdFor(this.folders.get(s.taskId), s.name);
  }

  async poll(): Promise<StreamPollStats> {
    const stats: StreamPollStats = { streams: 0, cardsCreated: 0, cardsUpdated: 0, resolved: 0, unrouted: 0 };
    const streams: Stream[] = [];
    for (let page = 1; page <= 20; page++) {
      const p = await this.studio.listStreams({ page, pageSize: 100 });
      streams.push(...p.items);
      if (page >= p.totalPages) break;
    }
    stats.streams = streams.length;
    const openCards = (await this.store.openCards()).filter((c) => streamOfSubject(c.subject));
    const openSubjects = new Set(openCards.map((c) => c.subject!));
    const problems: Problem[] = [];
    for (const s of streams) {
      const seenKey = `stream_seen:${s.taskId}`;
      const before = await this.store.getState(seenKey);
      if (before !== s.state.label) await this.store.setState(seenKey, s.state.label);
      const lag = s.lagMs ?? 0;
      const threshold = await this.thresholdOf(s);
      const down = streamSubject(s.taskId, 'down');
      const stoppedUnderUs = s.state.label === 'STOPPED' && (before === 'RUNNING' || before === 'STARTING');
      if (s.state.label === 'FAILED' || stoppedUnderUs || (openSubjects.has(down) && !(s.state.label === 'RUNNING' && lag <= threshold))) {
        problems.push({ subject: down, stream: s, text: this.downText(s, threshold), lagMs: lag, threshold });
      } else if (live(s) && lag > threshold) {
        problems.push({ subject: streamSubject(s.taskId, 'lag'), stream: s, text: '', lagMs: lag, threshold });
      }
      if ((s.failedTables ?? 0) > 0 || openCards.some((c) => c.subject?.startsWith(`stream:${s.taskId}:table:`))) {
        const tables = (await this.studio.listStreamTables(s.taskId)).items;
        for (const t of tables.filter((x) => x.state.label === 'FAILED')) {
          problems.push({
            subject: streamSubject(s.taskId, 'table', t.id),
            stream: s,
            table: t,
            text: `Table \`${t.schema ? `${t.schema}.` : ''}${t.table}\` failed${t.error ? `: ${t.error}` : ''}`,
          });
        }
      }
    }
    // Where each new problem goes (its task's folder), and its likely cause: read before the write.
    const fresh = problems.filter((p) => !openSubjects.has(p.subject));
    const routing = new Map<number, { folder: string | undefined; channel: string | undefined; runId: number }>();
    for (const p of fresh) {
      if (routing.has(p.stream.taskId)) continue;
      const task = await this.studio.getTask(p.stream.taskId).catch(() => undefined);
      const run = await this.studio
        .listRuns({ taskId: p.stream.taskId, pageSize: 1 })
        .then((r) => r.items[0]?.id ?? 0)
        .catch(() => 0);
      routing.set(p.stream.taskId, { folder: task?.folderName, channel: this.router.route(task?.folderName, p.stream.name), runId: run });
    }
    const causes = new Map<string, { id: string; title: string; remediation: string[] } | undefined>();
    for (const p of fresh) {
      const text = p.table?.error ?? p.stream.lastError;
      if (text && !causes.has(p.subject)) causes.set(p.subject, (await this.diagnoser.diagnose(text, { taskType: p.stream.kind?.key })).findings[0]?.entry);
    }
    const lagBefore = new Map<number, number>();
    for (const p of problems) if (p.subject.endsWith(':lag')) lagBefore.set(p.stream.taskId, Number((await this.store.getState(`stream_lag:${p.stream.taskId}`)) ?? Number.NaN));
    const now = this.opts.now();
    const { value, queued } = await applyPlan(this.store, now, async () => {
      const plan = new CardPlan(openCards);
      const counts = { created: 0, updated: 0, resolved: 0, unrouted: 0 };
      const current = new Set(problems.map((p) => p.subject));
      for (const p of problems) {
        const existing = plan.open(p.subject);
        const text = p.subject.endsWith(':lag')
          ? this.lagText(p.stream, lagBefore.get(p.stream.taskId), existing?.failedAt ?? now, p.threshold ?? DEFAULT_LAG_THRESHOLD_MS)
          : p.text;
        if (existing) {
          if (existing.failMsg !== text) {
            const card = plan.change(existing.id, { failMsg: text, lastSeen: now, lastFailedAt: now });
            plan.queue(...this.opts.redraw(card, 'update'));
            counts.updated++;
          }
          continue;
        }
        const where = routing.get(p.stream.taskId);
        if (!where?.channel) {
          counts.unrouted++;
          continue;
        }
        const top = causes.get(p.subject);
        plan.create(
          newCard({
            channel: where.channel,
            groupKey: p.subject,
            taskId: p.stream.taskId,
            taskName: p.stream.name,
            folder: where.folder,
            taskType: p.stream.kind?.label ?? 'Real-time sync',
            failMsg: text,
            runId: where.runId,
            failedAt: now,
            now,
            top,
            subject: p.subject,
            latestJob: null,
          }),
          now,
        );
        counts.created++;
      }
      // What is no longer a problem closes itself.
      for (const card of openCards.filter((c) => !current.has(c.subject!))) {
        const s = streams.find((x) => x.taskId === card.taskId);
        const kind = streamOfSubject(card.subject)!.kind;
        const how = kind === 'table' ? 'the table syncs again' : kind === 'lag' ? 'caught up' : 'running and caught up';
        const updated = plan.change(card.id, { status: 'resolved', resolvedBy: 'the stream', resolvedHow: how, resolvedAt: now, resolvedRunId: null });
        plan.queue(
          ...this.opts.redraw(updated, 'resolved'),
          this.opts.note(
            updated,
            `:white_check_mark: Resolved: ${esc(card.taskName)} ${kind === 'table' ? 'has the table syncing again' : `is ${s ? s.state.label.toLowerCase() : 'gone'}${s?.lagMs !== undefined ? `, ${humanDuration(s.lagMs)} behind` : ''}`}, ${humanDuration(Math.max(60_000, now - card.failedAt))} after the alert.`,
          ),
        );
        counts.resolved++;
      }
      return [plan, counts];
    });
    for (const p of problems) if (p.subject.endsWith(':lag') && p.lagMs !== undefined) await this.store.setState(`stream_lag:${p.stream.taskId}`, String(Math.round(p.lagMs)));
    stats.cardsCreated = value.created;
    stats.cardsUpdated = value.updated;
    stats.resolved = value.resolved;
    stats.unrouted = value.unrouted;
    if (queued) this.opts.queued?.();
    return stats;
  }

  private downText(s: Stream, threshold: number): string {
    const lag = s.lagMs !== undefined ? `, ${humanDuration(s.lagMs)} behind` : '';
    if (live(s)) return `Restarted: ${s.state.label.toLowerCase()}${lag}; the card closes when it has caught up (under ${humanDuration(threshold)}).`;
    return `${s.state.label === 'FAILED' ? 'The stream failed' : `The stream is ${s.state.label.toLowerCase()}`}${lag}.${s.lastError ? `\n${redactedExcerpt(s.lastError, 400)}` : ''}`;
  }

  private lagText(s: Stream, before: number | undefined, since: number, threshold: number): string {
    const lag = s.lagMs ?? 0;
    const trend =
      before === undefined || Number.isNaN(before)
        ? ''
        : lag > before + 30_000
          ? `; *growing* (${humanDuration(before)} at the previous check)`
          : lag < before - 30_000
            ? `; shrinking (${humanDuration(before)} at the previous check)`
            : '; steady';
    return `${humanDuration(lag)} behind (threshold ${humanDuration(threshold)}), over it for ${humanDuration(Math.max(0, this.opts.now() - since))}${trend}. Throughput ${s.throughput ?? '—'} records/s.`;
  }
}
