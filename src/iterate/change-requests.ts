/**
 * A pipeline change asked for by a person (issue 34, item 1): the plan kept server-side as an
 * operation awaiting confirmation (the request and a fingerprint of the plan), the Confirm
 * authorised at click time (operator on the folder, policy file) and carried out once (the
 * operation moves awaiting_confirmation → executing atomically: a second click finds it taken),
 * the plan made again at the click and compared with the one shown (a pipeline changed since is
 * refused with the new plan), every write audited (OperationsService.auditedWrite), and the Undo
 * record (the contents read before the flow) kept in the operation's result, with an Undo of its
 * own waiting for confirmation.
 *
 * Knows nothing of Slack: the handlers (handlers/actions/pipeline-change.ts) show what it answers.
 */
import { isValidDate } from '../studio/dates.js';
import { createHash } from 'node:crypto';
import type { LakehouseSql } from '../lakehouse/client.js';
import { buildLineage } from '../lineage/index.js';
import type { OperationsService } from '../ops/operations.js';
import type { Actor } from '../ops/types.js';
import { type OperationRecord, type OperationStore, canonicalJson } from '../store/operations.js';
import type { Remote } from '../store/remote.js';
import type { StudioClient } from '../studio/client.js';
import { type AddFieldPlan, type AddFieldRequest, type FlowResult, executeAddField, planAddField, planEdits, undoAddField } from './add-field.js';
import { ADD_SYNC_TABLE_CHECKPOINTS, type AddSyncTablePlan, type AddSyncTableRequest, executeAddSyncTable, planAddSyncTable, undoAddSyncTable } from './add-sync-table.js';
import type { Checkpoint, IterationDeps } from './steps.js';

/** What the person asked for: one of the flows wired in Slack. */
export type ChangeRequest = ({ flow: 'add_field' } & AddFieldRequest) | ({ flow: 'add_sync_table' } & AddSyncTableRequest);
export type ChangePlan = AddFieldPlan | AddSyncTablePlan;
/** How a change ended: each check, what went wrong. */
export interface ChangeResult {
  ok: boolean;
  checkpoints: Checkpoint[];
  error?: string;
}
/** The checks a plan will make, all pending (shown with the plan). */
export function plannedCheckpoints(plan: ChangePlan): Checkpoint[] {
  return plan.flow === 'add_field' ? plan.checkpoints.map((c) => ({ ...c })) : ADD_SYNC_TABLE_CHECKPOINTS.map((c) => ({ ...c, status: 'pending' as const }));
}

/** What is wrong with each field of a change request (by field name; empty: nothing), before anything is planned. */
export function requestProblems(req: ChangeRequest): Record<string, string> {
  const problems: Record<string, string> = {};
  if (req.flow === 'add_sync_table') {
    if (!req.syncTask || req.syncTask.length > 200) problems.syncTask = 'The name of an existing single-table sync task.';
    if (!/^[A-Za-z_]\w{0,127}$/.test(req.sourceTable)) problems.sourceTable = 'A table name (letters, digits and _), without its database.';
    return problems;
  }
  if (!/^[A-Za-z_]\w*\.[A-Za-z_]\w*$/.test(req.table)) problems.table = 'Write schema.table, e.g. ecommerce_ods.orders.';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(req.column)) problems.column = 'Letters, digits and _, starting with a letter.';
  if (!/^(string|bigint|int|tinyint|smallint|boolean|double|float|date|timestamp|decimal\(\s*\d{1,2}\s*,\s*\d{1,2}\s*\))$/i.test(req.type))
    problems.type = 'One of STRING, BIGINT, INT, TINYINT, SMALLINT, BOOLEAN, DOUBLE, FLOAT, DATE, TIMESTAMP, DECIMAL(p,s).';
  if (!isValidDate(req.bizDate)) problems.bizDate = 'Choose the business date to verify on.';
  return problems;
}

export const CHANGE_ACTION = 'change_pipeline';
export const UNDO_ACTION = 'undo_change_pipeline';
const CONFIRM_TTL_MS = 15 * 60_000;
const UNDO_TTL_MS = 7 * 86_400_000;

