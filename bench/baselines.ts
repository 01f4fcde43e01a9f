/**
 * Baselines' accuracy and cost (`npm run bench -- --only baselines`).
 *
 * Accuracy: `pipelines` eight-task DAGs (two syncs → two ODS loads → DWD → DWS → DQC → the ADS
 * output; plan times 01:00–03:00; usual durations 5–40 min each), each committed at 07:00 with a
 * 30 min margin, replayed over `days` simulated days after four weeks of warm-up history. Every
 * day has log-normal variation (σ 0.15); injected: slow days (15 % of pipeline-days, one task 3–15 ×
 * its usual time) and failures (6 %, one task fails part-way and is rerun 20–150 min later). The
 * prediction (the same code the alert poll runs: src/baselines/cycle.ts and prediction.ts) is
 * evaluated every 5 minutes from midnight; a warning is the first poll warnNow posts a card on (a breach predicted on two polls in a row, or one inside the margin). Reported:
 * breaches (landed after 07:00) warned before 07:00 and missed, the median lead of those warnings,
 * false alarms (warned, landed on time) as a share of warnings.
 *
 * Cost: one poll's prediction work for 500 baselines (cycle, histories of 28 days, nodes, critical
 * path), on runs as the watcher holds them after its one run list; the median of 5 polls.
 */
import { type RunFacts, type TaskFacts, currentCycle, historiesOf, nodesOf } from '../src/baselines/cycle.js';
import type { Baseline } from '../src/baselines/model.js';
import { predict, warnNow } from '../src/baselines/prediction.js';
import { makeRng } from '../src/sandbox/sim.js';
import { RUN_STATUS } from '../src/studio/enums.js';

const MIN = 60_000;
const OVERRUN = process.env.BL_OVERRUN ? Number(process.env.BL_OVERRUN) : undefined;
const DAY = 86_400_000;
const START = Date.parse('2026-01-05T00:00:00Z');

interface TaskSpec {
  name: string;
  upstream: number[];
  planMin: number;
  usualMin: number;
}

/** One attempt (or two: failed, then rerun) of a task on a day. */
interface DayRun {
  plan: number;
  ready: number;
  start: number;
  failAt?: number;
  rerunStart?: number;
  end: number;
}

function template(rng: () => number): TaskSpec[] {
  const u = (lo: number, hi: number) => lo + rng() * (hi - lo);
  return [
    { name: 'sync_orders', upstream: [], planMin: 60, usualMin: u(15, 30) },
    { name: 'sync_users', upstream: [], planMin: 60, usualMin: u(10, 25) },
    { name: 'ods_orders', upstream: [0], planMin: 90, usualMin: u(10, 20) },
    { name: 'ods_users', upstream: [1], planMin: 90, usualMin: u(5, 15) },
    { name: 'dwd_orders', upstream: [2, 3], planMin: 120, usualMin: u(20, 40) },
    { name: 'dws_sales', upstream: [4], planMin: 150, usualMin: u(20, 40) },
    { name: 'dqc_sales', upstream: [5], planMin: 150, usualMin: u(5, 10) },
    { name: 'ads_daily_report', upstream: [6], planMin: 180, usualMin: u(10, 20) },
  ];
}

