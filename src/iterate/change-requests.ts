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
import { type Actor, requesterFields } from '../ops/types.js';
import { type OperationRecord, type OperationStore, canonicalJson } from '../store/operations.js';
import type { AuditLog } from '../store/audit.js';
import type { Remote } from '../store/remote.js';
import type { StudioClient } from '../studio/client.js';
import { type AddFieldPlan, type AddFieldRequest, type FlowResult, executeAddField, planAddField, planEdits, undoAddField } from './add-field.js';
import { ADD_METRIC_CHECKPOINTS, type AddMetricPlan, executeAddMetric, planAddMetric, undoAddMetric } from './add-metric.js';
import { type MetricDefinition, metricProblems, metricQuery, metricRequest } from './metric-definition.js';
import { type Comparison, type ModifyEtlPlan, type ModifyEtlRequest, applyModifyEtl, planModifyEtl, undoModifyEtl, verifyModifyEtl } from './modify-etl.js';
import { ADD_SYNC_TABLE_CHECKPOINTS, type AddSyncTablePlan, type AddSyncTableRequest, executeAddSyncTable, planAddSyncTable, undoAddSyncTable } from './add-sync-table.js';
import type { Checkpoint, IterationDeps } from './steps.js';

/** What the person asked for: one of the four flows. */
export type ChangeRequest =
  | ({ flow: 'add_field' } & AddFieldRequest)
  | ({ flow: 'add_sync_table' } & AddSyncTableRequest)
  | ({ flow: 'add_metric' } & MetricDefinition)
  | ({ flow: 'modify_etl' } & ModifyEtlRequest);
export type ChangePlan = AddFieldPlan | AddSyncTablePlan | AddMetricPlan | ModifyEtlPlan;
/** How a change ended: each check, what went wrong; for Modify ETL logic, the new SQL's results beside the current ones. */
export interface ChangeResult {
  ok: boolean;
  checkpoints: Checkpoint[];
  error?: string;
  comparison?: Comparison;
}

/** Modify ETL logic's first check: the new SQL run once beside the current results (nothing saved). */
export function compareCheckpoint(plan: ModifyEtlPlan): Checkpoint {
  return { id: 'compare', label: `The new SQL run once on ${plan.request.bizDate} beside the current results — nothing saved yet`, status: 'pending' };
}

/** The checks a plan will make, all pending (shown with the plan). */
export function plannedCheckpoints(plan: ChangePlan): Checkpoint[] {
  const pending = (cs: readonly { id: string; label: string }[]) => cs.map((c) => ({ ...c, status: 'pending' as const }));
  if (plan.flow === 'add_field') return plan.checkpoints.map((c) => ({ ...c }));
  if (plan.flow === 'add_metric') return pending(ADD_METRIC_CHECKPOINTS);
  if (plan.flow === 'modify_etl')
    return [
      compareCheckpoint(plan),
      { id: 'save_deploy', label: 'New SQL saved and redeployed — after you have seen the comparison', status: 'pending' },
      {
        id: 'dt_full_refresh',
        label: 'Affected Dynamic Tables fully refreshed (force full refresh) — refresh SUCCEED',
        status: plan.dynamicTables.length > 0 ? 'pending' : 'skipped',
      },
    ];
  return pending(ADD_SYNC_TABLE_CHECKPOINTS);
}