export interface ChangeDeps {
  studio: StudioClient;
  lakehouse: LakehouseSql;
  operations: OperationsService;
  ops: Remote<OperationStore>;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type PlanAnswer = { kind: 'plan'; plan: ChangePlan; opId: string } | { kind: 'problem'; message: string };
export type ConfirmAnswer =
  | { kind: 'refused'; message: string }
  | { kind: 'replanned'; message: string; next: PlanAnswer }
  | { kind: 'done'; plan: ChangePlan; result: ChangeResult; undoOpId?: string };
export type UndoAnswer = { kind: 'refused'; message: string } | { kind: 'undone'; ok: boolean; restored: string[]; failed: string[]; redeployed: boolean; deleted?: string };

/** What identifies a plan: every content it changes (before and after), the impact and the DTs it leaves. */
export function planFingerprint(plan: ChangePlan): string {
  if (plan.flow === 'add_sync_table')
    return createHash('sha256')
      .update(canonicalJson({ flow: plan.flow, folderId: plan.folderId, target: plan.target, task: plan.newTask }))
      .digest('hex')
      .slice(0, 32);
  const edits = planEdits(plan).map((e) => [e.taskId, e.before, e.after]);
  return createHash('sha256')
    .update(canonicalJson({ edits, impact: plan.impactText, untouched: plan.untouchedDynamicTables, sync: plan.ods.sync?.taskId ?? null, online: plan.etl.online }))
    .digest('hex')
    .slice(0, 32);
}

/** What Undo needs, kept in the operation's result (the plan without its lineage impact). */
type UndoRecord = { plan: Omit<AddFieldPlan, 'impact'>; deployed: boolean } | { plan: AddSyncTablePlan; taskId: number };

export class PipelineChanges {
  constructor(private readonly d: ChangeDeps) {}

  private deps(actor: Actor): IterationDeps {
    return {
      studio: this.d.studio,
      lakehouse: this.d.lakehouse,
      write: (what, fn) => this.d.operations.auditedWrite(actor, what, fn),
      ...(this.d.sleep ? { sleep: this.d.sleep } : {}),
    };
  }

  private async makePlan(actor: Actor, folder: string, req: ChangeRequest): Promise<{ kind: 'plan'; plan: ChangePlan } | { kind: 'problem'; message: string }> {
    const lineage = await buildLineage(this.d.studio, this.d.lakehouse, { now: this.d.now() });
    if (req.flow === 'add_sync_table') {
      const home = lineage.tasks.find((t) => t.name === req.syncTask.trim())?.folder;
      if (home !== undefined && home !== folder)
        return { kind: 'problem', message: `\`${req.syncTask.trim()}\` is in the folder \`${home}\`, not \`${folder}\`: choose that pipeline.` };
      return planAddSyncTable(this.deps(actor), lineage, { syncTask: req.syncTask, sourceTable: req.sourceTable });
    }
    const r = await planAddField(this.deps(actor), lineage, req);
    if (r.kind === 'plan' && r.plan.folder !== folder)
      return {
        kind: 'problem',
        message: `\`${r.plan.ods.table}\` is carried by \`${r.plan.etl.taskName}\` in the folder \`${r.plan.folder ?? '?'}\`, not \`${folder}\`: choose that pipeline.`,
      };
    return r;
  }

  /** Read-only: the plan, kept as an operation awaiting confirmation; or what is wrong with the request (audited as a refusal). */
  async plan(actor: Actor, folder: string, req: ChangeRequest): Promise<PlanAnswer> {
    const r = await this.makePlan(actor, folder, req);
    if (r.kind === 'problem') {
      await this.d.operations.recordRefusal(actor, { action: CHANGE_ACTION, target: `folder:${folder}`, params: { flow: req.flow, request: { ...req } }, reason: r.message });
      return r;
    }
    const op = await this.d.ops.create({
      action: CHANGE_ACTION,
      target: `folder:${folder}`,
      taskName: null,
      params: { flow: req.flow, folder, request: { ...req }, fingerprint: planFingerprint(r.plan) },
      requestedBy: actor.userId,
      requestedByName: actor.userName ?? null,
      teamId: actor.teamId ?? null,
      channelId: actor.channelId ?? null,
      source: actor.source,
      status: 'awaiting_confirmation',
      expiresAt: this.d.now() + CONFIRM_TTL_MS,
    });
    return { kind: 'plan', plan: r.plan, opId: op.id };
  }

