/**
 * What a promotion would do (`/cz promote <folder> --from <ws> --to <ws>`, issue 34 item 4; seed
 * 000's "Multi-environment Management"): the folder read in both workspaces (each task's type,
 * content, schedule, VCluster, dependencies and whether it is deployed; the VClusters and data
 * sources each has), the source's names mapped to the target's (src/promote/names.ts), and the
 * difference: new tasks, changed contents/schedules/dependencies/VClusters, tasks only in the
 * target (listed, never deleted), and what blocks the promotion (a type that differs, a VCluster
 * or data source the target lacks, a dependency on a task it does not have). Read-only.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../store/operations.js';
import type { StudioClient } from '../studio/client.js';
import type { NameMapper } from './names.js';

/** One task as read (and, for the source, under the target's names). */
export interface TaskState {
  id: number;
  name: string;
  /** Task kind key (SQL, DI, …), or the label when Studio's code is unknown. */
  kind: string;
  content: string;
  cron: string;
  vcCode: string;
  /** Upstream task names, sorted. */
  deps: string[];
  deployed: boolean;
  description: string;
  /** The task's parameters (`bizdate` …), by key. */
  params: Record<string, string>;
}

export interface FolderSide {
  workspace: string;
  folder: string;
  /** Undefined: the workspace has no folder of that name (yet). */
  folderId: number | undefined;
  tasks: TaskState[];
  vclusters: string[];
  dataSources: string[];
  /** Every task of the workspace, name → id (a dependency outside the folder must exist there). */
  allTasks: Record<string, number>;
}

export type FieldName = 'content' | 'params' | 'cron' | 'vcCode' | 'deps';
export const FIELDS: readonly FieldName[] = ['content', 'params', 'cron', 'vcCode', 'deps'];
export interface TaskChange {
  name: string;
  /** New in the target, or changed there. */
  kind: 'new' | 'changed';
  source: TaskState;
  /** The target's task as read (changed ones). */
  target?: TaskState;
  fields: FieldName[];
}

export interface PromotionPlan {
  folder: string;
  from: string;
  to: string;
  /** In dependency order, upstream first (the order they are written in). */
  changes: TaskChange[];
  onlyInTarget: string[];
  unchanged: string[];
  /** What stops the promotion (Confirm is not offered). */
  blockers: string[];
  renamings: string[];
  /** The target has no such folder: it is created first (and deleted by Undo). */
  createFolder: boolean;
  fingerprint: string;
}

/** The folder in one workspace (no tasks and no id when it has none of that name), with the workspace's VClusters, data sources and tasks. */
export async function readFolder(studio: StudioClient, workspace: string, folder: string): Promise<FolderSide> {
  const found = (await studio.listAllFolders()).find((f) => f.name === folder);
  const [summaries, vclusters, dataSources, all] = await Promise.all([
    found ? studio.listAllTasks({ folderId: found.id }) : Promise.resolve([]),
    studio.listVClusters().catch(() => []),
    studio.listDataSources({ pageSize: 200 }).then((p) => p.items),
    studio.listAllTasks(),
  ]);
  const tasks: TaskState[] = [];
  for (const s of summaries.filter((t) => t.folderId === undefined || t.folderId === found?.id)) {
    const [d, c] = await Promise.all([studio.getTask(s.id), studio.getTaskConfiguration(s.id)]);
    tasks.push({
      id: d.id,
      name: d.name,
      kind: d.type.kind?.key ?? d.type.label,
      content: d.content,
      cron: c.cron ?? '',
      vcCode: c.vcCode ?? '',
      deps: c.dependencies.map((x) => x.taskName ?? String(x.taskId)).sort(),
      deployed: (d.version ?? 0) > 0,
      description: d.description ?? '',
      params: Object.fromEntries(d.params.map((p) => [p.key, p.value])),
    });
  }
  tasks.sort((a, b) => a.name.localeCompare(b.name));
  return {
    workspace,
    folder,
    folderId: found?.id,
    tasks,
    vclusters: vclusters.map((v) => v.name),
    dataSources: dataSources.map((d) => d.name),
    allTasks: Object.fromEntries(all.map((t) => [t.name, t.id])),
  };
}

