/**
 * dev → prod promotion (issue 34, item 4): `/cz promote <folder> --from <ws> --to <ws>`.
 *
 * The plan (src/promote/plan.ts) is kept as an operation of the *target* workspace, awaiting
 * confirmation (its audit log, its policy): the folder, both workspaces and the fingerprint of what
 * was read on both sides. Confirm is authorised at the click (operator on the target folder; admin
 * when the target is protected), both sides are read again and compared (changed → a new plan,
 * nothing written), and the operation moves awaiting_confirmation → executing at most once. A
 * protected target first waits for a second admin's approval (OperationsService.approverRefusal:
 * never the requester; audited). The apply and its Undo: src/promote/apply.ts. Nothing is written
 * to the source workspace: it is only read.
 *
 * Knows nothing of Slack (handlers/actions/promote.ts shows what it answers).
 */
import type { OperationsService } from '../ops/operations.js';
import type { Policy } from '../ops/policy.js';
import { type Actor, requesterFields, requesterOf } from '../ops/types.js';
import type { OperationRecord, OperationStore } from '../store/operations.js';
import type { Remote } from '../store/remote.js';
import type { StudioClient } from '../studio/client.js';
import type { WorkspaceNames } from '../workspaces.js';
import type { Checkpoint } from '../iterate/steps.js';
import { type AppliedTask, type PromotionDeps, type UndoResult, applyPromotion, plannedCheckpoints, undoPromotion } from './apply.js';
import { nameMapper } from './names.js';
import { type PromotionPlan, planPromotion, readFolder } from './plan.js';

export const PROMOTE_ACTION = 'promote';
export const UNDO_PROMOTE_ACTION = 'undo_promote';
const CONFIRM_TTL_MS = 15 * 60_000;
const APPROVAL_TTL_MS = 24 * 3_600_000;
const UNDO_TTL_MS = 7 * 86_400_000;

/** One workspace as a promotion sees it. */
export interface PromotionWorkspace {
  studio: StudioClient;
  operations: OperationsService;
  ops: Remote<OperationStore>;
  policy: Policy;
  names?: WorkspaceNames;
  protected?: boolean;
}

export interface PromotionsDeps {
  workspaces: ReadonlyMap<string, PromotionWorkspace>;
  /** Where refusals naming no known workspace are audited. */
  defaultWorkspace: string;
  now: () => number;
}

export type PromotePlanAnswer = { kind: 'plan'; plan: PromotionPlan; opId: string; to: string; protected: boolean } | { kind: 'refused'; message: string };
export type PromoteConfirmAnswer =
  | { kind: 'refused'; message: string }
  | { kind: 'replanned'; message: string; next: PromotePlanAnswer }
  | { kind: 'awaiting_approval'; plan: PromotionPlan; opId: string; to: string; requestedBy: string; approvers: string[] }
  | { kind: 'done'; plan: PromotionPlan; ok: boolean; checkpoints: Checkpoint[]; written: string[]; error?: string; undoOpId?: string };
export type PromoteUndoAnswer = { kind: 'refused'; message: string } | ({ kind: 'undone' } & UndoResult);

/** The button value: the target workspace and the operation (`prod|<uuid>`). */
export const promotionRef = (to: string, opId: string) => `${to}|${opId}`;
export function parsePromotionRef(value: string): { to: string; opId: string } | undefined {
  const m = /^([a-z][a-z0-9_-]{0,31})\|([0-9a-f-]{8,64})$/.exec(value);
  return m ? { to: m[1]!, opId: m[2]! } : undefined;
}

interface StoredUndo {
  applied: AppliedTask[];
  createdFolder?: { id: number; name: string };
}

export class Promotions {
  constructor(private readonly d: PromotionsDeps) {}

  private ws(name: string): PromotionWorkspace | undefined {
    return this.d.workspaces.get(name);
  }

  private async refuse(
    actor: Actor,
    where: string,
    action: string,
    target: string,
    params: Record<string, unknown>,
    message: string,
  ): Promise<{ kind: 'refused'; message: string }> {
    const w = this.ws(where) ?? this.ws(this.d.defaultWorkspace)!;
    await w.operations.recordRefusal(actor, { action, target, params, reason: message });
    return { kind: 'refused', message };
  }

  private names(): string {
    return [...this.d.workspaces.keys()].map((n) => `\`${n}\``).join(', ');
  }

