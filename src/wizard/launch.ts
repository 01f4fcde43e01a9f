/**
 * Seed 000's new-project launch process as the wizard's execution, after the build has saved the
 * tasks (folder, drafts, frames — nothing deployed): each step runs once and is checked, and the
 * next step runs only after the check passed (fail fast: "if ODS is wrong, DWD will be too").
 *
 *   1 ODS DDL run once        → its tables exist
 *   2 sync configured          → a frame (UI-only sync) is no longer the frame (seed 001)
 *   3 sync debug run           → the run succeeded; ODS holds rows (COUNT, and a 5-row sample)
 *   4 DWD DDL run once         → its tables exist
 *   5 ETL run by hand          → DWD holds rows; LEFT JOIN rows ≥ left (ODS) rows
 *   6 schedule + deploy        → the sync, the transform and the check are live (last, after the checks)
 *   7 DWS/ADS DDL + refresh    → the Dynamic Table's first refresh succeeded
 *
 * Every Studio write goes through `write` (audited); a failed check stops there and says what to
 * fix; running it again re-checks the stopped step and goes on.
 */
import type { LakehouseSql } from '../lakehouse/client.js';
import { refreshEntry } from '../ops/lakehouse-read.js';
import type { StudioClient } from '../studio/client.js';
import { RUN_STATUS, isStreamKind, taskKindByKey } from '../studio/enums.js';
import type { AuditedWrite } from './execute.js';
import { tablesCreatedBy } from './lakehouse-checks.js';
import { type Plan, type PlannedTask, isFrame, manualRunParamNames } from './plan.js';

export type LaunchStepId = 'ddl_raw' | 'sync_configured' | 'sync_run' | 'ddl_clean' | 'transform_run' | 'schedule_deploy' | 'ddl_agg' | 'dt_refresh';

export interface LaunchStep {
  id: LaunchStepId;
  label: string;
}

export interface LaunchCheck {
  step: LaunchStepId;
  label: string;
  ok: boolean;
  detail: string;
  /** What to fix when it did not pass. */
  todo?: string;
  /** The task to open in Studio (a frame to configure). */
  taskId?: number;
}

export interface LaunchState {
  /** Steps whose check passed, in order. */
  passed: LaunchStepId[];
}

export interface LaunchOutcome {
  state: LaunchState;
  checks: LaunchCheck[];
  /** The step that stopped the launch (its check did not pass), or undefined when every step passed. */
  stoppedAt: LaunchCheck | undefined;
}

export interface LaunchDeps {
  studio: StudioClient;
  sql: LakehouseSql;
  write: AuditedWrite;
  /** Wait between polls of a run (ms); tests advance a manual clock. */
  sleep: (ms: number) => Promise<void>;
  /** The business date the ETL is run for by hand (yyyy-MM-dd). */
  bizdate: string;
  /** Give up waiting for one run after this long (ms of `sleep`). */
  runTimeoutMs?: number;
}

const byRole = (plan: Plan, role: PlannedTask['role'], prefix?: string) => plan.tasks.find((t) => t.role === role && (!prefix || t.name.startsWith(prefix)));

