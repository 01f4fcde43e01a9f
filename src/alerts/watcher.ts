/**
 * The alert watcher. Each poll makes one (paged) list call for failed and upstream-failed runs
 * over a look-back window, whatever the number of tasks, and one for successes to close cards:
 *
 * - a failure already recorded (run id + end time) is skipped, so restarts neither re-alert nor
 *   miss anything inside the window;
 * - its cause comes from the knowledge engine (failure message + task type); the same task failing
 *   for the same cause within the group window updates its open card instead of posting another;
 * - an UPSTREAM_FAILED run is listed under its root failure's card ("N downstream tasks blocked");
 * - a muted task's failures are recorded, not posted;
 * - an open card closes itself when a run of the same task and business date succeeds after it
 *   failed (a rerun or backfill from the card, someone else's rerun, or Studio's own retry).
 *
 * Card changes are queued in the outbox; the sender delivers them at Slack's pace.
 */
import { esc } from '../blocks/kit.js';
import { when } from '../blocks/replies.js';
import { redactedExcerpt } from '../redaction/index.js';
import { humanDuration } from '../studio/dates.js';
import { runKind } from '../knowledge/diagnose.js';
import type { TextDiagnoser } from '../knowledge/diagnosis-pool.js';
import type { AlertCard, AlertStore, BlockedRun } from '../store/alerts.js';
import type { StudioClient } from '../studio/client.js';
import { RUN_STATUS, RUN_TYPE } from '../studio/enums.js';
import type { Run } from '../studio/models.js';
import type { AlertRouter } from './routing.js';

export interface WatcherOptions {
  groupWindowMs: number;
  lookbackMs: number;
  now: () => number;
  /** Re-render and queue the card (post when new, update otherwise). */
  publish: (card: AlertCard, change: 'new' | 'update' | 'resolved') => void;
  /** A note in the card's thread. */
  note: (card: AlertCard, text: string) => void;
  /** Called once the poll's failed runs have their cards, before the blocked runs are traced. */
  afterFailures?: () => void;
  pageSize?: number;
}

export interface PollStats {
  listed: number;
  fresh: number;
  cardsCreated: number;
  cardsUpdated: number;
  blocked: number;
  muted: number;
  unrouted: number;
  resolved: number;
}

/** A failure message with the numbers taken out, so repeats of one cause group together. */
export function failureSignature(msg: string | undefined): string {
  return (msg ?? '').replace(/\d+/g, '#').replace(/\s+/g, ' ').trim().slice(0, 120);
}

export class AlertWatcher {
  private taskFolders = new Map<number, string | undefined>();
  private tasksLoadedAt = 0;
  /** Upstream task ids per task (from task configurations), refreshed with the task list. */
  private taskDeps = new Map<number, number[]>();

  constructor(
    private readonly studio: StudioClient,
    private readonly store: AlertStore,
    private readonly router: AlertRouter,
    private readonly diagnoser: TextDiagnoser,
    private readonly opts: WatcherOptions,
  ) {}

  private async folderOf(taskId: number): Promise<string | undefined> {
    const now = this.opts.now();
    if (now - this.tasksLoadedAt > 10 * 60_000 || !this.taskFolders.has(taskId)) {
      const folders = new Map((await this.studio.listAllFolders()).map((f) => [f.id, f.name]));
      const tasks = await this.studio.listAllTasks();
      this.taskFolders = new Map(tasks.map((t) => [t.id, t.folderName ?? (t.folderId !== undefined ? folders.get(t.folderId) : undefined)]));
      this.tasksLoadedAt = now;
      this.taskDeps.clear();
    }
    return this.taskFolders.get(taskId);
  }

  private sliceStart = performance.now();

  /**
   * Lets other work in between (acknowledging Slack within 3 s above all): a poll through a storm
   * runs in slices of a few milliseconds, never holding the event loop for long. (Its awaits on
   * cached answers resolve as microtasks, which would not let anything else run.)
   */
  private async breathe(): Promise<void> {
    if (performance.now() - this.sliceStart < 5) return;
    await new Promise((r) => setImmediate(r));
    this.sliceStart = performance.now();
  }

