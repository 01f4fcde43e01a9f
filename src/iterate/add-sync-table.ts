/**
 * Seed 000's "Add Sync Table" for a single-table batch sync (docs/pipeline-changes.md): lineage
 * (the new ODS table must not be written already); a new single-table sync beside the existing one
 * (its reader, writer schema, VCluster and schedule copied; column mapping, when the source needs
 * one, is Studio's UI's); run once ✅ `SELECT COUNT(*)` of the new ODS table > 0; deployed last.
 * The optional DWD cleaning (appended to 04, run once, redeployed) is not built here: use "Modify
 * ETL logic" after this flow. Undo takes the new task offline and deletes it.
 */
import type { Lineage } from '../lineage/index.js';
import { taskKindByKey } from '../studio/enums.js';
import { type Checkpoint, CheckFailed, type IterationDeps, type TaskEdit, awaitRun } from './steps.js';

export interface AddSyncTableRequest {
  /** The existing single-table sync to copy (its data source and ODS schema). */
  syncTask: string;
  /** The source table (same data source and database). */
  sourceTable: string;
}

export interface AddSyncTablePlan {
  flow: 'add_sync_table';
  request: AddSyncTableRequest;
  folderId: number;
  newTask: { name: string; content: string; cron: string | undefined; vcCode: string | undefined };
  target: string;
  /** The new task's content as a diff against nothing. */
  edit: TaskEdit;
}

const IDENT = /^[A-Za-z_]\w*$/;

interface SyncConfig {
  reader?: { datasource?: string; database?: string; table?: string } & Record<string, unknown>;
  writer?: { schema?: string; table?: string } & Record<string, unknown>;
}

export async function planAddSyncTable(
  deps: IterationDeps,
  lineage: Lineage,
  req: AddSyncTableRequest,
): Promise<{ kind: 'plan'; plan: AddSyncTablePlan } | { kind: 'problem'; message: string }> {
  const problem = (message: string) => ({ kind: 'problem' as const, message });
  const table = req.sourceTable.trim().toLowerCase();
  if (!IDENT.test(table)) return problem(`"${req.sourceTable}" is not a table name (the source table, without its database).`);
  const node = lineage.tasks.find((t) => t.name === req.syncTask.trim());
  if (!node) return problem(`No task named \`${req.syncTask}\`.`);
  const detail = await deps.studio.getTask(node.id);
  if (detail.type.kind?.key !== 'DI') return problem(`\`${node.name}\` is a ${detail.type.label}, not a single-table batch sync: add tables to a multi-table sync in Studio's UI.`);
  let cfg: SyncConfig;
  try {
    cfg = JSON.parse(detail.content) as SyncConfig;
  } catch {
    return problem(`\`${node.name}\`'s configuration is not JSON: it cannot be copied.`);
  }
  if (!cfg.reader?.table || !cfg.writer?.schema) return problem(`\`${node.name}\` names no source table or target schema to copy.`);
  const target = `${cfg.writer.schema}.${table}`.toLowerCase();
  const writers = lineage.tables.get(target)?.writers ?? [];
  if (writers.length > 0) return problem(`\`${target}\` is already written by ${writers.join(', ')}: nothing to add.`);
  const name = `${node.name}_${table}`;
  if (lineage.tasks.some((t) => t.name === name)) return problem(`A task named \`${name}\` exists already.`);
  const content = JSON.stringify({ ...cfg, reader: { ...cfg.reader, table }, writer: { ...cfg.writer, table } }, null, 2);
  const config = await deps.studio.getTaskConfiguration(node.id);
  return {
    kind: 'plan',
    plan: {
      flow: 'add_sync_table',
      request: req,
      folderId: detail.folderId!,
      newTask: { name, content, cron: config.cron, vcCode: config.vcCode },
      target,
      edit: {
        taskId: 0,
        taskName: name,
        before: '',
        after: content,
        why: `new single-table sync ${cfg.reader.datasource ?? ''}:${cfg.reader.database ?? ''}.${table} → ${target}`,
      },
    },
  };
}

export const ADD_SYNC_TABLE_CHECKPOINTS: readonly { id: string; label: string }[] = [
  { id: 'create', label: 'New single-table sync created and configured' },
  { id: 'count', label: 'Run once — COUNT(*) of the new ODS table' },
  { id: 'deploy', label: 'New sync deployed' },
];

export async function executeAddSyncTable(deps: IterationDeps, plan: AddSyncTablePlan): Promise<{ ok: boolean; checkpoints: Checkpoint[]; taskId?: number; error?: string }> {
  const checkpoints: Checkpoint[] = ADD_SYNC_TABLE_CHECKPOINTS.map((c) => ({ ...c, status: 'pending' }));
  let taskId: number | undefined;
  const t = plan.newTask;
  try {
    taskId = await deps.write({ action: 'create_task', target: `folder:${plan.folderId}`, taskName: t.name, params: { kind: 'DI' } }, () =>
      deps.studio.createTask({ name: t.name, kind: taskKindByKey('DI')!, folderId: plan.folderId, description: plan.edit.why }),
    );
    const id = taskId;
    await deps.write({ action: 'save_content', target: `task:${id}`, taskName: t.name, params: { taskId: id } }, () => deps.studio.saveTaskContent(id, t.content));
    await deps.write({ action: 'configure', target: `task:${id}`, taskName: t.name, params: { cron: t.cron, vcCode: t.vcCode } }, () =>
      deps.studio.updateTaskConfiguration(id, { cron: t.cron ?? '', vcCode: t.vcCode }),
    );
    checkpoints[0]!.status = 'passed';
    const run = await deps.write({ action: 'execute', target: `task:${id}`, taskName: t.name, params: { taskId: id } }, () => deps.studio.executeTask(id, { vcCode: t.vcCode }));
    await awaitRun(deps, run.runId, 'sync');
    const rows = await deps.lakehouse.countRows(plan.target);
    if (!(rows > 0)) throw new CheckFailed('count', `${plan.target} has no rows after the sync (run ${run.runId}): check the source table and the column mapping in Studio.`);
    checkpoints[1]!.status = 'passed';
    checkpoints[1]!.detail = `run ${run.runId}; SELECT COUNT(*) FROM ${plan.target} → ${rows}`;
    await deps.write({ action: 'deploy', target: `task:${id}`, taskName: t.name, params: { taskId: id } }, () =>
      deps.studio.deployTask(id, { message: 'new sync table (Studio Ops Bot)' }),
    );
    checkpoints[2]!.status = 'passed';
    return { ok: true, checkpoints, taskId };
  } catch (e) {
    const c = checkpoints.find((x) => x.status === 'pending')!;
    c.status = 'failed';
    c.detail = (e as Error).message;
    return { ok: false, checkpoints, taskId, error: `${(e as Error).message} The new task ${t.name} is left as a draft: Undo deletes it.` };
  }
}

/** Undo: the new sync taken offline (when it was deployed) and deleted. Nothing else was changed. */
export async function undoAddSyncTable(deps: IterationDeps, plan: AddSyncTablePlan, taskId: number): Promise<{ ok: boolean }> {
  const task = await deps.studio.getTask(taskId);
  if (task.name !== plan.newTask.name) return { ok: false };
  if ((task.version ?? 0) > 0) {
    await deps.write({ action: 'undeploy', target: `task:${taskId}`, taskName: task.name, params: { undo: true } }, () => deps.studio.undeployTask(taskId));
  }
  await deps.write({ action: 'delete_task', target: `task:${taskId}`, taskName: task.name, params: { undo: true } }, () => deps.studio.deleteTask(taskId));
  return { ok: true };
}
