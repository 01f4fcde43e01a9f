/**
 * A promotion carried out in the target workspace, and its Undo. Writes go upstream first (the
 * plan's order), each through the caller's audited write and the same Studio calls the wizard and
 * the pipeline-change flows use: create the task, save its content (with its parameters), save its
 * schedule (cron, VCluster, dependencies), deploy it when it is deployed in the source. The first
 * failed write stops the promotion and says what was written. Nothing is ever written to the source.
 *
 * Undo, downstream first: a task the promotion created is taken offline (when deployed) and
 * deleted, as cz-cli does; a changed task gets back each field that differs from what was read
 * before (content and parameters, cron, VCluster, dependencies), and its deployment as it was
 * (redeployed when it was deployed before, taken offline when the promotion first deployed it).
 */
import { canonicalJson } from '../store/operations.js';
import type { StudioClient } from '../studio/client.js';
import { taskKindByKey, type TaskKindKey } from '../studio/enums.js';
import type { AuditedWrite, Checkpoint } from '../iterate/steps.js';
import type { FolderSide, PromotionPlan, TaskChange, TaskState } from './plan.js';

export interface PromotionDeps {
  /** The target workspace's Studio. */
  studio: StudioClient;
  write: AuditedWrite;
}

/** What Undo needs of one task the promotion wrote. */
export interface AppliedTask {
  name: string;
  id: number;
  created: boolean;
  /** The task as read before (changed tasks). */
  before?: TaskState;
  /** Deployed by the promotion. */
  deployed: boolean;
}

export interface PromotionResult {
  ok: boolean;
  checkpoints: Checkpoint[];
  /** Each write made, in order (`04_transform_ods_to_dwd: content saved`). */
  written: string[];
  applied: AppliedTask[];
  /** The folder the promotion created in the target (it had none of that name). */
  createdFolder?: { id: number; name: string };
  error?: string;
}

const FIELD_WORDS: Record<string, string> = { content: 'content', params: 'parameters', cron: 'schedule', vcCode: 'VCluster', deps: 'dependencies' };

export function changeLabel(c: TaskChange): string {
  return c.kind === 'new'
    ? `\`${c.name}\` — new ${c.source.kind} task${c.source.deployed ? ', deployed' : ''}`
    : `\`${c.name}\` — ${c.fields.map((f) => FIELD_WORDS[f]).join(', ')}`;
}

export function plannedCheckpoints(plan: PromotionPlan): Checkpoint[] {
  return plan.changes.map((c) => ({ id: c.name, label: changeLabel(c), status: 'pending' as const }));
}

/** Upstream names → the target's ids (the folder's, those created so far, then the workspace's). */
function depIds(deps: string[], ids: Map<string, number>, target: FolderSide): { taskId: number; taskName: string }[] {
  return deps.map((d) => {
    const id = ids.get(d) ?? target.allTasks[d];
    if (id === undefined) throw new Error(`the upstream task ${d} is not in the target workspace`);
    return { taskId: id, taskName: d };
  });
}

const paramList = (p: Record<string, string>) => Object.entries(p).map(([name, value]) => ({ name, value }));

export async function applyPromotion(
  deps: PromotionDeps,
  plan: PromotionPlan,
  target: FolderSide,
  onProgress: (c: Checkpoint[]) => void | Promise<void> = () => {},
): Promise<PromotionResult> {
  const checkpoints = plannedCheckpoints(plan);
  const written: string[] = [];
  const applied: AppliedTask[] = [];
  const ids = new Map(target.tasks.map((t) => [t.name, t.id]));
  let folderId = target.folderId;
  let createdFolder: PromotionResult['createdFolder'];
  const w = async <T>(name: string, id: number | undefined, action: string, what: string, params: Record<string, unknown>, fn: () => Promise<T>): Promise<T> => {
    const r = await deps.write(
      { action, target: id === undefined ? `folder:${plan.folder}` : `task:${id}`, taskName: name, params: { promotion: `${plan.from}→${plan.to}`, ...params } },
      fn,
    );
    written.push(`${name}: ${what}`);
    return r;
  };
  /** Stopped: the checkpoints from `skipFrom` on are skipped, and the result says why. */
  const stopped = async (skipFrom: number, error: string): Promise<PromotionResult> => {
    for (const later of checkpoints.slice(skipFrom)) later.status = 'skipped';
    await onProgress(checkpoints);
    return { ok: false, checkpoints, written, applied, ...(createdFolder ? { createdFolder } : {}), error };
  };
  if (folderId === undefined) {
    try {
      folderId = await w(plan.folder, undefined, 'create_folder', `folder ${plan.folder} created`, {}, () => deps.studio.createFolder(plan.folder));
      createdFolder = { id: folderId, name: plan.folder };
    } catch (e) {
      return stopped(0, `Stopped before any task: the folder ${plan.folder} could not be created in ${plan.to} (${(e as Error).message}). Nothing was written.`);
    }
  }
  const inFolder = folderId;
  for (const [i, c] of plan.changes.entries()) {
    const s = c.source;
    const cp = checkpoints[i]!;
    try {
      let id = ids.get(c.name);
      if (c.kind === 'new' || id === undefined) {
        const kind = taskKindByKey(s.kind as TaskKindKey);
        if (!kind) throw new Error(`Studio's task type ${s.kind} cannot be created by the bot`);
        id = await w(c.name, undefined, 'create_task', 'created', { kind: s.kind }, () =>
          deps.studio.createTask({ name: c.name, kind, folderId: inFolder, ...(s.description ? { description: s.description } : {}) }),
        );
        ids.set(c.name, id);
        applied.push({ name: c.name, id, created: true, deployed: false });
      } else applied.push({ name: c.name, id, created: false, before: c.target, deployed: false });
      const taskId = id;
      const entry = applied.at(-1)!;
      if (c.fields.includes('content') || c.fields.includes('params'))
        await w(c.name, taskId, 'save_content', 'content saved', { chars: s.content.length }, () =>
          deps.studio.saveTaskContent(taskId, s.content, { params: paramList(s.params) }),
        );
      const schedule = c.fields.filter((f) => f === 'cron' || f === 'vcCode' || f === 'deps');
      const worthSaving = c.kind === 'changed' ? schedule.length > 0 : Boolean(s.cron || s.vcCode || s.deps.length);
      if (worthSaving) {
        const dependencies = depIds(s.deps, ids, target);
        await w(c.name, taskId, 'configure', `schedule saved (${schedule.map((f) => FIELD_WORDS[f]).join(', ')})`, { cron: s.cron, vcCode: s.vcCode, deps: s.deps }, () =>
          deps.studio.updateTaskConfiguration(taskId, { cron: s.cron, ...(s.vcCode ? { vcCode: s.vcCode } : {}), dependencies }),
        );
      }
      if (s.deployed) {
        await w(c.name, taskId, 'deploy', 'deployed', {}, () => deps.studio.deployTask(taskId, { message: `promoted from ${plan.from} (Studio Ops Bot)` }));
        entry.deployed = true;
      }
      cp.status = 'passed';
      cp.detail = c.kind === 'new' ? `created as task ${taskId}` : undefined;
      await onProgress(checkpoints);
    } catch (e) {
      cp.status = 'failed';
      cp.detail = (e as Error).message;
      return stopped(
        i + 1,
        `Stopped at \`${c.name}\`: ${(e as Error).message}. Written before it: ${written.length ? written.join('; ') : 'nothing'}. Nothing after it was written; Undo puts back what was.`,
      );
    }
  }
  return { ok: true, checkpoints, written, applied, ...(createdFolder ? { createdFolder } : {}) };
}

