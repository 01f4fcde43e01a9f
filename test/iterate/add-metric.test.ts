/**
 * Seed 000's "Add Metric/DWS Layer" in the sandbox: DWD fields checked, the new Dynamic Table created
 * and refreshed, COUNT(*) and SUM(metric) beside the person's baseline, the DDL saved into 03 last;
 * a baseline far off saves nothing; Undo restores the draft exactly.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildLineage } from '../../src/lineage/index.js';
import { type AddMetricRequest, executeAddMetric, planAddMetric, undoAddMetric } from '../../src/iterate/add-metric.js';
import { type IterationDeps, contentDiff } from '../../src/iterate/steps.js';
import { type SandboxHarness, iterationDeps, startHarness } from '../helpers/sandbox.js';

let h: SandboxHarness;
let deps: IterationDeps;

beforeEach(async () => {
  h = await startHarness();
  deps = iterationDeps(h);
});
afterEach(async () => {
  await h.close();
});

const REQ: AddMetricRequest = {
  table: 'ecommerce_dws.paid_gmv_daily',
  query: "SELECT dt, SUM(amount) AS paid_gmv FROM ecommerce_dwd.orders_detail WHERE status = 'paid' GROUP BY dt",
  metric: 'paid_gmv',
  baseline: 0,
  requiredColumns: ['dt', 'amount', 'status'],
};

async function plan(req: Partial<AddMetricRequest> = {}) {
  const lineage = await buildLineage(h.client, deps.lakehouse, { now: h.clock.now() });
  return planAddMetric(deps, lineage, { ...REQ, ...req });
}

const journal = (from: number) =>
  h.sb.journal
    .slice(from)
    .filter((e) => /saveDataFileConfiguration|adhoc\/execute|\/lh\/submitJob/.test(e.path))
    .map((e) =>
      e.path === '/lh/submitJob' ? `lh ${String((e.body as { jobDesc: { sqlJob: { query: string[] } } }).jobDesc.sqlJob.query[0]).replace(/`/g, '')}` : e.path.split('/').pop(),
    );

describe('add metric', () => {
  it('creates and refreshes the DT, compares with the baseline, saves the DDL last; Undo restores the draft', async () => {
    const first = await plan();
    if (first.kind !== 'plan') throw new Error(first.message);
    expect(contentDiff(first.plan.edit)).toContain('+CREATE OR REPLACE DYNAMIC TABLE ecommerce_dws.paid_gmv_daily');
    expect(first.plan.edit.taskName).toBe('03_ddl_dws_ads');
    // The person's baseline, from their own report; here the engine's own sum once the table is there, read past the bot.
    const start = h.sb.journal.length;
    const r0 = await executeAddMetric(deps, first.plan);
    expect(r0.ok).toBe(false); // baseline 0 is far off: nothing saved
    expect(r0.checkpoints.map((c) => c.status)).toEqual(['passed', 'failed', 'pending']);
    expect(r0.error).toMatch(/COUNT\(\*\) = \d+, SUM\(paid_gmv\) = [\d.]+ beside the baseline 0/);
    expect(journal(start)).toEqual([
      'execute',
      'lh REFRESH DYNAMIC TABLE ecommerce_dws.paid_gmv_daily',
      'lh SELECT COUNT(*) AS n FROM ecommerce_dws.paid_gmv_daily',
      'lh SELECT SUM(paid_gmv) AS total FROM ecommerce_dws.paid_gmv_daily',
    ]);
    expect((await h.client.getTask(first.plan.edit.taskId)).content).toBe(first.plan.edit.before);

    const truth = Number(h.sb.lakehouse.execute('SELECT SUM(paid_gmv) FROM ecommerce_dws.paid_gmv_daily').rows[0]![0]);
    // The sandbox's refreshes insert a number of rows that depends on the refresh time, so a second table's sum is
    // near the first's, not equal: a 25 % tolerance here (the person's baseline and tolerance, in real use).
    const again = await plan({ baseline: truth, tolerance: 0.25, table: 'ecommerce_dws.paid_gmv_daily2' });
    if (again.kind !== 'plan') throw new Error(again.message);
    const before = await h.client.getTask(again.plan.edit.taskId);
    const r = await executeAddMetric(deps, again.plan);
    expect(r.error).toBeUndefined();
    expect(r.checkpoints.map((c) => c.status)).toEqual(['passed', 'passed', 'passed']);
    expect((await h.client.getTask(again.plan.edit.taskId)).content).toBe(again.plan.edit.after);
    await undoAddMetric(deps, again.plan);
    const { updatedAt: _a, ...restored } = await h.client.getTask(again.plan.edit.taskId);
    const { updatedAt: _b, ...original } = before;
    expect(restored).toEqual(original);
  });

  it('sends the person to "Add field" when DWD lacks a field, and refuses an existing table name', async () => {
    expect(await plan({ requiredColumns: ['coupon_code'] })).toMatchObject({ kind: 'problem', message: expect.stringContaining('follow "Add field" first') });
    expect(await plan({ table: 'ecommerce_dws.sales_daily' })).toMatchObject({ kind: 'problem', message: expect.stringContaining('exists already') });
  });
});
