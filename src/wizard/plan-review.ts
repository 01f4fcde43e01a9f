/**
 * The standards rules run on the PLAN, before anything is written: the folder as it would be after
 * Confirm (tasks left as they are keep what Studio holds; created and ticked tasks take the plan's
 * content, schedule and upstreams). A P0/P1 finding on a task the build writes blocks Confirm.
 */
import { type ReviewFinding, type ReviewTask, reviewTasks } from '../review/rules.js';
import type { StudioClient } from '../studio/client.js';
import { taskKindByKey } from '../studio/enums.js';
import type { PlanAssessment } from './execute.js';
import type { Plan } from './plan.js';

export interface PlanReview {
  /** P0/P1 findings on tasks the build would write: Confirm is refused while there are any. */
  blocking: ReviewFinding[];
  /** Everything else (P2 advice, and findings on tasks the build leaves as they are). */
  advice: ReviewFinding[];
}

/** Which planned tasks the build writes: new ones, and existing ones that differ and are ticked. */
export function writtenByBuild(assessment: PlanAssessment, ticked: ReadonlySet<string>): Set<string> {
  return new Set(assessment.tasks.filter((a) => a.status === 'create' || (a.status === 'change' && ticked.has(a.name))).map((a) => a.name));
}

export async function reviewPlan(
  studio: StudioClient,
  plan: Plan,
  assessment: PlanAssessment,
  ticked: ReadonlySet<string>,
  isIntegrationVc: (name: string) => boolean,
): Promise<PlanReview> {
  const written = writtenByBuild(assessment, ticked);
  const tasks = new Map<string, ReviewTask>();
  if (assessment.folderExists) {
    const folder = (await studio.listAllFolders({ name: plan.folder })).find((f) => f.name === plan.folder && (f.parentId ?? 0) === 0);
    const present = folder ? (await studio.listAllTasks({ folderId: folder.id })).filter((t) => t.folderId === folder.id) : [];
    for (const t of present) {
      const [detail, cfg] = await Promise.all([studio.getTask(t.id), studio.getTaskConfiguration(t.id)]);
      tasks.set(t.name, {
        id: t.id,
        name: t.name,
        folder: plan.folder,
        kind: t.type.kind,
        content: detail.content,
        cron: cfg.cron,
        deps: cfg.dependencies.map((d) => ({ taskId: d.taskId, taskName: d.taskName ?? String(d.taskId) })),
        online: t.taskStatus?.code === 1,
        vcCode: cfg.vcCode ?? detail.defaultVc,
      });
    }
  }
  // Tasks the build creates get ids of their own (negative: not Studio's); the plan's upstreams by name.
  let next = -1;
  for (const t of plan.tasks) {
    if (!written.has(t.name)) continue;
    const have = tasks.get(t.name);
    tasks.set(t.name, {
      id: have?.id ?? next--,
      name: t.name,
      folder: plan.folder,
      kind: have?.kind ?? taskKindByKey(t.kind),
      content: t.content,
      cron: t.cron,
      deps: [],
      online: t.deploy || (have?.online ?? false),
      vcCode: t.vcCode,
    });
  }
  for (const t of plan.tasks) {
    if (!written.has(t.name)) continue;
    const me = tasks.get(t.name)!;
    me.deps = t.dependsOn.map((d) => ({ taskId: tasks.get(d)?.id ?? 0, taskName: d })).filter((d) => d.taskId !== 0);
  }
  const all = [...tasks.values()];
  const findings = reviewTasks(plan.folder, all, all, { isIntegrationVc });
  const blocking = findings.filter((f) => f.priority !== 'P2' && f.task !== undefined && written.has(f.task));
  return { blocking, advice: findings.filter((f) => !blocking.includes(f)) };
}
