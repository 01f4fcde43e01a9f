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
 * Card changes are queued in the outbox; the sender delivers them at Slack's pace. The store is
 * a database call away (on PostgreSQL, milliseconds), so a poll reads in bulk (which failures are
 * recorded, the mutes, the open cards of its groups), decides in memory, and writes each phase's
 * decisions in one call (one transaction): a handful of calls and statements, whatever the storm.
 */
import { esc } from '../blocks/kit.js';
import { when } from '../blocks/replies.js';
import { redactedExcerpt } from '../redaction/index.js';
import { humanDuration } from '../studio/dates.js';
import { runKind } from '../knowledge/diagnose.js';
import type { TextDiagnoser } from '../knowledge/diagnosis-pool.js';
import type { AlertCard, AlertStore, BlockedRun, CardAction, QueueItem } from '../store/alerts.js';
import type { Remote } from '../store/remote.js';
import type { StudioClient } from '../studio/client.js';
import { RUN_STATUS, RUN_TYPE } from '../studio/enums.js';
import type { Run } from '../studio/models.js';
import { CardPlan, applyPlan, newCard } from './card-plan.js';
import { RetryReader } from './retries.js';
import type { AlertRouter } from './routing.js';

export interface WatcherOptions {
  groupWindowMs: number;
  lookbackMs: number;
  now: () => number;
  /** The messages that redraw a changed card (none for a card not released yet: it is posted as it is then). */
  redraw: (card: AlertCard, change: 'update' | 'resolved') => QueueItem[];
  /** A note in the card's thread, as the message to queue. */
  note: (card: AlertCard, text: string) => QueueItem;
  /** Told when messages were queued (the sender may go on). */
  queued?: () => void;
  /** Of these runs, those stopped through the bot at someone's request (no failure card for them). */
  askedToStop?: (runIds: number[]) => Promise<Set<number>>;
  /** Called once the poll's failed runs have their cards, before the blocked runs are traced. */
  afterFailures?: () => Promise<void>;
  /** How a task's failures page (the policy's `alerts.retries`): a card after N final failures in a row; a quiet note when a retry recovers. */
  retryRule?: (folder: string | undefined, task: string) => { failuresInARow: number; noteRecovery: boolean };
  /** For a new card whose failure ended at `end`: a note that it is posted late (the bot could not poll then), or undefined. */
  lateNote?: (end: number) => string | undefined;
  /** A message in a channel of its own, not in a card's thread (a quiet note). */
  channelNote?: (channel: string, text: string) => QueueItem;
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
  /** Runs that ended because someone stopped them (the bot's stop, or a person's kill in Studio): no card. */
  stopped: number;
  /** Failed attempts with Studio's own retries left (no card until the final failure). */
  retrying: number;
  /** Final failures below their folder's "N failures in a row" (recorded, no card yet). */
  belowThreshold: number;
  /** Runs seen failing with retries left that then succeeded. */
  recoveredOnRetry: number;
  resolved: number;
}

/** A failure message with the numbers taken out, so repeats of one cause group together. */
export function failureSignature(msg: string | undefined): string {
  return (msg ?? '').replace(/\d+/g, '#').replace(/\s+/g, ' ').trim().slice(0, 120);
}

/** When a failure ended: the key (with its run) under which it is recorded. */
const endOf = (r: Run): number => r.endTime ?? r.planTime ?? 0;
const failureKey = (runId: number, endTime: number): string => `${runId}:${endTime}`;

/**
 * A run a person killed: Studio's own words name who (`Task instance killed by alice`, fail type
 * KILLED). A kill by Studio's timeout (`Job killed by timeout`) is a failure. (Studio publishes no
 * list of these messages: the wording is the sandbox's, modelled on Studio's UI.)
 */
function killedByPerson(run: Run): boolean {
  return run.failType === 'KILLED' && /\bkilled by (?!timeout\b)\S/i.test(run.failMsg ?? '');
}