/** The launch steps of a plan, in seed 000's order (steps with nothing to do are left out). */
export function launchSteps(plan: Plan): LaunchStep[] {
  if (plan.route.id === 'dbt') {
    // Seed 004: the stream DDL once, the dbt project once on dev (dbt debug, dbt build), then the schedule (prod).
    const dbt = byRole(plan, 'transform')!;
    return [
      { id: 'ddl_raw', label: `Run ${byRole(plan, 'ddl')!.name} once (change tracking, table stream)` },
      { id: 'transform_run', label: `Run ${dbt.name} once on dev (dbt debug, then dbt build); check its models` },
      { id: 'schedule_deploy', label: `Schedule and deploy ${dbt.name} (target prod)` },
    ];
  }
  const ingest = plan.tasks.find((t) => t.role === 'sync' || t.role === 'pipe');
  const steps: LaunchStep[] = [{ id: 'ddl_raw', label: `Run ${byRole(plan, 'ddl', '01_')!.name} once; check its tables exist` }];
  if (ingest?.role === 'sync' && ingest.uiSetup) steps.push({ id: 'sync_configured', label: `Configure ${ingest.name} in the Studio UI` });
  if (ingest) steps.push({ id: 'sync_run', label: `${ingest.role === 'pipe' ? 'Create the pipe' : `Debug run of ${ingest.name}`}; count and sample ${plan.schemas.raw}` });
  steps.push({ id: 'ddl_clean', label: `Run ${byRole(plan, 'ddl', '02_')!.name} once; check its tables exist` });
  if (ingest) steps.push({ id: 'transform_run', label: `Run ${byRole(plan, 'transform')!.name} by hand; check ${plan.schemas.clean} against ${plan.schemas.raw}` });
  if (ingest)
    steps.push({
      id: 'schedule_deploy',
      label: `Schedule and deploy ${scheduledTasks(plan)
        .map((t) => t.name)
        .join(', ')}`,
    });
  const agg = byRole(plan, 'ddl', '03_');
  if (agg) {
    steps.push({ id: 'ddl_agg', label: `Run ${agg.name} once; check its Dynamic Tables exist` });
    steps.push({ id: 'dt_refresh', label: 'First refresh of the Dynamic Tables; check it succeeded' });
  }
  return steps;
}

/** The tasks the launch schedules and deploys, after the checks passed. */
function scheduledTasks(plan: Plan): PlannedTask[] {
  return plan.tasks.filter((t) => t.cron && (t.role === 'sync' || t.role === 'transform' || t.role === 'dqc'));
}

/** A manual run's parameters: each `$[…]`/`${…}` one gets the launch's business date. */
function manualRunParams(t: PlannedTask, bizdate: string): Record<string, string> | undefined {
  const dated = manualRunParamNames(t);
  return dated.length ? Object.fromEntries(dated.map((n) => [n, bizdate])) : undefined;
}

/** Run a task once (a temporary run, audited) and wait for it to end. */
async function runOnce(d: LaunchDeps, id: number, t: PlannedTask, params?: Record<string, string>): Promise<{ ok: boolean; runId: number; detail: string }> {
  const run = await d.write({ action: 'execute', target: `task:${id}`, taskName: t.name, params: { launch: true, ...(params ?? {}) } }, () =>
    d.studio.executeTask(id, { params, actor: undefined }),
  );
  const runId = run.runId;
  const limit = d.runTimeoutMs ?? 30 * 60_000;
  for (let waited = 0; ; waited += 5_000) {
    const r = await d.studio.getRun(runId);
    if (r.status.code === RUN_STATUS.SUCCESS) return { ok: true, runId, detail: `run ${runId} succeeded` };
    if (r.status.code === RUN_STATUS.FAILED) return { ok: false, runId, detail: `run ${runId} failed: ${(r.failMsg ?? '').slice(0, 200)}` };
    if (waited >= limit) return { ok: false, runId, detail: `run ${runId} has not ended after ${Math.round(limit / 60_000)} min` };
    await d.sleep(5_000);
  }
}

async function tablesExist(d: LaunchDeps, tables: string[]): Promise<string[]> {
  const have = new Set((await d.sql.tables(['table_schema', 'table_name'])).rows.map((r) => `${String(r.table_schema)}.${String(r.table_name)}`.toLowerCase()));
  return tables.filter((t) => !have.has(t));
}

/**
 * Run the launch from where it stopped: re-check the stopped step (running it again when its run
 * failed or never happened), then go on step by step until a check fails or every step passed.
 */
export async function runLaunch(d: LaunchDeps, plan: Plan, taskIds: Record<string, number>, state: LaunchState): Promise<LaunchOutcome> {
  const checks: LaunchCheck[] = [];
  const passed = [...state.passed];
  const ref = (t: PlannedTask) => `${plan.folder}/${t.name}`;
  for (const step of launchSteps(plan)) {
    if (passed.includes(step.id)) continue;
    const check = await runStep(d, plan, taskIds, step, ref);
    checks.push(check);
    if (!check.ok) return { state: { passed }, checks, stoppedAt: check };
    passed.push(step.id);
  }
  return { state: { passed }, checks, stoppedAt: undefined };
}

