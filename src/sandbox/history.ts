/**
 * The sandbox's run history, for baselines to learn from: per task a usual duration (by its kind,
 * fixed by its name), a day-to-day variation (log-normal, σ ≈ 0.15), Mondays slower (the weekend's
 * backlog), slow days (one in twenty: 2–4× as long) and, in the weeks before the scripted last
 * seven days, occasional failures. Each run's draw comes from a generator seeded by the task's
 * name and the run's plan time, so the same workspace is written whatever the order, and a
 * restart (or a second sandbox) gets the same history. Also: slowing a run down on request, so
 * that a baseline can be put at risk in the playground.
 */
import { formatDate, startOfDayMs } from '../studio/dates.js';
import { RUN_STATUS, RUN_TYPE } from '../studio/enums.js';
import { failuresFor } from './failures.js';
import { type PlannedOutcome, type StudioSim, makeRng } from './sim.js';
import type { TaskRow } from './store.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** FNV-1a of a string: a seed from a task's name and a plan time. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Usual minutes by kind of task: syncs and transforms take longer than checks and scripts. */
const USUAL_RANGE: Record<string, [number, number]> = {
  DI: [10, 25],
  MULTI_DI: [15, 35],
  JDBC: [8, 20],
  SQL: [5, 40],
  PYTHON: [3, 12],
  SHELL: [2, 8],
};

/** A task's usual (median) duration, ms: fixed by its name and kind. */
export function usualDurationMs(task: Pick<TaskRow, 'name'>, kindKey: string | undefined): number {
  const [lo, hi] = USUAL_RANGE[kindKey ?? ''] ?? [5, 20];
  const u = (hash(`usual:${task.name}`) % 10_000) / 10_000;
  return Math.round((lo + u * (hi - lo)) * MINUTE);
}

export interface HistoryModel {
  /** Chance a (task, day) is a slow day. */
  slowDayRate: number;
  /** Chance of a failure, in the weeks before the scripted week. */
  failureRate: number;
}

export const DEFAULT_HISTORY: HistoryModel = { slowDayRate: 0.05, failureRate: 0.03 };

/** One run's simulated duration and outcome (failures only when `mayFail`). */
export function historicalOutcome(sim: StudioSim, task: TaskRow, planTime: number, mayFail: boolean, model: HistoryModel = DEFAULT_HISTORY): PlannedOutcome {
  const rng = makeRng(hash(`${task.name}@${planTime}`));
  const kind = sim.kindOf(task)?.key;
  // Box–Muller: a normal draw for the day-to-day variation.
  const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  let factor = Math.exp(0.15 * z);
  if (new Date(planTime).getUTCDay() === 1) factor *= 1.3;
  if (rng() < model.slowDayRate) factor *= 2 + 2 * rng();
  const durationMs = Math.max(MINUTE, Math.round(usualDurationMs(task, kind) * factor));
  if (mayFail && rng() < model.failureRate) {
    const pool = failuresFor(kind).filter((f) => f.id !== 'tenant_overdue' && f.id !== 'mapping_missing');
    const f = pool[Math.floor(rng() * pool.length)];
    if (f) return { failureId: f.id, transient: f.transient, durationMs: Math.round(durationMs * (0.2 + 0.6 * rng())) };
  }
  return { failureId: null, durationMs };
}

/** Days of history the demo workspace is seeded with (the last seven carry the scripted failures). */
export const HISTORY_DAYS = 28;
export const SCRIPTED_DAYS = 7;

/** Whether a plan time falls before the scripted week (where random failures may be drawn). */
export function beforeScriptedWeek(planTime: number, todayStart: number): boolean {
  return planTime < todayStart - SCRIPTED_DAYS * DAY;
}

/** Where the runs (and attempts) of the weeks before the scripted one are numbered from. */
const EARLY_IDS = { runs: 6_000_000, attempts: 8_000_000 } as const;

/**
 * Runs the scheduler up to `until` (the start of the scripted week) with run and attempt ids of
 * their own range: the scripted week's runs keep the ids they had when the history was one week
 * (tests and documents name them).
 */
export function writeEarlyHistory(sim: StudioSim, until: number): void {
  const { store } = sim;
  const saved = { runs: store.getMeta('seq:runs')!, attempts: store.getMeta('seq:attempts')! };
  store.setMeta('seq:runs', String(EARLY_IDS.runs));
  store.setMeta('seq:attempts', String(EARLY_IDS.attempts));
  try {
    sim.advanceTo(until);
  } finally {
    store.setMeta('seq:runs', saved.runs);
    store.setMeta('seq:attempts', saved.attempts);
  }
}

/**
 * Slow down a task's current scheduled run (not finished): its attempt takes `factor` × as long.
 * Returns the run's id, or undefined when the task has no such run.
 */
