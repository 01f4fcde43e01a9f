/**
 * When will a baseline's output land? From its upstream DAG (Studio's relations, flattened), each
 * task's state in this cycle (succeeded, running since, failed, waiting) and its history (durations
 * and waiting times of recent successful runs of the same cycle), the expected finish of every
 * task is worked out in topological order: a waiting task starts once its plan time and its
 * upstream tasks' expected finishes have passed (plus its usual wait), and takes its median
 * duration; a running one has its median left, or — once past it — a share of what it has run so
 * far (a run at 2× its usual time is likely to go on); a failed one is assumed rerun a while
 * after it failed (`rerunAfterMs`: someone has to notice), and is named on the card. The
 * critical path is followed back from the output through the upstream task that finishes last.
 * The same walk with the high percentile gives the "could be as late as" finish. Pure: no I/O.
 */

export type NodeState =
  | { kind: 'succeeded'; runId: number; startTime: number; endTime: number }
  | { kind: 'running'; runId: number; startTime: number }
  | { kind: 'failed'; runId: number; endTime: number; failMsg?: string }
  /** Not started: waiting for its time, its upstream or resources (runId: its run, once created). */
  | { kind: 'waiting'; runId?: number; planTime?: number };

export interface NodeHistory {
  /** Durations (start → end) of recent successful runs of the same cycle, ms. */
  durations: number[];
  /** Waits of those runs between being ready (plan time and upstream done) and starting, ms. */
  waits: number[];
}

export interface DagNode {
  taskId: number;
  name: string;
  owner?: string;
  /** The task ids it depends on (within the flattened DAG). */
  upstream: number[];
  state: NodeState;
  history: NodeHistory;
}

export interface Usual {
  median: number;
  high: number;
  wait: number;
  samples: number;
  /** Its history's durations, ascending. */
  sorted: number[];
}

export interface PathStep {
  taskId: number;
  name: string;
  owner?: string;
  runId?: number;
  kind: NodeState['kind'];
  usualMs: number;
  /** Running: time so far ÷ usual duration. */
  ratio?: number;
  expectedStart: number;
  expectedFinish: number;
  failMsg?: string;
}

export type BaselineState = 'safe' | 'at_risk' | 'late' | 'landed';

export interface Prediction {
  state: BaselineState;
  committed: number;
  marginMs: number;
  /** Median-based expected finish of the output (its end time once landed). */
  expectedFinish: number;
  /** The same with each task's high percentile: how late it could plausibly be. */
  riskFinish: number;
  /** expectedFinish − committed: > 0 late, < 0 early. */
  lateByMs: number;
  /** The critical path from its first unfinished task to the output (empty once landed). */
  path: PathStep[];
  /** A failed task the output waits for, or a key-path task running ≫ its usual time. */
  culprit?: PathStep;
  landedAt?: number;
  /** The committed time has passed, or the expected finish is past it: what a card warns of (see warnNow). */
  breachPredicted: boolean;
}

export interface PredictOptions {
  now: number;
  committed: number;
  marginMs: number;
  /** The output task's id (a node of `nodes`). */
  outputId: number;
  /** A running task at this multiple of its usual time is named as the slow one. */
  slowRatio?: number;
  /** Once past its median, a run is expected to go on for this share of its time so far. */
  overrunShare?: number;
  /** Duration assumed for a task with no history. */
  defaultDurationMs?: number;
  /** A failed task is assumed rerun this long after it failed (someone has to notice: its failure card). */
  rerunAfterMs?: number;
}

const DEFAULT_DURATION = 10 * 60_000;
/**
 * A run past everything its history knows is expected to go on for this share of its time so
 * far. Calibrated on the bench's seed 35 (0.1 warned for 6 outputs that landed on time, 0.05 for
 * 1, the same breaches warned) and checked on seed 7.
 */
export const DEFAULT_OVERRUN_SHARE = 0.05;

/**
 * Whether a cycle's card goes out now: when a breach is predicted (the expected finish past the
 * committed time, or the time passed) on two polls in a row — one prediction crossing it can be a
 * run at the edge of its usual times — or on one once inside the margin (waiting a poll there
 * costs lead the margin asks for). A prediction inside the margin but before the committed time
 * is shown as at risk (\`/cz baseline\`, Home, an open card) without posting one: outputs that land
 * there land on time, and as warnings they were the bench's false alarms (32 %).
 */
export function warnNow(p: Pick<Prediction, 'breachPredicted' | 'committed' | 'marginMs'>, previousBreachPredicted: boolean, now: number): boolean {
  if (!p.breachPredicted) return false;
  return previousBreachPredicted || p.committed - now <= p.marginMs;
}

