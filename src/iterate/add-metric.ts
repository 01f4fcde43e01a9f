/**
 * Seed 000's "Add Metric/DWS Layer" (docs/pipeline-changes.md):
 *
 *  1. the metric's definition confirmed with the person (the request carries the query they confirmed);
 *  2. the DWD fields it reads checked with DESC — one missing sends the person to "Add field" first;
 *  3. the new Dynamic Table created (its CREATE OR REPLACE run once from the DWS/ADS draft) and refreshed
 *     ✅ `SELECT COUNT(*)` and `SUM(<metric>)` shown beside the baseline the person gave (within the tolerance);
 *  4. the DDL saved into the DWS/ADS draft — last.
 *
 * A failed check saves nothing. Undo puts the draft back; the Dynamic Table the flow created stays
 * (dropping a table is left to the person, said).
 */
import { type Lineage, describeImpact, impactOf } from '../lineage/index.js';
import { readSql } from '../lineage/task-tables.js';
import { appendStatement } from './sql-edit.js';
import { type Checkpoint, CheckFailed, type IterationDeps, type TaskEdit, describedColumns, restoreContents, runOnce, saveContent } from './steps.js';

export interface AddMetricRequest {
  /** The new Dynamic Table (`schema.table`). */
  table: string;
  /** Its query, as confirmed with the person: `SELECT … FROM <dwd> GROUP BY …`. */
  query: string;
  /** The metric column whose SUM is compared with the baseline. */
  metric: string;
  baseline: number;
  /** Accepted relative difference from the baseline (default 0.01 = 1 %). */
  tolerance?: number;
  refreshInterval?: string;
  vcluster?: string;
  /** Columns of the DWD table the query needs (checked with DESC). */
  requiredColumns: string[];
}

export interface AddMetricPlan {
  flow: 'add_metric';
  request: AddMetricRequest;
  source: string;
  statement: string;
  edit: TaskEdit;
  impactText: string;
}

const TABLE = /^[A-Za-z_]\w*\.[A-Za-z_]\w*$/;
const IDENT = /^[A-Za-z_]\w*$/;

export async function planAddMetric(
  deps: IterationDeps,
  lineage: Lineage,
  req: AddMetricRequest,
): Promise<{ kind: 'plan'; plan: AddMetricPlan } | { kind: 'problem'; message: string; missing?: { table: string; columns: string[] } }> {
  const problem = (message: string) => ({ kind: 'problem' as const, message });
  const table = req.table.trim().toLowerCase();
  if (!TABLE.test(table)) return problem(`"${req.table}" is not a table name (schema.table).`);
  if (!IDENT.test(req.metric)) return problem(`"${req.metric}" is not a column name.`);
  if (!Number.isFinite(req.baseline)) return problem('The baseline must be a number (the value you expect SUM(metric) to be).');
  if (lineage.tables.get(table)?.dynamic || lineage.tables.get(table)?.writers.length)
    return problem(`\`${table}\` exists already: change it with "Modify ETL logic" or choose another name.`);
  const read = readSql(req.query);
  if (read.unread.length > 0 || read.reads.length !== 1)
    return problem(`The metric's query must read one DWD table and be readable: ${read.unread.map((u) => u.reason).join('; ') || `it reads ${read.reads.length} tables`}.`);
  const source = read.reads[0]!;
  const have = await describedColumns(deps.lakehouse, source);
  const missing = req.requiredColumns.map((c) => c.toLowerCase()).filter((c) => !have.includes(c));
  if (missing.length > 0)
    return {
      ...problem(`\`${source}\` has no ${missing.map((c) => `\`${c}\``).join(', ')}: follow "Add field" first, then add the metric.`),
      missing: { table: source, columns: missing },
    };
  // The draft that holds the DTs over this source (03_ddl_dws_ads), or any DWS/ADS draft.
  const holders = lineage.tasks.filter((t) => t.dynamicTables.length > 0);
  const holder = holders.find((t) => t.reads.includes(source)) ?? holders[0];
  if (!holder) return problem('No DDL draft holds Dynamic Tables in this workspace: create the DWS/ADS draft (03_ddl_dws_ads) first.');
  const task = await deps.studio.getTask(holder.id);
  const statement = `CREATE OR REPLACE DYNAMIC TABLE ${table}\n  REFRESH INTERVAL ${req.refreshInterval ?? '1 HOUR'} VCLUSTER ${req.vcluster ?? 'default'}\nAS ${req.query.trim().replace(/;\s*$/, '')}`;
  return {
    kind: 'plan',
    plan: {
      flow: 'add_metric',
      request: { ...req, table },
      source,
      statement,
      edit: { taskId: task.id, taskName: task.name, before: task.content, after: appendStatement(task.content, statement), why: `new Dynamic Table ${table}` },
      impactText: `the new ${table} reads ${source}, which ${describeImpact(impactOf(lineage, source)).replace(/^`[^`]*` /, '')}`,
    },
  };
}

