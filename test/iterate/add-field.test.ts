/**
 * Seed 000's "Add Field" flow end to end in the sandbox: lineage, the plan as a diff, each checkpoint
 * in the seed's order with nothing written before the check before it passed (Studio's and
 * Lakehouse's journals), a failed check that stops and leaves the pipeline as it was, and an Undo
 * that restores every task exactly (field by field).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildLineage } from '../../src/lineage/index.js';
import { type AddFieldPlan, type AddFieldRequest, executeAddField, planAddField, undoAddField } from '../../src/iterate/add-field.js';
import { type AuditedWrite, type IterationDeps, contentDiff } from '../../src/iterate/steps.js';
import { type SandboxHarness, iterationDeps, startHarness } from '../helpers/sandbox.js';

let h: SandboxHarness;
let deps: IterationDeps;
let audit: { action: string; target: string; outcome: string }[];

beforeEach(async () => {
  h = await startHarness();
  audit = [];
  const write: AuditedWrite = async (what, fn) => {
    audit.push({ action: what.action, target: what.target, outcome: 'requested' });
    try {
      const r = await fn();
      audit.push({ action: what.action, target: what.target, outcome: 'succeeded' });
      return r;
    } catch (e) {
      audit.push({ action: what.action, target: what.target, outcome: 'failed' });
      throw e;
    }
  };
  deps = iterationDeps(h, write);
});
afterEach(async () => {
  await h.close();
});

const BIZ = '2026-11-19'; // a partition with rows (the demo's yesterday is empty)
const TASKS = ['00_sync_mysql_to_ods', '01_ddl_ods', '02_ddl_dwd', '03_ddl_dws_ads', '04_transform_ods_to_dwd', '05_dqc_check'];

async function plan(req: Partial<AddFieldRequest> = {}): Promise<AddFieldPlan> {
  const lineage = await buildLineage(h.client, deps.lakehouse, { now: h.clock.now() });
  const r = await planAddField(deps, lineage, { table: 'ecommerce_ods.orders', column: 'coupon_code', type: 'string', bizDate: BIZ, ...req });
  if (r.kind !== 'plan') throw new Error(r.message);
  return r.plan;
}

/** Every field of a task Studio shows (detail and schedule configuration), and its published content. */
async function snapshot(name: string) {
  const t = h.sb.store.taskByName(name)!;
  const detail = await h.client.getTask(t.id);
  const config = await h.client.getTaskConfiguration(t.id);
  // The version counter and the edit time move with every save and deploy; every other field must come back.
  const { updatedAt: _u, version: _v, ...fields } = detail;
  const { dataFileVersion: _dv, ...configFields } = config.raw;
  const published = detail.version ? (await h.client.getPublishedVersion(t.id, detail.version)).content : undefined;
  return { fields, config: configFields, published };
}

