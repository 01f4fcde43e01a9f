/**
 * Building a plan in Studio. Every step reads first and writes only what differs, so running it
 * again — or after a failure halfway — neither duplicates nor loses anything. Each write goes
 * through `write`, which audits it. Drafts stay drafts; only planned deployments are published.
 */
import type { ReviewReport } from '../review/index.js';
import type { StudioClient } from '../studio/client.js';
import { taskKindByKey } from '../studio/enums.js';
import { StudioError } from '../studio/errors.js';
import { contentFingerprint } from '../ops/verify-write.js';
import { type Plan, type PlannedTask, isFrame } from './plan.js';

export interface ExecStep {
  label: string;
  status: 'done' | 'unchanged' | 'failed';
  detail?: string;
}

/** Runs one Studio write with auditing (requested, then the outcome). */
export type AuditedWrite = <T>(what: { action: string; target: string; taskName?: string; params: Record<string, unknown> }, fn: () => Promise<T>) => Promise<T>;

/** What a build created (not what it found): the only things an undo may delete. */
export interface Created {
  folder?: { id: number; name: string };
  tasks: { id: number; name: string }[];
}

/** An existing task the build changed (it was ticked), as it was before: what an undo puts back. */
export interface Previous {
  id: number;
  name: string;
  content: string;
  params: { name: string; value: string }[];
  cron: string;
  dependencies: { taskId: number; taskName: string }[];
  vcCode: string | undefined;
  /** It was deployed (live) before the build. */
  online: boolean;
}

export interface ExecResult {
  ok: boolean;
  /** Existing tasks the build changed, as they were before (in build order). */
  previous: Previous[];
  folderId: number | undefined;
  taskIds: Record<string, number>;
  created: Created;
  steps: ExecStep[];
  writes: number;
  error: string | undefined;
}

export interface Verification {
  missing: string[];
  mismatched: string[];
  review: ReviewReport | undefined;
}

/** What building the plan would do to one task, against what Studio holds now. */
export interface TaskAssessment {
  name: string;
  status: 'create' | 'unchanged' | 'change';
  /** The task exists and is deployed (the scheduler runs it). */
  online: boolean;
  /** What would change, for a person: `content`, `schedule a → b`, … */
  changes: string[];
  /** Other folders holding a task of this very name: after the build, the bare name is ambiguous. */
  elsewhere: string[];
}

export interface PlanAssessment {
  folderExists: boolean;
  /** Tasks already in the folder (planned or not), and how many are online. */
  existing: number;
  online: number;
  tasks: TaskAssessment[];
}

/**
 * Per planned name, the other folders that hold a task of exactly that name (one name search per
 * planned task, the folders listed once if the search did not name them).
 */
async function sameNamesElsewhere(studio: StudioClient, plan: Plan, folderId: number | undefined): Promise<Map<string, string[]>> {
  const found = await Promise.all(
    plan.tasks.map(async (t) => [t.name, (await studio.listAllTasks({ name: t.name }, 500)).filter((x) => x.name === t.name && x.folderId !== folderId)] as const),
  );
  const unnamed = found.some(([, xs]) => xs.some((x) => !x.folderName));
  const folders = unnamed ? new Map((await studio.listAllFolders()).map((f) => [f.id, f.name])) : new Map<number, string>();
  return new Map(
    found.map(([name, xs]) => [name, [...new Set(xs.map((x) => x.folderName ?? (x.folderId !== undefined ? folders.get(x.folderId) : undefined) ?? 'a folder not named'))].sort()]),
  );
}