async function runStep(d: LaunchDeps, plan: Plan, taskIds: Record<string, number>, step: LaunchStep, ref: (t: PlannedTask) => string): Promise<LaunchCheck> {
  const ingest = plan.tasks.find((t) => t.role === 'sync' || t.role === 'pipe');
  const fail = (detail: string, todo: string, taskId?: number): LaunchCheck => ({ step: step.id, label: step.label, ok: false, detail, todo, taskId });
  const pass = (detail: string): LaunchCheck => ({ step: step.id, label: step.label, ok: true, detail });
  const ddlStep = async (prefix: string, dynamic: boolean): Promise<LaunchCheck> => {
    const t = byRole(plan, 'ddl', prefix)!;
    const created = tablesCreatedBy(t.content);
    const want = dynamic ? created.dynamic : created.tables;
    const run = await runOnce(d, taskIds[t.name]!, t);
    if (!run.ok) return fail(run.detail, `Read the run's log (\`/cz logs ${run.runId}\`), fix ${ref(t)} in Studio, then *Check again*.`);
    const missing = await tablesExist(d, want);
    return missing.length
      ? fail(`${run.detail}, but not created: ${missing.join(', ')}`, `Check the CREATE statements of ${ref(t)}, then *Check again*.`)
      : pass(`${run.detail}; ${want.length} table${want.length === 1 ? '' : 's'} exist (${want.slice(0, 3).join(', ')})`);
  };
  switch (step.id) {
    case 'ddl_raw':
      return ddlStep('01_', false);
    case 'ddl_clean':
      return ddlStep('02_', false);
    case 'ddl_agg':
      return ddlStep('03_', true);
    case 'sync_configured': {
      const id = taskIds[ingest!.name]!;
      const now = await d.studio.getTask(id);
      return isFrame(now.content)
        ? fail(
            `${ingest!.name} is still the frame the wizard saved`,
            `Open it in Studio and configure it: ${ingest!.uiSetup}. Save it there, then *Check again* (it is never deployed as a frame).`,
            id,
          )
        : pass(`${ingest!.name} is configured in Studio (its content is no longer the frame)`);
    }
    case 'sync_run': {
      const t = ingest!;
      const [ods] = plan.tasks
        .filter((x) => x.role === 'ddl')
        .flatMap((x) => tablesCreatedBy(x.content).tables)
        .filter((x) => x.startsWith(`${plan.schemas.raw}.`));
      if (isStreamKind(taskKindByKey(t.kind))) {
        const rows = ods ? await d.sql.countRows(ods).catch(() => 0) : 0;
        return rows > 0
          ? pass(`${ods} holds ${rows.toLocaleString('en-US')} rows`)
          : fail(`${ods ?? plan.schemas.raw} holds no rows yet`, `Start the stream (\`/cz stream start ${ref(t)}\`): a stream is started, not run once. Then *Check again*.`);
      }
      const run = await runOnce(d, taskIds[t.name]!, t, manualRunParams(t, d.bizdate));
      if (!run.ok)
        return fail(
          run.detail,
          `Read the run's log (\`/cz logs ${run.runId}\`); fix ${t.kind === 'SHELL' ? `the script of ${ref(t)}` : "the sync's source or mapping"} in Studio, then *Check again*.`,
        );
      if (!ods) return pass(run.detail);
      const rows = await d.sql.countRows(ods);
      if (rows === 0) return fail(`${run.detail}, but ${ods} is empty`, "Compare with `SELECT COUNT(*)` at the source; check the sync's table and filter, then *Check again*.");
      const sample = await d.sql.sample(ods, ['*'], 5).catch(() => undefined);
      return pass(`${run.detail}; ${ods} holds ${rows.toLocaleString('en-US')} rows${sample ? ` (sample of ${sample.rows.length} read)` : ''}`);
    }
    case 'transform_run': {
      if (plan.route.id === 'dbt') return dbtRunStep(d, plan, taskIds, fail, pass);
      const t = byRole(plan, 'transform')!;
      const created = plan.tasks.filter((x) => x.role === 'ddl').flatMap((x) => tablesCreatedBy(x.content).tables);
      const ods = created.find((x) => x.startsWith(`${plan.schemas.raw}.`));
      const dwd = created.find((x) => x.startsWith(`${plan.schemas.clean}.`));
      const run = await runOnce(d, taskIds[t.name]!, t, manualRunParams(t, d.bizdate) ?? { bizdate: d.bizdate });
      if (!run.ok) return fail(run.detail, `Read the run's log (\`/cz logs ${run.runId}\`), fix ${ref(t)}, then *Check again*.`);
      if (!ods || !dwd) return pass(run.detail);
      const [o, w] = await Promise.all([d.sql.countRows(ods), d.sql.countRows(dwd)]);
      if (w === 0)
        return fail(`${run.detail}, but ${dwd} is empty`, `Check the transform's filter for ${d.bizdate} (a LEFT JOIN's right-table filter belongs in ON), then *Check again*.`);
      if (plan.route.id === 'http_api') {
        // Seed 003: the cleaning keeps each record once — never more rows than the raw layer holds.
        return w > o
          ? fail(
              `${dwd} holds ${w.toLocaleString('en-US')} rows, more than ${ods} (${o.toLocaleString('en-US')})`,
              'The cleaning duplicates records: check its DELETE of the day and its DISTINCT on record_id, then *Check again*.',
            )
          : pass(`${run.detail}; ${dwd} ${w.toLocaleString('en-US')} rows ≤ ${ods} ${o.toLocaleString('en-US')} (each record once)`);
      }
      // Seed 000: LEFT JOIN result rows ≥ left table rows.
      if (w < o)
        return fail(
          `${dwd} holds ${w.toLocaleString('en-US')} rows, fewer than ${ods} (${o.toLocaleString('en-US')})`,
          'A LEFT JOIN keeps every left row: look for an INNER JOIN or a right-table filter in WHERE, then *Check again*.',
        );
      return pass(`${run.detail}; ${dwd} ${w.toLocaleString('en-US')} rows ≥ ${ods} ${o.toLocaleString('en-US')} (LEFT JOIN rows ≥ left rows)`);
    }
    case 'schedule_deploy': {
      const scheduled = scheduledTasks(plan);
      const done: string[] = [];
      for (const t of scheduled) {
        const id = taskIds[t.name]!;
        const now = await d.studio.getTask(id);
        if (isFrame(now.content)) return fail(`${t.name} is still a frame`, `Configure it in Studio first (${t.uiSetup ?? 'its source and target'}).`, id);
        if (now.taskStatus?.code === 1 && now.editState?.code === 100) continue;
        await d.write({ action: 'deploy', target: `task:${id}`, taskName: t.name, params: { launch: true } }, () =>
          d.studio.deployTask(id, { message: `deployed by the Studio Ops Bot launch after its checks passed (${plan.route.label})` }),
        );
        done.push(t.name);
      }
      const offline: string[] = [];
      for (const t of scheduled) if ((await d.studio.getTask(taskIds[t.name]!)).taskStatus?.code !== 1) offline.push(t.name);
      return offline.length
        ? fail(`not live after deploying: ${offline.join(', ')}`, 'Open them in Studio and read the deploy error, then *Check again*.')
        : pass(`${scheduled.map((t) => `${t.name} \`${t.cron}\``).join(', ')} live${done.length ? ` (deployed now: ${done.join(', ')})` : ''}`);
    }
    case 'dt_refresh': {
      const dts = tablesCreatedBy(byRole(plan, 'ddl', '03_')!.content).dynamic;
      for (const dt of dts) {
        await d.write({ action: 'refresh_dt', target: `table:${dt}`, params: { launch: true } }, () => d.sql.refreshDynamicTable(dt));
        const latest = (await d.sql.refreshHistory({ table: dt, limit: 3 })).rows[0];
        const e = latest ? refreshEntry(latest) : undefined;
        if (!e || !/^SUCCEED/.test(e.state))
          return fail(
            `${dt}: ${e ? `refresh ${e.state.toLowerCase()}: ${(e.error ?? '').slice(0, 160)}` : 'no refresh recorded'}`,
            `\`/cz dt ${dt}\` shows its history; fix the cause, then *Check again*.`,
          );
      }
      return pass(`${dts.join(', ')} refreshed`);
    }
  }
}

