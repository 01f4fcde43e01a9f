/** Why a request cannot be done as asked — checked before anything is sent to Studio. */
import { datesBetween } from '../studio/dates.js';
import { RUN_STATUS, isTerminalStatus } from '../studio/enums.js';
import type { Run } from '../studio/models.js';
import type { OperationRecord } from '../store/operations.js';
import { BACKFILL_HARD_LIMIT_DAYS } from './types.js';
/** Why `action` cannot be done to a run in its present state, or undefined. */
export function runStateProblem(action: 'rerun' | 'stop', run: Run): string | undefined {
  const terminal = isTerminalStatus(run.status.code);
  if (action === 'rerun' && !terminal) {
    return `Run ${run.id} is ${run.status.label}; only a finished run (SUCCESS, FAILED, UPSTREAM_FAILED) can be rerun.${run.status.code === RUN_STATUS.RUNNING ? ` Stop it first with \`/cz stop ${run.id}\` if it is stuck.` : ''}`;
  }
  if (action === 'stop' && terminal) return `Run ${run.id} already finished as ${run.status.label}; there is nothing to stop.`;
  return undefined;
}

/** What to tell a person whose rerun or stop a colleague made since they asked (`done`); otherwise the run's `state` problem. */
export function doneMeanwhile(op: OperationRecord, done: OperationRecord | undefined, state: string): string {
  if (!done || done.id === op.id) return state;
  const said = (done.result as { message?: string } | null)?.message ?? done.status;
  return `Already ${op.action === 'stop' ? 'stopped' : 'rerun'} by <@${done.requestedBy}>: ${said} Nothing was sent to Studio again.`;
}

/** Why a date range cannot be backfilled, or undefined. */
export function backfillDateProblem(from: string, to: string, today: string): string | undefined {
  if (from > to) return `The start date ${from} is after the end date ${to}.`;
  if (to > today) return `The end date ${to} is in the future (today is ${today}); business dates can be backfilled up to today.`;
  const days = datesBetween(from, to).length;
  if (days > BACKFILL_HARD_LIMIT_DAYS) return `${days} business dates is more than the ${BACKFILL_HARD_LIMIT_DAYS} a backfill may cover. Split it into smaller ranges.`;
  return undefined;
}