/** Studio writes and Lakehouse statements, in the order the sandbox received them, by task name. */
function journal(from = 0): string[] {
  const names = new Map(h.sb.store.tasks().map((t) => [t.id, t.name]));
  const out: string[] = [];
  for (const e of h.sb.journal.slice(from)) {
    const b = (e.body ?? {}) as Record<string, unknown>;
    const task = names.get(Number(b.dataFileId));
    if (e.path.endsWith('/dataFileConfiguration/saveDataFileConfiguration')) out.push(`save ${task}`);
    else if (e.path.endsWith('/adhoc/execute')) out.push(`run ${task}: ${String(b.dataFileContent).split('\n')[0]}`);
    else if (e.path.endsWith('/dataFile/submit')) out.push(`deploy ${task}`);
    else if (e.path === '/lh/submitJob') {
      const q = String(((b.jobDesc as Record<string, unknown>)?.sqlJob as { query?: string[] })?.query?.[0] ?? '');
      if (/^(DESC|SELECT `coupon_code`|SELECT `promo|REFRESH|SHOW DYNAMIC TABLE REFRESH HISTORY `)/.test(q)) out.push(`lh ${q.replace(/`/g, '')}`);
    }
  }
  return out;
}

describe('add field: plan', () => {
  it('shows the impact from lineage and the change as a diff of task contents, read-only', async () => {
    const before = h.sb.journal.length;
    const p = await plan({
      dynamicTables: [
        {
          table: 'ecommerce_dws.sales_daily',
          query:
            'SELECT dt, COUNT(*) AS orders, SUM(amount) AS gmv, COUNT(DISTINCT user_id) AS buyers, COUNT(coupon_code) AS coupon_orders FROM ecommerce_dwd.orders_detail GROUP BY dt',
        },
      ],
    });
    expect(p.impactText).toBe(
      'adding `coupon_code` to `ecommerce_ods.orders` touches 04_transform_ods_to_dwd → ecommerce_dwd.orders_detail, 05_dqc_check, DT ecommerce_ads.top_products, DT ecommerce_dws.sales_daily, DT ecommerce_dws.user_retention',
    );
    expect(contentDiff(p.ods.ddl)).toContain('+ALTER TABLE ecommerce_ods.orders ADD COLUMN coupon_code STRING;');
    expect(contentDiff(p.dwd.ddl)).toContain('+ALTER TABLE ecommerce_dwd.orders_detail ADD COLUMN coupon_code STRING;');
    expect(contentDiff(p.etl)).toContain('+o.coupon_code AS coupon_code');
    expect(contentDiff(p.dynamicTables[0]!.edit)).toContain(
      '+AS SELECT dt, COUNT(*) AS orders, SUM(amount) AS gmv, COUNT(DISTINCT user_id) AS buyers, COUNT(coupon_code) AS coupon_orders',
    );
    expect(p.untouchedDynamicTables).toEqual(['ecommerce_ads.top_products', 'ecommerce_dws.user_retention']);
    expect(p.ods.sync?.taskName).toBe('00_sync_mysql_to_ods');
    // Nothing written while planning.
    expect(h.sb.journal.slice(before).filter((e) => /saveDataFileConfiguration|adhoc\/execute|dataFile\/submit|addAndReturnId/.test(e.path))).toEqual([]);
  });

  it('refuses a bad request with what is wrong, writing nothing', async () => {
    const lineage = await buildLineage(h.client, deps.lakehouse, { now: h.clock.now() });
    const ask = (r: Partial<AddFieldRequest>) => planAddField(deps, lineage, { table: 'ecommerce_ods.orders', column: 'coupon_code', type: 'STRING', bizDate: BIZ, ...r });
    expect(await ask({ column: 'coupon code' })).toMatchObject({ kind: 'problem', message: expect.stringContaining('not a column name') });
    expect(await ask({ type: 'VARCHAR2(10)' })).toMatchObject({ kind: 'problem', message: expect.stringContaining('not a Lakehouse column type') });
    expect(await ask({ bizDate: '2026-13-01' })).toMatchObject({ kind: 'problem', message: expect.stringContaining('not a business date') });
    expect(await ask({ table: 'ecommerce_ods.nope' })).toMatchObject({ kind: 'problem', message: expect.stringContaining('No task writes or reads') });
    expect(await ask({ column: 'amount' })).toMatchObject({ kind: 'problem', message: expect.stringContaining('already has a column `amount`') });
    expect(await ask({ dynamicTables: [{ table: 'ecommerce_dws.user_retention', query: 'SELECT 1' }] })).toMatchObject({
      kind: 'problem',
      message: expect.stringContaining('in no DDL draft in Studio'),
    });
    expect(audit).toEqual([]);
  });
});

describe('add field: end to end', () => {
  it("runs the seed's checkpoints in order, each write after the check before it passed, and Undo restores every task exactly", async () => {
    const before = Object.fromEntries(await Promise.all(TASKS.map(async (n) => [n, await snapshot(n)] as const)));
    const p = await plan({
      dynamicTables: [
        {
          table: 'ecommerce_dws.sales_daily',
          query:
            'SELECT dt, COUNT(*) AS orders, SUM(amount) AS gmv, COUNT(DISTINCT user_id) AS buyers, COUNT(coupon_code) AS coupon_orders FROM ecommerce_dwd.orders_detail GROUP BY dt',
        },
      ],
    });
    const start = h.sb.journal.length;
    const progress: string[] = [];
    const r = await executeAddField(deps, p, (cs) => void progress.push(cs.map((c) => `${c.id}:${c.status}`).join(' ')));
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.checkpoints.map((c) => c.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed', 'passed']);
    expect(journal(start)).toEqual([
      'save 01_ddl_ods',
      'run 01_ddl_ods: ALTER TABLE ecommerce_ods.orders ADD COLUMN coupon_code STRING;',
      'lh DESC ecommerce_ods.orders',
      'run 00_sync_mysql_to_ods: {',
      'lh SELECT coupon_code, COUNT(*) AS n FROM ecommerce_ods.orders GROUP BY coupon_code ORDER BY n DESC LIMIT 5',
      'save 02_ddl_dwd',
      'run 02_ddl_dwd: ALTER TABLE ecommerce_dwd.orders_detail ADD COLUMN coupon_code STRING;',
      'lh DESC ecommerce_dwd.orders_detail',
      "run 04_transform_ods_to_dwd: INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail PARTITION (dt = '${bizdate}')",
      "lh SELECT coupon_code, COUNT(*) AS n FROM ecommerce_dwd.orders_detail WHERE dt = '2026-11-19' GROUP BY coupon_code ORDER BY n DESC LIMIT 5",
      'save 03_ddl_dws_ads',
      'run 03_ddl_dws_ads: CREATE OR REPLACE DYNAMIC TABLE ecommerce_dws.sales_daily',
      'lh REFRESH DYNAMIC TABLE ecommerce_dws.sales_daily',
      'lh SHOW DYNAMIC TABLE REFRESH HISTORY ecommerce_dws.sales_daily LIMIT 3',
      'save 04_transform_ods_to_dwd',
      'deploy 04_transform_ods_to_dwd',
    ]);
    // What each check saw.
    expect(r.checkpoints[0]!.detail).toContain('coupon_code');
    expect(r.checkpoints[3]!.detail).toMatch(/GROUP BY coupon_code LIMIT 5 → coupon_code_\d+: \d+/);
    expect(r.checkpoints[4]!.detail).toContain('refresh SUCCEED');
    // The new ETL ran on the business date, with its parameter.
    const etlRun = h.sb.journal.find((e) => e.path.endsWith('/adhoc/execute') && String((e.body as { dataFileContent: string }).dataFileContent).startsWith('INSERT'))!;
    expect((etlRun.body as { params: Record<string, string> }).params).toEqual({ bizdate: BIZ });
    expect(h.sb.lakehouse.table('ecommerce_dws.sales_daily')!.columns.map((c) => c.name)).toContain('coupon_orders');
    // Progress was shown after each checkpoint.
    expect(progress[0]).toBe('ods_alter:passed ods_sync:pending dwd_alter:pending etl_run:pending dt_rebuild:pending etl_deploy:pending');
    // Audit: requested then succeeded for every write.
    expect(audit.filter((a) => a.outcome === 'requested').length).toBe(audit.filter((a) => a.outcome === 'succeeded').length);

    const u = await undoAddField(deps, p, r);
    expect(u).toMatchObject({ ok: true, redeployed: true });
    for (const n of TASKS) {
      const after = await snapshot(n);
      expect(after.fields, `${n}: every field of the task`).toEqual(before[n]!.fields);
      expect(after.config, `${n}: every field of its configuration`).toEqual(before[n]!.config);
      expect(after.published, `${n}: the published content`).toEqual(before[n]!.published);
    }
  });

  it('stops at a failed check (the DWD column NULL everywhere), writes nothing after it, and leaves the task contents as they were', async () => {
    const before = Object.fromEntries(await Promise.all(TASKS.map(async (n) => [n, await snapshot(n)] as const)));
    const p = await plan({ dwdExpression: 'NULL' });
    const start = h.sb.journal.length;
    const r = await executeAddField(deps, p);
    expect(r.ok).toBe(false);
    expect(r.checkpoints.map((c) => `${c.id}:${c.status}`)).toEqual([
      'ods_alter:passed',
      'ods_sync:passed',
      'dwd_alter:passed',
      'etl_run:failed',
      'dt_rebuild:skipped',
      'etl_deploy:pending',
    ]);
    expect(r.checkpoints.find((c) => c.id === 'dt_rebuild')!.detail).toMatch(
      /^(no Dynamic Table reads ecommerce_dwd\.orders_detail|.+ read ecommerce_dwd\.orders_detail and are left as they are: the new column is not carried into them)$/,
    );
    expect(r.error).toMatch(/`coupon_code` is NULL on every row of ecommerce_dwd.orders_detail for 2026-11-19 .*NULL: \d+/);
    expect(r.error).toContain('put back (01_ddl_ods, 02_ddl_dwd)');
    const seen = journal(start);
    const failedCheck = seen.findIndex((l) => l.startsWith('lh SELECT coupon_code, COUNT(*) AS n FROM ecommerce_dwd.orders_detail'));
    expect(failedCheck).toBeGreaterThan(0);
    // After the failed check: only the put-back of the two drafts; no ETL save, no deploy.
    expect(seen.slice(failedCheck + 1)).toEqual(['save 01_ddl_ods', 'save 02_ddl_dwd']);
    for (const n of TASKS) {
      const after = await snapshot(n);
      expect(after.fields, n).toEqual(before[n]!.fields);
      expect(after.published, n).toEqual(before[n]!.published);
    }
  });

  it('stops before DWD when the source does not send the field (NULL on every ODS row after the sync)', async () => {
    const p = await plan({ column: 'promo_channel' });
    const start = h.sb.journal.length;
    const r = await executeAddField(deps, p);
    expect(r.ok).toBe(false);
    expect(r.checkpoints[1]).toMatchObject({ id: 'ods_sync', status: 'failed' });
    expect(r.error).toContain('the source does not send it');
    expect(journal(start).filter((l) => /02_ddl_dwd|04_transform|03_ddl/.test(l))).toEqual([]);
    expect((await h.client.getTask(p.ods.ddl.taskId)).content).toBe(p.ods.ddl.before);
  });

  it('writes nothing when a task changed in Studio after the plan was made', async () => {
    const p = await plan();
    await h.client.saveTaskContent(p.etl.taskId, `${p.etl.before}\n-- edited by hand`);
    const start = h.sb.journal.length;
    const r = await executeAddField(deps, p);
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining('changed in Studio since the plan was made: nothing was written') });
    expect(journal(start)).toEqual([]);
    expect(audit).toEqual([]);
  });
});