  private async refuse(actor: Actor, op: OperationRecord | undefined, action: string, message: string): Promise<{ kind: 'refused'; message: string }> {
    await this.d.operations.recordRefusal(actor, { action, target: op?.target ?? 'op:unknown', params: op ? { opId: op.id } : {}, reason: message });
    return { kind: 'refused', message };
  }

  /** The Confirm click: authorised now, the plan made again and compared, then carried out once. */
  async confirm(actor: Actor, opId: string, onProgress: (c: Checkpoint[], plan: ChangePlan) => void | Promise<void> = () => {}): Promise<ConfirmAnswer> {
    const op = await this.d.ops.get(opId);
    if (!op || op.action !== CHANGE_ACTION) return this.refuse(actor, undefined, CHANGE_ACTION, 'This plan is no longer known; nothing was done. Ask again.');
    if (op.status === 'executing') return this.refuse(actor, op, CHANGE_ACTION, 'This change is already being carried out by an earlier click; nothing was started again.');
    if (op.status !== 'awaiting_confirmation') return this.refuse(actor, op, CHANGE_ACTION, `This plan is already ${op.status.replace('_', ' ')}; nothing was started again.`);
    const folder = String(op.params.folder);
    const refusal = await this.d.operations.permit(actor, CHANGE_ACTION, 'operator', { folder }, { target: op.target, params: { opId } });
    if (refusal) return { kind: 'refused', message: refusal.message };
    if (this.d.now() > op.expiresAt) {
      await this.d.ops.transition(opId, ['awaiting_confirmation'], 'expired');
      return this.refuse(actor, op, CHANGE_ACTION, 'This plan expired (15 minutes); nothing was done. Ask again.');
    }
    const req = { flow: 'add_field', ...(op.params.request as object) } as ChangeRequest;
    const again = await this.makePlan(actor, folder, req);
    if (again.kind === 'problem' || planFingerprint(again.plan) !== op.params.fingerprint) {
      if (!(await this.d.ops.transition(opId, ['awaiting_confirmation'], 'expired')))
        return this.refuse(actor, op, CHANGE_ACTION, 'This change is already being carried out by an earlier click; nothing was started again.');
      const message = 'The pipeline changed since the plan was made: nothing was written.';
      await this.d.operations.recordRefusal(actor, { action: CHANGE_ACTION, target: op.target, params: { opId }, reason: message });
      const next = again.kind === 'problem' ? again : await this.plan(actor, folder, req);
      return { kind: 'replanned', message, next };
    }
    // One execution, whoever clicks and however often.
    if (!(await this.d.ops.transition(opId, ['awaiting_confirmation'], 'executing')))
      return this.refuse(actor, op, CHANGE_ACTION, 'This change is already being carried out by an earlier click; nothing was started again.');
    await this.d.operations.recordAction(actor, {
      action: `${CHANGE_ACTION}_confirmed`,
      target: op.target,
      params: { opId, flow: req.flow, fingerprint: op.params.fingerprint },
    });
    // The buttons go at once: the checks to come, all pending.
    const plan = again.plan;
    await onProgress(plannedCheckpoints(plan), plan);
    let result: ChangeResult;
    let undo: UndoRecord | undefined;
    try {
      if (plan.flow === 'add_field') {
        const r: FlowResult = await executeAddField(this.deps(actor), plan, (cs) => onProgress(cs, plan));
        const { impact: _impact, ...kept } = plan;
        result = r;
        if (r.ok) undo = { plan: kept, deployed: r.deployed };
      } else {
        const r = await executeAddSyncTable(this.deps(actor), plan);
        result = r;
        // A failed sync leaves its new task as a draft: Undo deletes it too.
        if (r.taskId !== undefined) undo = { plan, taskId: r.taskId };
      }
    } catch (e) {
      const message = `The change stopped on an error: ${(e as Error).message}`;
      await this.d.ops.transition(opId, ['executing'], 'failed', { message });
      throw e;
    }
    await this.d.ops.transition(opId, ['executing'], result.ok ? 'succeeded' : 'failed', {
      message: result.ok ? 'done' : result.error,
      checkpoints: result.checkpoints,
      ...(undo ? { undo } : {}),
    });
    await this.d.operations.recordAction(actor, {
      action: `${CHANGE_ACTION}_${result.ok ? 'done' : 'stopped'}`,
      target: op.target,
      params: { opId, failedCheck: result.checkpoints.find((c) => c.status === 'failed')?.id ?? null },
    });
    if (!undo) return { kind: 'done', plan, result };
    const undoOp = await this.d.ops.create({
      action: UNDO_ACTION,
      target: op.target,
      taskName: null,
      params: { of: opId, folder },
      requestedBy: actor.userId,
      requestedByName: actor.userName ?? null,
      teamId: actor.teamId ?? null,
      channelId: actor.channelId ?? null,
      source: actor.source,
      status: 'awaiting_confirmation',
      expiresAt: this.d.now() + UNDO_TTL_MS,
    });
    return { kind: 'done', plan, result, undoOpId: undoOp.id };
  }

