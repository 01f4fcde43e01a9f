/**
 * Seed 000's "Modify ETL Logic", in two confirmed halves (docs/pipeline-changes.md):
 *
 *  verify — lineage → the impact; the current results of the target on a business date (row count,
 *           key-field samples) read first; the new SQL run once on that date (a temporary run, not
 *           saved); the results read again and shown beside the old ones, with the differences.
 *           A run that fails, or a target left empty where it had rows, stops here.
 *  apply  — only after the person has seen the comparison: the new SQL saved and the task
 *           redeployed; each affected Dynamic Table refreshed in full
 *           (`SET cz.optimizer.incremental.force.full.refresh = true`) ✅ its refresh SUCCEED.
 *
 * Undo puts the content back as it was read before the flow and redeploys it.
 */
import { isValidDate } from '../studio/dates.js';
import { type Impact, type Lineage, describeImpact, impactOf } from '../lineage/index.js';
import { readSql } from '../lineage/task-tables.js';
import { type Checkpoint, CheckFailed, type IterationDeps, type TaskEdit, restoreContents, runOnce, saveContent } from './steps.js';

export interface ModifyEtlRequest {
  task: string;
  newSql: string;
  bizDate: string;
  /** Columns to sample before and after (default: none beyond the row count). */
  keyColumns?: string[];
}

export interface ModifyEtlPlan {
  flow: 'modify_etl';
  request: ModifyEtlRequest;
  folder: string | undefined;
  edit: TaskEdit & { online: boolean };
  target: string;
  partition: string | undefined;
  impact: Impact;
  impactText: string;
  /** Dynamic Tables downstream: refreshed in full after the deploy. */
  dynamicTables: string[];
  /** What the parser could not read in the new SQL (said, not guessed). */
  unread: string[];
}

export interface ResultsSnapshot {
  rows: number;
  samples: Record<string, { value: string; n: number }[]>;
}

export interface Comparison {
  before: ResultsSnapshot;
  after: ResultsSnapshot;
  runId: number;
  /** For a person: the row count change and, per key column, the values whose counts changed. */
  differences: string[];
}

const IDENT = /^[A-Za-z_]\w*$/;

