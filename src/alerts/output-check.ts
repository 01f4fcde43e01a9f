/**
 * "Succeeded but wrote nothing": after a scheduled run of a SQL task whose output table is known
 * from its published SQL (`INSERT OVERWRITE|INTO [TABLE] schema.table [PARTITION (col = '${p}')]`),
 * count the rows of the business date's partition (Lakehouse SQL, read-only). Zero rows, or a drop
 * beyond the configured ratio against the business dates before it, raises a card with the
 * knowledge entry for empty results (LEFT JOIN filters, `${bizdate}`, partition filters). The card
 * closes when a later run of the task writes rows again.
 */
import { runKind } from '../knowledge/diagnose.js';
import type { TextDiagnoser } from '../knowledge/diagnosis-pool.js';
import { LakehouseError, type LakehouseSql } from '../lakehouse/client.js';
import type { AlertCard, AlertStore, QueueItem } from '../store/alerts.js';
import type { Remote } from '../store/remote.js';
import type { StudioClient } from '../studio/client.js';
import { addDays } from '../studio/dates.js';
import { RUN_STATUS, RUN_TYPE } from '../studio/enums.js';
import type { Run } from '../studio/models.js';
import { CardPlan, applyPlan, newCard } from './card-plan.js';
import type { AlertRouter } from './routing.js';
import { type OutputTarget, outputOf } from '../studio/task-sql.js';

export interface OutputCheckOptions {
  now: () => number;
  lookbackMs: number;
  /** A run that writes less than (1 − ratio) × the average of the dates before it raises a card. */
  dropRatio: number;
  /** At most this many runs are counted per poll (each costs a few SQL statements). */
  maxRunsPerPoll?: number;
  /** The messages that redraw a changed card (see WatcherOptions). */
  redraw: (card: AlertCard, change: 'update' | 'resolved') => QueueItem[];
  note: (card: AlertCard, text: string) => QueueItem;
  queued?: () => void;
}

export interface OutputCheckStats {
  runs: number;
  counted: number;
  /** Runs whose output could not be counted (unknown table, Lakehouse error). */
  skipped: number;
  cardsCreated: number;
  resolved: number;
}

const PRIOR_DATES = 3;

export class OutputChecker {
  /** task id → its output, per published version. */
  private readonly targets = new Map<number, { version: number; target: OutputTarget | undefined; folder: string | undefined }>();

  constructor(
    private readonly studio: StudioClient,
    private readonly sql: LakehouseSql,
    private readonly store: Remote<AlertStore>,
    private readonly router: AlertRouter,
    private readonly diagnoser: TextDiagnoser,
    private readonly opts: OutputCheckOptions,
  ) {}

  async poll(): Promise<OutputCheckStats> {
    const now = this.opts.now();
    const stats: OutputCheckStats = { runs: 0, counted: 0, skipped: 0, cardsCreated: 0, resolved: 0 };
    const from = now - this.opts.lookbackMs;
    const candidates = (
      await this.studio.listAllRuns({ statuses: [RUN_STATUS.SUCCESS], runType: RUN_TYPE.SCHEDULE, planFrom: from, planTo: now + 86_400_000 }, 100_000, 500)
    ).filter((r) => r.runType.code === RUN_TYPE.SCHEDULE && r.taskType.kind?.key === 'SQL' && r.bizDate);
    const checked = new Set(candidates.length ? await this.store.checkedOf(candidates.map((r) => `out:${r.id}`)) : []);
    const runs = candidates.filter((r) => !checked.has(`out:${r.id}`)).sort((a, b) => (a.endTime ?? 0) - (b.endTime ?? 0));
    stats.runs = runs.length;
    // What the counts found, written at once when the runs are counted (also when counting stopped half-way).
    const low: Low[] = [];
    const done: string[] = [];
    try {
      for (const run of runs.slice(0, this.opts.maxRunsPerPoll ?? 20)) {
        const { target, folder } = await this.targetOf(run.taskId);
        if (!target) {
          done.push(`out:${run.id}`);
          continue;
        }
        let a: { rows: number; avg: number; low: boolean };
        try {
          a = await this.assess(target, run.bizDate!);
        } catch (e) {
          // A table Lakehouse does not know (or cannot count) is not this check's to report; a
          // timeout is tried again at the next poll.
          if (!(e instanceof LakehouseError && e.code === 'TIMEOUT')) done.push(`out:${run.id}`);
          stats.skipped++;
          continue;
        }
        stats.counted++;
        const { rows, avg } = a;
        const where = target.partition ? `${target.table} (partition ${target.partition.column}=${run.bizDate})` : target.table;
        if (a.low) low.push({ run, target, folder, where, rows, avg });
        done.push(`out:${run.id}`);
      }
    } finally {
      stats.cardsCreated += await this.raise(low, done);
    }
    stats.resolved = await this.closeRefilled();
    return stats;
  }