function normal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** What really happened on one day, task by task (topological order: the template's). */
function simulateDay(tasks: TaskSpec[], dayStart: number, rng: () => number, inject: boolean): { runs: DayRun[]; slow?: number; slowFactor?: number; failed?: number } {
  const slow = inject && rng() < 0.15 ? Math.floor(rng() * tasks.length) : undefined;
  const failed = inject && slow === undefined && rng() < 0.06 ? Math.floor(rng() * tasks.length) : undefined;
  const slowFactor = 3 + rng() * 12;
  const runs: DayRun[] = [];
  tasks.forEach((t, i) => {
    const plan = dayStart + t.planMin * MIN;
    const ready = Math.max(plan, ...t.upstream.map((u) => runs[u]!.end));
    const start = ready + rng() * 2 * MIN;
    let dur = t.usualMin * MIN * Math.exp(0.15 * normal(rng));
    if (i === slow) dur *= slowFactor;
    if (i === failed) {
      const failAt = start + dur * (0.2 + 0.6 * rng());
      const rerunStart = failAt + (20 + rng() * 130) * MIN;
      runs.push({ plan, ready, start, failAt, rerunStart, end: rerunStart + t.usualMin * MIN * Math.exp(0.15 * normal(rng)) });
    } else runs.push({ plan, ready, start, end: start + dur });
  });
  return { runs, slow, slowFactor: slow === undefined ? undefined : slowFactor, failed };
}

/** A task's run as Studio would list it at time `t` (undefined: not created yet — Studio creates it at its plan time here). */
function runAt(r: DayRun, taskId: number, id: number, t: number): RunFacts | undefined {
  if (t < r.plan) return undefined;
  const base = { id, taskId, planTime: r.plan };
  if (t < r.start) return { ...base, status: RUN_STATUS.WAITING_UPSTREAM, startTime: undefined, endTime: undefined };
  if (r.failAt !== undefined && t < r.rerunStart!) {
    return t < r.failAt
      ? { ...base, status: RUN_STATUS.RUNNING, startTime: r.start, endTime: undefined }
      : { ...base, status: RUN_STATUS.FAILED, startTime: r.start, endTime: r.failAt, failMsg: 'injected failure' };
  }
  const started = r.rerunStart ?? r.start;
  if (t < r.end) return { ...base, status: RUN_STATUS.RUNNING, startTime: started, endTime: undefined };
  return { ...base, status: RUN_STATUS.SUCCESS, startTime: started, endTime: r.end };
}

interface Pipeline {
  baseline: Baseline;
  tasks: TaskFacts[];
  spec: TaskSpec[];
  days: DayRun[][];
  /** Per day, the task injected slow (and how slow) or failed. */
  injected: { slow?: number; slowFactor?: number; failed?: number }[];
}

function pipeline(p: number, days: number, rng: () => number, warmup: number): Pipeline {
  const spec = template(rng);
  const base = 1000 + p * 10;
  const tasks: TaskFacts[] = spec.map((t, i) => ({
    taskId: base + i,
    name: `${t.name}_${p}`,
    upstream: t.upstream.map((u) => base + u),
    cron: `0 ${t.planMin % 60} ${Math.floor(t.planMin / 60)} * * ? *`,
  }));
  const out: DayRun[][] = [];
  const injected: Pipeline['injected'] = [];
  for (let d = 0; d < warmup + days; d++) {
    const { runs, ...inj } = simulateDay(spec, START + d * DAY, rng, true);
    out.push(runs);
    injected.push(inj);
  }
  return { baseline: { task: tasks.at(-1)!.name, cycle: 'daily', hour: 7, minute: 0, marginMin: 30 }, tasks, spec, days: out, injected };
}

/** The 28 days before a pipeline-day, as the watcher keeps them (read once a day). */
const historyCache = new Map<string, Map<number, RunFacts[]>>();

/** The watcher's inputs at time `t` of day `d`: the cycle's runs and 28 days of history before. */
function inputsAt(p: Pipeline, d: number, t: number) {
  const runs: RunFacts[] = [];
  p.tasks.forEach((task, i) => {
    const r = runAt(p.days[d]![i]!, task.taskId, d * 100 + i + 1, t);
    if (r) runs.push(r);
  });
  const key = `${p.baseline.task}@${d}`;
  const cached = historyCache.get(key);
  if (cached) return { runs, history: cached };
  const history = new Map<number, RunFacts[]>();
  historyCache.clear(); // one pipeline-day at a time
  historyCache.set(key, history);
  p.tasks.forEach((task, i) => {
    const list: RunFacts[] = [];
    for (let h = Math.max(0, d - 28); h < d; h++) list.push(runAt(p.days[h]![i]!, task.taskId, h * 100 + i + 1, Number.POSITIVE_INFINITY)!);
    history.set(task.taskId, list);
  });
  return { runs, history };
}

function evaluate(p: Pipeline, d: number, t: number) {
  const { runs, history } = inputsAt(p, d, t);
  const output = p.tasks.at(-1)!;
  const cycle = currentCycle(
    p.baseline,
    output,
    runs.filter((r) => r.taskId === output.taskId),
    t,
  );
  if (!cycle) return undefined;
  const nodes = nodesOf(p.baseline, output.taskId, p.tasks, runs, historiesOf(p.baseline, p.tasks, history, cycle), cycle);
  return predict(nodes, { now: t, committed: cycle.committed, marginMs: p.baseline.marginMin * MIN, outputId: output.taskId, overrunShare: OVERRUN });
}

/** A warning for an output that landed on time, and what the prediction said when it warned. */
export interface FalseAlarm {
  pipeline: number;
  day: number;
  /** When the warning went out, and the predicted / actual finish (hh:mm of the output's day). */
  warnedAt: string;
  predicted: string;
  landed: string;
  /** Predicted finish − (committed − margin) when warned, min (> 0: inside the margin). */
  intoMarginMin: number;
  /** How early it really landed, min before the committed time. */
  landedEarlyMin: number;
  /** What the day really had: 'slow <task> ×F', 'failed <task>' or 'none'. */
  injected: string;
  /** What the card would have named: '<task> <kind> [×ratio]', or 'none'. */
  culprit: string;
}

export type BaselineBenchResult = {
  seed: number;
  pipelines: number;
  days: number;
  outputs: number;
  breaches: number;
  breachesWarned: number;
  breachesMissed: number;
  medianLeadMin: number;
  warnings: number;
  falseAlarms: number;
  falseAlarmRate: number;
  /** False alarms counted by what the day had (slow / failed / none) and by the culprit's kind. */
  falseAlarmsBy: { injected: Record<string, number>; culprit: Record<string, number> };
  falseAlarmList: FalseAlarm[];
  pollMs500: number;
  pollBudgetMs: number;
};

const hhmm = (t: number, dayStart: number) => {
  const m = Math.round((t - dayStart) / MIN);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

export async function runBaselineBench(pipelines = 20, days = 60, seed = 35): Promise<BaselineBenchResult> {
  const rng = makeRng(seed);
  const warmup = 28;
  const ps = Array.from({ length: pipelines }, (_, i) => pipeline(i, days, rng, warmup));
  let breaches = 0;
  let breachesWarned = 0;
  let warnings = 0;
  let falseAlarms = 0;
  const falseAlarmList: FalseAlarm[] = [];
  const leads: number[] = [];
  for (const [pi, p] of ps.entries()) {
    for (let d = warmup; d < warmup + days; d++) {
      const dayStart = START + d * DAY;
      const committed = dayStart + 7 * 60 * MIN;
      const landed = p.days[d]!.at(-1)!.end;
      let warnedAt: number | undefined;
      let warnedWith: ReturnType<typeof evaluate>;
      let previous = false;
      for (let t = dayStart + 5 * MIN; t <= Math.min(landed, committed + 3 * 60 * MIN); t += 5 * MIN) {
        const pr = evaluate(p, d, t);
        if (pr && warnNow(pr, previous, t)) {
          warnedAt = t;
          warnedWith = pr;
          break;
        }
        previous = pr?.breachPredicted ?? false;
      }
      const breach = landed > committed;
      const inTime = warnedAt !== undefined && warnedAt <= committed;
      if (inTime) warnings++;
      if (breach) {
        breaches++;
        if (inTime) {
          breachesWarned++;
          leads.push((committed - warnedAt!) / MIN);
        }
      } else if (inTime) {
        falseAlarms++;
        const inj = p.injected[d]!;
        const c = warnedWith!.culprit;
        falseAlarmList.push({
          pipeline: pi,
          day: d - warmup,
          warnedAt: hhmm(warnedAt!, dayStart),
          predicted: hhmm(warnedWith!.expectedFinish, dayStart),
          landed: hhmm(landed, dayStart),
          intoMarginMin: Math.round((warnedWith!.expectedFinish - (committed - p.baseline.marginMin * MIN)) / MIN),
          landedEarlyMin: Math.round((committed - landed) / MIN),
          injected:
            inj.slow !== undefined ? `slow ${p.spec[inj.slow]!.name} ×${inj.slowFactor!.toFixed(1)}` : inj.failed !== undefined ? `failed ${p.spec[inj.failed]!.name}` : 'none',
          culprit: c ? `${c.name.replace(/_\d+$/, '')} ${c.kind}${c.ratio !== undefined ? ` ×${c.ratio.toFixed(1)}` : ''}` : 'none',
        });
      }
    }
  }
  const countBy = (key: (f: FalseAlarm) => string) => {
    const out: Record<string, number> = {};
    for (const f of falseAlarmList) out[key(f)] = (out[key(f)] ?? 0) + 1;
    return out;
  };
  const falseAlarmsBy = {
    injected: countBy((f) => f.injected.split(' ')[0]!),
    culprit: countBy((f) => (f.culprit === 'none' ? 'none' : f.culprit.split(' ')[1]!)),
  };
  leads.sort((a, b) => a - b);
  // Cost: 500 baselines at 03:30 of one day (mid-pipeline), the watcher's per-poll work.
  const costPs = Array.from({ length: 500 }, (_, i) => pipeline(10_000 + i, 1, makeRng(seed + i), warmup));
  const d = warmup;
  const t = START + d * DAY + 210 * MIN;
  const inputs = costPs.map((p) => inputsAt(p, d, t));
  const polls: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    costPs.forEach((p, i) => {
      const { runs, history } = inputs[i]!;
      const output = p.tasks.at(-1)!;
      const cycle = currentCycle(
        p.baseline,
        output,
        runs.filter((r) => r.taskId === output.taskId),
        t,
      )!;
      const nodes = nodesOf(p.baseline, output.taskId, p.tasks, runs, historiesOf(p.baseline, p.tasks, history, cycle), cycle);
      predict(nodes, { now: t, committed: cycle.committed, marginMs: 30 * MIN, outputId: output.taskId });
    });
    polls.push(performance.now() - t0);
  }
  polls.sort((a, b) => a - b);
  return {
    seed,
    pipelines,
    days,
    outputs: pipelines * days,
    breaches,
    breachesWarned,
    breachesMissed: breaches - breachesWarned,
    medianLeadMin: leads.length ? Math.round(leads[Math.floor(leads.length / 2)]!) : 0,
    warnings,
    falseAlarms,
    falseAlarmRate: warnings ? Math.round((falseAlarms / warnings) * 1000) / 1000 : 0,
    falseAlarmsBy,
    falseAlarmList,
    pollMs500: Math.round(polls[2]! * 10) / 10,
    pollBudgetMs: 60_000,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runBaselineBench(Number(process.env.BL_P ?? 20), Number(process.env.BL_D ?? 60), Number(process.env.BL_SEED ?? 35)).then((r) => console.log(JSON.stringify(r, null, 2)));
}
