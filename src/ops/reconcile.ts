/**
 * What a crash or an unclear answer left unfinished, settled by reading Studio's state: the
 * start-up reconciliation and the verification loop behind OperationsService. A write is never
 * sent again from here; it is verified (src/ops/verify-write.ts) and the audit log records what
 * Studio shows, one row per change of state.
 */
import type { AuditEvent, AuditLog, AuditOutcome, AuditRow } from '../store/audit.js';
import type { OperationOutcomes } from '../store/outcomes.js';
import type { Remote } from '../store/remote.js';
import type { OperationRecord, OperationStatus } from '../store/operations.js';
import type { Actor, OperationsDeps, OpOutcome, OutcomeListener, Params, ReplyHandle, VerifiedListener } from './types.js';
import type { OperationWrites } from './writes.js';

/** One audit row of an operation. */
export interface OpAuditEvent {
  opId: string;
  action: string;
  target: string;
  taskName?: string;
  params: Params;
  outcome: AuditOutcome;
  error?: string;
  requestId?: string;
  key?: string;
}

export async function appendOpAudit(audit: Remote<AuditLog>, at: number, actor: Actor, e: OpAuditEvent): Promise<void> {
  await audit.append(opAuditEntry(at, actor, e));
}

/**
 * How an operation ended, in one store call (src/store/outcomes.ts): its audit row (`e`, when
 * given), its state, its key's answer and, unless it stays unknown, its target's write lock.
 */
export async function endOperation(
  outcomes: Remote<OperationOutcomes>,
  at: number,
  actor: Actor,
  end: {
    op: Pick<OperationRecord, 'id' | 'target'>;
    from: OperationStatus[];
    to: 'succeeded' | 'failed' | 'unknown';
    result: unknown;
    key?: string;
    keyStatus?: 'succeeded' | 'failed' | 'unknown';
  },
  e?: OpAuditEvent,
): Promise<boolean> {
  const r = await outcomes.end({
    opId: end.op.id,
    from: end.from,
    to: end.to,
    result: end.result,
    key: end.key,
    keyStatus: end.keyStatus,
    unlock: end.to === 'unknown' ? undefined : end.op.target,
    audit: e && opAuditEntry(at, actor, e),
  });
  return r.moved;
}

function opAuditEntry(at: number, actor: Actor, e: OpAuditEvent): AuditEvent {
  return {
    at,
    opId: e.opId,
    actorId: actor.userId,
    actorName: actor.userName,
    teamId: actor.teamId,
    channelId: actor.channelId,
    source: actor.source,
    action: e.action,
    target: e.target,
    taskName: e.taskName,
    params: e.params,
    outcome: e.outcome,
    error: e.error,
    studioRequestId: e.requestId,
    idempotencyKey: e.key,
  };
}

/**
 * Which owners' unfinished work a reconciliation may settle: this replica's earlier incarnation at
 * start-up, and replicas that died (their heartbeat stopped) — never a live replica's writes in flight.
 */
export type OwnerScope = (owner: string | null) => boolean;

export interface ReconcileHooks {
  now: () => number;
  /** How long after sending a write that Studio does not show is taken as not applied. */
  settleAfterMs: number;
  listeners: readonly OutcomeListener[];
  verifiedListeners: readonly VerifiedListener[];
}

export class Reconciler {
  private verifying = false;
  /** Back-off of the verification loop per operation: the next check is due at `at` (1 s, 2 s, 4 s … 1 min). */
  private readonly nextCheck = new Map<string, { n: number; at: number }>();

  constructor(
    private readonly d: Pick<OperationsDeps, 'ops' | 'audit' | 'outcomes'>,
    private readonly writes: OperationWrites,
    private readonly hooks: ReconcileHooks,
  ) {}

  private async audit(actor: Actor, e: OpAuditEvent): Promise<void> {
    await appendOpAudit(this.d.audit, this.hooks.now(), actor, e);
  }

  /** An operation a restart ended: failed (its key answered, its target released), on behalf of who asked for it. */
  private async endFailed(op: OperationRecord, message: string, result: unknown): Promise<void> {
    const e = { opId: op.id, action: op.action, target: op.target, taskName: op.taskName ?? undefined, params: op.params };
    const actor = this.systemActor(op.requestedBy, op.requestedByName);
    await endOperation(this.d.outcomes, this.hooks.now(), actor, { op, from: ['executing'], to: 'failed', result }, { ...e, outcome: 'failed', error: message });
  }

  /**
   * Settle what a stopped process left unfinished (at start-up, this replica's earlier run; on the
   * lease holder, replicas that died: `scope`). An operation killed before its
   * write was sent is failed (nothing reached Studio; the same request may be made again). A write
   * that was sent is verified against Studio: applied → succeeded; not there yet → unknown (the
   * verification loop goes on) unless the settle window has passed, which proves it did not land.
   */
  async reconcile(scope: OwnerScope = () => true, prefix = 'At start-up: '): Promise<{ checked: number; applied: number; notApplied: number; unknown: number; notSent: number }> {
    const stats = { checked: 0, applied: 0, notApplied: 0, unknown: 0, notSent: 0 };
    for (const op of await this.d.ops.withStatus('executing')) {
      if (!scope(op.owner ?? null)) continue; // a live replica is executing it
      if (op.action === 'bulk_rerun') {
        // Its reruns are operations of their own, reconciled below; the request itself ends here.
        const message = 'Interrupted by a restart part-way: each rerun it sent is in the audit log and settled on its own. Ask again for the rest: runs already rerun are skipped.';
        await this.endFailed(op, message, { message });
        continue;
      }
      if ((await this.d.audit.byOp(op.id)).some((r) => r.outcome === 'requested')) continue;
      stats.checked++;
      stats.notSent++;
      const message = 'Interrupted before it was sent to Studio (the bot stopped); nothing reached Studio. It is safe to ask again.';
      await this.endFailed(op, message, { ...((op.result as object | null) ?? {}), message });
    }
    for (const row of await this.d.audit.lastRowIn(['requested', 'unknown'])) {
      if (!scope(await this.d.ops.ownerOf(row.opId))) continue;
      stats.checked++;
      const r = await this.settleByVerification(row, prefix);
      stats[r === 'succeeded' ? 'applied' : r === 'failed' ? 'notApplied' : 'unknown']++;
    }
    return stats;
  }