  async poll(): Promise<PollStats> {
    const now = this.opts.now();
    const stats: PollStats = { listed: 0, fresh: 0, cardsCreated: 0, cardsUpdated: 0, blocked: 0, muted: 0, unrouted: 0, resolved: 0 };
    const from = now - this.opts.lookbackMs;
    const failures = await this.studio.listAllRuns(
      { statuses: [RUN_STATUS.FAILED, RUN_STATUS.UPSTREAM_FAILED], planFrom: from, planTo: now + 86_400_000 },
      1_000_000,
      this.opts.pageSize ?? 500,
    );
    stats.listed = failures.length;
    const byId = new Map(failures.map((r) => [r.id, r]));
    const endOf = (r: Run) => r.endTime ?? r.planTime ?? 0;
    // Oldest first: roots come before the runs they block.
    const fresh: Run[] = [];
    for (const r of failures) {
      await this.breathe();
      if (!this.store.seen(r.id, endOf(r))) fresh.push(r);
    }
    fresh.sort((a, b) => endOf(a) - endOf(b) || a.id - b.id);
    stats.fresh = fresh.length;
    for (const run of fresh.filter((r) => r.status.code === RUN_STATUS.FAILED)) {
      await this.breathe();
      await this.recordFailure(run, stats);
    }
    this.opts.afterFailures?.();
    for (const run of fresh.filter((r) => r.status.code === RUN_STATUS.UPSTREAM_FAILED)) {
      await this.breathe();
      await this.recordBlocked(run, byId, stats);
    }
    stats.resolved = await this.closeResolved(from);
    return stats;
  }

  private async recordFailure(run: Run, stats: PollStats): Promise<AlertCard | undefined> {
    const now = this.opts.now();
    const end = run.endTime ?? run.planTime ?? now;
    if (this.store.seen(run.id, end)) return this.store.cardOfRun(run.id);
    const folder = await this.folderOf(run.taskId);
    if (this.store.mutedUntil(run.taskId, now)) {
      stats.muted++;
      this.store.markSeen(run.id, end, null, now);
      return undefined;
    }
    const channel = this.router.route(folder, run.taskName);
    if (!channel) {
      stats.unrouted++;
      this.store.markSeen(run.id, end, null, now);
      return undefined;
    }
    // A failure message is the run's own output, so it is diagnosed like a log: off the event loop when long.
    const top = (await this.diagnoser.diagnose(run.failMsg ?? '', { taskType: run.taskType.kind?.key, runType: runKind(run) })).findings[0]?.entry;
    const causeKey = top?.id ?? `msg:${failureSignature(run.failMsg)}`;
    const groupKey = `${run.taskId}|${causeKey}`;
    return this.store.transaction(() => {
      const open = this.store.openCardOfGroup(groupKey, now - this.opts.groupWindowMs);
      let card: AlertCard;
      if (open) {
        card = this.store.updateCard(open.id, {
          rootFixedAt: null,
          rootFixRunId: null,
          rootFixedBy: null,
          rootFixedHow: null,
          count: open.count + 1,
          latestRunId: run.id,
          lastFailedAt: Math.max(end, open.lastFailedAt ?? open.failedAt),
          bizDate: run.bizDate ?? open.bizDate,
          lastSeen: now,
          failMsg: run.failMsg ?? open.failMsg,
        });
        stats.cardsUpdated++;
        this.opts.publish(card, 'update');
        // A fix tried from the card since the previous failure did not work: say so where it was tried.
        const since = open.lastFailedAt ?? open.failedAt;
        const tried = this.store
          .actions(open.id)
          .filter((a) => a.at > since && (a.action === 'rerun' || a.action === 'backfill'))
          .at(-1);
        if (tried) this.opts.note(card, `:x: Failed again ${when(end)}, after <@${tried.userId}>'s ${tried.action}: ${esc(redactedExcerpt(run.failMsg ?? 'no message', 300))}`);
      } else {
        card = this.store.insertCard({
          channel,
          groupKey,
          taskId: run.taskId,
          taskName: run.taskName,
          folder: folder ?? null,
          taskType: run.taskType.label,
          owner: run.owner ?? null,
          causeId: top?.id ?? null,
          causeTitle: top?.title ?? null,
          causeFix: top?.remediation[0] ?? null,
          failMsg: run.failMsg ?? null,
          firstRunId: run.id,
          latestRunId: run.id,
          bizDate: run.bizDate ?? null,
          attempts: 1,
          count: 1,
          failedAt: end,
          lastFailedAt: end,
          firstSeen: now,
          lastSeen: now,
          blocked: [],
        });
        stats.cardsCreated++;
        this.opts.publish(card, 'new');
      }
      this.store.markSeen(run.id, end, card.id, now);
      return card;
    });
  }