  /**
   * Count again the partition of each open "wrote nothing" card: once it holds rows (a rerun, a
   * backfill, a fix by hand), the card closes.
   */
  private async closeRefilled(): Promise<number> {
    const refilled: { card: AlertCard; target: OutputTarget; rows: number }[] = [];
    for (const card of await this.store.openCards()) {
      if (!card.subject?.startsWith('empty:')) continue;
      const { target } = await this.targetOf(card.taskId);
      if (!target || !card.bizDate) continue;
      const a = await this.assess(target, card.bizDate).catch(() => undefined);
      if (a && !a.low) refilled.push({ card, target, rows: a.rows });
    }
    if (refilled.length === 0) return 0;
    let first = true;
    const { value, queued } = await applyPlan(this.store, this.opts.now(), async () => {
      // The cards as read above; read again only if one changed before the write.
      const current = first ? refilled.map((r) => r.card) : await this.store.cardsByIds(refilled.map((r) => r.card.id));
      first = false;
      const plan = new CardPlan();
      let resolved = 0;
      for (const card of current) {
        const r = refilled.find((x) => x.card.id === card.id)!;
        if (card.status !== 'open') continue;
        plan.know(card);
        const updated = plan.change(card.id, {
          status: 'resolved',
          resolvedBy: 'the data',
          resolvedHow: 'the partition holds rows again',
          resolvedAt: this.opts.now(),
          resolvedRunId: null,
        });
        plan.queue(
          ...this.opts.redraw(updated, 'resolved'),
          this.opts.note(
            updated,
            `:white_check_mark: ${r.target.table}${r.target.partition ? ` (partition ${r.target.partition.column}=${card.bizDate})` : ''} now holds ${r.rows.toLocaleString('en-US')} rows.`,
          ),
        );
        resolved++;
      }
      return [plan, resolved];
    });
    if (queued) this.opts.queued?.();
    return value;
  }

  private async targetOf(taskId: number): Promise<{ target: OutputTarget | undefined; folder: string | undefined }> {
    const detail = await this.studio.getTask(taskId);
    const version = detail.version ?? 0;
    let cached = this.targets.get(taskId);
    if (!cached || cached.version !== version) {
      // The scheduler runs the published version: read its SQL, not the draft's.
      const published = version > 0 ? await this.studio.getPublishedVersion(taskId, version).catch(() => undefined) : undefined;
      const params = published?.params ?? detail.params;
      const target = outputOf(published?.content ?? detail.content);
      // The partition's value must be the run's business date: ${bizdate} = $[yyyy-MM-dd-1].
      const bizParam = !target?.partition || params.some((p) => p.key === target.partition!.param && /^\$\[yyyy-?MM-?dd-1\]$/.test(p.value.trim()));
      cached = { version, target: bizParam ? target : undefined, folder: detail.folderName };
      this.targets.set(taskId, cached);
    }
    return { target: cached.target, folder: cached.folder };
  }