export function slowDownRun(sim: StudioSim, taskName: string, factor: number): number | undefined {
  sim.advance();
  const task = sim.store.taskByName(taskName);
  if (!task || !(factor > 0)) return undefined;
  const run = sim.store
    .activeRuns()
    .filter((r) => r.task_id === task.id && r.instance_type === RUN_TYPE.SCHEDULE && r.status !== RUN_STATUS.SUCCESS)
    .sort((a, b) => a.plan_time - b.plan_time)[0];
  if (!run || run.duration_ms === null) return undefined;
  sim.store.updateRun(run.id, { duration_ms: Math.round(run.duration_ms * factor) });
  return run.id;
}

export interface SlowDay {
  /** When the chain's runs are planned (today's cycle, started again). */
  planTime: number;
  /** The runs created, upstream first. */
  runs: { task: string; runId: number; durationMs: number }[];
  /** The slow task: its run, its usual duration and how long this run takes. */
  slow: { task: string; runId: number; usualMs: number; durationMs: number };
}

/**
 * A slow day, now: the scheduler starts today's cycle of `output` and of every scheduled task
 * upstream of it again, as if it had fired `2 × usual` of the slow task ago (so that task is
 * already running at twice its usual time when this returns), with durations drawn as the history's
 * are and the slow task taking `factor` × its usual time. The slow task is `slow`, or the chain's
 * longest task with nothing upstream (its first sync). For the playground: a baseline card comes
 * from the watcher's own prediction on these runs, without waiting for the chain's time of day.
 * The plan time is kept within today (a cycle's committed time is counted from its plan day).
 * The slow day takes the place of the chain's scheduled runs of today: those the scheduler already
 * made are removed, and the chain's crons do not fire again until tomorrow — otherwise a run of the
 * day planned later than the slow day's (the chain fires at 02:00, 02:30 and 03:00) is the one a
 * watcher follows, and the slow task is not on the path it sees.
 */
export function simulateSlowDay(sim: StudioSim, outputName: string, opts: { factor?: number; slow?: string } = {}): SlowDay | { error: string } {
  sim.advance();
  const { store } = sim;
  const output = store.taskByName(outputName);
  if (!output) return { error: `No task named ${outputName}.` };
  const factor = opts.factor ?? 4;
  if (!(factor >= 1 && factor <= 100)) return { error: `factor must be between 1 and 100 (got ${String(opts.factor)}).` };
  // The output and its scheduled upstream, upstream first.
  const chain: TaskRow[] = [];
  const seen = new Set<number>();
  const visit = (t: TaskRow) => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    for (const d of store.deps(t)) {
      const up = store.task(d.taskId);
      if (up && up.task_status === 1 && up.cron) visit(up);
    }
    chain.push(t);
  };
  visit(output);
  if (output.task_status !== 1 || !output.cron) return { error: `${outputName} is not scheduled (online with a schedule).` };
  const usual = (t: TaskRow) => usualDurationMs(t, sim.kindOf(t)?.key);
  const inChain = new Set(chain.map((t) => t.id));
  const roots = chain.filter((t) => !store.deps(t).some((d) => inChain.has(d.taskId)));
  const slow = opts.slow === undefined ? [...roots].sort((a, b) => usual(b) - usual(a))[0]! : chain.find((t) => t.name === opts.slow);
  if (!slow) return { error: `${String(opts.slow)} is not upstream of ${outputName}.` };
  const now = sim.now();
  const tz = sim.opts.timeZone;
  const dayStart = startOfDayMs(formatDate(now, tz), tz);
  const nextDay = startOfDayMs(formatDate(dayStart + DAY + 2 * 3_600_000, tz), tz);
  const planTime = Math.max(now - 2 * usual(slow), dayStart);
  for (const t of chain) {
    store.deleteRuns(
      store
        .runsOfTaskPlanned(t.id, dayStart, nextDay)
        .filter((r) => r.instance_type === RUN_TYPE.SCHEDULE)
        .map((r) => r.id),
    );
    store.setCronCursor(t.id, nextDay - 1);
  }
  const runs: SlowDay['runs'] = [];
  for (const t of chain) {
    const durationMs = t.id === slow.id ? Math.round(usual(slow) * factor) : (historicalOutcome(sim, t, planTime, false).durationMs ?? usual(t));
    const runId = store.insertRun({
      task_id: t.id,
      instance_type: RUN_TYPE.SCHEDULE,
      plan_time: planTime,
      ready_at: planTime,
      trigger_time: planTime,
      executor: 'scheduler',
      vc_code: t.vc_code,
      biz_date: sim.bizDateFor(planTime),
      failure_id: null,
      transient: 0,
      duration_ms: durationMs,
    });
    runs.push({ task: t.name, runId, durationMs });
  }
  sim.advance();
  const slowRun = runs.find((r) => r.task === slow.name)!;
  return { planTime, runs, slow: { task: slow.name, runId: slowRun.runId, usualMs: usual(slow), durationMs: slowRun.durationMs } };
}
