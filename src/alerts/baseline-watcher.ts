/**
 * Baselines on the alert poll: for each baseline, its current cycle's predicted finish
 * (src/baselines/); at risk (shown) once it passes committed − margin, and one card per cycle once
 * a breach is predicted — the expected finish past the committed time on two polls in a row, or on
 * one inside the margin (warnNow) — edited in place as the estimate moves (red
 * once the committed time has passed), closed when the output lands, saying how late or early.
 *
 * Cost per poll: one paged run list for the cycles' window (all tasks at once); the DAGs, the
 * schedules and the histories are read once and kept (DAGs and schedules for `cacheMs`, a task's
 * history until the day changes). Cards go through the alert store and outbox like every other
 * card (CardPlan, applyPlan, the service's redraw); what the card draws is kept in the alert
 * store's state under `bl:card:<group>`, and every baseline's latest state under `bl:views`.
 */
import { type Cycle, type RunFacts, type TaskFacts, currentCycle, historiesOf, nodesOf } from '../baselines/cycle.js';
import { type Baseline, committedLabel } from '../baselines/model.js';
import { type BaselineState, type Prediction, headline, predict, roundedMinutes, warnNow } from '../baselines/prediction.js';
import type { AlertCard, AlertStore, QueueItem } from '../store/alerts.js';
import type { Remote } from '../store/remote.js';
import type { StudioClient } from '../studio/client.js';
import { RUN_TYPE } from '../studio/enums.js';
import type { Run, TaskRelationNode } from '../studio/models.js';
import { CardPlan, applyPlan, newCard } from './card-plan.js';
import type { AlertRouter } from './routing.js';

export interface BaselineWatcherOptions {
  now: () => number;
  timeZone?: string;
  /** The baselines in force (the policy file's and those added from Slack). */
  baselines: () => Promise<Baseline[]>;
  redraw: (card: AlertCard, change: 'update' | 'resolved') => QueueItem[];
  note: (card: AlertCard, text: string) => QueueItem;
  queued?: () => void;
  /** Days of history read per task. */
  historyDays?: number;
  /** How long a DAG and a schedule are kept before being read again. */
  cacheMs?: number;
  /** Levels of upstream read (Studio's relation tree). */
  upstreamLevels?: number;
}

export interface BaselinePollStats {
  baselines: number;
  atRisk: number;
  late: number;
  cardsCreated: number;
  updated: number;
  closed: number;
  /** Baselines whose output Studio does not know (or that have no cycle to watch). */
  unknown: number;
}

/** What a baseline card draws, and what `/cz baseline` and Home list. */
export interface BaselineView {
  task: string;
  taskId: number;
  committed: string;
  marginMin: number;
  state: BaselineState;
  cycle: string;
  committedAt: number;
  expectedFinish: number;
  riskFinish: number;
  lateByMs: number;
  headline: string;
  path: Prediction['path'];
  culprit?: Prediction['culprit'];
  landedAt?: number;
  outputRunId?: number;
  at: number;
  /** A breach predicted on this poll (and whether a card goes out now: twice in a row, or once inside the margin). */
  breachPredicted: boolean;
  warn: boolean;
  /** What moves its card (see signature). */
  sig: string;
}

export const BASELINE_SUBJECT = 'baseline:';
/** Who closed a card whose baseline is no longer watched (changed, removed, or its cycle over unlanded). */
export const NO_LONGER_WATCHED = 'the bot';
export const baselineCardKey = (groupKey: string) => `bl:card:${groupKey}`;
export const BASELINE_VIEWS_KEY = 'bl:views';
const DAY = 86_400_000;

interface Dag {
  at: number;
  output: TaskFacts & { folder?: string };
  tasks: TaskFacts[];
}

export class BaselineWatcher {
  private readonly dags = new Map<string, Dag>();
  private readonly schedules = new Map<number, { at: number; cron: string | undefined }>();
  private readonly histories = new Map<number, { day: number; runs: RunFacts[] }>();

  constructor(
    private readonly studio: StudioClient,
    private readonly store: Remote<AlertStore>,
    private readonly router: AlertRouter,
    private readonly opts: BaselineWatcherOptions,
  ) {}