/** Median and high (90th) percentile by nearest rank; the median wait. */
export function usualOf(h: NodeHistory, fallback = DEFAULT_DURATION): Usual {
  const d = [...h.durations].filter((x) => Number.isFinite(x) && x >= 0).sort((a, b) => a - b);
  const w = [...h.waits].filter((x) => Number.isFinite(x) && x >= 0).sort((a, b) => a - b);
  if (d.length === 0) return { median: fallback, high: fallback * 2, wait: 0, samples: 0, sorted: [] };
  return { median: quantile(d, 0.5), high: quantile(d, 0.9), wait: w.length ? quantile(w, 0.5) : 0, samples: d.length, sorted: d };
}

/** Past runs longer than the one under way needed before its remaining time is read from them. */
const MIN_TAIL = 3;

/**
 * What a running task has left after `elapsed`, at quantile `q`: from its own history, the runs
 * that lasted longer than this one has so far (how its past overruns ended) — the q-quantile of
 * their durations minus `elapsed`. With fewer than three such runs, its usual duration's rest, or
 * once past it `overrunShare` of its time so far (a run at 2× its usual time is likely to go on).
 */
export function remainingOf(u: Usual, elapsed: number, q: number, overrunShare: number, fallback: number): number {
  const tail = u.sorted.filter((d) => d > elapsed);
  if (tail.length >= MIN_TAIL) return quantile(tail, q) - elapsed;
  return elapsed < fallback ? fallback - elapsed : Math.max(overrunShare * elapsed, 60_000);
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

interface Walk {
  start: number;
  finish: number;
  /** The upstream task this one waits for last (undefined: its own time or state decides). */
  via: number | undefined;
  /** A failed task upstream (or itself): nothing lands until it is rerun. */
  blocked: boolean;
}

export function predict(nodes: DagNode[], o: PredictOptions): Prediction {
  const byId = new Map(nodes.map((n) => [n.taskId, n]));
  const output = byId.get(o.outputId);
  if (!output) throw new Error(`the output task ${o.outputId} is not in its DAG`);
  const usual = new Map(nodes.map((n) => [n.taskId, usualOf(n.history, o.defaultDurationMs)]));
  const slowRatio = o.slowRatio ?? 1.5;
  const overrun = o.overrunShare ?? DEFAULT_OVERRUN_SHARE;

  const walk = (pick: (u: Usual) => number, q: number): Map<number, Walk> => {
    const done = new Map<number, Walk>();
    const visiting = new Set<number>();
    const visit = (id: number): Walk => {
      const known = done.get(id);
      if (known) return known;
      const n = byId.get(id)!;
      const u = usual.get(id)!;
      const dur = pick(u);
      let w: Walk;
      const s = n.state;
      if (s.kind === 'succeeded') w = { start: s.startTime, finish: s.endTime, via: undefined, blocked: false };
      else if (s.kind === 'running') {
        const elapsed = Math.max(0, o.now - s.startTime);
        const left = remainingOf(u, elapsed, q, overrun, dur);
        w = { start: s.startTime, finish: o.now + left, via: undefined, blocked: false };
      } else if (s.kind === 'failed') {
        const start = Math.max(o.now, s.endTime + (o.rerunAfterMs ?? 30 * 60_000));
        w = { start, finish: start + dur, via: undefined, blocked: true };
      } else {
        if (visiting.has(id)) throw new Error(`the DAG has a cycle through ${n.name}`);
        visiting.add(id);
        let ready = s.planTime ?? Number.NEGATIVE_INFINITY;
        let via: number | undefined;
        let blockedVia: { id: number; finish: number } | undefined;
        for (const up of n.upstream) {
          if (!byId.has(up)) continue;
          const uw = visit(up);
          if (uw.finish > ready) {
            ready = uw.finish;
            via = up;
          }
          if (uw.blocked && (!blockedVia || uw.finish > blockedVia.finish)) blockedVia = { id: up, finish: uw.finish };
        }
        visiting.delete(id);
        const start = Math.max(Number.isFinite(ready) ? ready + u.wait : o.now, o.now);
        // Blocked by a failure: the path goes through it, whatever finishes later.
        w = { start, finish: start + dur, via: blockedVia?.id ?? via, blocked: blockedVia !== undefined };
      }
      done.set(id, w);
      return w;
    };
    visit(o.outputId);
    return done;
  };

  const expected = walk((u) => u.median, 0.5);
  const risk = walk((u) => u.high, 0.9);
  const out = expected.get(o.outputId)!;
  const step = (id: number): PathStep => {
    const n = byId.get(id)!;
    const u = usual.get(id)!;
    const w = expected.get(id)!;
    const s = n.state;
    return {
      taskId: id,
      name: n.name,
      owner: n.owner,
      runId: s.runId,
      kind: s.kind,
      usualMs: u.median,
      ratio: s.kind === 'running' ? Math.max(0, o.now - s.startTime) / Math.max(u.median, 1) : undefined,
      expectedStart: w.start,
      expectedFinish: w.finish,
      failMsg: s.kind === 'failed' ? s.failMsg : undefined,
    };
  };

  if (output.state.kind === 'succeeded') {
    const landedAt = output.state.endTime;
    return {
      state: 'landed',
      committed: o.committed,
      marginMs: o.marginMs,
      expectedFinish: landedAt,
      riskFinish: landedAt,
      lateByMs: landedAt - o.committed,
      path: [],
      landedAt,
      breachPredicted: false,
    };
  }
  // Back from the output through the upstream task that finishes last, to the first unfinished one.
  const path: PathStep[] = [];
  for (let id: number | undefined = o.outputId; id !== undefined; id = expected.get(id)?.via) {
    if (byId.get(id)!.state.kind === 'succeeded') break;
    path.unshift(step(id));
  }
  // Any failed task upstream blocks the output; one on the path is named first.
  const failedOnPath = path.find((p) => p.kind === 'failed');
  const failedAny = failedOnPath ?? [...expected.keys()].map(step).find((p) => p.kind === 'failed');
  const slow = path.filter((p) => (p.ratio ?? 0) >= slowRatio).sort((a, b) => (b.ratio ?? 0) - (a.ratio ?? 0))[0];
  const culprit = failedAny ?? slow;
  const expectedFinish = out.finish;
  const late = o.now > o.committed;
  // A failure alone is the failure card's; it puts the output at risk when the rerun it needs does.
  const atRisk = expectedFinish > o.committed - o.marginMs;
  return {
    breachPredicted: late || expectedFinish > o.committed,
    state: late ? 'late' : atRisk ? 'at_risk' : 'safe',
    committed: o.committed,
    marginMs: o.marginMs,
    expectedFinish,
    riskFinish: Math.max(risk.get(o.outputId)!.finish, expectedFinish),
    lateByMs: expectedFinish - o.committed,
    path,
    culprit,
  };
}

/** Rounded minutes, for "by ~40 min". */
export function roundedMinutes(ms: number): number {
  const m = Math.abs(ms) / 60_000;
  return m < 10 ? Math.max(1, Math.round(m)) : Math.round(m / 5) * 5;
}

/** How a step reads on the path: "00_sync running 2.3× its usual time", "04_transform failed". */
export function stepLabel(p: PathStep, slowRatio = 1.5): string {
  if (p.kind === 'failed') return `${p.name} failed`;
  if (p.kind === 'running' && (p.ratio ?? 0) >= slowRatio) return `${p.name} running ${(p.ratio ?? 0).toFixed(1)}× its usual time`;
  if (p.kind === 'running') return `${p.name} running`;
  return p.name;
}

/**
 * The card's headline, plain text: "ads_daily_report will miss 09:00 by ~40 min — critical path:
 * A running 2.3× its usual time → B → C".
 */
export function headline(output: string, committedLabel: string, p: Prediction): string {
  const path = p.path.length ? ` — critical path: ${p.path.map((s) => stepLabel(s)).join(' → ')}` : '';
  if (p.state === 'landed') {
    const m = roundedMinutes(p.lateByMs);
    return p.lateByMs > 0 ? `${output} landed ${m} min after ${committedLabel}` : `${output} landed ${m} min before ${committedLabel}`;
  }
  if (p.state === 'late') return `${output} missed ${committedLabel}: expected ~${roundedMinutes(p.lateByMs)} min late${path}`;
  if (p.lateByMs > 0) return `${output} will miss ${committedLabel} by ~${roundedMinutes(p.lateByMs)} min${path}`;
  if (p.culprit?.kind === 'failed') return `${output} cannot land by ${committedLabel} until ${p.culprit.name} is rerun${path}`;
  if (p.state === 'safe') return `${output} on track for ${committedLabel}: expected ~${roundedMinutes(p.lateByMs)} min before it${path}`;
  return `${output} may miss ${committedLabel}: expected ~${roundedMinutes(p.lateByMs)} min before it, inside the ${Math.round(p.marginMs / 60_000)} min margin${path}`;
}
