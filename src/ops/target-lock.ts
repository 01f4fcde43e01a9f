/**
 * One write per target, whoever clicks: an operation waits (a bounded time) for another operation
 * writing to the same run or task, and learns whether that one did the very same thing; a later click on an
 * operation that has ended is answered with how it ended.
 */
import type { OperationRecord, OperationStore } from '../store/operations.js';
import { canonicalJson } from '../store/operations.js';
import type { Remote } from '../store/remote.js';
import type { OpOutcome } from './types.js';

/** The same action with the same parameters on the same target (where it came from aside). */
function sameIntent(a: OperationRecord, b: OperationRecord): boolean {
  const what = (o: OperationRecord) => {
    const { cardId: _c, folder: _f, ...rest } = o.params;
    return canonicalJson({ action: o.action, target: o.target, params: rest });
  };
  return what(a) === what(b);
}

/**
 * The write lock of the operation's target. While another operation holds it and is being sent,
 * wait for it (bounded); when it holds an unknown outcome, refuse; a lock left by a settled
 * operation is taken over. `sameDone`: the holder did the same action and succeeded.
 */
export async function acquireTarget(
  ops: Remote<OperationStore>,
  op: OperationRecord,
  waitMs: number,
): Promise<{ ok: true; sameDone?: OperationRecord } | { ok: false; message: string }> {
  const deadline = Date.now() + waitMs;
  let waitedOn: string | undefined;
  for (;;) {
    const l = await ops.lockTarget(op.target, op.id);
    if (l.kind === 'acquired') {
      const holder = waitedOn ? await ops.get(waitedOn) : undefined;
      return { ok: true, sameDone: holder && holder.status === 'succeeded' && sameIntent(holder, op) ? holder : undefined };
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
    waitedOn = holder.id;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How an operation that has ended answers a later click on it (nothing is sent again). */
export function previousOutcome(op: OperationRecord): OpOutcome | undefined {
  if (op.status !== 'succeeded' && op.status !== 'failed' && op.status !== 'unknown') return undefined;
  const r = (op.result ?? {}) as { message?: string; link?: string; runId?: number; jobId?: number; requestId?: string };
  return { kind: 'done', op, status: op.status, message: r.message ?? '', link: r.link, runId: r.runId, jobId: r.jobId, studioRequestId: r.requestId, duplicate: true };
}
