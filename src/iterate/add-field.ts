/**
 * Seed 000's "Add Field (Schema Evolution)": a column the source gained, followed layer by layer
 * (upstream to downstream, no layer skipped), each write made only after the check before it
 * passed (docs/pipeline-changes.md lists the steps and their tests):
 *
 *  1. lineage → the impact;
 *  2. ODS: ALTER … ADD COLUMN appended to the ODS DDL draft, saved, run once ✅ DESC shows it;
 *     the sync run once ✅ the column has values in ODS (`GROUP BY` sample);
 *  3. DWD: the same in the DWD DDL draft ✅ DESC shows it;
 *  4. ETL: the column added to its SELECT, the new SQL run once on the business date
 *     ✅ `SELECT <col>, COUNT(*) … GROUP BY` — not NULL on every row;
 *  5. DTs the person chose: CREATE OR REPLACE in the DWS/ADS draft, run once, REFRESH
 *     ✅ refresh history: the newest refresh SUCCEED;
 *  6. the ETL script saved and redeployed — last.
 *
 * A failed check stops the flow and puts back every content it had saved. Undo puts back every
 * content as it was read before the flow (and redeploys the ETL when the flow had deployed it).
 */
import { isValidDate } from '../studio/dates.js';
import { type Impact, type Lineage, describeImpact, impactOf } from '../lineage/index.js';
import { addSelectColumn, aliasOf, appendStatement, replaceDynamicTableQuery } from './sql-edit.js';
import { type Checkpoint, CheckFailed, type IterationDeps, type TaskEdit, describedColumns, restoreContents, runOnce, saveContent } from './steps.js';

export interface AddFieldRequest {
  /** The ODS table the source's new field arrives in (`schema.table`). */
  table: string;
  column: string;
  /** Lakehouse type: STRING, BIGINT, INT, TINYINT, BOOLEAN, DOUBLE, DECIMAL(p,s), TIMESTAMP, DATE. */
  type: string;
  /** The business date the new ETL is run on and checked (yyyy-MM-dd). */
  bizDate: string;
  /** The DWD expression (default: the ODS column through the ETL's alias). */
  dwdExpression?: string;
  /** Dynamic Tables over DWD to rebuild, with their new query. */
  dynamicTables?: { table: string; query: string }[];
}

export interface AddFieldPlan {
  flow: 'add_field';
  request: AddFieldRequest;
  folder: string | undefined;
  impact: Impact;
  impactText: string;
  ods: { table: string; ddl: TaskEdit; alter: string; sync?: { taskId: number; taskName: string } };
  dwd: { table: string; partition?: string; ddl: TaskEdit; alter: string };
  etl: TaskEdit & { online: boolean };
  dynamicTables: { table: string; edit: TaskEdit; statement: string }[];
  /** Dynamic Tables over DWD left as they are (not asked for). */
  untouchedDynamicTables: string[];
  checkpoints: Checkpoint[];
}

export type PlanOutcome = { kind: 'plan'; plan: AddFieldPlan } | { kind: 'problem'; message: string };

const TYPE = /^(string|bigint|int|tinyint|smallint|boolean|double|float|date|timestamp|decimal\(\s*\d{1,2}\s*,\s*\d{1,2}\s*\))$/i;
/** The types the flow adds, as the form's hint and the refusal both list them. */
export const ADD_FIELD_TYPES = 'STRING, BIGINT, INT, TINYINT, SMALLINT, BOOLEAN, DOUBLE, FLOAT, DATE, TIMESTAMP or DECIMAL(p,s)';
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const TABLE = /^[A-Za-z_]\w*\.[A-Za-z_]\w*$/;

export const ADD_FIELD_CHECKPOINTS: readonly { id: string; label: string }[] = [
  { id: 'ods_alter', label: 'ODS: ALTER in the DDL draft, run once — DESC shows the column' },
  { id: 'ods_sync', label: 'ODS: the sync run once — the column has values' },
  { id: 'dwd_alter', label: 'DWD: ALTER in the DDL draft, run once — DESC shows the column' },
  { id: 'etl_run', label: 'ETL: the new SQL run once on the business date — GROUP BY sample not all NULL' },
  { id: 'dt_rebuild', label: 'DWS/ADS: Dynamic Tables rebuilt (CREATE OR REPLACE) and refreshed — refresh SUCCEED' },
  { id: 'etl_deploy', label: 'ETL script saved and redeployed' },
];

