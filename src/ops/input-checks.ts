/** Why a request cannot be done as asked — checked before anything is sent to Studio. */
import { datesBetween } from '../studio/dates.js';
import { RUN_STATUS, type TaskKind, isStreamKind, isTerminalStatus } from '../studio/enums.js';
import type { Run } from '../studio/models.js';
import { BACKFILL_HARD_LIMIT_DAYS } from './types.js';
/** What a stream is instead, said in every refusal of a batch operation on one. */
function streamNote(taskName: string, kind: TaskKind): string {
  return `\`${taskName}\` is a ${kind.label} task: it runs continuously`;
}

/**
 * Why a batch operation (backfill, rerun, a one-off run) does not apply to a stream, or undefined
 * for a batch task. Streams are started, stopped and restarted from a position instead.
 */
export function streamProblem(action: 'backfill' | 'rerun' | 'execute', taskName: string, kind: TaskKind | undefined): string | undefined {
  if (!isStreamKind(kind)) return undefined;
  const instead = `Restart the stream from its last position instead (\`/cz stream restart ${taskName}\`; \`/cz task ${taskName}\` shows its state, lag and tables).`;
  if (action === 'backfill') return `${streamNote(taskName, kind)} from a source position, not by business date, so it cannot be backfilled. ${instead}`;
  if (action === 'rerun') return `${streamNote(taskName, kind)}. A run of a stream is not rerun: ${instead.charAt(0).toLowerCase()}${instead.slice(1)}`;
  return `${streamNote(taskName, kind)} once deployed; a one-off run does not apply. ${instead}`;
}

/** Why `action` cannot be done to a run in its present state, or undefined. */
export function runStateProblem(action: 'rerun' | 'stop', run: Run): string | undefined {
  if (action === 'rerun') {
    const stream = streamProblem('rerun', run.taskName, run.taskType.kind);
    if (stream) return stream;
  }
  const terminal = isTerminalStatus(run.status.code);
  if (action === 'rerun' && !terminal) {
    return `Run ${run.id} is ${run.status.label}; only a finished run (SUCCESS, FAILED, UPSTREAM_FAILED) can be rerun.${run.status.code === RUN_STATUS.RUNNING ? ` Stop it first with \`/cz stop ${run.id}\` if it is stuck.` : ''}`;
  }
  if (action === 'stop' && terminal) return `Run ${run.id} already finished as ${run.status.label}; there is nothing to stop.`;
  return undefined;
}

/** Why a date range cannot be backfilled, or undefined. */
export function backfillDateProblem(from: string, to: string, today: string): string | undefined {
  if (from > to) return `The start date ${from} is after the end date ${to}.`;
  if (to > today) return `The end date ${to} is in the future (today is ${today}); business dates can be backfilled up to today.`;
  const days = datesBetween(from, to).length;
  if (days > BACKFILL_HARD_LIMIT_DAYS) return `${days} business dates is more than the ${BACKFILL_HARD_LIMIT_DAYS} a backfill may cover. Split it into smaller ranges.`;
  return undefined;
}