  async poll(): Promise<BaselinePollStats> {
    const now = this.opts.now();
    const baselines = await this.opts.baselines();
    const stats: BaselinePollStats = { baselines: baselines.length, atRisk: 0, late: 0, cardsCreated: 0, updated: 0, closed: 0, unknown: 0 };
    if (baselines.length === 0) return stats;
    const dags = new Map<Baseline, Dag>();
    for (const b of baselines) {
      const dag = await this.dagOf(b.task, now).catch(() => undefined);
      if (dag) dags.set(b, dag);
      else stats.unknown++;
    }
    // One run list for every cycle's window: yesterday to tomorrow.
    const window = (await this.studio.listAllRuns({ runType: RUN_TYPE.SCHEDULE, planFrom: now - 2 * DAY, planTo: now + DAY }, 100_000, 500)).filter(
      (r) => r.runType.code === RUN_TYPE.SCHEDULE,
    );
    const runsByTask = new Map<number, RunFacts[]>();
    for (const r of window) {
      const list = runsByTask.get(r.taskId) ?? [];
      list.push(factsOf(r));
      runsByTask.set(r.taskId, list);
    }
    const views: BaselineView[] = [];
    // The last poll's predictions (any replica's): a card needs a breach predicted twice in a row.
    const before = new Map((await this.views()).map((v) => [groupOf(v), v.breachPredicted === true]));
    for (const [b, dag] of dags) {
      const cycle = currentCycle(b, dag.output, runsByTask.get(dag.output.taskId) ?? [], now, this.opts.timeZone);
      if (!cycle) {
        stats.unknown++;
        continue;
      }
      const history = new Map<number, RunFacts[]>();
      for (const t of dag.tasks) history.set(t.taskId, await this.historyOf(t.taskId, now));
      const runs = dag.tasks.flatMap((t) => runsByTask.get(t.taskId) ?? []);
      const nodes = nodesOf(b, dag.output.taskId, dag.tasks, runs, historiesOf(b, dag.tasks, history, cycle), cycle, this.opts.timeZone);
      const p = predict(nodes, { now, committed: cycle.committed, marginMs: b.marginMin * 60_000, outputId: dag.output.taskId });
      const warn = warnNow(p, before.get(groupOf({ task: b.task, committedAt: cycle.committed })) ?? false, now);
      views.push(viewOf(b, dag, cycle, p, now, warn));
      if (p.state === 'at_risk') stats.atRisk++;
      if (p.state === 'late') stats.late++;
    }
    await this.decide(views, dags, stats, baselines);
    return stats;
  }

  /** The baselines' latest states, as the last poll saw them (any replica's). */
  async views(): Promise<BaselineView[]> {
    const raw = await this.store.getState(BASELINE_VIEWS_KEY);
    return raw ? (JSON.parse(raw) as BaselineView[]) : [];
  }