  /**
   * The verification loop: every operation and audited write whose outcome is unknown is checked
   * against Studio; it is settled when Studio shows it applied, or when the settle window has
   * passed and Studio still does not show it. Safe to call often; one pass at a time.
   */
  async verifyPending(): Promise<{ checked: number; settled: number }> {
    if (this.verifying) return { checked: 0, settled: 0 };
    this.verifying = true;
    let checked = 0;
    let settled = 0;
    try {
      for (const row of await this.d.audit.lastRowIn(['unknown'])) {
        const due = this.nextCheck.get(row.opId);
        const pastWindow = this.hooks.now() - row.at > this.hooks.settleAfterMs;
        if (due && this.hooks.now() < due.at && !pastWindow) continue;
        checked++;
        if ((await this.settleByVerification(row, '')) !== 'unknown') {
          settled++;
          this.nextCheck.delete(row.opId);
        } else {
          const n = (due?.n ?? 0) + 1;
          this.nextCheck.set(row.opId, { n, at: this.hooks.now() + Math.min(60_000, 1000 * 2 ** n) });
        }
      }
    } finally {
      this.verifying = false;
    }
    return { checked, settled };
  }

  private systemActor(userId: string, userName?: string | null): Actor {
    return { userId, userName: userName ?? undefined, source: 'system' };
  }

  /** Verify one unfinished audited write and record what Studio shows. */
  private async settleByVerification(row: AuditRow, prefix: string): Promise<'succeeded' | 'failed' | 'unknown'> {
    const op = await this.d.ops.get(row.opId);
    const requested = (await this.d.audit.byOp(row.opId)).find((r) => r.outcome === 'requested') ?? row;
    const requestedAt = requested.at;
    const actor: Actor = { userId: row.actorId, userName: row.actorName ?? undefined, teamId: row.teamId ?? undefined, channelId: row.channelId ?? undefined, source: 'system' };
    const base = { opId: row.opId, action: row.action, target: row.target, taskName: row.taskName ?? undefined, params: row.params, key: requested.idempotencyKey ?? undefined };
    let outcome: 'succeeded' | 'failed' | 'unknown';
    let note: string;
    let v: Awaited<ReturnType<OperationWrites['verify']>> | undefined;
    try {
      v = await this.writes.verify(op ?? ({ id: row.opId, action: row.action, target: row.target, params: row.params, taskName: row.taskName } as OperationRecord), requestedAt);
      const settledWindow = this.hooks.now() - requestedAt > this.hooks.settleAfterMs;
      outcome = v.applied ? 'succeeded' : settledWindow ? 'failed' : 'unknown';
      note = v.applied
        ? `Verified: Studio shows it took effect. ${v.detail}`
        : settledWindow
          ? `Verified: Studio still does not show it ${Math.round((this.hooks.now() - requestedAt) / 1000)} s after it was sent, so it did not take effect. ${v.detail} It is safe to try again.`
          : `Not confirmed yet: Studio does not show it so far. ${v.detail} Still checking.`;
    } catch (e) {
      outcome = 'unknown';
      note = `Not confirmed yet: Studio's state could not be read (${(e as Error).message}). Still checking.`;
    }
    // An unknown that stays unknown is not written again on every pass (one row per change of state).
    if (outcome === 'unknown' && row.outcome === 'unknown') return outcome;
    const audited: OpAuditEvent = { ...base, outcome, error: `${prefix}${note}` };
    // A write audited without an operation (a wizard step) has only its audit row.
    if (!op) {
      await this.audit(actor, audited);
      return outcome;
    }
    const previous = (op.result ?? {}) as { reply?: ReplyHandle; runId?: number; jobId?: number; link?: string; requestId?: string };
    const stored = { ...previous, message: `${prefix}${note}`, runId: v?.runId ?? previous.runId, jobId: v?.jobId ?? previous.jobId, link: v?.link ?? previous.link };
    await endOperation(this.d.outcomes, this.hooks.now(), actor, { op, from: ['executing', 'unknown'], to: outcome, result: stored }, audited);
    if (outcome === 'unknown') return outcome;
    const done = (await this.d.ops.get(op.id))!;
    const reply = previous.reply ?? {};
    if ((op.action === 'rerun' || op.action === 'execute') && outcome === 'succeeded') {
      const runId = stored.runId ?? (op.params.runId === undefined ? undefined : Number(op.params.runId));
      if (runId !== undefined)
        await this.d.ops.watch({
          runId,
          opId: op.id,
          userId: requested.actorId,
          channelId: reply.channelId ?? null,
          messageTs: reply.messageTs ?? null,
          responseUrl: reply.responseUrl ?? null,
        });
    }
    const result: OpOutcome = {
      kind: 'done',
      op: done,
      status: outcome,
      message: stored.message,
      link: stored.link,
      runId: stored.runId,
      jobId: stored.jobId,
      studioRequestId: previous.requestId,
      duplicate: false,
    };
    for (const l of this.hooks.listeners) l(done, result, actor);
    for (const l of this.hooks.verifiedListeners) await Promise.resolve(l(done, result, reply)).catch(() => undefined);
    return outcome;
  }
}