/** What is wrong with each field of a change request (by field name; empty: nothing), before anything is planned. */
export function requestProblems(req: ChangeRequest): Record<string, string> {
  const problems: Record<string, string> = {};
  if (req.flow === 'add_metric') return metricProblems(req);
  if (req.flow === 'modify_etl') {
    if (!req.task.trim() || req.task.length > 200) problems.task = 'Choose the SQL task to change.';
    if (!req.newSql.trim()) problems.newSql = 'The new SQL of the task (its whole content).';
    if (!isValidDate(req.bizDate)) problems.bizDate = 'Choose the business date to run the new SQL on.';
    if ((req.keyColumns ?? []).some((c) => !/^[A-Za-z_]\w{0,127}$/.test(c))) problems.keyColumns = 'Column names separated by commas, e.g. status, user_id.';
    return problems;
  }
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
export const DEFINE_ACTION = 'define_metric';
const CONFIRM_TTL_MS = 15 * 60_000;
const UNDO_TTL_MS = 7 * 86_400_000;

export interface ChangeDeps {
  studio: StudioClient;
  lakehouse: LakehouseSql;
  operations: OperationsService;
  ops: Remote<OperationStore>;
  /** Read after a restart: the writes a change made (each tagged with its operation). */
  audit: Remote<AuditLog>;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** `missing`: a metric's DWD fields that are not there yet (the person is sent to "Add a field" first). */
export type PlanAnswer = { kind: 'plan'; plan: ChangePlan; opId: string } | { kind: 'problem'; message: string; missing?: { folder: string; table: string; columns: string[] } };
/** A metric's definition as it will be built, shown to the person to confirm before anything is planned. */
export type DefineAnswer = { kind: 'definition'; opId: string; definition: MetricDefinition; query: string; requiredColumns: string[] };
export type ConfirmAnswer =
  | { kind: 'refused'; message: string }
  | { kind: 'replanned'; message: string; next: PlanAnswer }
  /** `applyOpId`: Modify ETL logic verified — its Save and deploy waits for the person. */
  | { kind: 'done'; plan: ChangePlan; result: ChangeResult; undoOpId?: string; applyOpId?: string };
/** Where the change's message is, so that a restart can say how it ended. */
export interface ReplyPlace {
  channelId: string;
  messageTs: string;
}
/** A change a stopped process left part-way, settled at start-up: what the person is shown. */
export interface InterruptedChange {
  opId: string;
  reply?: ReplyPlace;
  title: string;
  checkpoints: Checkpoint[];
  message: string;
  undoOpId?: string;
}
export type UndoAnswer = { kind: 'refused'; message: string } | { kind: 'undone'; ok: boolean; restored: string[]; failed: string[]; redeployed: boolean; deleted?: string };

/** What identifies a plan: every content it changes (before and after), the impact and the DTs it leaves. */
export function planFingerprint(plan: ChangePlan): string {
  const hash = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 32);
  if (plan.flow === 'add_metric') return hash({ flow: plan.flow, edit: [plan.edit.taskId, plan.edit.before, plan.edit.after], statement: plan.statement });
  if (plan.flow === 'modify_etl')
    return hash({ flow: plan.flow, edit: [plan.edit.taskId, plan.edit.before, plan.edit.after], online: plan.edit.online, impact: plan.impactText, dts: plan.dynamicTables });
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
type UndoRecord =
  | { plan: Omit<AddFieldPlan, 'impact'>; deployed: boolean }
  | { plan: AddSyncTablePlan; taskId: number }
  | { flow: 'add_metric'; plan: AddMetricPlan }
  | { flow: 'modify_etl'; plan: Omit<ModifyEtlPlan, 'impact'>; deployed: boolean };

/** What a change keeps in its operation while it runs: a restart reads it to say what was written and to offer Undo. */
interface RunningRecord {
  running: true;
  flow: ChangeRequest['flow'];
  title: string;
  confirmedBy: { userId: string; userName?: string };
  reply?: ReplyPlace;
  checkpoints: Checkpoint[];
  /** What Undo needs, kept before the first write (a flow that creates a task adds its id when it has it). */
  undo?: UndoRecord;
}

/** What Undo needs, known before the first write (a new sync task's id is known only once it is created). */
function undoRecordBefore(plan: ChangePlan): UndoRecord | undefined {
  if (plan.flow === 'add_field') {
    const { impact: _impact, ...kept } = plan;
    return { plan: kept, deployed: false };
  }
  if (plan.flow === 'add_metric') return { flow: 'add_metric', plan };
  if (plan.flow === 'modify_etl') {
    const { impact: _impact, ...kept } = plan;
    return { flow: 'modify_etl', plan: kept, deployed: false };
  }
  return undefined;
}

/** What a change is called in its messages. */
export function changeTitle(plan: ChangePlan): string {
  if (plan.flow === 'add_field') return `Add ${plan.request.column} to ${plan.ods.table}`;
  if (plan.flow === 'add_metric') return `Add the metric ${plan.request.metric} as ${plan.request.table}`;
  if (plan.flow === 'modify_etl') return `Modify the ETL logic of ${plan.edit.taskName}`;
  return `Sync ${plan.request.sourceTable} into ${plan.target}`;
}

export class PipelineChanges {
  constructor(private readonly d: ChangeDeps) {}

  /** `change`: the change operation each write belongs to (in its audit params), read back after a restart. */
  private deps(actor: Actor, change?: string): IterationDeps {
    return {
      studio: this.d.studio,
      lakehouse: this.d.lakehouse,
      write: (what, fn) => this.d.operations.auditedWrite(actor, change ? { ...what, params: { ...what.params, change } } : what, fn),
      ...(this.d.sleep ? { sleep: this.d.sleep } : {}),
    };
  }

  private async makePlan(
    actor: Actor,
    folder: string,
    req: ChangeRequest,
  ): Promise<{ kind: 'plan'; plan: ChangePlan } | { kind: 'problem'; message: string; missing?: { folder: string; table: string; columns: string[] } }> {
    const lineage = await buildLineage(this.d.studio, this.d.lakehouse, { now: this.d.now() });
    if (req.flow === 'add_metric') {
      const source = req.source.toLowerCase();
      if (!lineage.tasks.some((t) => t.folder === folder && t.writes.includes(source)))
        return { kind: 'problem', message: `No task of \`${folder}\` writes \`${source}\`: choose one of the pipeline's tables.` };
      const r = await planAddMetric(this.deps(actor), lineage, metricRequest(req));
      return r.kind === 'problem' ? { kind: 'problem', message: r.message, ...(r.missing ? { missing: { folder, ...r.missing } } : {}) } : r;
    }
    if (req.flow === 'modify_etl') {
      const home = lineage.tasks.find((t) => t.name === req.task.trim())?.folder;
      if (home !== undefined && home !== folder)
        return { kind: 'problem', message: `\`${req.task.trim()}\` is in the folder \`${home}\`, not \`${folder}\`: choose that pipeline.` };
      return planModifyEtl(this.deps(actor), lineage, req);
    }
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

  /** What the forms offer for a pipeline: the tables its tasks write (the DWD ones for a metric) and its SQL tasks. */
  async folderObjects(folder: string): Promise<{ tables: string[]; sqlTasks: { id: number; name: string }[] }> {
    const lineage = await buildLineage(this.d.studio, this.d.lakehouse, { now: this.d.now() });
    const mine = lineage.tasks.filter((t) => t.folder === folder);
    return {
      tables: [...new Set(mine.flatMap((t) => t.writes))].sort(),
      sqlTasks: mine.filter((t) => t.kind === 'SQL').map((t) => ({ id: t.id, name: t.name })),
    };
  }

  /**
   * A metric's definition (seed 000: confirmed with the person before the plan): kept as an
   * operation awaiting their confirmation, shown back as the query it makes. Read-only.
   */
  async define(actor: Actor, folder: string, def: MetricDefinition): Promise<DefineAnswer> {
    const op = await this.d.ops.create({
      action: DEFINE_ACTION,
      target: `folder:${folder}`,
      taskName: null,
      params: { folder, definition: { ...def } },
      ...requesterFields(actor),
      status: 'awaiting_confirmation',
      expiresAt: this.d.now() + CONFIRM_TTL_MS,
    });
    return { kind: 'definition', opId: op.id, definition: def, query: metricQuery(def), requiredColumns: metricRequest(def).requiredColumns };
  }

  /** The person confirmed the metric's definition: once; then the DWD fields are checked and the plan made. */
  async confirmDefinition(actor: Actor, defineOpId: string): Promise<PlanAnswer | { kind: 'refused'; message: string }> {
    const op = await this.d.ops.get(defineOpId);
    if (!op || op.action !== DEFINE_ACTION) return this.refuse(actor, undefined, DEFINE_ACTION, 'This definition is no longer known; nothing was done. Ask again.');
    if (op.requestedBy !== actor.userId) return this.refuse(actor, op, DEFINE_ACTION, 'Only the person who defined this metric can confirm its definition.');
    if (this.d.now() > op.expiresAt) {
      await this.d.ops.transition(defineOpId, ['awaiting_confirmation'], 'expired');
      return this.refuse(actor, op, DEFINE_ACTION, 'This definition expired (15 minutes); nothing was done. Ask again.');
    }
    if (!(await this.d.ops.transition(defineOpId, ['awaiting_confirmation'], 'succeeded')))
      return this.refuse(actor, op, DEFINE_ACTION, `This definition is already ${op.status.replace('_', ' ')}; nothing was done again.`);
    await this.d.operations.recordAction(actor, { action: `${DEFINE_ACTION}_confirmed`, target: op.target, params: { opId: defineOpId, definition: op.params.definition } });
    return this.plan(actor, String(op.params.folder), { flow: 'add_metric', ...(op.params.definition as MetricDefinition) });
  }

  /** Read-only: the plan, kept as an operation awaiting confirmation; or what is wrong with the request (audited as a refusal). */
  async plan(actor: Actor, folder: string, req: ChangeRequest, stage?: { apply: Comparison; of: string }): Promise<PlanAnswer> {
    const r = await this.makePlan(actor, folder, req);
    if (r.kind === 'problem') {
      await this.d.operations.recordRefusal(actor, { action: CHANGE_ACTION, target: `folder:${folder}`, params: { flow: req.flow, request: { ...req } }, reason: r.message });
      return r;
    }
    const op = await this.d.ops.create({
      action: CHANGE_ACTION,
      target: `folder:${folder}`,
      taskName: null,
      params: { flow: req.flow, folder, request: { ...req }, fingerprint: planFingerprint(r.plan), ...(stage ? { stage: 'apply', comparison: stage.apply, of: stage.of } : {}) },
      ...requesterFields(actor),
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
  /**
   * The Confirm click: authorised now, the plan made again and compared, then carried out once.
   * `reply`: the plan's message, kept in the operation so that a restart can say how it ended.
   */
  async confirm(actor: Actor, opId: string, onProgress: (c: Checkpoint[], plan: ChangePlan) => void | Promise<void> = () => {}, reply?: ReplyPlace): Promise<ConfirmAnswer> {
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
    const applying = op.params.stage === 'apply' ? (op.params.comparison as Comparison) : undefined;
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
      params: { opId, flow: req.flow, fingerprint: op.params.fingerprint, ...(applying ? { stage: 'apply' } : {}) },
    });
    const plan = again.plan;
    // Before the first write: what a restart needs to say what was written and to undo it.
    const running: RunningRecord = {
      running: true,
      flow: req.flow,
      title: changeTitle(plan),
      confirmedBy: { userId: actor.userId, ...(actor.userName ? { userName: actor.userName } : {}) },
      ...(reply ? { reply } : {}),
      checkpoints: plannedCheckpoints(plan),
      ...(undoRecordBefore(plan) ? { undo: undoRecordBefore(plan) } : {}),
    };
    const progress = async (cs: Checkpoint[]) => {
      running.checkpoints = cs.map((c) => ({ ...c }));
      await this.d.ops.transition(opId, ['executing'], 'executing', running);
      await onProgress(cs, plan);
    };
    const deps = this.deps(actor, opId);
    let result: ChangeResult;
    let undo: UndoRecord | undefined;
    let applyOpId: string | undefined;
    try {
      // The buttons go at once: the checks to come, all pending (Modify ETL logic's comparison passed already when applying).
      const first = plannedCheckpoints(plan);
      if (applying && plan.flow === 'modify_etl') first[0] = { ...first[0]!, status: 'passed', detail: applying.differences.join('; ') };
      await progress(first);
      if (plan.flow === 'add_field') {
        const r: FlowResult = await executeAddField(deps, plan, progress);
        const { impact: _impact, ...kept } = plan;
        result = r;
        if (r.ok) undo = { plan: kept, deployed: r.deployed };
      } else if (plan.flow === 'add_metric') {
        result = await executeAddMetric(deps, plan);
        if (result.ok) undo = { flow: 'add_metric', plan };
      } else if (plan.flow === 'modify_etl' && !applying) {
        const v = await verifyModifyEtl(deps, plan);
        const cs = plannedCheckpoints(plan);
        cs[0]!.status = v.ok ? 'passed' : 'failed';
        cs[0]!.detail = v.ok ? v.comparison.differences.join('; ') : v.error;
        result = v.ok ? { ok: true, checkpoints: cs, comparison: v.comparison } : { ok: false, checkpoints: cs, error: v.error };
        if (v.ok) {
          // Only now may it be saved and deployed: a confirmation of its own, the plan compared again at its click.
          const next = await this.plan(actor, folder, req, { apply: v.comparison, of: opId });
          if (next.kind === 'plan') applyOpId = next.opId;
        }
      } else if (plan.flow === 'modify_etl') {
        const r = await applyModifyEtl(deps, plan);
        const { impact: _impact, ...kept } = plan;
        result = { ...r, checkpoints: [first[0]!, ...r.checkpoints], comparison: applying };
        undo = { flow: 'modify_etl', plan: kept, deployed: r.deployed };
      } else {
        const r = await executeAddSyncTable(deps, plan);
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
      ...(result.comparison ? { comparison: result.comparison } : {}),
      ...(undo ? { undo } : {}),
    });
    await this.d.operations.recordAction(actor, {
      action: `${CHANGE_ACTION}_${applyOpId ? 'verified' : result.ok ? 'done' : 'stopped'}`,
      target: op.target,
      params: { opId, failedCheck: result.checkpoints.find((c) => c.status === 'failed')?.id ?? null },
    });
    if (!undo) return { kind: 'done', plan, result, ...(applyOpId ? { applyOpId } : {}) };
    return { kind: 'done', plan, result, undoOpId: await this.offerUndo(actor, op, folder) };
  }

  /** Undo, an operation of its own waiting for a click (7 days, once). */
  private async offerUndo(actor: Pick<Actor, 'userId' | 'userName' | 'teamId' | 'channelId' | 'source'>, change: OperationRecord, folder: string): Promise<string> {
    const undoOp = await this.d.ops.create({
      action: UNDO_ACTION,
      target: change.target,
      taskName: null,
      params: { of: change.id, folder },
      ...requesterFields(actor),
      status: 'awaiting_confirmation',
      expiresAt: this.d.now() + UNDO_TTL_MS,
    });
    return undoOp.id;
  }

  /**
   * At start-up: the changes a stopped process left executing (`scope`: whose). Nothing is run
   * again: each ends failed with the steps its audit rows show written (or sent, their outcome
   * verified on their own by the reconciler), and Undo is offered when anything was written.
   */
  async recoverInterrupted(scope: (owner: string | null) => boolean): Promise<InterruptedChange[]> {
    const out: InterruptedChange[] = [];
    for (const op of await this.d.ops.withStatus('executing')) {
      if (op.action !== CHANGE_ACTION || !scope(op.owner ?? null)) continue;
      const rec = op.result as Partial<RunningRecord> | null;
      const actorId = rec?.confirmedBy?.userId ?? op.requestedBy;
      const rows = (await this.d.audit.query({ actorId, since: op.updatedAt - 86_400_000, limit: 2000 })).filter((r) => r.params.change === op.id);
      // One line per write (its own audit operation), by its last outcome, in the order they were sent.
      const writes = new Map<string, { what: string; outcome: string }>();
      for (const r of [...rows].sort((a, b) => a.id - b.id)) writes.set(r.opId, { what: `${r.action.replace(/_/g, ' ')} ${r.taskName ?? r.target}`, outcome: r.outcome });
      const done = [...writes.values()].filter((w) => w.outcome === 'succeeded').map((w) => w.what);
      const sent = [...writes.values()].filter((w) => w.outcome === 'requested' || w.outcome === 'unknown').map((w) => w.what);
      const checkpoints = (rec?.checkpoints ?? []).map((c) => (c.status === 'pending' ? { ...c, status: 'skipped' as const, detail: 'not reached: the bot stopped' } : c));
      const deployed = [...writes.values()].some((w) => w.what.startsWith('deploy') && w.outcome !== 'failed');
      const undo = rec?.undo && 'deployed' in rec.undo ? { ...rec.undo, deployed } : rec?.undo;
      const wrote = done.length + sent.length > 0;
      const message = wrote
        ? `Interrupted part-way: the bot stopped during this change, and it was not carried on (nothing is run again by itself). Written to Studio: ${done.join(', ') || 'nothing confirmed'}.${sent.length ? ` Sent, its outcome being checked against Studio: ${sent.join(', ')}.` : ''}${undo ? ' Undo puts back every content as it was before the change.' : ' Put the contents back from Studio’s versions.'}`
        : 'Interrupted before anything was written: the bot stopped, nothing reached Studio. Ask again to make the change.';
      if (!(await this.d.ops.transition(op.id, ['executing'], 'failed', { message, checkpoints, interrupted: true, written: done, sent, ...(undo ? { undo } : {}) }))) continue;
      const actor: Actor = { userId: actorId, ...(rec?.confirmedBy?.userName ? { userName: rec.confirmedBy.userName } : {}), source: 'system' };
      await this.d.operations.recordAction(actor, { action: `${CHANGE_ACTION}_interrupted`, target: op.target, params: { opId: op.id, written: done, sent } });
      const undoOpId = wrote && undo ? await this.offerUndo({ ...actor, source: op.source as Actor['source'] }, op, String(op.params.folder)) : undefined;
      out.push({ opId: op.id, ...(rec?.reply ? { reply: rec.reply } : {}), title: rec?.title ?? 'A pipeline change', checkpoints, message, ...(undoOpId ? { undoOpId } : {}) });
    }
    return out;
  }

  /** `message`: what the person is told (after Modify ETL logic's comparison, its one run is said). */
  async cancel(actor: Actor, opId: string): Promise<{ kind: 'cancelled'; message: string } | { kind: 'refused'; message: string }> {
    const op = await this.d.ops.get(opId);
    if (!op || (op.action !== CHANGE_ACTION && op.action !== DEFINE_ACTION)) return this.refuse(actor, undefined, CHANGE_ACTION, 'This plan is no longer known; nothing was done.');
    if (!(await this.d.ops.transition(opId, ['awaiting_confirmation'], 'cancelled')))
      return this.refuse(actor, op, CHANGE_ACTION, `This plan is already ${op.status.replace('_', ' ')}.`);
    await this.d.operations.recordAction(actor, { action: `${op.action}_cancelled`, target: op.target, params: { opId } });
    if (op.params.stage === 'apply') {
      const date = String((op.params.request as { bizDate?: string }).bizDate ?? '');
      return {
        kind: 'cancelled',
        message: `Cancelled: the new SQL was not saved or deployed. Its one run for the comparison rewrote the target's data for ${date}: the task's next run (or a rerun of ${date}) puts the current logic's data back.`,
      };
    }
    return { kind: 'cancelled', message: 'Cancelled: nothing was written.' };
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
    } else if ('flow' in record && record.flow === 'add_metric') {
      const done = await undoAddMetric(this.deps(actor), record.plan);
      r = { ok: done.ok, restored: done.restored, failed: done.ok ? [] : [record.plan.edit.taskName], redeployed: false };
    } else if ('flow' in record && record.flow === 'modify_etl') {
      const done = await undoModifyEtl(this.deps(actor), record.plan as ModifyEtlPlan, { deployed: record.deployed });
      r = { ...done, failed: done.ok ? [] : [record.plan.edit.taskName] };
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