  private async decide(views: BaselineView[], dags: Map<Baseline, Dag>, stats: BaselinePollStats, baselines: Baseline[]): Promise<void> {
    const now = this.opts.now();
    const byTask = new Map([...dags].map(([b, d]) => [b.task, d]));
    const groups = views.map((v) => groupOf(v));
    // What each open card drew last (its signature), so that a card is redrawn only when that moves.
    const drawn = new Map<string, string | undefined>();
    for (const c of groups.length ? await this.store.openCardsOfGroups(groups, 0) : []) {
      const raw = await this.store.getState(baselineCardKey(c.groupKey));
      drawn.set(c.groupKey, raw ? (JSON.parse(raw) as BaselineView).sig : undefined);
    }
    // The views first: a card queued below is rendered from them.
    const state = [{ key: BASELINE_VIEWS_KEY, value: JSON.stringify(views.map((v) => ({ ...v, path: v.path.slice(0, 12) }))) }];
    for (const v of views) {
      const g = groupOf(v);
      if (drawn.has(g) ? drawn.get(g) !== v.sig || v.state === 'landed' : v.warn) state.push({ key: baselineCardKey(g), value: JSON.stringify(v) });
    }
    await this.store.write({ at: now, state });
    const { queued } = await applyPlan(this.store, now, async () => {
      const plan = new CardPlan(groups.length ? await this.store.openCardsOfGroups(groups, 0) : []);
      for (const { card: open, why } of await this.unwatched(groups, baselines, now)) {
        plan.know(open);
        const card = plan.change(open.id, { status: 'resolved', resolvedBy: NO_LONGER_WATCHED, resolvedHow: why, resolvedAt: now, lastSeen: now });
        plan.queue(...this.opts.redraw(card, 'resolved'), this.opts.note(card, `:white_circle: \`${open.taskName}\`: ${why}.`));
        stats.closed++;
      }
      for (const v of views) {
        const groupKey = groupOf(v);
        const open = plan.open(groupKey);
        const dag = byTask.get(v.task)!;
        const culprit = v.culprit;
        if (!open) {
          if (!v.warn) continue;
          const channel = this.router.route(dag.output.folder, v.task);
          if (!channel) continue;
          const runId = culprit?.runId ?? v.outputRunId ?? 0;
          plan.create(
            newCard({
              channel,
              groupKey,
              taskId: v.taskId,
              taskName: v.task,
              folder: dag.output.folder,
              owner: culprit?.owner ?? dag.output.owner,
              failMsg: v.headline,
              runId,
              bizDate: v.cycle,
              failedAt: now,
              now,
              subject: `${BASELINE_SUBJECT}${v.task}`,
            }),
            0,
          );
          stats.cardsCreated++;
          continue;
        }
        if (v.state === 'landed') {
          const late = v.lateByMs > 0;
          const how = `landed ${roundedMinutes(v.lateByMs)} min ${late ? 'after' : 'before'} ${v.committed}`;
          const card = plan.change(open.id, {
            status: 'resolved',
            resolvedBy: 'the data',
            resolvedHow: how,
            resolvedAt: v.landedAt ?? now,
            resolvedRunId: v.outputRunId ?? null,
            failMsg: v.headline,
            lastSeen: now,
          });
          plan.queue(...this.opts.redraw(card, 'resolved'), this.opts.note(card, `${late ? ':large_orange_circle:' : ':white_check_mark:'} \`${v.task}\` ${how}.`));
          stats.closed++;
          continue;
        }
        if (drawn.get(groupKey) === v.sig) continue;
        const card = plan.change(open.id, {
          failMsg: v.headline,
          lastSeen: now,
          latestRunId: culprit?.runId ?? v.outputRunId ?? open.latestRunId,
          owner: culprit?.owner ?? open.owner,
        });
        plan.queue(...this.opts.redraw(card, 'update'));
        stats.updated++;
      }
      return [plan, undefined];
    });
    if (queued) this.opts.queued?.();
  }

  /**
   * Open baseline cards that no baseline in force will move again: the baseline now commits to
   * another time, it was removed, or its cycle ended a day past its committed time without the
   * output landing. (A baseline whose DAG Studio did not give this poll keeps its card.)
   */
  private async unwatched(watchedGroups: string[], baselines: Baseline[], now: number): Promise<{ card: AlertCard; why: string }[]> {
    const watched = new Set(watchedGroups);
    const out: { card: AlertCard; why: string }[] = [];
    for (const card of await this.store.openCardsWithSubject(BASELINE_SUBJECT)) {
      if (watched.has(card.groupKey)) continue;
      const raw = await this.store.getState(baselineCardKey(card.groupKey));
      const drawn = raw ? (JSON.parse(raw) as BaselineView) : undefined;
      const current = baselines.find((b) => b.task === card.taskName);
      const why = !current
        ? 'no longer watched: its baseline was removed'
        : drawn && committedLabel(current) !== drawn.committed
          ? `no longer watched: the baseline is now by ${committedLabel(current)}${current.cycle === 'hourly' ? ' (hourly)' : ''}`
          : drawn && now > drawn.committedAt + DAY
            ? `not landed a day after ${drawn.committed}; no longer watched`
            : undefined;
      if (why) out.push({ card, why });
    }
    return out;
  }