/** The source's task under the target's names. */
export function mappedTask(t: TaskState, names: NameMapper): TaskState {
  return { ...t, content: names.content(t.content), vcCode: t.vcCode ? names.vcluster(t.vcCode) : '' };
}

/** Upstream first: each task after the tasks of the folder it depends on (by name, then alphabetical). */
export function dependencyOrder<T extends { name: string; deps: string[] }>(tasks: T[]): T[] {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const out: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: T) => {
    if (state.get(t.name)) return; // done, or a cycle (left to Studio to refuse)
    state.set(t.name, 'visiting');
    for (const d of [...t.deps].sort()) {
      const up = byName.get(d);
      if (up) visit(up);
    }
    state.set(t.name, 'done');
    out.push(t);
  };
  for (const t of [...tasks].sort((a, b) => a.name.localeCompare(b.name))) visit(t);
  return out;
}

/** The data source names a sync's JSON content uses. */
function dataSourcesOf(content: string): string[] {
  return [...content.matchAll(/"(?:datasource|dataSource|dataSourceName|dsName)"\s*:\s*"([^"]+)"/g)].map((m) => m[1]!);
}

export function fingerprintOf(source: FolderSide, target: FolderSide): string {
  const side = (s: FolderSide) => ({ exists: s.folderId !== undefined, tasks: s.tasks.map(({ id: _id, ...t }) => t) });
  return createHash('sha256')
    .update(canonicalJson({ source: side(source), target: side(target) }))
    .digest('hex')
    .slice(0, 32);
}

export function planPromotion(source: FolderSide, target: FolderSide, names: NameMapper): PromotionPlan {
  const targetByName = new Map(target.tasks.map((t) => [t.name, t]));
  const sourceNames = new Set(source.tasks.map((t) => t.name));
  const blockers: string[] = [];
  const changes: TaskChange[] = [];
  const unchanged: string[] = [];
  for (const raw of dependencyOrder(source.tasks)) {
    const s = mappedTask(raw, names);
    const t = targetByName.get(s.name);
    if (s.vcCode && !target.vclusters.includes(s.vcCode))
      blockers.push(`\`${s.name}\` runs on VCluster \`${s.vcCode}\`, which \`${target.workspace}\` does not have: map it in the workspaces file (names.vclusters) or create it.`);
    for (const ds of dataSourcesOf(s.content))
      if (!target.dataSources.includes(ds))
        blockers.push(`\`${s.name}\` reads data source \`${ds}\`, which \`${target.workspace}\` does not have: map it (names.data_sources) or create it.`);
    for (const d of s.deps)
      if (!sourceNames.has(d) && !(d in target.allTasks)) blockers.push(`\`${s.name}\` depends on \`${d}\`, outside the folder, which \`${target.workspace}\` does not have.`);
    if (!t) {
      changes.push({ name: s.name, kind: 'new', source: s, fields: [...FIELDS] });
      continue;
    }
    if (t.kind !== s.kind) {
      blockers.push(
        `\`${s.name}\` is a ${s.kind} task in \`${source.workspace}\` and a ${t.kind} task in \`${target.workspace}\`: a task's type cannot change; recreate it in Studio.`,
      );
      continue;
    }
    const fields = FIELDS.filter((f) => canonicalJson(s[f]) !== canonicalJson(t[f]));
    if (fields.length) changes.push({ name: s.name, kind: 'changed', source: s, target: t, fields });
    else unchanged.push(s.name);
  }
  return {
    folder: source.folder,
    from: source.workspace,
    to: target.workspace,
    changes,
    onlyInTarget: target.tasks.filter((t) => !sourceNames.has(t.name)).map((t) => t.name),
    unchanged,
    blockers,
    renamings: names.renamings(),
    createFolder: target.folderId === undefined,
    fingerprint: fingerprintOf(source, target),
  };
}
