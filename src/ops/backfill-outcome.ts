/**
 * How a backfill ended, per business date (issue 33, item 3). A backfill the bot sent is followed
 * like a rerun (a run watch, under its backfill job's id: src/ops/run-watcher.ts) until a run of
 * every date it covers has ended; then each date says succeeded, failed or upstream failed, with
 * its run — so a failed date is one rerun away.
 *
 * Studio lists a backfill's runs as the task's REFILL runs (`taskInst/list`, `instanceType` 4);
 * a date's run is the latest one triggered since the backfill was asked for.
 */
import type { OperationRecord } from '../store/operations.js';
import type { StudioClient } from '../studio/client.js';
import { datesBetween } from '../studio/dates.js';
import { RUN_STATUS, RUN_TYPE, isTerminalStatus } from '../studio/enums.js';
import type { Run } from '../studio/models.js';

export type DateOutcomeStatus = 'succeeded' | 'failed' | 'upstream_failed';

export interface DateOutcome {
  bizDate: string;
  status: DateOutcomeStatus;
  runId: number;
  failMsg: string | undefined;
}

export interface BackfillOutcome {
  jobId: number;
  taskId: number;
  taskName: string;
  from: string;
  to: string;
  dates: DateOutcome[];
}

const STATUS_OF: Record<number, DateOutcomeStatus> = {
  [RUN_STATUS.SUCCESS]: 'succeeded',
  [RUN_STATUS.FAILED]: 'failed',
  [RUN_STATUS.UPSTREAM_FAILED]: 'upstream_failed',
};

/** Runs that may belong to a backfill asked for at `since` (a minute's slack for clocks that differ). */
const SLACK_MS = 60_000;

/**
 * The backfill's outcome per date once a run of every date has ended; undefined while one is
 * still to run or running.
 */
export async function readBackfillOutcome(studio: StudioClient, op: OperationRecord, jobId: number): Promise<BackfillOutcome | undefined> {
  const taskId = Number(op.params.taskId);
  const from = String(op.params.from);
  const to = String(op.params.to);
  const dates = datesBetween(from, to);
  const runs = await studio.listAllRuns({ taskId, runType: RUN_TYPE.REFILL }, 5_000, 200);
  const since = op.createdAt - SLACK_MS;
  const latest = new Map<string, Run>();
  for (const r of runs) {
    if (!r.bizDate || r.bizDate < from || r.bizDate > to) continue;
    if ((r.triggerTime ?? r.planTime ?? 0) < since) continue;
    const cur = latest.get(r.bizDate);
    if (!cur || r.id > cur.id) latest.set(r.bizDate, r);
  }
  const out: DateOutcome[] = [];
  for (const d of dates) {
    const run = latest.get(d);
    if (!run || !isTerminalStatus(run.status.code)) return undefined;
    out.push({ bizDate: d, status: STATUS_OF[run.status.code] ?? 'failed', runId: run.id, failMsg: run.failMsg });
  }
  return { jobId, taskId, taskName: op.taskName ?? String(taskId), from, to, dates: out };
}

/** "9 succeeded, 1 upstream failed": the tally of a backfill's dates. */
export function backfillTally(o: BackfillOutcome): string {
  const count = (s: DateOutcomeStatus) => o.dates.filter((d) => d.status === s).length;
  const parts = [
    [count('succeeded'), 'succeeded'],
    [count('failed'), 'failed'],
    [count('upstream_failed'), 'upstream failed'],
  ].filter(([n]) => (n as number) > 0);
  return parts.map(([n, what]) => `${n} ${what}`).join(', ');
}