  private async dagOf(task: string, now: number): Promise<Dag> {
    const cached = this.dags.get(task);
    if (cached && now - cached.at < (this.opts.cacheMs ?? 15 * 60_000)) return cached;
    const summary = await this.studio.resolveTask(task);
    const tree = await this.studio.getTaskRelations(summary.id, { up: this.opts.upstreamLevels ?? 10, down: 0 });
    const tasks = new Map<number, TaskFacts>();
    const walk = (n: TaskRelationNode) => {
      const known = tasks.get(n.taskId);
      const upstream = n.upstream.map((u) => u.taskId);
      if (known) {
        known.upstream = [...new Set([...known.upstream, ...upstream])];
      } else tasks.set(n.taskId, { taskId: n.taskId, name: n.name, upstream });
      for (const u of n.upstream) walk(u);
    };
    walk(tree);
    for (const t of tasks.values()) t.cron = await this.cronOf(t.taskId, now);
    const output = { ...tasks.get(summary.id)!, owner: summary.owner, folder: summary.folderName };
    tasks.set(summary.id, output);
    const dag = { at: now, output, tasks: [...tasks.values()] };
    this.dags.set(task, dag);
    return dag;
  }

  private async cronOf(taskId: number, now: number): Promise<string | undefined> {
    const cached = this.schedules.get(taskId);
    if (cached && now - cached.at < (this.opts.cacheMs ?? 15 * 60_000)) return cached.cron;
    const cron = await this.studio
      .getScheduleDetail(taskId)
      .then((s) => s.cron)
      .catch(() => undefined);
    this.schedules.set(taskId, { at: now, cron });
    return cron;
  }

  /** A task's successful scheduled runs of the last `historyDays`: read once a day. */
  private async historyOf(taskId: number, now: number): Promise<RunFacts[]> {
    const day = Math.floor(now / DAY);
    const cached = this.histories.get(taskId);
    if (cached && cached.day === day) return cached.runs;
    const from = (day - (this.opts.historyDays ?? 28)) * DAY;
    const runs = (await this.studio.listAllRuns({ taskId, runType: RUN_TYPE.SCHEDULE, statuses: [1], planFrom: from, planTo: day * DAY }, 2_000, 200)).map(factsOf);
    this.histories.set(taskId, { day, runs });
    return runs;
  }
}

function factsOf(r: Run): RunFacts {
  return { id: r.id, taskId: r.taskId, status: r.status.code, planTime: r.planTime, startTime: r.startTime, endTime: r.endTime, bizDate: r.bizDate, failMsg: r.failMsg };
}

function viewOf(b: Baseline, dag: Dag, cycle: Cycle, p: Prediction, now: number, warn: boolean): BaselineView {
  const label = committedLabel(b);
  const v: Omit<BaselineView, 'sig'> = {
    task: b.task,
    taskId: dag.output.taskId,
    committed: label,
    marginMin: b.marginMin,
    state: p.state,
    cycle: cycle.key,
    committedAt: cycle.committed,
    expectedFinish: p.expectedFinish,
    riskFinish: p.riskFinish,
    lateByMs: p.lateByMs,
    headline: headline(b.task, label, p),
    path: p.path,
    culprit: p.culprit,
    landedAt: p.landedAt,
    outputRunId: cycle.outputRunId,
    at: now,
    breachPredicted: p.breachPredicted,
    warn,
  };
  return { ...v, sig: signature(v) };
}

const groupOf = (v: Pick<BaselineView, 'task' | 'committedAt'>) => `baseline|${v.task}|${new Date(v.committedAt).toISOString().slice(0, 16)}`;

/**
 * What moves a card: its state, the minutes (rounded: 5-minute steps past ten), the path, the
 * task named and the margin (changed by `/cz baseline add`: the card shows it); a ratio creeping
 * from 2.3× to 2.4× alone does not redraw it.
 */
function signature(v: Omit<BaselineView, 'sig'>): string {
  return `${v.state}|m${v.marginMin}|${Math.sign(v.lateByMs)}${roundedMinutes(v.lateByMs)}|${v.path.map((s) => `${s.name}:${s.kind}`).join('>')}|${v.culprit?.name ?? ''}`;
}

/** Whether a card is a baseline's (drawn by buildBaselineCard). */
export function isBaselineCard(card: Pick<AlertCard, 'subject'>): boolean {
  return card.subject?.startsWith(BASELINE_SUBJECT) ?? false;
}