/**
 * Seed 004's check of a dbt run on dev: the run succeeded (its `dbt debug` passed first), each model
 * exists in the dev schema, the incremental model holds rows (its first build: the whole source),
 * and a `dynamic_table` model is a Dynamic Table.
 */
async function dbtRunStep(
  d: LaunchDeps,
  plan: Plan,
  taskIds: Record<string, number>,
  fail: (detail: string, todo: string) => LaunchCheck,
  pass: (detail: string) => LaunchCheck,
): Promise<LaunchCheck> {
  const t = byRole(plan, 'transform')!;
  const dev = /^\s+dev:\s*\n(?:\s{6,}.*\n)*?\s{6,}schema:\s*(\w+)/m.exec(t.content)?.[1];
  const source = /ALTER TABLE (\w+\.\w+)/i.exec(byRole(plan, 'ddl')?.content ?? '')?.[1]?.toLowerCase();
  const models = [...t.content.matchAll(/cat > models\/(\w+)\.sql <<'SQL'\n\{\{\s*config\(\s*materialized\s*=\s*'(\w+)'/g)].map((m) => ({ name: m[1]!, materialized: m[2]! }));
  const run = await runOnce(d, taskIds[t.name]!, t, { dbt_target: 'dev' });
  const ref = `${plan.folder}/${t.name}`;
  if (!run.ok)
    return fail(
      run.detail,
      `Read the run's log (\`/cz logs ${run.runId}\`): \`dbt debug\` fails first on a wrong profile or connection (CZ_* variables of the task). Fix ${ref}, then *Check again*.`,
    );
  if (!dev || models.length === 0) return pass(run.detail);
  const have = new Map(
    (await d.sql.tables(['table_schema', 'table_name', 'table_type'])).rows.map((r) => [`${String(r.table_schema)}.${String(r.table_name)}`.toLowerCase(), String(r.table_type)]),
  );
  const parts: string[] = [run.detail];
  for (const m of models) {
    const name = `${dev}.${m.name}`.toLowerCase();
    const type = have.get(name);
    if (type === undefined) return fail(`${run.detail}, but ${name} was not built`, `Read the run's log for the model ${m.name} (\`/cz logs ${run.runId}\`), then *Check again*.`);
    if (m.materialized === 'dynamic_table') {
      if (!/DYNAMIC/i.test(type)) return fail(`${name} is a ${type}, not a Dynamic Table`, `Check its config (materialized = 'dynamic_table'), then *Check again*.`);
      parts.push(`${name} is a Dynamic Table`);
      continue;
    }
    const rows = await d.sql.countRows(name);
    const srcRows = source ? await d.sql.countRows(source).catch(() => undefined) : undefined;
    if (rows === 0 && (srcRows ?? 1) > 0)
      return fail(
        `${name} is empty${srcRows !== undefined ? ` (${source}: ${srcRows.toLocaleString('en-US')} rows)` : ''}`,
        `Check the model's source() and its is_incremental() branch, then *Check again*.`,
      );
    parts.push(`${name} holds ${rows.toLocaleString('en-US')} rows${srcRows !== undefined ? ` (${source}: ${srcRows.toLocaleString('en-US')})` : ''}`);
  }
  return pass(parts.join('; '));
}
