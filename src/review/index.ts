/** Review a folder (or every folder) of the workspace: read tasks from Studio, run the rules. */
import type { StudioClient } from '../studio/client.js';
import { StudioError } from '../studio/errors.js';
import { FolderLookupError } from '../ops/read.js';
import { closeMatches } from '../studio/close-matches.js';
import { type Priority, type ReviewFinding, type ReviewOptions, type ReviewTask, reviewTasks } from './rules.js';

export interface FolderReview {
  folder: string;
  tasks: number;
  findings: ReviewFinding[];
}

export interface ReviewReport {
  folders: FolderReview[];
}

const PRIORITY_ORDER: Record<Priority, number> = { P0: 0, P1: 1, P2: 2 };

export { integrationVcPredicate } from '../studio/vclusters.js';

export async function reviewWorkspace(studio: StudioClient, folderName: string | undefined, opts: ReviewOptions): Promise<ReviewReport> {
  const folders = await studio.listAllFolders();
  const names = new Map(folders.map((f) => [f.id, f.name]));
  let scope = folders;
  if (folderName) {
    const f = folders.find((x) => x.name === folderName) ?? folders.find((x) => x.name.toLowerCase() === folderName.toLowerCase());
    if (!f)
      throw new FolderLookupError(
        folderName,
        closeMatches(folderName, folders, (x) => x.name).map((x) => x.name),
      );
    scope = [f];
  }
  const all = await studio.listAllTasks();
  const loaded = new Map<number, ReviewTask>();
  const load = async (id: number): Promise<ReviewTask | undefined> => {
    if (loaded.has(id)) return loaded.get(id);
    const summary = all.find((t) => t.id === id);
    if (!summary) return undefined;
    const [detail, cfg] = await Promise.all([studio.getTask(id), studio.getTaskConfiguration(id)]);
    const t: ReviewTask = {
      id,
      name: summary.name,
      folder: summary.folderName ?? (summary.folderId !== undefined ? names.get(summary.folderId) : undefined),
      kind: summary.type.kind,
      content: detail.content,
      cron: cfg.cron,
      deps: cfg.dependencies.map((d) => ({ taskId: d.taskId, taskName: d.taskName ?? String(d.taskId) })),
      online: summary.taskStatus?.code === 1,
      vcCode: cfg.vcCode ?? detail.defaultVc,
    };
    loaded.set(id, t);
    return t;
  };
  const out: FolderReview[] = [];
  for (const f of scope) {
    const inFolder = all.filter((t) => t.folderId === f.id);
    const tasks = (await Promise.all(inFolder.map((t) => load(t.id)))).filter((t): t is ReviewTask => t !== undefined);
    // Dependencies (also outside the folder), transitively, for cycles and schedule order.
    for (let frontier = tasks.flatMap((t) => t.deps.map((d) => d.taskId)); frontier.length; ) {
      const next: number[] = [];
      for (const id of frontier) {
        if (loaded.has(id)) continue;
        const t = await load(id).catch((e: unknown) => {
          if (e instanceof StudioError && e.kind === 'business') return undefined; // a dependency that no longer exists
          throw e;
        });
        if (t) next.push(...t.deps.map((d) => d.taskId));
      }
      frontier = next;
    }
    const findings = reviewTasks(f.name, tasks, [...loaded.values()], opts).sort(
      (a, b) => PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] || (a.task ?? '').localeCompare(b.task ?? ''),
    );
    out.push({ folder: f.name, tasks: tasks.length, findings });
  }
  return { folders: out };
}