export interface UndoResult {
  ok: boolean;
  restored: string[];
  deleted: string[];
  failed: string[];
}

/** Undo, downstream first (see the file's head). */
export async function undoPromotion(deps: PromotionDeps, applied: AppliedTask[], label: string, createdFolder?: { id: number; name: string }): Promise<UndoResult> {
  const out: UndoResult = { ok: true, restored: [], deleted: [], failed: [] };
  const w = <T>(t: AppliedTask, action: string, params: Record<string, unknown>, fn: () => Promise<T>) =>
    deps.write({ action, target: `task:${t.id}`, taskName: t.name, params: { undo: label, ...params } }, fn);
  const all = await deps.studio.listAllTasks();
  const idOf = new Map(all.map((t) => [t.name, t.id]));
  for (const t of [...applied].reverse()) {
    try {
      const now = await deps.studio.getTask(t.id);
      if (now.name !== t.name) throw new Error(`task ${t.id} is now ${now.name}`);
      if (t.created) {
        if ((now.version ?? 0) > 0) await w(t, 'undeploy', {}, () => deps.studio.undeployTask(t.id));
        await w(t, 'delete_task', {}, () => deps.studio.deleteTask(t.id));
        out.deleted.push(t.name);
        continue;
      }
      const b = t.before!;
      const params = Object.fromEntries(now.params.map((p) => [p.key, p.value]));
      if (now.content !== b.content || canonicalJson(params) !== canonicalJson(b.params))
        await w(t, 'save_content', { chars: b.content.length }, () => deps.studio.saveTaskContent(t.id, b.content, { params: paramList(b.params) }));
      const cfg = await deps.studio.getTaskConfiguration(t.id);
      const depsNow = cfg.dependencies.map((d) => d.taskName ?? String(d.taskId)).sort();
      if ((cfg.cron ?? '') !== b.cron || (cfg.vcCode ?? '') !== b.vcCode || canonicalJson(depsNow) !== canonicalJson(b.deps)) {
        const dependencies = b.deps.map((d) => ({ taskId: idOf.get(d) ?? -1, taskName: d }));
        if (dependencies.some((d) => d.taskId < 0)) throw new Error('an upstream task it had is gone');
        await w(t, 'configure', { cron: b.cron, vcCode: b.vcCode, deps: b.deps }, () =>
          deps.studio.updateTaskConfiguration(t.id, { cron: b.cron, ...(b.vcCode ? { vcCode: b.vcCode } : {}), dependencies }),
        );
      }
      if (t.deployed) {
        if (b.deployed) await w(t, 'deploy', {}, () => deps.studio.deployTask(t.id, { message: 'promotion undone (Studio Ops Bot)' }));
        else await w(t, 'undeploy', {}, () => deps.studio.undeployTask(t.id));
      }
      out.restored.push(t.name);
    } catch {
      out.ok = false;
      out.failed.push(t.name);
    }
  }
  // The folder it created, last, once its tasks are gone.
  if (createdFolder && out.ok) {
    try {
      await deps.write({ action: 'delete_folder', target: `folder:${createdFolder.id}`, taskName: createdFolder.name, params: { undo: label } }, () =>
        deps.studio.deleteFolder(createdFolder.id),
      );
      out.deleted.push(`${createdFolder.name}/`);
    } catch {
      out.ok = false;
      out.failed.push(`${createdFolder.name}/`);
    }
  }
  return out;
}