/** Compare the plan with Studio: per task, create / unchanged / would change (and what), and where else its name is used. Read-only. */
export async function assessPlan(studio: StudioClient, plan: Plan, o: { elsewhere?: boolean } = {}): Promise<PlanAssessment> {
  const folder = (await studio.listAllFolders({ name: plan.folder })).find((f) => f.name === plan.folder && (f.parentId ?? 0) === 0);
  // Advisory (the plan's note): a name search Studio does not answer leaves the note out, not the plan.
  const elsewhere = o.elsewhere === false ? new Map<string, string[]>() : await sameNamesElsewhere(studio, plan, folder?.id).catch(() => new Map<string, string[]>());
  if (!folder) {
    return {
      folderExists: false,
      existing: 0,
      online: 0,
      tasks: plan.tasks.map((t) => ({ name: t.name, status: 'create', online: false, changes: [], elsewhere: elsewhere.get(t.name) ?? [] })),
    };
  }
  const present = (await studio.listAllTasks({ folderId: folder.id })).filter((t) => t.folderId === folder.id);
  const byName = new Map(present.map((t) => [t.name, t]));
  const tasks: TaskAssessment[] = [];
  for (const t of plan.tasks) {
    const have = byName.get(t.name);
    if (!have) {
      tasks.push({ name: t.name, status: 'create', online: false, changes: [], elsewhere: elsewhere.get(t.name) ?? [] });
      continue;
    }
    const [detail, cfg] = await Promise.all([studio.getTask(have.id), studio.getTaskConfiguration(have.id)]);
    const changes: string[] = [];
    if (detail.content !== t.content) changes.push('content');
    const params = new Map(detail.params.map((p) => [p.key, p.value]));
    if (t.params.some((p) => params.get(p.name) !== p.value)) changes.push('parameters');
    if ((cfg.cron ?? '') !== (t.cron ?? '')) changes.push(`schedule \`${cfg.cron ?? 'none'}\` → \`${t.cron ?? 'none'}\``);
    const haveDeps = cfg.dependencies
      .map((d) => d.taskName ?? String(d.taskId))
      .sort()
      .join(', ');
    const wantDeps = [...t.dependsOn].sort().join(', ');
    if (haveDeps !== wantDeps) changes.push(`upstreams [${haveDeps || 'none'}] → [${wantDeps || 'none'}]`);
    if ((cfg.vcCode ?? '') !== t.vcCode) changes.push(`VCluster ${cfg.vcCode ?? '—'} → ${t.vcCode}`);
    const online = have.taskStatus?.code === 1;
    if (t.deploy && !(online && detail.editState?.code === 100)) changes.push('deploy');
    tasks.push({ name: t.name, status: changes.length ? 'change' : 'unchanged', online, changes, elsewhere: elsewhere.get(t.name) ?? [] });
  }
  return { folderExists: true, existing: present.length, online: present.filter((t) => t.taskStatus?.code === 1).length, tasks };
}

