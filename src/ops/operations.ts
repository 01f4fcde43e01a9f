/**
 * Operations that change Studio — rerun, stop, backfill, bulk reruns by cause, temporary runs,
 * a review's fixes, a Dynamic Table refresh — on one path for slash commands, buttons and modals:
 *
 * 1. policy: the acting (clicking) user is authorised at the moment of the click;
 * 2. confirmation: rerun/stop are prepared, then confirmed; a backfill is previewed (dry run) and
 *    submitted, and over the role's limit it waits for a different admin's approval;
 * 3. idempotency: the same actor, action, target and parameters within the window answer with the
 *    first result and make no second Studio write;
 * 4. audit: `requested` before Studio is called, then the outcome with Studio's request id;
 *    refusals are audited too; `reconcile()` settles what a crash left `requested`;
 * 5. a write whose outcome is unknown (timeout, 5xx) is never resent: Studio's state is re-read.
 *
 * The write itself is in src/ops/writes.ts, the settling of unknowns in src/ops/reconcile.ts, the
 * shared shapes in src/ops/types.ts.
 */
import { MASK, isSecretName, redactedExcerpt } from '../redaction/index.js';
import { randomUUID } from 'node:crypto';
import { type OperationRecord, idempotencyKey } from '../store/operations.js';
import type { StudioClient } from '../studio/client.js';
import { datesBetween, formatDate } from '../studio/dates.js';
import { RUN_STATUS, RUN_STATUS_GROUPS } from '../studio/enums.js';
import { StudioError, TaskLookupError } from '../studio/errors.js';
import type { Run, TaskDetail, TaskRelationNode, TaskSummary } from '../studio/models.js';
import type { AutoFix } from '../review/rules.js';
import { type PolicyTarget, type Role, roleRank } from './policy.js';
import { RunLookupError, getRunOrExplain } from './read.js';
import { refreshEntry } from './lakehouse-read.js';
import { OperationWrites } from './writes.js';
import { STREAM_ACTION_WORDS, type StreamOpAction, type StreamOpOrigin, isStreamOpAction, prepareStreamOp, streamProblemAtClick } from './stream-ops.js';
import { type OpAuditEvent, type OwnerScope, Reconciler, appendOpAudit, endOperation } from './reconcile.js';
import type {
  Actor,
  AwaitingApproval,
  AwaitingBulkApproval,
  BackfillInput,
  BackfillPreview,
  BulkRerunOrigin,
  Confirmation,
  OperationsDeps,
  OpOutcome,
  OutcomeListener,
  Params,
  Refusal,
  ReplyHandle,
  VerifiedListener,
} from './types.js';
import { BULK_RERUN_MAX_RUNS, requesterFields, requesterOf } from './types.js';
import { referenceTarget } from './references.js';
import { previousOutcome, startOnTarget } from './target-lock.js';
import { manualRunParams, manualRunWarning } from './manual-run-params.js';
export * from './types.js';
export { backfillDateProblem, runStateProblem, streamProblem } from './input-checks.js';
import { backfillDateProblem, runStateProblem, streamProblem } from './input-checks.js';

export class OperationsService {
  private readonly listeners: OutcomeListener[] = [];
  private readonly verifiedListeners: VerifiedListener[] = [];
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly confirmTtlMs: number;
  private readonly approvalTtlMs: number;

  private readonly writes: OperationWrites;
  private readonly reconciler: Reconciler;

  constructor(private readonly d: OperationsDeps) {
    this.writes = new OperationWrites(d.studio, d.lakehouse);
    this.now = d.now ?? Date.now;
    this.windowMs = d.windowMs ?? 10 * 60_000;
    this.confirmTtlMs = d.confirmTtlMs ?? 15 * 60_000;
    this.approvalTtlMs = d.approvalTtlMs ?? 24 * 3_600_000;
    this.reconciler = new Reconciler(d, this.writes, {
      now: this.now,
      settleAfterMs: d.settleAfterMs ?? 3 * 60_000,
      listeners: this.listeners,
      verifiedListeners: this.verifiedListeners,
    });
  }

  /** Called when verification settles an operation that was unknown. */
  onVerified(listener: VerifiedListener): void {
    this.verifiedListeners.push(listener);
  }

  /** Called after every operation that reached Studio (the alert cards use it). */
  onOutcome(listener: OutcomeListener): void {
    this.listeners.push(listener);
  }

  /** One Studio write made by a flow of its own (the setup wizard): `requested`, then the outcome. */
  async auditedWrite<T>(actor: Actor, what: { action: string; target: string; taskName?: string; params: Params }, fn: () => Promise<T>): Promise<T> {
    const opId = randomUUID();
    await this.d.ops.ownWrite(opId);
    await this.auditEvent(actor, { opId, ...what, outcome: 'requested' });
    try {
      const r = await fn();
      await this.auditEvent(actor, { opId, ...what, outcome: 'succeeded' });
      return r;
    } catch (e) {
      const unknown = e instanceof StudioError && e.outcomeUnknown;
      await this.auditEvent(actor, {
        opId,
        ...what,
        outcome: unknown ? 'unknown' : 'failed',
        error: e instanceof StudioError ? e.describe() : (e as Error).message,
        requestId: e instanceof StudioError ? e.requestId : undefined,
      });
      throw e;
    }
  }

  /**
   * May `actor` do `action` (a change of state that is not a Studio write: acknowledge, mute …) to
   * `target`? Undefined when allowed; otherwise the refusal, audited.
   */
  async permit(actor: Actor, action: string, need: Role, target: PolicyTarget, audit: { target: string; params?: Params; taskName?: string }): Promise<Refusal | undefined> {
    const auth = await this.authorise(actor, action, need, target);
    return auth.kind === 'refused' ? await this.refuse(actor, action, audit.target, audit.params ?? {}, auth, audit.taskName) : undefined;
  }

  /** Audit an action that is not a Studio write (acknowledge, mute, …). */
  async recordAction(actor: Actor, e: { action: string; target: string; taskName?: string; params?: Params }): Promise<void> {
    await this.auditEvent(actor, { opId: randomUUID(), ...e, params: e.params ?? {}, outcome: 'succeeded' });
  }

