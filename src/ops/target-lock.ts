/**
 * One write per target, whoever clicks: an operation waits (a bounded time) for another operation
 * writing to the same run or task, and learns whether an operation did the very same thing since this
 * one was asked for; a later click on an operation that has ended is answered with how it ended.
 */
import type { OperationRecord, OperationStatus, OperationStore } from '../store/operations.js';
import { canonicalJson } from '../store/operations.js';
import type { Remote } from '../store/remote.js';
import type { OpOutcome } from './types.js';

/** The same action with the same parameters on the same target (where it came from — a card, a bulk rerun — and what the target implies aside). */
function sameIntent(a: OperationRecord, b: OperationRecord): boolean {
  const what = (o: OperationRecord) => {
    const { cardId: _c, folder: _f, bulkOf: _b, taskId: _t, ...rest } = o.params;
    return canonicalJson({ action: o.action, target: o.target, params: rest });
  };
  return what(a) === what(b);
}

/**
 * Start the operation on its target: take the target's write lock and move the operation from `from`
 * to `executing`, together. While another operation holds the lock and is being sent, wait for it
 * (bounded); when it holds an unknown outcome, refuse; a lock left by an operation that has ended is
 * taken over. `sameDone`: an operation did the same action with the same parameters and succeeded
 * since this one was asked for (on this replica or another, waited for or not) — not to be done again.
 * `notMoved`: the operation was no longer in `from` (an earlier click handles it); nothing is held.
 */
export async function startOnTarget(
  ops: Remote<OperationStore>,
  op: OperationRecord,
  from: OperationStatus[],
  waitMs: number,
): Promise<{ ok: true; sameDone?: OperationRecord } | { ok: false; message: string } | { ok: false; notMoved: true }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const l = await ops.startOnTarget(op.target, op.id, from);
    if (l.kind === 'not_moved') return { ok: false, notMoved: true };
    if (l.kind === 'started') {
      const done = await ops.succeededSince(op.target, op.action, op.createdAt);
      return { ok: true, sameDone: done.find((d) => d.id !== op.id && sameIntent(d, op)) };
    }
    const holder = await ops.get(l.opId);
    if (!holder || (holder.status !== 'executing' && holder.status !== 'unknown')) {
      await ops.unlockTarget(op.target, l.opId); // left by an operation that is over
      continue;
    }
    if (holder.status === 'unknown') {
      return {
        ok: false,
        message: `An earlier ${holder.action} of ${op.target} by <@${holder.requestedBy}> has an outcome Studio has not confirmed yet; the bot is checking Studio. Nothing was sent; try again once it is settled (see \`/cz audit\`).`,
      };
    }
    if (Date.now() > deadline)
      return { ok: false, message: `<@${holder.requestedBy}>'s ${holder.action} of ${op.target} is still being sent to Studio. Nothing was sent; try again in a moment.` };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How an operation that has ended answers a later click on it (nothing is sent again). */
export function previousOutcome(op: OperationRecord): OpOutcome | undefined {
  if (op.status !== 'succeeded' && op.status !== 'failed' && op.status !== 'unknown') return undefined;
  const r = (op.result ?? {}) as { message?: string; link?: string; runId?: number; jobId?: number; requestId?: string };
  return { kind: 'done', op, status: op.status, message: r.message ?? '', link: r.link, runId: r.runId, jobId: r.jobId, studioRequestId: r.requestId, duplicate: true };
}