export async function executePlan(
  studio: StudioClient,
  plan: Plan,
  opts: {
    write: AuditedWrite;
    onProgress?: (steps: ExecStep[]) => void | Promise<void>;
    /**
     * Existing tasks (draft or live) the person ticked to be changed. Every other task that was
     * already there is the person's and is left as it is (seed 000, Code-as-Asset).
     */
    allowChange?: ReadonlySet<string>;
  },
): Promise<ExecResult> {
  const steps: ExecStep[] = [];
  const taskIds: Record<string, number> = {};
  const created: Created = { tasks: [] };
  const previous: Previous[] = [];
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
      created.folder = { id: folderId, name: plan.folder };
      await step(`Folder ${plan.folder}`, 'done', 'created');
    }
    // Tasks, in plan order (upstreams first).
    const present = new Map((await studio.listAllTasks({ folderId })).filter((t) => t.folderId === folderId).map((t) => [t.name, t.id]));
    for (const t of plan.tasks) {
      const did: string[] = [];
      let id = present.get(t.name);
      if (id === undefined) {
        id = await write({ action: 'create_task', target: `folder:${plan.folder}`, taskName: t.name, params: { kind: t.kind } }, () =>
          studio.createTask({ name: t.name, kind: taskKindByKey(t.kind)!, folderId: folderId!, description: t.description }),
        );
        created.tasks.push({ id, name: t.name });
        did.push('created');
      }
      taskIds[t.name] = id;
      const detail = await studio.getTask(id);
      // A task that was already there (draft or live) is changed only when the person ticked it in the plan.
      if (!did.includes('created')) {
        const a = (await assessPlan(studio, { ...plan, tasks: [t] }, { elsewhere: false })).tasks[0]!;
        if (a.status === 'change' && !opts.allowChange?.has(t.name)) {
          await step(t.name, 'unchanged', `left as it is: it was already there and differs from the plan (${a.changes.join('; ')}); tick it in the plan to change it`);
          continue;
        }
        if (a.status === 'change') {
          const cfg = await studio.getTaskConfiguration(id);
          previous.push({
            id,
            name: t.name,
            content: detail.content,
            params: detail.params.map((p) => ({ name: p.key, value: p.value })),
            cron: cfg.cron ?? '',
            dependencies: cfg.dependencies.map((d) => ({ taskId: d.taskId, taskName: d.taskName ?? String(d.taskId) })),
            vcCode: cfg.vcCode,
            online: detail.taskStatus?.code === 1,
          });
        }
      }
      if (detail.content !== t.content) {
        await write({ action: 'save_content', target: `task:${id}`, taskName: t.name, params: { chars: t.content.length, sha: contentFingerprint(t.content) } }, () =>
          studio.saveTaskContent(id!, t.content, { params: t.params }),
        );
        did.push('content saved');
      }
      const cfg = await studio.getTaskConfiguration(id);
      const wantDeps = t.dependsOn.map((d) => ({ taskId: taskIds[d]!, taskName: d }));
      const haveDeps = cfg.dependencies
        .map((d) => d.taskId)
        .sort()
        .join(',');
      if (
        (cfg.cron ?? '') !== (t.cron ?? '') ||
        haveDeps !==
          wantDeps
            .map((d) => d.taskId)
            .sort()
            .join(',') ||
        (cfg.vcCode ?? '') !== t.vcCode
      ) {
        await write({ action: 'save_schedule', target: `task:${id}`, taskName: t.name, params: { cron: t.cron ?? '', dependsOn: t.dependsOn, vc: t.vcCode } }, () =>
          studio.updateTaskConfiguration(id!, { cron: t.cron ?? '', dependencies: wantDeps, vcCode: t.vcCode, retryCount: t.role === 'sync' ? 1 : cfg.retryCount }),
        );
        did.push(t.cron ? `scheduled \`${t.cron}\`` : 'no schedule (draft)');
      }
      if (t.deploy) {
        const now = await studio.getTask(id);
        const published = now.editState?.code === 100 && now.taskStatus?.code === 1;
        if (isFrame(now.content)) {
          // A frame names no real source: deploying it would schedule a task that cannot work.
          did.push('not deployed: it is still a frame to configure in the Studio UI');
        } else if (!published) {
          await write({ action: 'deploy', target: `task:${id}`, taskName: t.name, params: {} }, () =>
            studio.deployTask(id!, { message: `created by the Studio Ops Bot setup wizard (${plan.route.label})` }),
          );
          did.push('deployed');
        }
      }
      await step(`${t.name}`, did.length ? 'done' : 'unchanged', did.length ? did.join(', ') : t.deploy ? 'already deployed' : 'already there');
    }
    return { ok: true, previous, folderId, taskIds, created, steps, writes, error: undefined };
  } catch (e) {
    const msg = e instanceof StudioError ? e.describe() : (e as Error).message;
    await step('Stopped', 'failed', msg);
    return { ok: false, previous, folderId, taskIds, created, steps, writes, error: msg };
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
    const deps = cfg.dependencies
      .map((d) => d.taskName)
      .sort()
      .join(',');
    if ((cfg.cron ?? '') !== (t.cron ?? '') || deps !== [...t.dependsOn].sort().join(',')) mismatched.push(t.name);
    if (t.deploy && have.taskStatus?.code !== 1) mismatched.push(`${t.name} (not deployed)`);
  }
  return { missing, mismatched, review: folder ? await review(plan.folder) : undefined };
}

export interface UndoResult {
  steps: ExecStep[];
  ok: boolean;
  /** Created things left in place, and why (changed since, or not empty). */
  kept: string[];
}

/**
 * Delete what a build created, newest first: take each created task offline when it is online,
 * delete it, then delete the created folder if nothing else is in it. Each write is audited. A task
 * that is no longer where the build left it (renamed, moved, deleted) is left alone.
 */