  private async upstreamTasks(taskId: number): Promise<number[]> {
    let deps = this.taskDeps.get(taskId);
    if (!deps) {
      deps = (await this.studio.getTaskConfiguration(taskId)).dependencies.map((d) => d.taskId);
      this.taskDeps.set(taskId, deps);
    }
    return deps;
  }

  /**
   * The failed run at the root of an upstream-failed one. First locally: the upstream tasks' runs
   * of the same business date among the failures just listed (task dependencies are cached);
   * else by asking Studio for the run's upstream runs.
   */
  private async rootOf(run: Run, byId: Map<number, Run>, depth = 0): Promise<Run | undefined> {
    if (depth > 8) return undefined;
    if (run.bizDate) {
      const index = this.failedIndex(byId);
      for (const up of await this.upstreamTasks(run.taskId)) {
        const parent = index.get(`${up}|${run.bizDate}`);
        if (!parent) continue;
        if (parent.status.code === RUN_STATUS.FAILED) return parent;
        const root = await this.rootOf(parent, byId, depth + 1);
        if (root) return root;
      }
    }
    return this.rootFromStudio(run, byId, depth);
  }

  private indexed: { of: Map<number, Run>; index: Map<string, Run> } | undefined;

  /** task|bizDate → the latest listed failure, built once per poll. */
  private failedIndex(byId: Map<number, Run>): Map<string, Run> {
    if (this.indexed?.of !== byId) {
      const index = new Map<string, Run>();
      for (const r of byId.values()) {
        const key = `${r.taskId}|${r.bizDate}`;
        const cur = index.get(key);
        if (!cur || r.id > cur.id) index.set(key, r);
      }
      this.indexed = { of: byId, index };
    }
    return this.indexed.index;
  }

  private async rootFromStudio(run: Run, byId: Map<number, Run>, depth: number): Promise<Run | undefined> {
    const rel = await this.studio.getRunRelations(run.id, { up: 1, down: 0 });
    for (const parent of rel.upstream) {
      if (parent.status.code === RUN_STATUS.FAILED) return byId.get(parent.runId) ?? (await this.studio.getRun(parent.runId));
      if (parent.status.code === RUN_STATUS.UPSTREAM_FAILED) {
        const p = byId.get(parent.runId) ?? (await this.studio.getRun(parent.runId));
        const root = await this.rootFromStudio(p, byId, depth + 1);
        if (root) return root;
      }
    }
    return undefined;
  }

  private async recordBlocked(run: Run, byId: Map<number, Run>, stats: PollStats): Promise<void> {
    const now = this.opts.now();
    const end = run.endTime ?? run.planTime ?? now;
    const root = await this.rootOf(run, byId);
    const rootCard = root ? (this.store.cardOfRun(root.id) ?? (await this.recordFailure(root, stats))) : undefined;
    if (!rootCard) {
      await this.recordFailure(run, stats); // no root found: it is its own alert
      return;
    }
    this.store.transaction(() => {
      const card = this.store.card(rootCard.id)!;
      const blocked: BlockedRun[] = [...card.blocked.filter((b) => b.taskId !== run.taskId), { taskId: run.taskId, taskName: run.taskName, runId: run.id }];
      const updated = this.store.updateCard(card.id, { blocked, lastSeen: now });
      this.store.markSeen(run.id, end, card.id, now);
      stats.blocked++;
      this.opts.publish(updated, 'update');
    });
  }

  /** Who fixed the card's run, and how: from the card's own actions, else from the run Studio shows. */
  private whoFixed(card: AlertCard, fix: Run): [string, string] {
    const fromCard = [...this.store.actions(card.id)]
      .reverse()
      .find((a) => (a.action === 'rerun' && a.runId === fix.id) || (a.action === 'backfill' && fix.runType.code === RUN_TYPE.REFILL));
    if (fromCard) return [`<@${fromCard.userId}>`, `${fromCard.action} from this card`];
    if (fix.runType.code === RUN_TYPE.REFILL) return [fix.executor ?? 'someone', 'backfill'];
    if (!fix.executor || fix.executor === 'scheduler') return ['Studio', "Studio's own retry"];
    return [fix.executor, 'rerun'];
  }