  /** Read both sides and diff them; undefined side: what is wrong (a folder neither has …). */
  private async diff(folder: string, from: string, to: string): Promise<{ plan: PromotionPlan } | { problem: string }> {
    const src = this.ws(from)!;
    const dst = this.ws(to)!;
    const [source, target] = await Promise.all([readFolder(src.studio, from, folder), readFolder(dst.studio, to, folder)]);
    if (source.folderId === undefined) return { problem: `\`${from}\` has no folder \`${folder}\`: nothing to promote. Check the name with \`/cz tasks --ws ${from}\`.` };
    return { plan: planPromotion(source, target, nameMapper(src.names, dst.names)) };
  }

  /** Read-only: the diff, kept as an operation awaiting confirmation; or a refusal (audited). */
  async plan(actor: Actor, folder: string, from: string, to: string): Promise<PromotePlanAnswer> {
    const params = { folder, from, to };
    const target = `folder:${folder}`;
    for (const name of [from, to])
      if (!this.ws(name))
        return this.refuse(actor, to, PROMOTE_ACTION, target, params, `There is no workspace \`${name}\`. The workspaces are ${this.names()}. Nothing was written.`);
    if (from === to) return this.refuse(actor, to, PROMOTE_ACTION, target, params, `--from and --to are both \`${from}\`: promote between two workspaces. Nothing was written.`);
    const dst = this.ws(to)!;
    // Reading is anyone's; writing is authorised at the Confirm click.
    const r = await this.diff(folder, from, to);
    if ('problem' in r) return this.refuse(actor, to, PROMOTE_ACTION, target, params, `${r.problem} Nothing was written.`);
    const op = await dst.ops.create({
      action: PROMOTE_ACTION,
      target,
      taskName: null,
      params: { ...params, fingerprint: r.plan.fingerprint },
      ...requesterFields(actor),
      status: 'awaiting_confirmation',
      expiresAt: this.d.now() + CONFIRM_TTL_MS,
    });
    return { kind: 'plan', plan: r.plan, opId: op.id, to, protected: Boolean(dst.protected) };
  }

  private async lookup(actor: Actor, ref: string, action: string): Promise<{ w: PromotionWorkspace; to: string; op: OperationRecord } | { kind: 'refused'; message: string }> {
    const r = parsePromotionRef(ref);
    const w = r && this.ws(r.to);
    const op = r && w ? await w.ops.get(r.opId) : undefined;
    if (!r || !w || !op || (op.action !== PROMOTE_ACTION && op.action !== UNDO_PROMOTE_ACTION))
      return this.refuse(actor, r?.to ?? this.d.defaultWorkspace, action, `op:${r?.opId ?? 'unknown'}`, {}, 'This promotion is no longer known; nothing was done. Ask again.');
    return { w, to: r.to, op };
  }

  /** Read again at the click; different from the plan shown → a new plan, nothing written. */
  private async stillSame(actor: Actor, w: PromotionWorkspace, op: OperationRecord, from: OperationRecord['status']): Promise<{ plan: PromotionPlan } | PromoteConfirmAnswer> {
    const p = op.params as { folder: string; from: string; to: string; fingerprint: string };
    const again = await this.diff(p.folder, p.from, p.to);
    if ('plan' in again && again.plan.fingerprint === p.fingerprint) return again;
    if (!(await w.ops.transition(op.id, [from], 'expired')))
      return this.refuse(actor, p.to, PROMOTE_ACTION, op.target, { opId: op.id }, 'This promotion is already being carried out by an earlier click; nothing was started again.');
    const message = `\`${p.folder}\` changed in \`${p.from}\` or \`${p.to}\` since the diff was made: nothing was written.`;
    await w.operations.recordRefusal(actor, { action: PROMOTE_ACTION, target: op.target, params: { opId: op.id }, reason: message });
    return {
      kind: 'replanned',
      message,
      next: 'plan' in again ? await this.plan(requesterOf(op, actor.source), p.folder, p.from, p.to) : { kind: 'refused', message: again.problem },
    };
  }