/** Read-only: the plan against what Studio and Lakehouse hold now, or what is wrong with the request. */
export async function planAddField(deps: IterationDeps, lineage: Lineage, req: AddFieldRequest): Promise<PlanOutcome> {
  const problem = (message: string): PlanOutcome => ({ kind: 'problem', message });
  const table = req.table.trim().toLowerCase();
  const column = req.column.trim().toLowerCase();
  if (!TABLE.test(table)) return problem(`"${req.table}" is not a table name: write schema.table, e.g. ecommerce_ods.orders.`);
  if (!IDENT.test(column)) return problem(`"${req.column}" is not a column name (letters, digits and _, starting with a letter).`);
  if (!TYPE.test(req.type.trim())) return problem(`"${req.type}" is not a Lakehouse column type this flow adds: ${ADD_FIELD_TYPES}.`);
  if (!isValidDate(req.bizDate)) return problem(`"${req.bizDate}" is not a business date (yyyy-MM-dd).`);
  const type = req.type.trim().toUpperCase().replace(/\s+/g, '');
  const node = lineage.tables.get(table);
  if (!node) return problem(`No task writes or reads \`${table}\`: check the name with \`/cz lineage ${table}\`.`);
  const task = (name: string) => lineage.tasks.find((t) => t.name === name)!;
  const ddlOf = (t: string) =>
    lineage.tables
      .get(t)
      ?.definers.map(task)
      .filter((d) => d.kind === 'SQL') ?? [];
  const odsDdl = ddlOf(table);
  if (odsDdl.length !== 1)
    return problem(
      `\`${table}\` is defined by ${odsDdl.length === 0 ? 'no DDL draft' : `${odsDdl.length} DDL drafts (${odsDdl.map((d) => d.name).join(', ')})`}: the ALTER needs exactly one to be saved in.`,
    );
  const etls = (node.readers ?? [])
    .filter((r) => r.kind === 'task')
    .map((r) => task(r.name))
    .filter((t) => t.writes.length > 0);
  if (etls.length !== 1)
    return problem(`\`${table}\` is read by ${etls.length} ETL tasks that write a table (${etls.map((t) => t.name).join(', ') || 'none'}): this flow follows one ETL to DWD.`);
  const etlNode = etls[0]!;
  const dwdTable = etlNode.writes[0]!;
  const dwdDdl = ddlOf(dwdTable);
  if (dwdDdl.length !== 1) return problem(`\`${dwdTable}\` is defined by ${dwdDdl.length} DDL drafts: the ALTER needs exactly one.`);
  const odsCols = await describedColumns(deps.lakehouse, table);
  if (odsCols.includes(column)) return problem(`\`${table}\` already has a column \`${column}\`: nothing to add (to carry it to DWD, change the ETL instead).`);
  const dwdCols = await describedColumns(deps.lakehouse, dwdTable);
  if (dwdCols.includes(column)) return problem(`\`${dwdTable}\` already has a column \`${column}\`.`);

  const [odsTask, dwdTask, etlTask] = await Promise.all([deps.studio.getTask(odsDdl[0]!.id), deps.studio.getTask(dwdDdl[0]!.id), deps.studio.getTask(etlNode.id)]);
  const odsAlter = `ALTER TABLE ${table} ADD COLUMN ${column} ${type}`;
  const dwdAlter = `ALTER TABLE ${dwdTable} ADD COLUMN ${column} ${type}`;
  const expression = req.dwdExpression?.trim() || `${aliasOf(etlTask.content, table)}.${column}`;
  const etlAfter = addSelectColumn(etlTask.content, expression, column);
  if (!etlAfter) return problem(`\`${etlTask.name}\`'s SQL is not one INSERT … SELECT … FROM: add \`${expression} AS ${column}\` to it by hand, then run this flow's checks.`);
  const partition = /\bpartition\s*\(\s*`?(\w+)`?\s*=\s*'\$\{(\w+)\}'/i.exec(etlTask.content);

  const dtOver = (lineage.tables.get(dwdTable)?.readers ?? []).filter((r) => r.kind === 'dynamic_table').map((r) => r.name);
  const asked = new Map((req.dynamicTables ?? []).map((d) => [d.table.trim().toLowerCase(), d.query]));
  const dynamicTables: AddFieldPlan['dynamicTables'] = [];
  const dtContents = new Map<number, TaskEdit>();
  for (const [dt, query] of asked) {
    if (!dtOver.includes(dt)) return problem(`\`${dt}\` is not a Dynamic Table over \`${dwdTable}\` (those are: ${dtOver.join(', ') || 'none'}).`);
    const holder = lineage.tables.get(dt)?.definers.map(task)[0];
    if (!holder) return problem(`\`${dt}\`'s definition is in no DDL draft in Studio (Lakehouse alone knows it): put its CREATE statement in the DWS/ADS draft first.`);
    const edit = dtContents.get(holder.id) ?? { taskId: holder.id, taskName: holder.name, before: (await deps.studio.getTask(holder.id)).content, after: '', why: '' };
    edit.after ||= edit.before;
    const replaced = replaceDynamicTableQuery(edit.after, dt, query);
    if (!replaced) return problem(`\`${holder.name}\` does not hold a CREATE DYNAMIC TABLE ${dt} … AS SELECT that can be rebuilt.`);
    edit.after = replaced.content;
    edit.why = `rebuild ${[...(edit.why ? [edit.why.replace(/^rebuild /, '')] : []), dt].join(', ')} with CREATE OR REPLACE`;
    dtContents.set(holder.id, edit);
    dynamicTables.push({ table: dt, edit, statement: replaced.statement });
  }
  const sync = node.writers.map(task).find((t) => t.externalSources.length > 0);
  const impact = impactOf(lineage, table);
  return {
    kind: 'plan',
    plan: {
      flow: 'add_field',
      request: { ...req, table, column, type },
      folder: etlNode.folder,
      impact,
      impactText: `adding \`${column}\` to ${describeImpact(impact)}`,
      ods: {
        table,
        alter: odsAlter,
        ddl: {
          taskId: odsTask.id,
          taskName: odsTask.name,
          before: odsTask.content,
          after: appendStatement(odsTask.content, odsAlter),
          why: 'ALTER saved in the ODS DDL draft (run once, never scheduled)',
        },
        sync: sync ? { taskId: sync.id, taskName: sync.name } : undefined,
      },
      dwd: {
        table: dwdTable,
        partition: partition?.[1]?.toLowerCase(),
        alter: dwdAlter,
        ddl: { taskId: dwdTask.id, taskName: dwdTask.name, before: dwdTask.content, after: appendStatement(dwdTask.content, dwdAlter), why: 'ALTER saved in the DWD DDL draft' },
      },
      etl: {
        taskId: etlTask.id,
        taskName: etlTask.name,
        before: etlTask.content,
        after: etlAfter,
        why: `\`${column}\` carried to ${dwdTable}`,
        online: (etlTask.version ?? 0) > 0,
      },
      dynamicTables,
      untouchedDynamicTables: dtOver.filter((d) => !asked.has(d)).sort(),
      checkpoints: ADD_FIELD_CHECKPOINTS.map((c) =>
        c.id === 'dt_rebuild' && dynamicTables.length === 0
          ? // Said beside the skip: the label's "refresh SUCCEED" is what the step would check, not a result.
            {
              ...c,
              status: 'skipped',
              detail: dtOver.length
                ? `${dtOver.join(', ')} read ${dwdTable} and are left as they are: the new column is not carried into them`
                : `no Dynamic Table reads ${dwdTable}`,
            }
          : { ...c, status: 'pending' },
      ),
    },
  };
}

/** Every task content the plan changes, once each (for the diff and for the put-back). */
export function planEdits(plan: AddFieldPlan): TaskEdit[] {
  const byTask = new Map<number, TaskEdit>();
  for (const e of [plan.ods.ddl, plan.dwd.ddl, ...plan.dynamicTables.map((d) => d.edit), plan.etl]) if (!byTask.has(e.taskId)) byTask.set(e.taskId, e);
  return [...byTask.values()];
}

export interface FlowResult {
  ok: boolean;
  checkpoints: Checkpoint[];
  /** The failed check and what to fix. */
  error?: string;
  /** Contents put back after a failed check. */
  restored?: string[];
  /** Contents the flow saved (what Undo puts back). */
  saved: string[];
  deployed: boolean;
}

/**
 * Carry out the plan. Before the first write, every content is read again: one changed since the
 * plan stops the flow (nothing written). Each checkpoint's writes happen only after the one before passed.
 */
export async function executeAddField(deps: IterationDeps, plan: AddFieldPlan, onProgress: (c: Checkpoint[]) => void | Promise<void> = () => {}): Promise<FlowResult> {
  const checkpoints = plan.checkpoints.map((c) => ({ ...c }));
  const saved: TaskEdit[] = [];
  let deployed = false;
  const edits = planEdits(plan);
  for (const e of edits) {
    const now = await deps.studio.getTask(e.taskId);
    if (now.content !== e.before) {
      return { ok: false, checkpoints, error: `\`${e.taskName}\` changed in Studio since the plan was made: nothing was written. Make the plan again.`, saved: [], deployed };
    }
  }
  const mark = async (id: string, status: Checkpoint['status'], detail?: string) => {
    const c = checkpoints.find((x) => x.id === id)!;
    c.status = status;
    if (detail !== undefined) c.detail = detail;
    await onProgress(checkpoints.map((x) => ({ ...x })));
  };
  const save = async (e: TaskEdit) => {
    await saveContent(deps, e, e.after, 'save_content');
    if (!saved.some((s) => s.taskId === e.taskId)) saved.push(e);
  };
  const { request: req } = plan;
  const column = req.column;
  try {
    // 2. ODS
    await save(plan.ods.ddl);
    const odsRun = await runOnce(deps, plan.ods.ddl, `${plan.ods.alter};`, 'ODS ALTER');
    const odsCols = await describedColumns(deps.lakehouse, plan.ods.table);
    if (!odsCols.includes(column)) throw new CheckFailed('ods_alter', `DESC ${plan.ods.table} does not show \`${column}\` after run ${odsRun}: check the run's log in Studio.`);
    await mark('ods_alter', 'passed', `run ${odsRun}; DESC ${plan.ods.table}: ${odsCols.join(', ')}`);
    if (plan.ods.sync) {
      const syncRun = await runOnce(deps, plan.ods.sync, (await deps.studio.getTask(plan.ods.sync.taskId)).content, 'ODS sync');
      const sample = await valueSample(deps, plan.ods.table, column);
      if (sample.nonNull === 0)
        throw new CheckFailed(
          'ods_sync',
          `\`${column}\` is NULL on every row of ${plan.ods.table} after the sync (run ${syncRun}): the source does not send it. Check the field exists in the source table and the sync's column mapping includes it, then start again.`,
        );
      await mark('ods_sync', 'passed', `run ${syncRun}; ${sample.text}`);
    } else await mark('ods_sync', 'skipped', 'no sync task writes this table');
    // 3. DWD
    await save(plan.dwd.ddl);
    const dwdRun = await runOnce(deps, plan.dwd.ddl, `${plan.dwd.alter};`, 'DWD ALTER');
    const dwdCols = await describedColumns(deps.lakehouse, plan.dwd.table);
    if (!dwdCols.includes(column)) throw new CheckFailed('dwd_alter', `DESC ${plan.dwd.table} does not show \`${column}\` after run ${dwdRun}.`);
    await mark('dwd_alter', 'passed', `run ${dwdRun}; DESC ${plan.dwd.table}: ${dwdCols.join(', ')}`);
    // 4. ETL, run once with the new SQL (saved only at the end)
    const params = plan.dwd.partition ? paramsFor(plan.etl.before, req.bizDate) : undefined;
    const etlRun = await runOnce(deps, plan.etl, plan.etl.after, 'ETL', params);
    const sample = await valueSample(deps, plan.dwd.table, column, plan.dwd.partition ? { column: plan.dwd.partition, value: req.bizDate } : undefined);
    if (sample.nonNull === 0)
      throw new CheckFailed(
        'etl_run',
        `\`${column}\` is NULL on every row of ${plan.dwd.table}${plan.dwd.partition ? ` for ${req.bizDate}` : ''} after the new ETL (run ${etlRun}): ${sample.text}. Check the expression \`${req.dwdExpression ?? column}\` in ${plan.etl.taskName}.`,
      );
    await mark('etl_run', 'passed', `run ${etlRun}; ${sample.text}`);
    // 5. DWS/ADS Dynamic Tables
    if (plan.dynamicTables.length > 0) {
      const lines: string[] = [];
      for (const dt of plan.dynamicTables) {
        await save(dt.edit);
        const run = await runOnce(deps, dt.edit, dt.statement, `CREATE OR REPLACE ${dt.table}`);
        await deps
          .write({ action: 'refresh_dt', target: `table:${dt.table}`, params: { table: dt.table } }, () => deps.lakehouse.refreshDynamicTable(dt.table))
          .catch((e: Error) => {
            throw new CheckFailed('dt_rebuild', `${dt.table}'s refresh after the rebuild failed: ${e.message}.`);
          });
        const history = await deps.lakehouse.refreshHistory({ table: dt.table, limit: 3 });
        const state = String(history.rows[0]?.state ?? 'none').toUpperCase();
        if (state !== 'SUCCEED' && state !== 'SUCCEEDED' && state !== 'SUCCESS')
          throw new CheckFailed(
            'dt_rebuild',
            `${dt.table}'s refresh after the rebuild is ${state}${history.rows[0]?.error_message ? `: ${String(history.rows[0].error_message)}` : ''}.`,
          );
        lines.push(`${dt.table}: run ${run}, refresh ${state}`);
      }
      await mark('dt_rebuild', 'passed', lines.join('; '));
    }
    // 6. Last: the ETL saved and redeployed.
    await save(plan.etl);
    if (plan.etl.online) {
      await deps.write({ action: 'deploy', target: `task:${plan.etl.taskId}`, taskName: plan.etl.taskName, params: { taskId: plan.etl.taskId } }, () =>
        deps.studio.deployTask(plan.etl.taskId, { message: `add ${column} (Studio Ops Bot)` }),
      );
      deployed = true;
    }
    await mark('etl_deploy', 'passed', plan.etl.online ? 'saved and deployed' : 'saved (the task was never deployed: left a draft)');
    return { ok: true, checkpoints, saved: saved.map((s) => s.taskName), deployed };
  } catch (e) {
    const failedAt = e instanceof CheckFailed ? e.checkpoint : checkpoints.find((c) => c.status === 'pending')?.id;
    const message = e instanceof Error ? e.message : String(e);
    const id = checkpoints.some((c) => c.id === failedAt) ? failedAt! : checkpoints.find((c) => c.status === 'pending')!.id;
    await mark(id, 'failed', message);
    const { restored } = await restoreContents(deps, saved, 'restore_content');
    return {
      ok: false,
      checkpoints,
      error: `${message} The flow stopped; the task contents it had saved were put back (${restored.join(', ') || 'none'}). Columns already added stay in the tables (NULL where unfilled): an ALTER … DROP COLUMN is left to you.`,
      restored,
      saved: [],
      deployed,
    };
  }
}

/** The saved scheduler parameters with the business date set (`bizdate` = the date): a temporary run does not resolve `$[…]`. */
function paramsFor(content: string, bizDate: string): Record<string, string> {
  const names = [...content.matchAll(/\$\{\s*([A-Za-z_]\w*)\s*\}/g)].map((m) => m[1]!);
  return Object.fromEntries([...new Set(names)].map((n) => [n, bizDate]));
}

async function valueSample(deps: IterationDeps, table: string, column: string, partition?: { column: string; value: string }): Promise<{ nonNull: number; text: string }> {
  const r = await deps.lakehouse.groupCounts(table, column, { partition, limit: 5 });
  let nonNull = 0;
  const parts = r.rows.map((row) => {
    const v = row[column];
    const n = Number(row.n ?? 0);
    if (v !== null && v !== undefined) nonNull += n;
    return `${v === null || v === undefined ? 'NULL' : String(v)}: ${n}`;
  });
  return { nonNull, text: `SELECT ${column}, COUNT(*) … GROUP BY ${column} LIMIT 5 → ${parts.join(', ') || 'no rows'}` };
}

export interface UndoResult {
  ok: boolean;
  restored: string[];
  failed: string[];
  redeployed: boolean;
}

/** Undo a finished flow: every content back as it was read before the flow; the ETL redeployed when the flow had deployed it. */
export async function undoAddField(deps: IterationDeps, plan: AddFieldPlan, result: Pick<FlowResult, 'deployed'>): Promise<UndoResult> {
  const { restored, failed } = await restoreContents(deps, planEdits(plan), 'undo_content');
  let redeployed = false;
  if (result.deployed && !failed.includes(plan.etl.taskName)) {
    await deps.write({ action: 'deploy', target: `task:${plan.etl.taskId}`, taskName: plan.etl.taskName, params: { taskId: plan.etl.taskId, undo: true } }, () =>
      deps.studio.deployTask(plan.etl.taskId, { message: `undo: add ${plan.request.column} (Studio Ops Bot)` }),
    );
    redeployed = true;
  }
  return { ok: failed.length === 0, restored, failed, redeployed };
}
