/**
 * Issue 30, defect 2: the launch procedure of seed 000 against the sandbox. The Studio journal
 * shows DDL run → sync debug run → count → ETL run → verify → schedule + deploy, never a deploy of
 * a frame; a UI-only sync stops the launch until its content stops being the frame; a failed check
 * stops there and *Check again* goes on from it.
 */
import { describe, expect, it } from 'vitest';
import { LakehouseSql } from '../../src/lakehouse/client.js';
import { executePlan } from '../../src/wizard/execute.js';
import { type LaunchDeps, runLaunch } from '../../src/wizard/launch.js';
import { useSandboxHarness } from '../helpers/sandbox.js';
import { batchSinglePlan } from '../helpers/wizard-plans.js';

const h = useSandboxHarness();

const plan = batchSinglePlan('launch');

/** The journal as launch events: a temporary run of a task, a deploy, a row count. */
function events(since: number, names: Map<number, string>): string[] {
  const out: string[] = [];
  for (const e of h.sb.journal.slice(since)) {
    const body = e.body as { dataFileId?: number; jobDesc?: { sqlJob?: { query?: string[] } } } | undefined;
    if (e.path === '/ide-admin/v1/adhoc/execute') out.push(`run ${names.get(Number(body?.dataFileId))}`);
    else if (e.path === '/ide-admin/v1/dataFile/submit') out.push(`deploy ${names.get(Number(body?.dataFileId))}`);
    else if (e.path === '/lh/submitJob' && /count\(/i.test(body?.jobDesc?.sqlJob?.query?.join(' ') ?? '')) out.push('count');
  }
  return out.filter((x, i, all) => x !== 'count' || all[i - 1] !== 'count');
}

describe('the launch procedure (seed 000)', () => {
  it('runs each step once and checks it, stops at the UI-only sync frame, and deploys last', async () => {
    const audited: { action: string; taskName?: string }[] = [];
    const write: LaunchDeps['write'] = (what, fn) => {
      audited.push({ action: what.action, taskName: what.taskName });
      return fn();
    };
    const since = h.sb.journal.length;
    const built = await executePlan(h.client, plan, { write });
    expect(built.ok).toBe(true);
    const names = new Map(Object.entries(built.taskIds).map(([n, id]) => [id, n]));
    const sql = new LakehouseSql(h.client, { vcluster: 'default', sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now() });
    const d: LaunchDeps = { studio: h.client, sql, write, sleep: async (ms) => h.clock.advance(ms), bizdate: '2026-11-20' };

    // First pass: the ODS DDL runs and passes; the sync is still the frame: the launch stops there.
    const first = await runLaunch(d, plan, built.taskIds, { passed: [] });
    expect(first.checks.map((c) => [c.step, c.ok])).toEqual([
      ['ddl_raw', true],
      ['sync_configured', false],
    ]);
    expect(first.stoppedAt!.todo).toContain('Open it in Studio and configure it: Choose the source');
    expect(first.stoppedAt!.taskId).toBe(built.taskIds['00_sync_mysql_to_ods']);
    expect(events(since, names)).toEqual(['run 01_ddl_ods']);

    // Check again without configuring: still stopped, nothing run or deployed.
    const again = await runLaunch(d, plan, built.taskIds, first.state);
    expect(again.stoppedAt?.step).toBe('sync_configured');
    expect(events(since, names)).toEqual(['run 01_ddl_ods']);

    // The person configures the sync in Studio's UI (the content is no longer the frame).
    const syncId = built.taskIds['00_sync_mysql_to_ods']!;
    await h.client.saveTaskContent(
      syncId,
      JSON.stringify({
        reader: { datasource: 'mysql_shop', database: 'shop', table: 'orders' },
        writer: { datasource: 'lakehouse', schema: 'launch_ods', table: 'orders' },
        mode: 'OVERWRITE',
      }),
    );
    const rest = await runLaunch(d, plan, built.taskIds, again.state);
    expect(rest.stoppedAt).toBeUndefined();
    expect(rest.checks.map((c) => c.step)).toEqual(['sync_configured', 'sync_run', 'ddl_clean', 'transform_run', 'schedule_deploy', 'ddl_agg', 'dt_refresh']);
    expect(rest.checks.find((c) => c.step === 'sync_run')!.detail).toContain('launch_ods.orders holds 1,000 rows');
    expect(rest.checks.find((c) => c.step === 'transform_run')!.detail).toContain('(LEFT JOIN rows ≥ left rows)');

    // The Studio journal in seed 000's order; the deploys come after the checks, and none was of a frame.
    expect(events(since, names)).toEqual([
      'run 01_ddl_ods',
      'run 00_sync_mysql_to_ods',
      'count',
      'run 02_ddl_dwd',
      'run 04_transform_ods_to_dwd',
      'count',
      'deploy 00_sync_mysql_to_ods',
      'deploy 04_transform_ods_to_dwd',
      'deploy 05_dqc_check',
      'run 03_ddl_dws_ads',
    ]);
    expect(h.sb.store.task(syncId)!.task_status).toBe(1);
    // The transform was run by hand for the business date asked.
    const etlRun = h.sb.journal.find(
      (e) => e.path === '/ide-admin/v1/adhoc/execute' && Number((e.body as { dataFileId: number }).dataFileId) === built.taskIds['04_transform_ods_to_dwd'],
    );
    expect((etlRun!.body as { params: Record<string, string> }).params.bizdate).toBe('2026-11-20');
    expect(audited.filter((a) => a.action === 'deploy').map((a) => a.taskName)).toEqual(['00_sync_mysql_to_ods', '04_transform_ods_to_dwd', '05_dqc_check']);
  });

  it('stops at a failed check with what to fix, deploys nothing, and goes on from there after the fix (Check again)', async () => {
    const p = batchSinglePlan('lossy');
    const etl = p.tasks.find((t) => t.role === 'transform')!;
    const write: LaunchDeps['write'] = (_w, fn) => fn();
    const built = await executePlan(h.client, p, { write });
    await h.client.saveTaskContent(
      built.taskIds['00_sync_mysql_to_ods']!,
      JSON.stringify({ reader: { datasource: 'mysql_shop', database: 'shop', table: 'orders' }, writer: { datasource: 'lakehouse', schema: 'lossy_ods', table: 'orders' } }),
    );
    // Someone edited the transform in Studio: it now writes a table DWD does not have.
    const etlId = built.taskIds[etl.name]!;
    await h.client.saveTaskContent(etlId, etl.content.replace('lossy_dwd.orders_detail', 'lossy_dwd.orders_typo'));
    const sql = new LakehouseSql(h.client, { vcluster: 'default', sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now() });
    const d: LaunchDeps = { studio: h.client, sql, write, sleep: async (ms) => h.clock.advance(ms), bizdate: '2026-11-20' };
    const since = h.sb.journal.length;
    const stopped = await runLaunch(d, p, built.taskIds, { passed: [] });
    expect(stopped.stoppedAt).toMatchObject({ step: 'transform_run', ok: false, detail: expect.stringContaining('lossy_dwd.orders_detail is empty') });
    expect(stopped.stoppedAt!.todo).toContain('*Check again*');
    expect(h.sb.journal.slice(since).filter((e) => e.path === '/ide-admin/v1/dataFile/submit')).toEqual([]); // nothing deployed
    // Fixed in Studio; Check again re-runs the stopped step and goes on to the end.
    await h.client.saveTaskContent(etlId, etl.content);
    const done = await runLaunch(d, p, built.taskIds, stopped.state);
    expect(done.checks[0]).toMatchObject({ step: 'transform_run', ok: true });
    expect(done.stoppedAt).toBeUndefined();
  });
});