  /**
   * Close open cards whose task succeeded for the same business date after the failure — and
   * whose blocked downstream runs succeeded too; until they do, the card says the root is fixed.
   */
  private async closeResolved(from: number): Promise<number> {
    // Cards about Dynamic Tables and outputs close by their own checks.
    const open = this.store.openCards().filter((c) => c.subject === null);
    if (open.length === 0) return 0;
    const successes = await this.studio.listAllRuns({ statuses: [RUN_STATUS.SUCCESS], planFrom: from, planTo: this.opts.now() + 86_400_000 }, 1_000_000, this.opts.pageSize ?? 500);
    const byTask = new Map<number, Run[]>();
    for (const r of successes) {
      const list = byTask.get(r.taskId);
      if (list) list.push(r);
      else byTask.set(r.taskId, [r]);
    }
    let resolved = 0;
    const succeededAfter = (taskId: number, runId: number, bizDate: string | null, after: number) =>
      (byTask.get(taskId) ?? []).find((r) => (r.id === runId || (bizDate !== null && r.bizDate === bizDate)) && (r.endTime ?? 0) >= after);
    for (const card of open) {
      await this.breathe();
      const fix = card.rootFixRunId !== null ? undefined : succeededAfter(card.taskId, card.latestRunId, card.bizDate, card.failedAt);
      if (!fix && card.rootFixedAt === null) continue;
      let by = card.rootFixedBy ?? '';
      let how = card.rootFixedHow ?? '';
      if (fix) [by, how] = this.whoFixed(card, fix);
      // The root succeeded: the runs it blocked are fixed only when they succeed too.
      const blocked = card.blocked.map((b) => {
        if (b.fixedRunId !== undefined) return b;
        const ok = succeededAfter(b.taskId, b.runId, card.bizDate, card.failedAt);
        return ok ? { ...b, fixedRunId: ok.id } : b;
      });
      const still = blocked.filter((b) => b.fixedRunId === undefined);
      const newlyFixed = blocked.filter((b, i) => b.fixedRunId !== undefined && card.blocked[i]!.fixedRunId === undefined).length;
      if (still.length > 0) {
        if (fix) {
          const updated = this.store.updateCard(card.id, { blocked, rootFixedAt: fix.endTime ?? this.opts.now(), rootFixRunId: fix.id, rootFixedBy: by, rootFixedHow: how });
          this.opts.publish(updated, 'resolved');
          this.opts.note(
            updated,
            `:large_orange_circle: Root fixed by ${by} (${how}): run ${fix.id} succeeded. ${still.length} downstream run${still.length > 1 ? 's are' : ' is'} still blocked (${still
              .slice(0, 10)
              .map((b) => `\`${b.taskName}\``)
              .join(', ')}): Studio does not rerun them by itself. Press *Rerun ${still.length} blocked run${still.length > 1 ? 's' : ''}* on the card.`,
          );
        } else if (newlyFixed > 0) this.opts.publish(this.store.updateCard(card.id, { blocked }), 'update');
        continue;
      }
      const last = Math.max(fix?.endTime ?? card.rootFixedAt ?? 0, ...blocked.map((b) => (byTask.get(b.taskId) ?? []).find((r) => r.id === b.fixedRunId)?.endTime ?? 0));
      const rootRun = fix?.id ?? card.rootFixRunId!;
      const updated = this.store.updateCard(card.id, {
        blocked,
        status: 'resolved',
        resolvedBy: by,
        resolvedHow: how,
        resolvedAt: last || this.opts.now(),
        resolvedRunId: rootRun,
      });
      this.opts.publish(updated, 'resolved');
      const after = humanDuration(Math.max(60_000, (last || this.opts.now()) - card.failedAt));
      const downstream = blocked.length ? `; the ${blocked.length} downstream run${blocked.length > 1 ? 's' : ''} it blocked succeeded too` : '';
      this.opts.note(updated, `:white_check_mark: Resolved by ${by} (${how}): run ${rootRun} succeeded${downstream}, ${after} after the failure.`);
      resolved++;
    }
    return resolved;
  }
}