  /** Audit an action refused for a reason other than policy (the card changed under the click …). */
  async recordRefusal(actor: Actor, e: { action: string; target: string; taskName?: string; params?: Params; reason: string }): Promise<void> {
    await this.auditEvent(actor, { opId: randomUUID(), action: e.action, target: e.target, taskName: e.taskName, params: e.params ?? {}, outcome: 'refused', error: e.reason });
  }

  // ---- authorisation ----------------------------------------------------------------------------

  async roleOf(actor: Actor, target?: PolicyTarget): Promise<Role> {
    const groups = this.d.policy.usesGroups && this.d.directory ? await this.d.directory.groupsOf(actor.userId) : [];
    return this.d.policy.roleFor({ userId: actor.userId, groups }, target);
  }

  async grantsOf(actor: Actor) {
    const groups = this.d.policy.usesGroups && this.d.directory ? await this.d.directory.groupsOf(actor.userId) : [];
    return { grants: this.d.policy.grantsFor({ userId: actor.userId, groups }), configured: this.d.policy.configured, file: this.d.policy.file };
  }

  private async authorise(actor: Actor, action: string, need: Role, target: PolicyTarget): Promise<Refusal | { kind: 'allowed'; role: Role }> {
    if (!this.d.policy.channelAllowed(actor.channelId)) {
      return {
        kind: 'refused',
        reason: 'channel',
        message: `Operations are not allowed in this channel by the policy (limits.allowed_channels). Run \`${action}\` from an allowed channel or a DM with the bot.`,
      };
    }
    const role = await this.roleOf(actor, target);
    if (roleRank(role) < roleRank(need)) {
      const what = target.task ? `${target.folder ?? '?'}/${target.task}` : (target.folder ?? 'this workspace');
      return {
        kind: 'refused',
        reason: 'permission',
        message: `You are ${role === 'admin' ? 'an' : 'a'} *${role}* for \`${what}\`; *${action}* needs *${need}*.\n${this.d.policy.howToGrant(actor.userId, need, target)}`,
      };
    }
    return { kind: 'allowed', role };
  }

  private async auditEvent(actor: Actor, e: OpAuditEvent): Promise<void> {
    await appendOpAudit(this.d.audit, this.now(), actor, e);
  }

  /** How an operation ended, with its audit row, in one store call. */
  private async end(actor: Actor, end: Parameters<typeof endOperation>[3], e: OpAuditEvent): Promise<void> {
    await endOperation(this.d.outcomes, this.now(), actor, end, e);
  }

  /** Audit a refusal and return it. */
  async refuse(actor: Actor, action: string, target: string, params: Params, refusal: Refusal, taskName?: string, opId: string = randomUUID()): Promise<Refusal> {
    await this.auditEvent(actor, { opId, action, target, taskName, params, outcome: 'refused', error: refusal.message });
    return refusal;
  }

  /** A click naming an operation the bot does not know (expired and purged, or forged): refused and audited. */
  private async refuseUnknownOp(actor: Actor, action: string, opId: string, message: string): Promise<Refusal> {
    return await this.refuse(actor, action, referenceTarget('op', opId), {}, { kind: 'refused', reason: 'expired', message });
  }

  /** Turn a lookup error into an audited refusal; anything else is rethrown. */
  private async refuseLookup(actor: Actor, action: string, target: string, params: Params, e: unknown): Promise<Refusal> {
    if (e instanceof TaskLookupError || e instanceof RunLookupError) {
      return await this.refuse(actor, action, target, params, { kind: 'refused', reason: 'not_found', message: e.message });
    }
    throw e;
  }

  private async createOperation(
    actor: Actor,
    o: { action: string; target: string; taskName: string; params: Params; status: 'awaiting_confirmation' | 'awaiting_approval'; ttlMs: number },
  ): Promise<OperationRecord> {
    return await this.d.ops.create({
      action: o.action,
      target: o.target,
      taskName: o.taskName,
      params: o.params,
      ...requesterFields(actor),
      status: o.status,
      expiresAt: this.now() + o.ttlMs,
    });
  }

  private async taskOfRun(run: Run): Promise<{ folder: string | undefined; task: string }> {
    const task = await this.d.studio.getTask(run.taskId);
    return { folder: task.folderName, task: task.name };
  }

  // ---- rerun and stop: prepare, then confirm ---------------------------------------------------

  /** `origin.cardId`: the alert card the request came from (kept with the operation). */
  async requestRerun(actor: Actor, runId: number, origin: { cardId?: number } = {}): Promise<Confirmation | Refusal> {
    return this.prepareRunOp(actor, 'rerun', runId, origin);
  }

  async requestStop(actor: Actor, runId: number): Promise<Confirmation | Refusal> {
    return this.prepareRunOp(actor, 'stop', runId);
  }

