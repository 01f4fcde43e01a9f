/**
 * From Studio's facts to a prediction's input: which cycle of a baseline is current (the output's
 * run under way, one that landed a moment ago, or the next by its schedule), each upstream task's
 * run in that cycle (or its plan time by cron when it has none yet), and each task's history of the
 * same cycle (durations, and waits between being ready and starting). Pure: the watcher and the
 * benchmark feed it.
 */
import { nextStudioFireTimes } from '../cron/studio-cron.js';
import { RUN_STATUS } from '../studio/enums.js';
import { type Baseline, committedTimeFor, cycleKey } from './model.js';
import type { DagNode, NodeHistory, NodeState } from './prediction.js';

/** What a prediction needs of a run (Studio's Run has these, and more). */
export interface RunFacts {
  id: number;
  taskId: number;
  status: number;
  planTime: number | undefined;
  startTime: number | undefined;
  endTime: number | undefined;
  bizDate?: string | undefined;
  failMsg?: string | undefined;
}

export interface TaskFacts {
  taskId: number;
  name: string;
  owner?: string;
  /** Its upstream tasks (ids, within the output's flattened DAG). */
  upstream: number[];
  /** Studio's (Quartz) cron, when scheduled. */
  cron?: string;
}

export interface Cycle {
  planTime: number;
  committed: number;
  key: string;
  /** The output's run in it, once there is one. */
  outputRunId?: number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Samples of history kept per task. */
const HISTORY_SAMPLES = 28;

export const cycleLength = (b: Pick<Baseline, 'cycle'>) => (b.cycle === 'hourly' ? HOUR : DAY);

function nextFire(cron: string | undefined, after: number, timeZone: string): number | undefined {
  if (!cron) return undefined;
  try {
    return nextStudioFireTimes(cron, after, 1, timeZone)[0];
  } catch {
    return undefined;
  }
}

/**
 * The cycle to watch: the output's latest run, while it has not landed (until a cycle after its
 * committed time) or for half a cycle after it landed; otherwise the next run (planned ahead by
 * Studio, or the next fire time of its cron).
 */
export function currentCycle(b: Baseline, output: TaskFacts, outputRuns: RunFacts[], now: number, timeZone = 'UTC'): Cycle | undefined {
  const len = cycleLength(b);
  const sorted = outputRuns.filter((r) => r.planTime !== undefined).sort((x, y) => y.planTime! - x.planTime! || y.id - x.id);
  const cur = sorted.find((r) => r.planTime! <= now);
  if (cur) {
    const committed = committedTimeFor(b, cur.planTime!, timeZone);
    const keep = cur.status === RUN_STATUS.SUCCESS ? now < Math.max(committed, cur.endTime ?? 0) + len / 2 : now < committed + len;
    if (keep) return { planTime: cur.planTime!, committed, key: cycleKey(b, committed), outputRunId: cur.id };
  }
  const ahead = sorted.filter((r) => r.planTime! > now).at(-1);
  const planTime = ahead?.planTime ?? nextFire(output.cron, Math.max(now, cur?.planTime ?? now), timeZone);
  if (planTime === undefined) return undefined;
  const committed = committedTimeFor(b, planTime, timeZone);
  return { planTime, committed, key: cycleKey(b, committed), outputRunId: ahead?.id };
}

/** The window a cycle's upstream runs are planned in: the output's day (daily) or hour (hourly). */
export function cycleWindow(b: Pick<Baseline, 'cycle'>, planTime: number): [number, number] {
  const len = cycleLength(b);
  const start = Math.floor(planTime / len) * len;
  return [start, start + len];
}

function stateOf(run: RunFacts): NodeState {
  if (run.status === RUN_STATUS.SUCCESS && run.startTime !== undefined && run.endTime !== undefined) {
    return { kind: 'succeeded', runId: run.id, startTime: run.startTime, endTime: run.endTime };
  }
  if (run.status === RUN_STATUS.RUNNING && run.startTime !== undefined) return { kind: 'running', runId: run.id, startTime: run.startTime };
  if (run.status === RUN_STATUS.FAILED) return { kind: 'failed', runId: run.id, endTime: run.endTime ?? run.planTime ?? 0, failMsg: run.failMsg };
  return { kind: 'waiting', runId: run.id, planTime: run.planTime };
}

/** The slot a run of a task fills in its history: the business date (daily), the plan hour (hourly). */
function slotOf(b: Pick<Baseline, 'cycle'>, r: RunFacts): string {
  return b.cycle === 'hourly' ? String(Math.floor((r.planTime ?? 0) / HOUR)) : (r.bizDate ?? String(Math.floor((r.planTime ?? 0) / DAY)));
}

/**
 * Each task's durations and waits from its successful runs before the cycle: for an hourly
 * baseline, those at the same hour of the day when there are five or more.
 */
export function historiesOf(b: Pick<Baseline, 'cycle'>, tasks: TaskFacts[], history: Map<number, RunFacts[]>, cycle: Cycle): Map<number, NodeHistory> {
  const [windowStart] = cycleWindow(b, cycle.planTime);
  const hourOfDay = (t: number) => new Date(t).getUTCHours();
  const ends = new Map<number, Map<string, number>>();
  const usable = new Map<number, RunFacts[]>();
  for (const t of tasks) {
    let runs = (history.get(t.taskId) ?? []).filter(
      (r) => r.status === RUN_STATUS.SUCCESS && r.startTime !== undefined && r.endTime !== undefined && r.planTime !== undefined && r.planTime < windowStart,
    );
    if (b.cycle === 'hourly') {
      const sameHour = runs.filter((r) => hourOfDay(r.planTime!) === hourOfDay(cycle.planTime));
      if (sameHour.length >= 5) runs = sameHour;
    }
    runs = runs.sort((x, y) => y.planTime! - x.planTime!).slice(0, HISTORY_SAMPLES);
    usable.set(t.taskId, runs);
    ends.set(t.taskId, new Map(runs.map((r) => [slotOf(b, r), r.endTime!])));
  }
  const out = new Map<number, NodeHistory>();
  for (const t of tasks) {
    const runs = usable.get(t.taskId)!;
    const waits: number[] = [];
    for (const r of runs) {
      let ready = r.planTime!;
      for (const up of t.upstream) ready = Math.max(ready, ends.get(up)?.get(slotOf(b, r)) ?? ready);
      waits.push(Math.max(0, r.startTime! - ready));
    }
    out.set(t.taskId, { durations: runs.map((r) => r.endTime! - r.startTime!), waits });
  }
  return out;
}

/**
 * The DAG's nodes in a cycle: each task's run in the cycle's window (its latest), or, with none
 * yet, waiting for its next fire time in the window; a task with neither has nothing to do in
 * this cycle and is left out (what waits for it does not wait).
 */
export function nodesOf(b: Baseline, outputId: number, tasks: TaskFacts[], runs: RunFacts[], histories: Map<number, NodeHistory>, cycle: Cycle, timeZone = 'UTC'): DagNode[] {
  const [from, to] = cycleWindow(b, cycle.planTime);
  const latest = new Map<number, RunFacts>();
  for (const r of runs) {
    if (r.planTime === undefined || r.planTime < from || r.planTime >= to) continue;
    const prev = latest.get(r.taskId);
    if (!prev || r.planTime > prev.planTime! || (r.planTime === prev.planTime && r.id > prev.id)) latest.set(r.taskId, r);
  }
  const nodes: DagNode[] = [];
  for (const t of tasks) {
    const run = t.taskId === outputId && cycle.outputRunId !== undefined ? (runs.find((r) => r.id === cycle.outputRunId) ?? latest.get(t.taskId)) : latest.get(t.taskId);
    let state: NodeState | undefined;
    if (run) state = stateOf(run);
    else if (t.taskId === outputId) state = { kind: 'waiting', planTime: cycle.planTime };
    else {
      const fire = nextFire(t.cron, from - 1, timeZone);
      if (fire !== undefined && fire < to) state = { kind: 'waiting', planTime: fire };
    }
    if (!state) continue;
    nodes.push({ taskId: t.taskId, name: t.name, owner: t.owner, upstream: t.upstream, state, history: histories.get(t.taskId) ?? { durations: [], waits: [] } });
  }
  return nodes;
}