export async function planModifyEtl(
  deps: IterationDeps,
  lineage: Lineage,
  req: ModifyEtlRequest,
): Promise<{ kind: 'plan'; plan: ModifyEtlPlan } | { kind: 'problem'; message: string }> {
  const problem = (message: string) => ({ kind: 'problem' as const, message });
  if (!isValidDate(req.bizDate)) return problem(`"${req.bizDate}" is not a business date (yyyy-MM-dd).`);
  const bad = (req.keyColumns ?? []).find((c) => !IDENT.test(c));
  if (bad !== undefined) return problem(`"${bad}" is not a column name.`);
  if (!req.newSql.trim()) return problem('The new SQL is empty.');
  const node = lineage.tasks.find((t) => t.name === req.task.trim());
  if (!node) return problem(`No task named \`${req.task}\`.`);
  if (node.writes.length !== 1)
    return problem(`\`${node.name}\` writes ${node.writes.length === 0 ? 'no table that could be read' : `${node.writes.length} tables`}: this flow compares one target.`);
  const target = node.writes[0]!;
  const read = readSql(req.newSql);
  if (read.writes.length !== 1 || read.writes[0] !== target)
    return problem(`The new SQL writes ${read.writes.join(', ') || 'no table'}, not \`${target}\`: changing the target is a new pipeline step, not an ETL change.`);
  const task = await deps.studio.getTask(node.id);
  if (task.content === req.newSql) return problem(`The new SQL is the same as \`${node.name}\`'s: nothing to change.`);
  const partition = /\bpartition\s*\(\s*`?(\w+)`?\s*=\s*'\$\{(\w+)\}'/i.exec(req.newSql)?.[1]?.toLowerCase();
  const impact = impactOf(lineage, target);
  return {
    kind: 'plan',
    plan: {
      flow: 'modify_etl',
      request: req,
      folder: node.folder,
      edit: { taskId: node.id, taskName: node.name, before: task.content, after: req.newSql, why: 'new ETL logic', online: (task.version ?? 0) > 0 },
      target,
      partition,
      impact,
      impactText: `changing \`${node.name}\`: ${describeImpact(impact)}`,
      dynamicTables: impact.steps.filter((s) => s.kind === 'dynamic_table').map((s) => s.name),
      unread: read.unread.map((u) => `${u.statement}: ${u.reason}`),
    },
  };
}

async function snapshotResults(deps: IterationDeps, plan: ModifyEtlPlan): Promise<ResultsSnapshot> {
  const part = plan.partition ? { column: plan.partition, value: plan.request.bizDate } : undefined;
  const rows = await deps.lakehouse.countRows(plan.target, part);
  const samples: ResultsSnapshot['samples'] = {};
  for (const c of plan.request.keyColumns ?? []) {
    const r = await deps.lakehouse.groupCounts(plan.target, c, { partition: part, limit: 5 });
    samples[c] = r.rows.map((row) => ({ value: row[c] === null || row[c] === undefined ? 'NULL' : String(row[c]), n: Number(row.n ?? 0) }));
  }
  return { rows, samples };
}

function differences(before: ResultsSnapshot, after: ResultsSnapshot): string[] {
  const out: string[] = [];
  const delta = after.rows - before.rows;
  out.push(`rows ${before.rows} → ${after.rows}${delta === 0 ? ' (same)' : ` (${delta > 0 ? '+' : ''}${delta})`}`);
  for (const [c, list] of Object.entries(after.samples)) {
    const old = new Map((before.samples[c] ?? []).map((x) => [x.value, x.n]));
    const changed = list.filter((x) => old.get(x.value) !== x.n).map((x) => `${x.value}: ${old.get(x.value) ?? 0} → ${x.n}`);
    const gone = [...old.keys()].filter((v) => !list.some((x) => x.value === v)).map((v) => `${v}: ${old.get(v)} → 0`);
    out.push(`${c}: ${[...changed, ...gone].join(', ') || 'same values and counts'}`);
  }
  return out;
}

/** The first half: the new SQL run once beside the current results. Saves nothing. */
export async function verifyModifyEtl(deps: IterationDeps, plan: ModifyEtlPlan): Promise<{ ok: true; comparison: Comparison } | { ok: false; error: string }> {
  const now = await deps.studio.getTask(plan.edit.taskId);
  if (now.content !== plan.edit.before) return { ok: false, error: `\`${plan.edit.taskName}\` changed in Studio since the plan was made: nothing was run. Make the plan again.` };
  try {
    const before = await snapshotResults(deps, plan);
    const names = [...new Set([...plan.edit.after.matchAll(/\$\{\s*([A-Za-z_]\w*)\s*\}/g)].map((m) => m[1]!))];
    const params = names.length > 0 ? Object.fromEntries(names.map((n) => [n, plan.request.bizDate])) : undefined;
    const runId = await runOnce(deps, plan.edit, plan.edit.after, 'new ETL', params);
    const after = await snapshotResults(deps, plan);
    if (after.rows === 0 && before.rows > 0) {
      return {
        ok: false,
        error: `The new SQL (run ${runId}) left ${plan.target}${plan.partition ? ` for ${plan.request.bizDate}` : ''} empty (${before.rows} rows before). Nothing was saved: check its filters and joins.`,
      };
    }
    return { ok: true, comparison: { before, after, runId, differences: differences(before, after) } };
  } catch (e) {
    return { ok: false, error: `${(e as Error).message} Nothing was saved.` };
  }
}

/** The second half, after the person saw the comparison: save, deploy, then the full refresh of each affected DT. */
export async function applyModifyEtl(deps: IterationDeps, plan: ModifyEtlPlan): Promise<{ ok: boolean; checkpoints: Checkpoint[]; deployed: boolean; error?: string }> {
  const checkpoints: Checkpoint[] = [
    { id: 'save_deploy', label: 'New SQL saved and redeployed', status: 'pending' },
    { id: 'dt_full_refresh', label: 'Affected Dynamic Tables fully refreshed — refresh SUCCEED', status: plan.dynamicTables.length > 0 ? 'pending' : 'skipped' },
  ];
  let deployed = false;
  const now = await deps.studio.getTask(plan.edit.taskId);
  if (now.content !== plan.edit.before) return { ok: false, checkpoints, deployed, error: `\`${plan.edit.taskName}\` changed in Studio since the comparison: nothing was saved.` };
  try {
    await saveContent(deps, plan.edit, plan.edit.after, 'save_content');
    if (plan.edit.online) {
      await deps.write({ action: 'deploy', target: `task:${plan.edit.taskId}`, taskName: plan.edit.taskName, params: { taskId: plan.edit.taskId } }, () =>
        deps.studio.deployTask(plan.edit.taskId, { message: 'ETL logic changed (Studio Ops Bot)' }),
      );
      deployed = true;
    }
    checkpoints[0]!.status = 'passed';
    checkpoints[0]!.detail = deployed ? 'saved and deployed' : 'saved (a draft: never deployed)';
    const lines: string[] = [];
    for (const dt of plan.dynamicTables) {
      const state = await deps.lakehouse.refreshHistory({ table: dt, limit: 1 });
      if (String(state.rows[0]?.state ?? '').toUpperCase() === 'SUSPENDED') {
        lines.push(`${dt}: suspended — not refreshed (resume it in Studio first)`);
        continue;
      }
      await deps
        .write({ action: 'refresh_dt', target: `table:${dt}`, params: { table: dt, forceFullRefresh: true } }, () =>
          deps.lakehouse.refreshDynamicTable(dt, { forceFullRefresh: true }),
        )
        .catch((e: Error) => {
          throw new CheckFailed('dt_full_refresh', `${dt}'s full refresh failed: ${e.message}.`);
        });
      const h = await deps.lakehouse.refreshHistory({ table: dt, limit: 3 });
      const top = h.rows[0] ?? {};
      const st = String(top.state ?? 'none').toUpperCase();
      if (st !== 'SUCCEED' && st !== 'SUCCESS')
        throw new CheckFailed('dt_full_refresh', `${dt}'s full refresh is ${st}${top.error_message ? `: ${String(top.error_message)}` : ''}.`);
      lines.push(`${dt}: ${String(top.refresh_mode ?? '')} refresh ${st}`);
    }
    if (plan.dynamicTables.length > 0) {
      checkpoints[1]!.status = 'passed';
      checkpoints[1]!.detail = lines.join('; ');
    }
    return { ok: true, checkpoints, deployed };
  } catch (e) {
    const failed = checkpoints.find((c) => c.status === 'pending')!;
    failed.status = 'failed';
    failed.detail = (e as Error).message;
    return { ok: false, checkpoints, deployed, error: `${(e as Error).message} The new SQL stays saved${deployed ? ' and deployed' : ''}: Undo puts the previous one back.` };
  }
}

export async function undoModifyEtl(deps: IterationDeps, plan: ModifyEtlPlan, result: { deployed: boolean }): Promise<{ ok: boolean; restored: string[]; redeployed: boolean }> {
  const { restored, failed } = await restoreContents(deps, [plan.edit], 'undo_content');
  let redeployed = false;
  if (result.deployed && failed.length === 0) {
    await deps.write({ action: 'deploy', target: `task:${plan.edit.taskId}`, taskName: plan.edit.taskName, params: { taskId: plan.edit.taskId, undo: true } }, () =>
      deps.studio.deployTask(plan.edit.taskId, { message: 'undo: ETL logic change (Studio Ops Bot)' }),
    );
    redeployed = true;
  }
  return { ok: failed.length === 0, restored, redeployed };
}