  /** The Confirm click (see the file's head). */
  async confirm(actor: Actor, ref: string, onProgress: (c: Checkpoint[], plan: PromotionPlan) => void | Promise<void> = () => {}): Promise<PromoteConfirmAnswer> {
    const found = await this.lookup(actor, ref, PROMOTE_ACTION);
    if ('kind' in found) return found;
    const { w, to, op } = found;
    const p = op.params as { folder: string; from: string; to: string };
    if (op.action !== PROMOTE_ACTION) return this.refuse(actor, to, PROMOTE_ACTION, op.target, { opId: op.id }, 'This is not a promotion; nothing was done.');
    if (op.status !== 'awaiting_confirmation')
      return this.refuse(actor, to, PROMOTE_ACTION, op.target, { opId: op.id }, `This promotion is already ${op.status.replace(/_/g, ' ')}; nothing was started again.`);
    const denied = await w.operations.permit(actor, PROMOTE_ACTION, w.protected ? 'admin' : 'operator', { folder: p.folder }, { target: op.target, params: { opId: op.id } });
    if (denied) return { kind: 'refused', message: w.protected ? `\`${to}\` is protected: ${denied.message}` : denied.message };
    if (this.d.now() > op.expiresAt) {
      await w.ops.transition(op.id, ['awaiting_confirmation'], 'expired');
      return this.refuse(actor, to, PROMOTE_ACTION, op.target, { opId: op.id }, 'This promotion expired (15 minutes); nothing was done. Ask again.');
    }
    const same = await this.stillSame(actor, w, op, 'awaiting_confirmation');
    if (!('plan' in same)) return same;
    if (same.plan.blockers.length) return this.refuse(actor, to, PROMOTE_ACTION, op.target, { opId: op.id }, `This promotion is blocked: ${same.plan.blockers[0]}`);
    if (w.protected) {
      // A second admin approves first; the requester cannot (two-person rule).
      if (!(await w.ops.awaitApproval(op.id, this.d.now() + APPROVAL_TTL_MS)))
        return this.refuse(actor, to, PROMOTE_ACTION, op.target, { opId: op.id }, 'This promotion was handled by an earlier click; nothing was started again.');
      await w.operations.recordAction(actor, { action: `${PROMOTE_ACTION}_awaiting_approval`, target: op.target, params: { opId: op.id, to } });
      const admins = w.policy.holders('admin', { folder: p.folder }).users.filter((u) => u !== op.requestedBy);
      return { kind: 'awaiting_approval', plan: same.plan, opId: op.id, to, requestedBy: op.requestedBy, approvers: admins };
    }
    return this.execute(actor, w, to, op, ['awaiting_confirmation'], same.plan, onProgress);
  }

  /** A second admin's Approve (protected targets): not the requester; then the promotion runs. */
  async approve(actor: Actor, ref: string, onProgress: (c: Checkpoint[], plan: PromotionPlan) => void | Promise<void> = () => {}): Promise<PromoteConfirmAnswer> {
    const found = await this.lookup(actor, ref, 'approve');
    if ('kind' in found) return found;
    const { w, to, op } = found;
    const p = op.params as { folder: string };
    if (op.status !== 'awaiting_approval')
      return this.refuse(actor, to, 'approve', op.target, { opId: op.id }, `This promotion is ${op.status.replace(/_/g, ' ')}; nothing was started again.`);
    const refused = await w.operations.approverRefusal(actor, op, 'promotion', [p.folder]);
    if (refused) return { kind: 'refused', message: refused.message };
    // The approval waits a day from the Confirm.
    if (this.d.now() > op.expiresAt) {
      await w.ops.transition(op.id, ['awaiting_approval'], 'expired');
      return this.refuse(actor, to, 'approve', op.target, { opId: op.id }, 'This approval request expired (a day); nothing was done. Ask again.');
    }
    const same = await this.stillSame(actor, w, op, 'awaiting_approval');
    if (!('plan' in same)) return same;
    await w.operations.recordApproval(actor, op);
    return this.execute(actor, w, to, op, ['awaiting_approval'], same.plan, onProgress);
  }

  private async execute(
    actor: Actor,
    w: PromotionWorkspace,
    to: string,
    op: OperationRecord,
    from: OperationRecord['status'][],
    plan: PromotionPlan,
    onProgress: (c: Checkpoint[], plan: PromotionPlan) => void | Promise<void>,
  ): Promise<PromoteConfirmAnswer> {
    // One execution, whoever clicks and however often.
    if (!(await w.ops.transition(op.id, from, 'executing')))
      return this.refuse(actor, to, PROMOTE_ACTION, op.target, { opId: op.id }, 'This promotion is already being carried out by an earlier click; nothing was started again.');
    await w.operations.recordAction(actor, { action: `${PROMOTE_ACTION}_confirmed`, target: op.target, params: { opId: op.id, fingerprint: plan.fingerprint } });
    await onProgress(plannedCheckpoints(plan), plan);
    const target = await readFolder(w.studio, to, plan.folder);
    const deps: PromotionDeps = { studio: w.studio, write: (what, fn) => w.operations.auditedWrite(actor, what, fn) };
    const r = await applyPromotion(deps, plan, target, (cs) => onProgress(cs, plan));
    const undo: StoredUndo = { applied: r.applied, ...(r.createdFolder ? { createdFolder: r.createdFolder } : {}) };
    await w.ops.transition(op.id, ['executing'], r.ok ? 'succeeded' : 'failed', { message: r.ok ? 'done' : r.error, written: r.written, checkpoints: r.checkpoints, undo });
    await w.operations.recordAction(actor, { action: `${PROMOTE_ACTION}_${r.ok ? 'done' : 'stopped'}`, target: op.target, params: { opId: op.id, written: r.written.length } });
    if (!r.applied.length && !r.createdFolder) return { kind: 'done', plan, ok: r.ok, checkpoints: r.checkpoints, written: r.written, error: r.error };
    const undoOp = await w.ops.create({
      action: UNDO_PROMOTE_ACTION,
      target: op.target,
      taskName: null,
      params: { of: op.id, folder: plan.folder, to },
      ...requesterFields(actor),
      status: 'awaiting_confirmation',
      expiresAt: this.d.now() + UNDO_TTL_MS,
    });
    return { kind: 'done', plan, ok: r.ok, checkpoints: r.checkpoints, written: r.written, error: r.error, undoOpId: undoOp.id };
  }