  async cancel(actor: Actor, opId: string): Promise<{ kind: 'cancelled' } | { kind: 'refused'; message: string }> {
    const op = await this.d.ops.get(opId);
    if (!op || op.action !== CHANGE_ACTION) return this.refuse(actor, undefined, CHANGE_ACTION, 'This plan is no longer known; nothing was done.');
    if (!(await this.d.ops.transition(opId, ['awaiting_confirmation'], 'cancelled')))
      return this.refuse(actor, op, CHANGE_ACTION, `This plan is already ${op.status.replace('_', ' ')}.`);
    await this.d.operations.recordAction(actor, { action: `${CHANGE_ACTION}_cancelled`, target: op.target, params: { opId } });
    return { kind: 'cancelled' };
  }

  /** Undo a finished change: authorised now, once; every content back as read before the flow. */
  async undo(actor: Actor, undoOpId: string): Promise<UndoAnswer> {
    const op = await this.d.ops.get(undoOpId);
    if (!op || op.action !== UNDO_ACTION) return this.refuse(actor, undefined, UNDO_ACTION, 'This Undo is no longer known; nothing was done.');
    if (op.status !== 'awaiting_confirmation') return this.refuse(actor, op, UNDO_ACTION, `This change was already undone (or is being undone): nothing was done again.`);
    const refusal = await this.d.operations.permit(actor, UNDO_ACTION, 'operator', { folder: String(op.params.folder) }, { target: op.target, params: { opId: undoOpId } });
    if (refusal) return { kind: 'refused', message: refusal.message };
    const change = await this.d.ops.get(String(op.params.of));
    const record = (change?.result as { undo?: UndoRecord } | null)?.undo;
    if (!record) return this.refuse(actor, op, UNDO_ACTION, 'The record of this change is gone; nothing was undone. Restore the contents from Studio’s versions.');
    if (!(await this.d.ops.transition(undoOpId, ['awaiting_confirmation'], 'executing')))
      return this.refuse(actor, op, UNDO_ACTION, 'This change is already being undone by an earlier click: nothing was done again.');
    let r: { ok: boolean; restored: string[]; failed: string[]; redeployed: boolean; deleted?: string };
    if ('taskId' in record) {
      const done = await undoAddSyncTable(this.deps(actor), record.plan, record.taskId);
      r = { ok: done.ok, restored: [], failed: done.ok ? [] : [record.plan.newTask.name], redeployed: false, ...(done.ok ? { deleted: record.plan.newTask.name } : {}) };
    } else r = await undoAddField(this.deps(actor), record.plan as AddFieldPlan, { deployed: record.deployed });
    await this.d.ops.transition(undoOpId, ['executing'], r.ok ? 'succeeded' : 'failed', r);
    await this.d.operations.recordAction(actor, {
      action: `${UNDO_ACTION}_${r.ok ? 'done' : 'partial'}`,
      target: op.target,
      params: { opId: undoOpId, of: op.params.of, restored: r.restored, failed: r.failed },
    });
    return { kind: 'undone', ...r };
  }
}