export async function undoBuild(studio: StudioClient, created: Created, write: AuditedWrite, previous: Previous[] = []): Promise<UndoResult> {
  const steps: ExecStep[] = [];
  const kept: string[] = [];
  try {
    // Existing tasks the build changed (they were ticked): put back what they held, newest first.
    for (const p of [...previous].reverse()) {
      const now = await studio.getTask(p.id).catch(() => undefined);
      if (!now) {
        kept.push(`${p.name} (gone since)`);
        continue;
      }
      const did: string[] = [];
      if (now.content !== p.content) {
        await write({ action: 'save_content', target: `task:${p.id}`, taskName: p.name, params: { undo: true, sha: contentFingerprint(p.content) } }, () =>
          studio.saveTaskContent(p.id, p.content, { params: p.params }),
        );
        did.push('content restored');
      }
      const cfg = await studio.getTaskConfiguration(p.id);
      const deps = (xs: { taskId: number }[]) =>
        xs
          .map((d) => d.taskId)
          .sort()
          .join(',');
      if ((cfg.cron ?? '') !== p.cron || deps(cfg.dependencies) !== deps(p.dependencies) || (p.vcCode !== undefined && cfg.vcCode !== p.vcCode)) {
        await write({ action: 'save_schedule', target: `task:${p.id}`, taskName: p.name, params: { undo: true, cron: p.cron } }, () =>
          studio.updateTaskConfiguration(p.id, { cron: p.cron, dependencies: p.dependencies, ...(p.vcCode ? { vcCode: p.vcCode } : {}) }),
        );
        did.push('schedule restored');
      }
      if (p.online && did.length) {
        await write({ action: 'deploy', target: `task:${p.id}`, taskName: p.name, params: { undo: true } }, () =>
          studio.deployTask(p.id, { message: 'undo of the Studio Ops Bot setup wizard: the previous version again' }),
        );
        did.push('previous version deployed');
      }
      steps.push({ label: p.name, status: did.length ? 'done' : 'unchanged', detail: did.length ? did.join(', ') : 'already as it was' });
    }
    for (const t of [...created.tasks].reverse()) {
      const now = await studio.getTask(t.id).catch((e: unknown) => {
        if (e instanceof StudioError && e.kind === 'business') return undefined; // already gone
        throw e;
      });
      if (!now) {
        steps.push({ label: t.name, status: 'unchanged', detail: 'already deleted' });
        continue;
      }
      if (now.name !== t.name || (created.folder && now.folderId !== created.folder.id)) {
        kept.push(`${t.name} (renamed or moved since)`);
        steps.push({ label: t.name, status: 'unchanged', detail: 'left: changed since it was created' });
        continue;
      }
      const did: string[] = [];
      if (now.taskStatus?.code === 1) {
        await write({ action: 'undeploy', target: `task:${t.id}`, taskName: t.name, params: { undo: true } }, () => studio.undeployTask(t.id));
        did.push('taken offline');
      }
      await write({ action: 'delete_task', target: `task:${t.id}`, taskName: t.name, params: { undo: true } }, () => studio.deleteTask(t.id));
      did.push('deleted');
      steps.push({ label: t.name, status: 'done', detail: did.join(', ') });
    }
    if (created.folder) {
      const f = created.folder;
      const left = await studio.listAllTasks({ folderId: f.id });
      const inside = left.filter((x) => x.folderId === f.id);
      if (inside.length > 0) {
        kept.push(`folder ${f.name} (holds ${inside.map((x) => x.name).join(', ')})`);
        steps.push({ label: `Folder ${f.name}`, status: 'unchanged', detail: `left: it holds ${inside.length} task(s) the build did not create` });
      } else {
        await write({ action: 'delete_folder', target: `folder:${f.name}`, params: { id: f.id, undo: true } }, () => studio.deleteFolder(f.id));
        steps.push({ label: `Folder ${f.name}`, status: 'done', detail: 'deleted' });
      }
    }
    return { steps, ok: true, kept };
  } catch (e) {
    steps.push({ label: 'Stopped', status: 'failed', detail: e instanceof StudioError ? e.describe() : (e as Error).message });
    return { steps, ok: false, kept };
  }
}