  async cancel(actor: Actor, ref: string): Promise<{ kind: 'cancelled' } | { kind: 'refused'; message: string }> {
    const found = await this.lookup(actor, ref, PROMOTE_ACTION);
    if ('kind' in found) return found;
    const { w, to, op } = found;
    const p = op.params as { folder: string };
    // The requester cancels their own; anyone else needs the rights a Confirm needs.
    if (actor.userId !== op.requestedBy) {
      const denied = await w.operations.permit(
        actor,
        `${PROMOTE_ACTION}_cancel`,
        w.protected ? 'admin' : 'operator',
        { folder: p.folder },
        { target: op.target, params: { opId: op.id } },
      );
      if (denied) return { kind: 'refused', message: denied.message };
    }
    if (!(await w.ops.transition(op.id, ['awaiting_confirmation', 'awaiting_approval'], 'cancelled')))
      return this.refuse(actor, to, PROMOTE_ACTION, op.target, { opId: op.id }, `This promotion is already ${op.status.replace(/_/g, ' ')}.`);
    await w.operations.recordAction(actor, { action: `${PROMOTE_ACTION}_cancelled`, target: op.target, params: { opId: op.id } });
    return { kind: 'cancelled' };
  }

  /** Undo a promotion: authorised now, once (src/promote/apply.ts). */
  async undo(actor: Actor, ref: string): Promise<PromoteUndoAnswer> {
    const found = await this.lookup(actor, ref, UNDO_PROMOTE_ACTION);
    if ('kind' in found) return found;
    const { w, to, op } = found;
    if (op.action !== UNDO_PROMOTE_ACTION) return this.refuse(actor, to, UNDO_PROMOTE_ACTION, op.target, { opId: op.id }, 'This is not an Undo; nothing was done.');
    if (op.status !== 'awaiting_confirmation')
      return this.refuse(actor, to, UNDO_PROMOTE_ACTION, op.target, { opId: op.id }, 'This promotion was already undone (or is being undone): nothing was done again.');
    const folder = String(op.params.folder);
    const denied = await w.operations.permit(actor, UNDO_PROMOTE_ACTION, w.protected ? 'admin' : 'operator', { folder }, { target: op.target, params: { opId: op.id } });
    if (denied) return { kind: 'refused', message: denied.message };
    const promotion = await w.ops.get(String(op.params.of));
    const record = (promotion?.result as { undo?: StoredUndo } | null)?.undo;
    if (!record) return this.refuse(actor, to, UNDO_PROMOTE_ACTION, op.target, { opId: op.id }, 'The record of this promotion is gone; nothing was undone.');
    if (!(await w.ops.transition(op.id, ['awaiting_confirmation'], 'executing')))
      return this.refuse(actor, to, UNDO_PROMOTE_ACTION, op.target, { opId: op.id }, 'This promotion is already being undone by an earlier click: nothing was done again.');
    const r = await undoPromotion(
      { studio: w.studio, write: (what, fn) => w.operations.auditedWrite(actor, what, fn) },
      record.applied,
      String(op.params.of),
      record.createdFolder,
    );
    await w.ops.transition(op.id, ['executing'], r.ok ? 'succeeded' : 'failed', r);
    await w.operations.recordAction(actor, { action: `${UNDO_PROMOTE_ACTION}_${r.ok ? 'done' : 'partial'}`, target: op.target, params: { opId: op.id, ...r } });
    return { kind: 'undone', ...r };
  }
}