export const ADD_METRIC_CHECKPOINTS: readonly { id: string; label: string }[] = [
  { id: 'dt_create', label: 'Dynamic Table created and refreshed' },
  { id: 'baseline', label: 'COUNT(*) and SUM(metric) beside the baseline' },
  { id: 'ddl_save', label: 'DDL saved into the DWS/ADS draft' },
];

export async function executeAddMetric(deps: IterationDeps, plan: AddMetricPlan): Promise<{ ok: boolean; checkpoints: Checkpoint[]; error?: string }> {
  const checkpoints: Checkpoint[] = ADD_METRIC_CHECKPOINTS.map((c) => ({ ...c, status: 'pending' as const }));
  const now = await deps.studio.getTask(plan.edit.taskId);
  if (now.content !== plan.edit.before) return { ok: false, checkpoints, error: `\`${plan.edit.taskName}\` changed in Studio since the plan was made: nothing was written.` };
  const { table, metric, baseline } = plan.request;
  try {
    const run = await runOnce(deps, plan.edit, `${plan.statement};`, `CREATE ${table}`);
    await deps
      .write({ action: 'refresh_dt', target: `table:${table}`, params: { table } }, () => deps.lakehouse.refreshDynamicTable(table))
      .catch((e: Error) => {
        throw new CheckFailed('dt_create', `${table}'s first refresh failed: ${e.message}.`);
      });
    checkpoints[0]!.status = 'passed';
    checkpoints[0]!.detail = `run ${run}; refreshed`;
    const rows = await deps.lakehouse.countRows(table);
    const sum = Number((await deps.lakehouse.query(`SELECT SUM(\`${metric}\`) AS total FROM ${table.replace(/(\w+)\.(\w+)/, '`$1`.`$2`')}`)).rows[0]?.total ?? Number.NaN);
    const tolerance = plan.request.tolerance ?? 0.01;
    const off = baseline === 0 ? Math.abs(sum) : Math.abs(sum - baseline) / Math.abs(baseline);
    const seen = `COUNT(*) = ${rows}, SUM(${metric}) = ${sum} beside the baseline ${baseline}`;
    if (!(rows > 0) || !(off <= tolerance))
      throw new CheckFailed(
        'baseline',
        `${seen}: ${rows > 0 ? `${(off * 100).toFixed(1)} % off (more than ${(tolerance * 100).toFixed(1)} %)` : 'no rows'}. Check the metric's definition with its owner; the draft was not changed.`,
      );
    checkpoints[1]!.status = 'passed';
    checkpoints[1]!.detail = seen;
    await saveContent(deps, plan.edit, plan.edit.after, 'save_content');
    checkpoints[2]!.status = 'passed';
    return { ok: true, checkpoints };
  } catch (e) {
    const c = checkpoints.find((x) => x.status === 'pending')!;
    c.status = 'failed';
    c.detail = (e as Error).message;
    return { ok: false, checkpoints, error: `${(e as Error).message} The Dynamic Table ${table} may exist now (left as it is; DROP it if unwanted).` };
  }
}

export async function undoAddMetric(deps: IterationDeps, plan: AddMetricPlan): Promise<{ ok: boolean; restored: string[] }> {
  const { restored, failed } = await restoreContents(deps, [plan.edit], 'undo_content');
  return { ok: failed.length === 0, restored };
}