  private async prepareRunOp(actor: Actor, action: 'rerun' | 'stop', runId: number, origin: { cardId?: number } = {}): Promise<Confirmation | Refusal> {
    const target = `run:${runId}`;
    let run: Run;
    try {
      run = await getRunOrExplain(this.d.studio, runId);
    } catch (e) {
      return await this.refuseLookup(actor, action, target, { runId }, e);
    }
    const where = await this.taskOfRun(run);
    const params = { runId, taskId: run.taskId, folder: where.folder, cardId: origin.cardId };
    const auth = await this.authorise(actor, action, 'operator', where);
    if (auth.kind === 'refused') return await this.refuse(actor, action, target, params, auth, run.taskName);
    const stateProblem = runStateProblem(action, run);
    if (stateProblem) return await this.refuse(actor, action, target, params, { kind: 'refused', reason: 'state', message: stateProblem }, run.taskName);
    const op = await this.createOperation(actor, { action, target, taskName: run.taskName, params, status: 'awaiting_confirmation', ttlMs: this.confirmTtlMs });
    const verb = action === 'rerun' ? 'Rerun' : 'Stop';
    return {
      kind: 'confirm',
      op,
      title: `${verb} run ${runId} of ${run.taskName}?`,
      details: [
        `Task \`${run.taskName}\`${where.folder ? ` in \`${where.folder}\`` : ''}, business date ${run.bizDate ?? '—'}`,
        `Now ${run.status.label}${run.failMsg ? `: ${redactedExcerpt(run.failMsg, 200)}` : ''}`,
        action === 'rerun' ? 'Studio starts a new attempt of this run.' : 'Studio kills the run; it ends as FAILED (killed).',
      ],
      link: this.d.studio.runLink(runId),
    };
  }

  /**
   * Start, stop or restart a stream, or operate one table of a CDC pipeline (`table`: its name,
   * schema.name or id): operator on the task, refused when it does not apply to the stream as it
   * is (src/ops/stream-ops.ts), else confirmed, then one idempotent write like a rerun.
   */
  async requestStreamOp(actor: Actor, taskRef: string | number, action: StreamOpAction, origin: StreamOpOrigin = {}): Promise<Confirmation | Refusal> {
    const asked: Params = { task: taskRef, table: origin.table, cardId: origin.cardId, fromTime: origin.fromTime };
    let task: TaskDetail;
    try {
      task = await this.d.studio.getTask(typeof taskRef === 'number' ? taskRef : (await this.d.studio.resolveTask(taskRef)).id);
    } catch (e) {
      if (!(e instanceof StudioError && e.kind === 'business')) return await this.refuseLookup(actor, action, `task:${taskRef}`, asked, e);
      return await this.refuse(actor, action, `task:${taskRef}`, asked, { kind: 'refused', reason: 'not_found', message: `Studio has no task ${taskRef}.` });
    }
    const where = { ...asked, taskId: task.id, folder: task.folderName };
    const auth = await this.authorise(actor, STREAM_ACTION_WORDS[action], 'operator', { folder: task.folderName, task: task.name });
    if (auth.kind === 'refused') return await this.refuse(actor, action, `stream:${task.id}`, where, auth, task.name);
    const p = await prepareStreamOp(this.d.studio, task, action, origin, this.now());
    if (p.kind === 'refused') return await this.refuse(actor, action, `stream:${task.id}`, where, p, task.name);
    const op = await this.createOperation(actor, {
      action,
      target: `stream:${task.id}`,
      taskName: task.name,
      params: p.params,
      status: 'awaiting_confirmation',
      ttlMs: this.confirmTtlMs,
    });
    return { kind: 'confirm', op, title: p.title, details: p.details, link: this.d.studio.taskLink(task.id) };
  }

  /**
   * `REFRESH DYNAMIC TABLE` from a Dynamic Table's card: operator on the table (policy target: the
   * schema as folder, schema.table as task), refused while a refresh is running, confirmed, then
   * one idempotent write like any other operation.
   */
  async requestRefreshDynamicTable(actor: Actor, table: string, origin: { cardId?: number } = {}): Promise<Confirmation | Refusal> {
    const target = `dt:${table}`;
    const [schema] = table.split('.');
    const params = { table, folder: schema, cardId: origin.cardId };
    if (!this.d.lakehouse)
      return await this.refuse(actor, 'refresh_dt', target, params, {
        kind: 'refused',
        reason: 'state',
        message: 'Lakehouse SQL is not configured for this bot; refresh the table in Lakehouse.',
      });
    const auth = await this.authorise(actor, 'refresh_dt', 'operator', { folder: schema, task: table });
    if (auth.kind === 'refused') return await this.refuse(actor, 'refresh_dt', target, params, auth, table);
    const latest = await this.latestRefresh(table);
    if (latest?.state === 'RUNNING')
      return await this.refuse(
        actor,
        'refresh_dt',
        target,
        params,
        { kind: 'refused', reason: 'state', message: `A refresh of ${table} is running now (job ${latest.jobId}); wait for it to end.` },
        table,
      );
    const op = await this.createOperation(actor, { action: 'refresh_dt', target, taskName: table, params, status: 'awaiting_confirmation', ttlMs: this.confirmTtlMs });
    return {
      kind: 'confirm',
      op,
      title: `Refresh Dynamic Table ${table} now?`,
      details: [
        latest
          ? `Its latest refresh: ${latest.state.toLowerCase()}${latest.error ? ` — ${redactedExcerpt(latest.error, 200)}` : latest.suspendedReason ? ` — ${redactedExcerpt(latest.suspendedReason, 200)}` : ''}`
          : 'It has no refresh in its recent history.',
        `Lakehouse runs \`REFRESH DYNAMIC TABLE ${table}\` once, on the table's own VCluster${latest?.vcluster ? ` (\`${latest.vcluster}\`)` : ''}. A suspended table resumes if the refresh succeeds.`,
      ],
    };
  }

  private async latestRefresh(table: string) {
    const r = await this.d.lakehouse!.refreshHistory({ table, limit: 1 });
    return r.rows[0] ? refreshEntry(r.rows[0]) : undefined;
  }

  /**
   * Rerun several runs as one request: operator on every task, a dry-run listing in the
   * confirmation, two-person approval above the policy's `bulk_rerun_max_runs` (default 20),
   * then one idempotent write per run (each its own operation, claim, lock and audit rows).
   */
  async requestBulkRerun(actor: Actor, runIds: number[], origin: BulkRerunOrigin): Promise<Confirmation | AwaitingBulkApproval | Refusal> {
    const ids = [...new Set(runIds)];
    const target = origin.digestId !== undefined ? `digest:${origin.digestId}` : origin.cardId !== undefined ? `card:${origin.cardId}` : 'runs';
    const asked: Params = { runIds: ids, label: origin.label, digestId: origin.digestId, cardId: origin.cardId };
    if (ids.length === 0)
      return await this.refuse(actor, 'bulk_rerun', target, asked, { kind: 'refused', reason: 'state', message: `There are no runs to rerun (${origin.label}).` });
    if (ids.length > BULK_RERUN_MAX_RUNS) {
      return await this.refuse(actor, 'bulk_rerun', target, asked, {
        kind: 'refused',
        reason: 'invalid',
        message: `${ids.length} runs is more than the ${BULK_RERUN_MAX_RUNS} one request may rerun; narrow it (one cause, one folder).`,
      });
    }
    const runs: Run[] = [];
    for (let i = 0; i < ids.length; i += 8) runs.push(...(await Promise.all(ids.slice(i, i + 8).map((id) => this.d.studio.getRun(id)))));
    const tasks = new Map<number, { folder: string | undefined; task: string }>();
    for (const r of runs) if (!tasks.has(r.taskId)) tasks.set(r.taskId, await this.taskOfRun(r));
    // Operator on every task, or nothing.
    for (const where of tasks.values()) {
      const auth = await this.authorise(actor, 'bulk_rerun', 'operator', where);
      if (auth.kind === 'refused')
        return await this.refuse(actor, 'bulk_rerun', target, asked, {
          ...auth,
          message: `${auth.message}\n(Rerunning ${origin.label} needs *operator* on every task: \`${where.task}\` is not yours to rerun.)`,
        });
    }
    const skipped = runs.filter((r) => runStateProblem('rerun', r));
    const todo = runs.filter((r) => !runStateProblem('rerun', r));
    if (todo.length === 0) {
      const streams = skipped.filter((r) => streamProblem('rerun', r.taskName, r.taskType.kind));
      return await this.refuse(actor, 'bulk_rerun', target, asked, {
        kind: 'refused',
        reason: 'state',
        message:
          streams.length === runs.length
            ? `None of the ${runs.length} runs can be rerun: ${streamProblem('rerun', streams[0]!.taskName, streams[0]!.taskType.kind)}`
            : `None of the ${runs.length} runs can be rerun now (each is running or waiting already${streams.length ? `, or is a run of a stream` : ''}).`,
      });
    }
    const limit = this.d.policy.bulkRerunMaxRuns();
    const needsApproval = todo.length > limit;
    const params: Params = {
      runIds: todo.map((r) => r.id),
      label: origin.label,
      digestId: origin.digestId,
      cardId: origin.cardId,
      cardOfRun: origin.cardOfRun ?? {},
      folders: [...new Set([...tasks.values()].map((t) => t.folder ?? ''))],
    };
    const op = await this.createOperation(actor, {
      action: 'bulk_rerun',
      target,
      taskName: todo.length === 1 ? todo[0]!.taskName : `${new Set(todo.map((r) => r.taskName)).size} tasks`,
      params,
      status: needsApproval ? 'awaiting_approval' : 'awaiting_confirmation',
      ttlMs: needsApproval ? this.approvalTtlMs : this.confirmTtlMs,
    });
    const listing = todo.slice(0, 20).map((r) => `\`${r.taskName}\` run ${r.id} (${r.bizDate ?? '—'}, ${r.status.label})`);
    if (todo.length > 20) listing.push(`… and ${todo.length - 20} more`);
    const skippedStreams = skipped.filter((r) => streamProblem('rerun', r.taskName, r.taskType.kind)).length;
    if (skipped.length > skippedStreams)
      listing.push(`Skipped ${skipped.length - skippedStreams} run${skipped.length - skippedStreams > 1 ? 's' : ''} already running or waiting.`);
    if (skippedStreams) listing.push(`Skipped ${skippedStreams} run${skippedStreams > 1 ? 's' : ''} of streams (real-time / CDC): a stream is restarted, not rerun.`);
    if (needsApproval) {
      await this.auditEvent(actor, {
        opId: op.id,
        action: 'bulk_rerun',
        target,
        taskName: op.taskName ?? undefined,
        params,
        outcome: 'awaiting_approval',
        error: `${todo.length} runs is over the limit of ${limit} for one person`,
      });
      // Who can approve: an admin of every folder the runs are in (approve() checks each).
      const per = (params.folders as string[]).map((folder) => this.d.policy.holders('admin', { folder: folder || undefined }));
      const all = <T>(pick: (h: { users: string[]; groups: string[] }) => T[]) => pick(per[0]!).filter((x) => per.every((h) => pick(h).includes(x)));
      const approvers = { users: all((h) => h.users).filter((u) => u !== actor.userId), groups: all((h) => h.groups) };
      return { kind: 'bulk_approval', op, title: `Rerun ${todo.length} runs: ${origin.label}`, details: listing, approvers };
    }
    return {
      kind: 'confirm',
      op,
      title: `Rerun ${todo.length} run${todo.length > 1 ? 's' : ''}: ${origin.label}?`,
      details: [...listing, 'Studio starts a new attempt of each, one request per run.'],
      link: this.d.studio.runLink(todo[0]!.id),
    };
  }

  /** The confirmed (or approved) bulk request: one rerun operation per run, in turn. */
  private async executeBulk(actor: Actor, op: OperationRecord, from: OperationRecord['status'][], reply: ReplyHandle): Promise<OpOutcome | Refusal> {
    if (!(await this.d.ops.transition(op.id, from, 'executing'))) {
      return (
        previousOutcome((await this.d.ops.get(op.id))!) ?? {
          kind: 'refused',
          reason: 'state',
          message: 'This request is already being sent to Studio by an earlier click; nothing was sent again.',
        }
      );
    }
    const runIds = (op.params.runIds as number[]) ?? [];
    const cardOfRun = (op.params.cardOfRun as Record<string, number>) ?? {};
    const results: { runId: number; task: string; status: string; message: string }[] = [];
    for (const runId of runIds) {
      const run = await this.d.studio.getRun(runId).catch(() => undefined);
      const where = run ? await this.taskOfRun(run) : undefined;
      const child = await this.createOperation(actor, {
        action: 'rerun',
        target: `run:${runId}`,
        taskName: run?.taskName ?? String(runId),
        params: { runId, taskId: run?.taskId, folder: where?.folder, cardId: cardOfRun[runId], bulkOf: op.id },
        status: 'awaiting_confirmation',
        ttlMs: this.confirmTtlMs,
      });
      const auth = where ? await this.authorise(actor, 'rerun', 'operator', where) : undefined;
      const r =
        auth?.kind === 'refused'
          ? await this.refuse(actor, 'rerun', child.target, child.params, auth, child.taskName ?? undefined, child.id)
          : await this.execute(actor, child, ['awaiting_confirmation'], {});
      results.push({ runId, task: child.taskName ?? String(runId), status: r.kind === 'done' ? r.status : 'refused', message: r.message });
    }
    const ok = results.filter((r) => r.status === 'succeeded').length;
    const message = `Reran ${ok} of ${results.length} runs (${String(op.params.label)}).${
      ok < results.length
        ? ` Not rerun: ${results
            .filter((r) => r.status !== 'succeeded')
            .slice(0, 10)
            .map((r) => `${r.task} run ${r.runId} (${r.status})`)
            .join(', ')}.`
        : ''
    }`;
    const status = ok === results.length ? 'succeeded' : 'failed';
    const stored = { message, results, reply };
    await this.end(
      actor,
      { op, from: ['executing'], to: status, result: stored },
      {
        opId: op.id,
        action: 'bulk_rerun',
        target: op.target,
        taskName: op.taskName ?? undefined,
        params: { ...op.params, cardOfRun: undefined },
        outcome: status,
        error: status === 'succeeded' ? undefined : message,
      },
    );
    const outcome: OpOutcome = { kind: 'done', op: (await this.d.ops.get(op.id))!, status, message, link: undefined, duplicate: false };
    for (const l of this.listeners) l(outcome.op, outcome, actor);
    return outcome;
  }

  /**
   * Run a task once now (Studio's temporary run), with its saved parameters overridden by `params`.
   * Confirmed, authorised at click time and idempotent like a rerun.
   */
  async requestExecute(actor: Actor, taskRef: string, params: Record<string, string>): Promise<Confirmation | Refusal> {
    const asked = { task: taskRef, params };
    let task: TaskSummary;
    try {
      task = await this.d.studio.resolveTask(taskRef);
    } catch (e) {
      return await this.refuseLookup(actor, 'execute', `task:${taskRef}`, asked, e);
    }
    const target = `task:${task.id}`;
    const detail = await this.d.studio.getTask(task.id);
    const opParams = { taskId: task.id, folder: detail.folderName, params };
    const auth = await this.authorise(actor, 'execute', 'operator', { folder: detail.folderName, task: detail.name });
    if (auth.kind === 'refused') return await this.refuse(actor, 'execute', target, opParams, auth, detail.name);
    const kind = detail.type.kind;
    const problem =
      streamProblem('execute', detail.name, kind) ??
      (detail.content.trim() === '' ? `\`${detail.name}\` has no saved content, so there is nothing to run. Save its script in Studio first.` : undefined);
    if (problem) return await this.refuse(actor, 'execute', target, opParams, { kind: 'refused', reason: 'state', message: problem }, detail.name);
    const saved = new Map(detail.params.map((p) => [p.key, p.value]));
    const effective = new Map([...saved, ...Object.entries(params)]);
    const manual = manualRunParams(detail.content, saved, params);
    const used = manual.used;
    const warning = manualRunWarning(manual);
    const op = await this.createOperation(actor, { action: 'execute', target, taskName: detail.name, params: opParams, status: 'awaiting_confirmation', ttlMs: this.confirmTtlMs });
    const shown = [...effective].filter(([k]) => used.includes(k) || Object.hasOwn(params, k));
    return {
      kind: 'confirm',
      op,
      title: `Run ${detail.name} once now?`,
      details: [
        `Task \`${detail.name}\`${detail.folderName ? ` in \`${detail.folderName}\`` : ''} (${detail.type.label}): a temporary run of its saved content. The schedule is not affected.`,
        shown.length
          ? `Parameters: ${shown.map(([k, v]) => `\`${k}\` = \`${isSecretName(k) ? MASK : redactedExcerpt(v, 60)}\`${Object.hasOwn(params, k) ? '' : ' (saved)'}`).join(', ')}`
          : 'No parameters.',
        ...(warning ? [warning] : []),
      ],
      link: this.d.studio.taskLink(task.id),
    };
  }

  /** A mechanical fix from the standards review: confirmed like a rerun, then applied to Studio. */
  async requestFix(actor: Actor, fix: AutoFix): Promise<Confirmation | Refusal> {
    const target = `task:${fix.taskId}`;
    let task: Awaited<ReturnType<StudioClient['getTask']>>;
    try {
      task = await this.d.studio.getTask(fix.taskId);
    } catch (e) {
      if (e instanceof StudioError && e.kind === 'business')
        return await this.refuse(actor, 'fix', target, { ...fix }, { kind: 'refused', reason: 'not_found', message: `Studio has no task ${fix.taskId}.` });
      throw e;
    }
    const params = { ...fix, folder: task.folderName };
    const auth = await this.authorise(actor, 'fix', 'operator', { folder: task.folderName, task: task.name });
    if (auth.kind === 'refused') return await this.refuse(actor, 'fix', target, params, auth, task.name);
    const op = await this.createOperation(actor, { action: 'fix', target, taskName: task.name, params, status: 'awaiting_confirmation', ttlMs: this.confirmTtlMs });
    const what = fix.kind === 'clear_ddl_schedule' ? `Clear the cron and dependencies of \`${task.name}\`` : `Make \`${task.name}\` depend on \`${fix.dependsOnName}\``;
    return {
      kind: 'confirm',
      op,
      title: `${what}?`,
      details: [
        fix.kind === 'clear_ddl_schedule'
          ? 'DDL drafts run once by hand; the schedule is removed, the content is kept.'
          : 'The dependency is added to its schedule; a deployed task is redeployed so the scheduler uses it.',
        `Task \`${task.name}\` in \`${task.folderName ?? '?'}\``,
      ],
      link: this.d.studio.taskLink(fix.taskId),
    };
  }

  async cancel(actor: Actor, opId: string): Promise<{ kind: 'cancelled'; op: OperationRecord } | Refusal> {
    const op = await this.d.ops.get(opId);
    if (!op) return await this.refuseUnknownOp(actor, 'cancel', opId, 'This request is no longer known; nothing was done.');
    // The person who asked may cancel; anyone else needs the rights to confirm it.
    if (actor.userId !== op.requestedBy) {
      const auth = await this.authorise(actor, `cancel this ${op.action}`, 'operator', { folder: op.params.folder as string | undefined, task: op.taskName ?? undefined });
      if (auth.kind === 'refused') return await this.refuse(actor, 'cancel', op.target, op.params, auth, op.taskName ?? undefined, op.id);
    }
    if (!(await this.d.ops.transition(opId, ['awaiting_confirmation'], 'cancelled'))) {
      return { kind: 'refused', reason: 'state', message: `This request is already ${op.status.replace('_', ' ')}.` };
    }
    await this.auditEvent(actor, { opId, action: op.action, target: op.target, taskName: op.taskName ?? undefined, params: op.params, outcome: 'cancelled' });
    return { kind: 'cancelled', op: (await this.d.ops.get(opId))! };
  }

  /** The Confirm click: the clicking user is authorised now, then the operation runs once. */
  async confirm(actor: Actor, opId: string, reply: ReplyHandle = {}): Promise<OpOutcome | Refusal> {
    const op = await this.d.ops.get(opId);
    if (!op) return await this.refuseUnknownOp(actor, 'confirm', opId, 'This confirmation is no longer known; nothing was done. Ask again.');
    const finished = previousOutcome(op);
    if (finished) return finished;
    if (op.status === 'cancelled') return { kind: 'refused', reason: 'state', message: 'This request was cancelled; nothing was done.' };
    if (op.status === 'executing')
      return {
        kind: 'refused',
        reason: 'state',
        message: 'This request is already being sent to Studio by an earlier click; nothing was sent again. Its result appears in that reply.',
      };
    if (op.status !== 'awaiting_confirmation') return { kind: 'refused', reason: 'state', message: `This request is ${op.status.replace('_', ' ')}.` };
    if (this.now() > op.expiresAt) {
      await this.d.ops.transition(opId, ['awaiting_confirmation'], 'expired');
      return await this.refuse(
        actor,
        op.action,
        op.target,
        op.params,
        { kind: 'refused', reason: 'expired', message: 'This confirmation expired (15 minutes); nothing was done. Ask again.' },
        op.taskName ?? undefined,
        op.id,
      );
    }
    // A bulk request checks each run's task when it runs it (at click time, by the clicking user).
    if (op.action === 'bulk_rerun') return this.executeBulk(actor, op, ['awaiting_confirmation'], reply);
    const target = { folder: op.params.folder as string | undefined, task: op.taskName ?? undefined };
    const auth = await this.authorise(actor, op.action, 'operator', target);
    if (auth.kind === 'refused') return await this.refuse(actor, op.action, op.target, op.params, auth, op.taskName ?? undefined, op.id);
    return this.execute(actor, op, ['awaiting_confirmation'], reply);
  }

  private async execute(actor: Actor, op: OperationRecord, from: OperationRecord['status'][], reply: ReplyHandle): Promise<OpOutcome | Refusal> {
    const key = idempotencyKey(actor.userId, op.action, op.target, op.params);
    const claim = await this.d.ops.claim(key, op.id, this.windowMs);
    if (claim.kind === 'duplicate') {
      const first = await this.d.ops.get(claim.opId);
      await this.d.ops.transition(op.id, from, (first?.status as 'succeeded' | 'failed' | 'unknown') ?? 'succeeded', first?.result);
      const prev = first ? previousOutcome(first) : undefined;
      if (prev) return { ...prev, op: (await this.d.ops.get(op.id))! };
    }
    if (claim.kind === 'in_progress') {
      return { kind: 'refused', reason: 'state', message: 'The same operation is already being sent to Studio; its result will appear here.' };
    }
    // One write per target, whoever clicks: wait for another operation writing to the same run or task,
    // then hold the target's lock and be `executing`, both at once.
    const lock = await startOnTarget(this.d.ops, op, from, this.d.targetWaitMs ?? 15_000);
    if (!lock.ok && 'notMoved' in lock) {
      const again = (await this.d.ops.get(op.id))!;
      return previousOutcome(again) ?? { kind: 'refused', reason: 'state', message: 'This request is already being handled.' };
    }
    if (!lock.ok) {
      await this.d.ops.settle(key, 'failed', { message: lock.message });
      return await this.refuse(actor, op.action, op.target, op.params, { kind: 'refused', reason: 'state', message: lock.message }, op.taskName ?? undefined, op.id);
    }
    if (lock.sameDone) {
      // Someone else did the same thing to the same target since this person asked: show theirs, send nothing.
      const first = lock.sameDone;
      const r = (first.result ?? {}) as { message?: string };
      const said = r.message ?? first.status;
      const message = `Already done by <@${first.requestedBy}>: ${said}${/[.!?]$/.test(said) ? '' : '.'} Nothing was sent to Studio again.`;
      await this.end(
        actor,
        { op, from: ['executing'], to: 'succeeded', result: { ...(first.result as object), message }, key, keyStatus: 'failed' },
        { opId: op.id, action: op.action, target: op.target, taskName: op.taskName ?? undefined, params: op.params, outcome: 'refused', error: message },
      );
      return { ...previousOutcome((await this.d.ops.get(op.id))!)!, message };
    }
    const base = { opId: op.id, action: op.action, target: op.target, taskName: op.taskName ?? undefined, params: op.params, key };

    // State may have changed since the request: check again before writing.
    if (op.action === 'rerun' || op.action === 'stop' || isStreamOpAction(op.action)) {
      const run = op.action === 'rerun' || op.action === 'stop' ? await getRunOrExplain(this.d.studio, Number(op.params.runId)).catch(() => undefined) : undefined;
      const state = isStreamOpAction(op.action)
        ? await streamProblemAtClick(this.d.studio, op).catch(() => undefined)
        : run && (op.action === 'rerun' || op.action === 'stop')
          ? runStateProblem(op.action, run)
          : undefined;
      // (A colleague's same rerun or stop since this person asked was answered above, as `sameDone`.)
      if (state) {
        await this.end(actor, { op, from: ['executing'], to: 'failed', result: { message: state }, key }, { ...base, outcome: 'refused', error: state });
        return { kind: 'refused', reason: 'state', message: state };
      }
    }

    await this.auditEvent(actor, { ...base, outcome: 'requested' });
    const requestedAt = this.now();
    const result = await this.writes.send(actor, op, requestedAt);
    const stored = { message: result.message, link: result.link, runId: result.runId, jobId: result.jobId, requestId: result.requestId, reply };
    // An unknown outcome keeps the target locked until verification settles it.
    const error = result.status === 'succeeded' ? undefined : result.message;
    await this.end(actor, { op, from: ['executing'], to: result.status, result: stored, key }, { ...base, outcome: result.status, error, requestId: result.requestId });
    // Followed until it ends (src/ops/run-watcher.ts): a rerun's run, a backfill's job (each of its dates).
    const watched = op.action === 'backfill' ? result.jobId : op.action === 'rerun' || op.action === 'execute' ? result.runId : undefined;
    if (result.status === 'succeeded' && watched !== undefined) {
      await this.d.ops.watch({
        runId: watched,
        opId: op.id,
        userId: actor.userId,
        channelId: reply.channelId ?? null,
        messageTs: reply.messageTs ?? null,
        responseUrl: reply.responseUrl ?? null,
      });
    }
    const { requestId, ...rest } = result;
    const outcome: OpOutcome = { kind: 'done', op: (await this.d.ops.get(op.id))!, ...rest, studioRequestId: requestId, duplicate: false };
    for (const l of this.listeners) l(outcome.op, outcome, actor);
    return outcome;
  }

  /** Did the operation take effect? Read Studio's state (used after an unclear answer and at start-up). */
  verify(op: OperationRecord, requestedAt: number): ReturnType<OperationWrites['verify']> {
    return this.writes.verify(op, requestedAt);
  }

  // ---- backfill --------------------------------------------------------------------------------

  /** The dry run: what a backfill would do, without sending anything. */
  async previewBackfill(actor: Actor, input: BackfillInput): Promise<BackfillPreview | Refusal> {
    const params: Params = { task: input.task, from: input.from, to: input.to, vcCode: input.vcCode };
    const target = `task:${input.task}`;
    const invalid = backfillDateProblem(input.from, input.to, formatDate(this.now(), this.d.studio.timeZone));
    if (invalid) return await this.refuse(actor, 'backfill', target, params, { kind: 'refused', reason: 'invalid', message: invalid });
    let task: TaskSummary;
    try {
      task = await this.d.studio.resolveTask(input.task);
    } catch (e) {
      return await this.refuseLookup(actor, 'backfill', target, params, e);
    }
    const detail = await this.d.studio.getTask(task.id);
    const folder = detail.folderName ?? task.folderName;
    const stream = streamProblem('backfill', task.name, detail.type.kind ?? task.type.kind);
    if (stream)
      return await this.refuse(actor, 'backfill', `task:${task.id}`, { ...params, folder, cardId: input.cardId }, { kind: 'refused', reason: 'state', message: stream }, task.name);
    const auth = await this.authorise(actor, 'backfill', 'operator', { folder, task: task.name });
    if (auth.kind === 'refused') return await this.refuse(actor, 'backfill', `task:${task.id}`, params, auth, task.name);
    let vcCode = input.vcCode;
    try {
      const schedule = await this.d.studio.getScheduleDetail(task.id);
      vcCode ??= schedule.vcCode;
    } catch (e) {
      if (e instanceof StudioError && e.kind === 'business') {
        return await this.refuse(
          actor,
          'backfill',
          `task:${task.id}`,
          params,
          { kind: 'refused', reason: 'state', message: `\`${task.name}\` is not deployed, so it cannot be backfilled. Deploy it in Studio first.` },
          task.name,
        );
      }
      throw e;
    }
    const [flat, active] = await Promise.all([
      // Studio's flattened list: every task downstream, at any depth.
      this.d.studio.listDownstream(task.id).catch(() => undefined),
      this.d.studio.listRuns({ taskId: task.id, statuses: [RUN_STATUS.RUNNING, ...RUN_STATUS_GROUPS.waiting], pageSize: 50 }),
    ]);
    const downstream: { taskId: number; name: string }[] = [];
    if (flat) {
      for (const d of flat) if (!downstream.some((x) => x.taskId === d.taskId)) downstream.push({ taskId: d.taskId, name: d.name });
    } else {
      // Older Studio without the flattened list: walk the relation tree three levels down.
      const relations = await this.d.studio.getTaskRelations(task.id, { up: 0, down: 3 }).catch(() => undefined);
      const walk = (n: TaskRelationNode) => {
        for (const c of n.downstream) {
          if (!downstream.some((d) => d.taskId === c.taskId)) downstream.push({ taskId: c.taskId, name: c.name });
          walk(c);
        }
      };
      if (relations) walk(relations);
    }
    const limitDays = this.d.policy.backfillMaxDays(auth.role);
    const dates = datesBetween(input.from, input.to);
    return {
      kind: 'preview',
      task,
      folder,
      from: input.from,
      to: input.to,
      dates,
      vcCode,
      downstream,
      conflicts: active.items,
      role: auth.role,
      limitDays,
      needsApproval: dates.length > limitDays,
      link: this.d.studio.taskLink(task.id),
    };
  }

  /** The modal's Submit: run it, or post it for a second admin's approval when over the limit. */
  async submitBackfill(actor: Actor, input: BackfillInput, reply: ReplyHandle = {}): Promise<OpOutcome | AwaitingApproval | Refusal> {
    const preview = await this.previewBackfill(actor, input);
    if (preview.kind === 'refused') return preview;
    const params: Params = {
      taskId: preview.task.id,
      folder: preview.folder,
      from: preview.from,
      to: preview.to,
      days: preview.dates.length,
      vcCode: preview.vcCode,
      cardId: input.cardId,
    };
    const op = await this.createOperation(actor, {
      action: 'backfill',
      target: `task:${preview.task.id}`,
      taskName: preview.task.name,
      params,
      status: preview.needsApproval ? 'awaiting_approval' : 'awaiting_confirmation',
      ttlMs: preview.needsApproval ? this.approvalTtlMs : this.confirmTtlMs,
    });
    if (preview.needsApproval) {
      await this.auditEvent(actor, {
        opId: op.id,
        action: 'backfill',
        target: op.target,
        taskName: op.taskName ?? undefined,
        params,
        outcome: 'awaiting_approval',
        error: `${preview.dates.length} days is over the ${preview.role} limit of ${preview.limitDays}`,
      });
      const admins = this.d.policy.holders('admin', { folder: preview.folder, task: preview.task.name });
      return { kind: 'approval', op, preview, approvers: { users: admins.users.filter((u) => u !== actor.userId), groups: admins.groups } };
    }
    return this.execute(actor, op, ['awaiting_confirmation'], reply);
  }

  /** An admin other than the requester approves: the backfill runs now. */
  async approve(actor: Actor, opId: string): Promise<OpOutcome | Refusal> {
    const op = await this.d.ops.get(opId);
    if (!op) return await this.refuseUnknownOp(actor, 'approve', opId, 'This approval request is no longer known; nothing was done.');
    const finished = previousOutcome(op);
    if (finished) return finished;
    if (op.status !== 'awaiting_approval') return { kind: 'refused', reason: 'state', message: `This request is already ${op.status.replace('_', ' ')}.` };
    const params = op.params;
    if (this.now() > op.expiresAt) {
      await this.d.ops.transition(opId, ['awaiting_approval'], 'expired');
      return await this.refuse(
        actor,
        'approve',
        op.target,
        params,
        { kind: 'refused', reason: 'expired', message: 'This approval request expired; nothing was done.' },
        op.taskName ?? undefined,
        op.id,
      );
    }
    const what = op.action === 'bulk_rerun' ? 'rerun' : 'backfill';
    const folders = op.action === 'bulk_rerun' ? ((params.folders as string[]) ?? []) : [params.folder as string | undefined];
    const refused = await this.approverRefusal(actor, op, what, folders, op.action === 'bulk_rerun' ? undefined : (op.taskName ?? undefined));
    if (refused) return refused;
    await this.recordApproval(actor, op);
    const requester = requesterOf(op, actor.source);
    if (op.action === 'bulk_rerun') return this.executeBulk(requester, op, ['awaiting_approval'], {});
    return this.execute(requester, op, ['awaiting_approval'], {});
  }

  /**
   * May `actor` approve `op`, a request waiting for a second admin (a backfill or bulk rerun over
   * the limit, a promotion into a protected workspace)? Undefined when they may; otherwise the
   * refusal, audited: the requester themselves (two-person rule), or not an admin of every folder.
   */
  async approverRefusal(actor: Actor, op: OperationRecord, what: string, folders: (string | undefined)[], task?: string): Promise<Refusal | undefined> {
    if (actor.userId === op.requestedBy) {
      return await this.refuse(
        actor,
        'approve',
        op.target,
        op.params,
        { kind: 'refused', reason: 'two_person', message: `You asked for this ${what}, so a different admin must approve it (two-person rule).` },
        op.taskName ?? undefined,
        op.id,
      );
    }
    for (const folder of folders) {
      const auth = await this.authorise(actor, `approve a ${what}`, 'admin', { folder: folder || undefined, task });
      if (auth.kind === 'refused') return await this.refuse(actor, 'approve', op.target, op.params, auth, op.taskName ?? undefined, op.id);
    }
    return undefined;
  }

  /** Audit a second admin's approval of `op` (the requester's operation then runs). */
  async recordApproval(actor: Actor, op: OperationRecord): Promise<void> {
    await this.auditEvent(actor, { opId: op.id, action: 'approve', target: op.target, taskName: op.taskName ?? undefined, params: op.params, outcome: 'approved' });
  }

  async reject(actor: Actor, opId: string): Promise<{ kind: 'rejected'; op: OperationRecord } | Refusal> {
    const op = await this.d.ops.get(opId);
    if (!op) return await this.refuseUnknownOp(actor, 'reject', opId, 'This approval request is no longer known; nothing was done.');
    if (op.status !== 'awaiting_approval') return { kind: 'refused', reason: 'state', message: `This request is ${op.status.replace('_', ' ')}.` };
    const auth = await this.authorise(actor, 'reject a backfill', 'admin', { folder: op.params.folder as string | undefined, task: op.taskName ?? undefined });
    if (auth.kind === 'refused' && actor.userId !== op.requestedBy) return await this.refuse(actor, 'reject', op.target, op.params, auth, op.taskName ?? undefined, op.id);
    if (!(await this.d.ops.transition(opId, ['awaiting_approval'], 'rejected')))
      return { kind: 'refused', reason: 'state', message: 'This request was handled by someone else just now.' };
    await this.auditEvent(actor, { opId, action: 'backfill', target: op.target, taskName: op.taskName ?? undefined, params: op.params, outcome: 'rejected' });
    return { kind: 'rejected', op: (await this.d.ops.get(opId))! };
  }

  // ---- start-up reconciliation and the verification loop (src/ops/reconcile.ts) ------------------

  /**
   * Settle what a stopped process left unfinished (see {@link Reconciler.reconcile}): at start-up,
   * and on the leader for replicas that died; `scope` says whose work may be settled, `prefix`
   * begins each note (default `At start-up: `).
   */
  reconcile(scope?: OwnerScope, prefix?: string): ReturnType<Reconciler['reconcile']> {
    return this.reconciler.reconcile(scope, prefix);
  }

  /** The verification loop: settle writes whose outcome is unknown (see {@link Reconciler.verifyPending}). */
  verifyPending(): ReturnType<Reconciler['verifyPending']> {
    return this.reconciler.verifyPending();
  }
}
