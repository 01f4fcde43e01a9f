/**
 * Building a plan in Studio. Every step reads first and writes only what differs, so running it
 * again — or after a failure halfway — neither duplicates nor loses anything. Each write goes
 * through `write`, which audits it. Drafts stay drafts; only planned deployments are published.
 */
import type { ReviewReport } from '../review/index.js';
import type { StudioClient } from '../studio/client.js';
import { taskKindByKey } from '../studio/enums.js';
import { StudioError } from '../studio/errors.js';
import type { Plan, PlannedTask } from './plan.js';

export interface ExecStep {
  label: string;
  status: 'done' | 'unchanged' | 'failed';
  detail?: string;
}

/** Runs one Studio write with auditing (requested, then the outcome). */
export type AuditedWrite = <T>(what: { action: string; target: string; taskName?: string; params: Record<string, unknown> }, fn: () => Promise<T>) => Promise<T>;

export interface ExecResult {
  ok: boolean;
  folderId: number | undefined;
  taskIds: Record<string, number>;
  steps: ExecStep[];
  writes: number;
  error: string | undefined;
}

export interface Verification {
  missing: string[];
  mismatched: string[];
  review: ReviewReport | undefined;
}

export async function executePlan(
  studio: StudioClient,
  plan: Plan,
  opts: { write: AuditedWrite; onProgress?: (steps: ExecStep[]) => void | Promise<void> },
): Promise<ExecResult> {
  const steps: ExecStep[] = [];
  const taskIds: Record<string, number> = {};
  let writes = 0;
  let folderId: number | undefined;
  const step = async (label: string, status: ExecStep['status'], detail?: string) => {
    steps.push({ label, status, detail });
    await opts.onProgress?.([...steps]);
  };
  const write = async <T>(what: Parameters<AuditedWrite>[0], fn: () => Promise<T>) => {
    writes++;
    return opts.write(what, fn);
  };
  try {
    // Folder.
    const existing = (await studio.listAllFolders({ name: plan.folder })).find((f) => f.name === plan.folder && (f.parentId ?? 0) === 0);
    if (existing) {
      folderId = existing.id;
      await step(`Folder ${plan.folder}`, 'unchanged', 'already there');
    } else {
      folderId = await write({ action: 'create_folder', target: `folder:${plan.folder}`, params: { name: plan.folder } }, () => studio.createFolder(plan.folder));
      await step(`Folder ${plan.folder}`, 'done', 'created');
    }
    // Tasks, in plan order (upstreams first).
    const present = new Map((await studio.listAllTasks({ folderId })).filter((t) => t.folderId === folderId).map((t) => [t.name, t.id]));
    for (const t of plan.tasks) {
      const did: string[] = [];
      let id = present.get(t.name);
      if (id === undefined) {
        id = await write({ action: 'create_task', target: `folder:${plan.folder}`, taskName: t.name, params: { kind: t.kind } }, () => studio.createTask({ name: t.name, kind: taskKindByKey(t.kind)!, folderId: folderId!, description: t.description }));
        did.push('created');
      }
      taskIds[t.name] = id;
      const detail = await studio.getTask(id);
      if (detail.content !== t.content) {
        await write({ action: 'save_content', target: `task:${id}`, taskName: t.name, params: { chars: t.content.length } }, () => studio.saveTaskContent(id!, t.content, { params: t.params }));
        did.push('content saved');
      }
      const cfg = await studio.getTaskConfiguration(id);
      const wantDeps = t.dependsOn.map((d) => ({ taskId: taskIds[d]!, taskName: d }));
      const haveDeps = cfg.dependencies.map((d) => d.taskId).sort().join(',');
      if ((cfg.cron ?? '') !== (t.cron ?? '') || haveDeps !== wantDeps.map((d) => d.taskId).sort().join(',') || (cfg.vcCode ?? '') !== t.vcCode) {
        await write({ action: 'save_schedule', target: `task:${id}`, taskName: t.name, params: { cron: t.cron ?? '', dependsOn: t.dependsOn, vc: t.vcCode } }, () =>
          studio.updateTaskConfiguration(id!, { cron: t.cron ?? '', dependencies: wantDeps, vcCode: t.vcCode, retryCount: t.role === 'sync' ? 1 : cfg.retryCount }),
        );
        did.push(t.cron ? `scheduled \`${t.cron}\`` : 'no schedule (draft)');
      }
      if (t.deploy) {
        const now = await studio.getTask(id);
        const published = now.editState?.code === 100 && now.taskStatus?.code === 1;
        if (!published) {
          await write({ action: 'deploy', target: `task:${id}`, taskName: t.name, params: {} }, () => studio.deployTask(id!, { message: `created by the Studio Ops Bot setup wizard (${plan.route.label})` }));
          did.push('deployed');
        }
      }
      await step(`${t.name}`, did.length ? 'done' : 'unchanged', did.length ? did.join(', ') : t.deploy ? 'already deployed' : 'already there');
    }
    return { ok: true, folderId, taskIds, steps, writes, error: undefined };
  } catch (e) {
    const msg = e instanceof StudioError ? e.describe() : (e as Error).message;
    await step('Stopped', 'failed', msg);
    return { ok: false, folderId, taskIds, steps, writes, error: msg };
  }
}

/** Seed 000's checkpoints the bot can run: re-read what was created, and review the folder. */
export async function verifyPlan(studio: StudioClient, plan: Plan, review: (folder: string) => Promise<ReviewReport>): Promise<Verification> {
  const folder = (await studio.listAllFolders({ name: plan.folder })).find((f) => f.name === plan.folder);
  const missing: string[] = [];
  const mismatched: string[] = [];
  const tasks = folder ? await studio.listAllTasks({ folderId: folder.id }) : [];
  const ids = new Map(tasks.filter((t) => t.folderId === folder?.id).map((t) => [t.name, t]));
  for (const t of plan.tasks as PlannedTask[]) {
    const have = ids.get(t.name);
    if (!have) {
      missing.push(t.name);
      continue;
    }
    const cfg = await studio.getTaskConfiguration(have.id);
    const deps = cfg.dependencies.map((d) => d.taskName).sort().join(',');
    if ((cfg.cron ?? '') !== (t.cron ?? '') || deps !== [...t.dependsOn].sort().join(',')) mismatched.push(t.name);
    if (t.deploy && have.taskStatus?.code !== 1) mismatched.push(`${t.name} (not deployed)`);
  }
  return { missing, mismatched, review: folder ? await review(plan.folder) : undefined };
}