/** What a failed run becomes, decided before the cards are read: nothing (muted, routed nowhere, stopped on purpose), or a card of this group. */
type Decision =
  | { run: Run; skip: 'muted' | 'unrouted' | 'stopped' | 'belowThreshold' }
  | { run: Run; skip: 'retrying' }
  | {
      run: Run;
      skip?: undefined;
      channel: string;
      folder: string | undefined;
      groupKey: string;
      top: { id: string; title: string; remediation: string[] } | undefined;
      /** Attempts of the final failure, the first one's error when there were several (the card carries it), and the failures in a row it pages after. */
      attempts: number;
      firstError: string | undefined;
      lastError: string | undefined;
      streak: Run[];
    };

export class AlertWatcher {
  private taskFolders = new Map<number, string | undefined>();
  private tasksLoadedAt = 0;
  /** Upstream task ids per task (from task configurations), refreshed with the task list. */
  private taskDeps = new Map<number, number[]>();

  private readonly retries: RetryReader;

  constructor(
    private readonly studio: StudioClient,
    private readonly store: Remote<AlertStore>,
    private readonly router: AlertRouter,
    private readonly diagnoser: TextDiagnoser,
    private readonly opts: WatcherOptions,
  ) {
    this.retries = new RetryReader(studio, opts.now);
  }

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
    this.retries.beginPoll();
    const stats: PollStats = {
      listed: 0,
      fresh: 0,
      cardsCreated: 0,
      cardsUpdated: 0,
      blocked: 0,
      muted: 0,
      unrouted: 0,
      stopped: 0,
      retrying: 0,
      belowThreshold: 0,
      recoveredOnRetry: 0,
      resolved: 0,
    };
    const from = now - this.opts.lookbackMs;
    const failures = await this.studio.listAllRuns(
      { statuses: [RUN_STATUS.FAILED, RUN_STATUS.UPSTREAM_FAILED], planFrom: from, planTo: now + 86_400_000 },
      1_000_000,
      this.opts.pageSize ?? 500,
    );
    stats.listed = failures.length;
    const byId = new Map(failures.map((r) => [r.id, r]));
    const fresh = await this.unrecorded(failures);
    // Oldest first: roots come before the runs they block.
    fresh.sort((a, b) => endOf(a) - endOf(b) || a.id - b.id);
    stats.fresh = fresh.length;
    await this.recordFailures(
      fresh.filter((r) => r.status.code === RUN_STATUS.FAILED),
      stats,
    );
    await this.opts.afterFailures?.();
    await this.recordBlocked(
      fresh.filter((r) => r.status.code === RUN_STATUS.UPSTREAM_FAILED),
      byId,
      stats,
    );
    stats.resolved = await this.closeResolved(from);
    stats.recoveredOnRetry = await this.noteRecoveries(byId);
    return stats;
  }

  /**
   * Runs seen failing with retries left and not listed failed now: one that succeeded recovered on
   * Studio's retry — no card, and a quiet note (no mention) where the policy asks for one.
   */
  private async noteRecoveries(failedNow: Map<number, Run>): Promise<number> {
    const now = this.opts.now();
    const queue: QueueItem[] = [];
    let recovered = 0;
    for (const p of this.retries.pendingRuns()) {
      if (failedNow.has(p.runId)) continue;
      const run = await this.studio.getRun(p.runId).catch(() => undefined);
      if (!run || now - p.seenAt > this.opts.lookbackMs) {
        this.retries.forget(p.runId);
        continue;
      }
      if (run.status.code !== RUN_STATUS.SUCCESS) continue; // still retrying
      this.retries.forget(p.runId);
      recovered++;
      const folder = await this.folderOf(run.taskId);
      const channel = this.router.route(folder, run.taskName);
      if (!channel || !this.opts.channelNote || !this.opts.retryRule?.(folder, run.taskName).noteRecovery) continue;
      const attempts = await this.retries.attemptsOf(run);
      const first = p.firstError ? `: the first attempt failed with \`${esc(redactedExcerpt(p.firstError, 200))}\`` : '';
      queue.push(
        this.opts.channelNote(
          channel,
          `:repeat: \`${esc(run.taskName)}\` (run ${run.id}, ${esc(run.bizDate ?? '—')}) succeeded on attempt ${attempts ?? 'a later'} after Studio's own retry${first}. No card: nothing to do.`,
        ),
      );
    }
    if (queue.length) {
      await this.store.write({ at: now, queue });
      this.opts.queued?.();
    }
    return recovered;
  }

  /**
   * The final failures of the task in a row, newest first, ending with `run` (at most `n`): its
   * latest finished runs up to it, read from Studio.
   */
  private async failuresInARow(run: Run, n: number): Promise<Run[]> {
    const page = await this.studio.listRuns({ taskId: run.taskId, planTo: (run.planTime ?? endOf(run)) + 1, order: 'desc', pageSize: Math.min(100, n * 3 + 5) });
    const finished = page.items.filter((r) => r.id === run.id || [RUN_STATUS.SUCCESS, RUN_STATUS.FAILED, RUN_STATUS.UPSTREAM_FAILED].includes(r.status.code as 1 | 3 | 8));
    const streak: Run[] = [run];
    for (const r of finished) {
      if (r.id === run.id) continue;
      if (r.status.code !== RUN_STATUS.FAILED || streak.length >= n) break;
      streak.push(r);
    }
    return streak;
  }

  /** The runs whose failure is not recorded yet (each once), read in bulk. */
  private async unrecorded(runs: Run[]): Promise<Run[]> {
    if (runs.length === 0) return [];
    const recorded = new Set((await this.store.seenOf(runs.map((r) => ({ runId: r.id, endTime: endOf(r) })))).map((k) => failureKey(k.runId, k.endTime)));
    const fresh = new Map<string, Run>();
    for (const r of runs) {
      const key = failureKey(r.id, endOf(r));
      if (!recorded.has(key) && !fresh.has(key)) fresh.set(key, r);
    }
    return [...fresh.values()];
  }

  /**
   * Failed runs into cards: each is muted (recorded, not posted), routed nowhere, or goes to its
   * group's open card (a repeat) or a new one. The mutes and the groups' open cards are read at
   * once, the decisions written at once. Returns the card each run went to (null: none).
   */
  private async recordFailures(runs: Run[], stats: PollStats): Promise<Map<number, number | null>> {
    if (runs.length === 0) return new Map();
    const now = this.opts.now();
    const muted = new Set((await this.store.mutesAt(now)).map((m) => m.taskId));
    const asked = (await this.opts.askedToStop?.(runs.filter((r) => r.failType === 'KILLED' || /\bkill/i.test(r.failMsg ?? '')).map((r) => r.id))) ?? new Set<number>();
    const decisions: Decision[] = [];
    for (const run of runs) {
      await this.breathe();
      if (asked.has(run.id) || killedByPerson(run)) {
        decisions.push({ run, skip: 'stopped' });
        continue;
      }
      const verdict = await this.retries.verdict(run);
      if (verdict.kind === 'retrying') {
        decisions.push({ run, skip: 'retrying' });
        continue;
      }
      const folder = await this.folderOf(run.taskId);
      if (muted.has(run.taskId)) {
        decisions.push({ run, skip: 'muted' });
        continue;
      }
      const channel = this.router.route(folder, run.taskName, { owner: run.owner, taskType: run.taskType.kind?.key ?? run.taskType.label });
      if (!channel) {
        decisions.push({ run, skip: 'unrouted' });
        continue;
      }
      const inARow = this.opts.retryRule?.(folder, run.taskName).failuresInARow ?? 1;
      const streak = inARow > 1 ? await this.failuresInARow(run, inARow) : [run];
      if (streak.length < inARow) {
        decisions.push({ run, skip: 'belowThreshold' });
        continue;
      }
      // The first attempt's error is the real one (later attempts often fail of its leftovers).
      const error = verdict.firstError ?? run.failMsg;
      // A failure message is the run's own output, so it is diagnosed like a log: off the event loop when long.
      const top = (await this.diagnoser.diagnose(error ?? '', { taskType: run.taskType.kind?.key, runType: runKind(run) })).findings[0]?.entry;
      decisions.push({
        run,
        channel,
        folder,
        top,
        groupKey: `${run.taskId}|${top?.id ?? `msg:${failureSignature(error)}`}`,
        attempts: verdict.attempts,
        firstError: verdict.firstError,
        lastError: verdict.lastError,
        streak,
      });
    }
    const since = now - this.opts.groupWindowMs;
    const groups = [...new Set(decisions.flatMap((d) => (d.skip ? [] : [d.groupKey])))];
    const { value, ids, queued } = await applyPlan(this.store, now, async () => {
      const open = groups.length ? await this.store.openCardsOfGroups(groups, since) : [];
      const actions = open.length ? await this.store.actionsOf(open.map((c) => c.id)) : [];
      const plan = new CardPlan(open);
      const counts = { muted: 0, unrouted: 0, stopped: 0, retrying: 0, belowThreshold: 0, created: 0, updated: 0 };
      const cardOf = new Map<number, number | null>();
      for (const d of decisions) {
        await this.breathe();
        const end = endOf(d.run);
        if (d.skip === 'retrying') {
          // Not recorded: the run is read again at the next poll, until its failure is final.
          counts.retrying++;
          cardOf.set(d.run.id, null);
          continue;
        }
        if (d.skip) {
          counts[d.skip]++;
          plan.markSeen(d.run.id, end, null);
          cardOf.set(d.run.id, null);
          continue;
        }
        const [card, created] = this.planFailure(plan, d, actions, now, since);
        counts[created ? 'created' : 'updated']++;
        plan.markSeen(d.run.id, end, card.id);
        cardOf.set(d.run.id, card.id);
      }
      return [plan, { counts, cardOf }];
    });
    stats.muted += value.counts.muted;
    stats.unrouted += value.counts.unrouted;
    stats.stopped += value.counts.stopped;
    stats.retrying += value.counts.retrying;
    stats.belowThreshold += value.counts.belowThreshold;
    stats.cardsCreated += value.counts.created;
    stats.cardsUpdated += value.counts.updated;
    if (queued) this.opts.queued?.();
    return new Map([...value.cardOf].map(([runId, cardId]) => [runId, cardId !== null && cardId < 0 ? ids.get(cardId)! : cardId]));
  }

  /** One failure into the plan: a repeat of its group's open card, or a new card (true). */
  private planFailure(plan: CardPlan, d: Extract<Decision, { skip?: undefined }>, actions: CardAction[], now: number, since: number): [AlertCard, boolean] {
    const { run, top } = d;
    const end = endOf(run);
    const open = plan.open(d.groupKey);
    const failMsg = d.firstError ?? run.failMsg ?? null;
    if (!open) {
      const firstEnd = Math.min(end, ...d.streak.map(endOf));
      const card = plan.create(
        {
          ...newCard({
            channel: d.channel,
            groupKey: d.groupKey,
            taskId: run.taskId,
            taskName: run.taskName,
            folder: d.folder,
            taskType: run.taskType.label,
            owner: run.owner,
            failMsg,
            runId: run.id,
            bizDate: run.bizDate,
            failedAt: firstEnd,
            now,
            top,
          }),
          // A streak of final failures (alerts.retries) is one card: its attempts, its runs, its latest end.
          attempts: d.attempts,
          count: d.streak.length,
          lastFailedAt: end,
        },
        since,
      );
      const said = [this.opts.lateNote?.(end), this.retryNotes(d)].filter((x) => x !== undefined).join('\n');
      if (said) plan.queue(this.opts.note(card, said));
      return [card, true];
    }
    const card = plan.change(open.id, {
      rootFixedAt: null,
      rootFixRunId: null,
      rootFixedBy: null,
      rootFixedHow: null,
      count: open.count + 1,
      latestRunId: run.id,
      lastFailedAt: Math.max(end, open.lastFailedAt ?? open.failedAt),
      bizDate: run.bizDate ?? open.bizDate,
      lastSeen: now,
      failMsg: failMsg ?? open.failMsg,
      attempts: d.attempts,
    });
    plan.queue(...this.opts.redraw(card, 'update'));
    // A fix tried from the card since the previous failure did not work: say so where it was tried.
    const previous = open.lastFailedAt ?? open.failedAt;
    const tried = actions.filter((a) => a.cardId === open.id && a.at > previous && (a.action === 'rerun' || a.action === 'backfill')).at(-1);
    if (tried)
      plan.queue(this.opts.note(card, `:x: Failed again ${when(end)}, after <@${tried.userId}>'s ${tried.action}: ${esc(redactedExcerpt(run.failMsg ?? 'no message', 300))}`));
    return [card, false];
  }

  /** What a new card's thread says of its retries and of the failures in a row it waited for (undefined: nothing to say). */
  private retryNotes(d: Extract<Decision, { skip?: undefined }>): string | undefined {
    const lines: string[] = [];
    if (d.attempts > 1) {
      const last = d.lastError && d.lastError !== d.firstError ? ` The last attempt failed with \`${esc(redactedExcerpt(d.lastError, 300))}\`.` : '';
      lines.push(`:repeat: Failed on all ${d.attempts} attempts (${d.attempts - 1} by Studio's own retry); the card shows the first attempt's error.${last}`);
    }
    if (d.streak.length > 1)
      lines.push(
        `:chart_with_downwards_trend: ${d.streak.length} failures in a row (runs ${[...d.streak]
          .reverse()
          .map((r) => r.id)
          .join(', ')}): the policy pages for this task after ${d.streak.length} in a row.`,
      );
    return lines.length ? lines.join('\n') : undefined;
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

  /**
   * Upstream-failed runs under their root's card ("N downstream tasks blocked"). The roots are
   * traced first (Studio, cached), their cards read at once; a root not recorded yet is recorded
   * now, and a run whose root has no card is an alert of its own. Then every card's blocked list
   * is written at once.
   */
  private async recordBlocked(runs: Run[], byId: Map<number, Run>, stats: PollStats): Promise<void> {
    if (runs.length === 0) return;
    const rootOf = new Map<number, Run | undefined>();
    for (const run of runs) {
      await this.breathe();
      rootOf.set(run.id, await this.rootOf(run, byId));
    }
    const roots = [...new Map([...rootOf.values()].filter((r): r is Run => r !== undefined).map((r) => [r.id, r])).values()];
    // The cards as read here are what the blocked lists are planned on (read again only if one changed meanwhile).
    let read = new Map<number, AlertCard>();
    const cardsOfRoots = async () => {
      const found = roots.length ? await this.store.cardsOfRuns(roots.map((r) => r.id)) : { runs: [], cards: [] };
      read = new Map(found.cards.map((c) => [c.id, c]));
      return new Map(found.runs.map((x) => [x.runId, x.cardId]));
    };
    let cardOfRoot = await cardsOfRoots();
    const unrecorded = (await this.unrecorded(roots.filter((r) => !cardOfRoot.has(r.id)))).sort((a, b) => endOf(a) - endOf(b) || a.id - b.id);
    if (unrecorded.length) {
      await this.recordFailures(unrecorded, stats);
      cardOfRoot = await cardsOfRoots();
    }
    const cardOfRun = (run: Run) => {
      const root = rootOf.get(run.id);
      return root ? cardOfRoot.get(root.id) : undefined;
    };
    // No root found, or its failure has no card (muted, routed nowhere): the run is its own alert.
    await this.recordFailures(
      runs.filter((run) => cardOfRun(run) === undefined),
      stats,
    );
    const listed = runs.filter((run) => cardOfRun(run) !== undefined);
    if (listed.length === 0) return;
    const now = this.opts.now();
    let first = true;
    const { value, queued } = await applyPlan(this.store, now, async () => {
      const plan = new CardPlan();
      const ids = [...new Set(listed.map((run) => cardOfRun(run)!))];
      for (const card of first && ids.every((id) => read.has(id)) ? ids.map((id) => read.get(id)!) : await this.store.cardsByIds(ids)) plan.know(card);
      first = false;
      const changed = new Set<number>();
      let count = 0;
      for (const run of listed) {
        await this.breathe();
        const card = plan.card(cardOfRun(run)!);
        if (!card) continue; // cards are never deleted; were one gone, the run would be listed again at the next poll
        const blocked: BlockedRun[] = [...card.blocked.filter((b) => b.taskId !== run.taskId), { taskId: run.taskId, taskName: run.taskName, runId: run.id }];
        plan.change(card.id, { blocked, lastSeen: now });
        plan.markSeen(run.id, endOf(run), card.id);
        changed.add(card.id);
        count++;
      }
      for (const id of changed) plan.queue(...this.opts.redraw(plan.card(id)!, 'update'));
      return [plan, count];
    });
    stats.blocked += value;
    if (queued) this.opts.queued?.();
  }

  /** Who fixed the card's run, and how: from the card's own actions, else from the run Studio shows. */
  private whoFixed(actions: CardAction[], fix: Run): [string, string] {
    const fromCard = [...actions].reverse().find((a) => (a.action === 'rerun' && a.runId === fix.id) || (a.action === 'backfill' && fix.runType.code === RUN_TYPE.REFILL));
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
    const isTaskCard = (c: AlertCard) => c.subject === null;
    let read: AlertCard[] | undefined = (await this.store.openCards()).filter(isTaskCard);
    if (read.length === 0) return 0;
    const successes = await this.studio.listAllRuns({ statuses: [RUN_STATUS.SUCCESS], planFrom: from, planTo: this.opts.now() + 86_400_000 }, 1_000_000, this.opts.pageSize ?? 500);
    const byTask = new Map<number, Run[]>();
    for (const r of successes) {
      const list = byTask.get(r.taskId);
      if (list) list.push(r);
      else byTask.set(r.taskId, [r]);
    }
    const succeededAfter = (taskId: number, runId: number, bizDate: string | null, after: number) =>
      (byTask.get(taskId) ?? []).find((r) => (r.id === runId || (bizDate !== null && r.bizDate === bizDate)) && (r.endTime ?? 0) >= after);
    const { value, queued } = await applyPlan(this.store, this.opts.now(), async () => {
      // Read again only when a card changed between this read and the write.
      const open = read ?? (await this.store.openCards()).filter(isTaskCard);
      read = undefined;
      const fixOf = new Map(open.map((card) => [card.id, card.rootFixRunId !== null ? undefined : succeededAfter(card.taskId, card.latestRunId, card.bizDate, card.failedAt)]));
      const withFix = open.filter((c) => fixOf.get(c.id));
      const actions = withFix.length ? await this.store.actionsOf(withFix.map((c) => c.id)) : [];
      const plan = new CardPlan();
      let resolved = 0;
      for (const card of open) {
        await this.breathe();
        const fix = fixOf.get(card.id);
        if (!fix && card.rootFixedAt === null) continue;
        plan.know(card);
        let by = card.rootFixedBy ?? '';
        let how = card.rootFixedHow ?? '';
        if (fix)
          [by, how] = this.whoFixed(
            actions.filter((a) => a.cardId === card.id),
            fix,
          );
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
            const updated = plan.change(card.id, { blocked, rootFixedAt: fix.endTime ?? this.opts.now(), rootFixRunId: fix.id, rootFixedBy: by, rootFixedHow: how });
            plan.queue(
              ...this.opts.redraw(updated, 'resolved'),
              this.opts.note(
                updated,
                `:large_orange_circle: Root fixed by ${by} (${how}): run ${fix.id} succeeded. ${still.length} downstream run${still.length > 1 ? 's are' : ' is'} still blocked (${still
                  .slice(0, 10)
                  .map((b) => `\`${b.taskName}\``)
                  .join(', ')}): Studio does not rerun them by itself. Press *Rerun ${still.length} blocked run${still.length > 1 ? 's' : ''}* on the card.`,
              ),
            );
          } else if (newlyFixed > 0) plan.queue(...this.opts.redraw(plan.change(card.id, { blocked }), 'update'));
          continue;
        }
        const last = Math.max(fix?.endTime ?? card.rootFixedAt ?? 0, ...blocked.map((b) => (byTask.get(b.taskId) ?? []).find((r) => r.id === b.fixedRunId)?.endTime ?? 0));
        const rootRun = fix?.id ?? card.rootFixRunId!;
        const updated = plan.change(card.id, {
          blocked,
          status: 'resolved',
          resolvedBy: by,
          resolvedHow: how,
          resolvedAt: last || this.opts.now(),
          resolvedRunId: rootRun,
        });
        const after = humanDuration(Math.max(60_000, (last || this.opts.now()) - card.failedAt));
        const downstream = blocked.length ? `; the ${blocked.length} downstream run${blocked.length > 1 ? 's' : ''} it blocked succeeded too` : '';
        plan.queue(
          ...this.opts.redraw(updated, 'resolved'),
          this.opts.note(updated, `:white_check_mark: Resolved by ${by} (${how}): run ${rootRun} succeeded${downstream}, ${after} after the failure.`),
        );
        resolved++;
      }
      return [plan, resolved];
    });
    if (queued) this.opts.queued?.();
    return value;
  }
}