  /** The date's rows, the average of the business dates before it (those with rows), and whether that is too few. */
  private async assess(target: OutputTarget, date: string): Promise<{ rows: number; avg: number; low: boolean }> {
    const rows = await this.count(target, date);
    const prior = target.partition ? await Promise.all(Array.from({ length: PRIOR_DATES }, (_, i) => this.count(target, addDays(date, -(i + 1))))) : [];
    const history = prior.filter((n) => n > 0);
    const avg = history.length ? history.reduce((x, y) => x + y, 0) / history.length : 0;
    return { rows, avg, low: rows === 0 || (avg > 0 && rows < avg * (1 - this.opts.dropRatio)) };
  }

  /** The table's rows, or the date's partition's: names from the task's SQL are quoted, never spliced (a name that is not plain is refused). */
  private count(t: OutputTarget, date: string): Promise<number> {
    return this.sql.countRows(t.table, t.partition ? { column: t.partition.column, value: date } : undefined);
  }

  /**
   * Cards for the runs that wrote too little (one per task while it does: a repeat counts on its
   * open card), and every run counted recorded as checked: written at once. Returns the cards created.
   */
  private async raise(low: Low[], done: string[]): Promise<number> {
    if (low.length === 0 && done.length === 0) return 0;
    const now = this.opts.now();
    const decided: (Low & { channel: string | undefined; message: string; top: { id: string; title: string; remediation: string[] } | undefined })[] = [];
    for (const l of low) {
      const { run, where, rows, avg } = l;
      const before = avg > 0 ? `; the ${PRIOR_DATES} business dates before averaged ${Math.round(avg).toLocaleString('en-US')} rows` : '';
      const message =
        rows === 0
          ? `Run ${run.id} succeeded but wrote 0 rows to ${where}${before}.`
          : `Run ${run.id} succeeded but wrote ${rows.toLocaleString('en-US')} rows to ${where}, ${Math.round((1 - rows / avg) * 100)} % below the average${before}.`;
      const top = (await this.diagnoser.diagnose(rows === 0 ? message : `${message} wrote 0 rows`, { taskType: 'SQL', runType: runKind(run) })).findings[0]?.entry;
      decided.push({ ...l, channel: this.router.route(l.folder, run.taskName, { owner: run.owner, taskType: run.taskType.kind?.key ?? run.taskType.label }), message, top });
    }
    const groups = [...new Set(decided.filter((d) => d.channel).map((d) => `empty|${d.run.taskId}`))];
    const { value, queued } = await applyPlan(this.store, now, async () => {
      const plan = new CardPlan(groups.length ? await this.store.openCardsOfGroups(groups, 0) : []);
      let created = 0;
      for (const key of done) plan.markChecked(key, null);
      for (const { run, target, folder, channel, message, top } of decided) {
        if (!channel) continue;
        const groupKey = `empty|${run.taskId}`;
        const open = plan.open(groupKey);
        if (open) {
          const card = plan.change(open.id, {
            count: open.count + 1,
            latestRunId: run.id,
            bizDate: run.bizDate ?? null,
            lastFailedAt: run.endTime ?? now,
            lastSeen: now,
            failMsg: message,
          });
          plan.queue(...this.opts.redraw(card, 'update'));
          continue;
        }
        plan.create(
          newCard({
            channel,
            groupKey,
            taskId: run.taskId,
            taskName: run.taskName,
            folder,
            taskType: run.taskType.label,
            owner: run.owner,
            failMsg: message,
            runId: run.id,
            bizDate: run.bizDate,
            failedAt: run.endTime ?? now,
            now,
            top,
            subject: `empty:${target.table}`,
          }),
          0,
        );
        created++;
      }
      return [plan, created];
    });
    if (queued) this.opts.queued?.();
    return value;
  }
}

/** A run that wrote too little: where, how many rows, and the average of the dates before. */
interface Low {
  run: Run;
  target: OutputTarget;
  folder: string | undefined;
  where: string;
  rows: number;
  avg: number;
}
