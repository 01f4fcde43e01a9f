/**
 * Seed 000's "Add Sync Table" in the sandbox: a new single-table sync beside 00_sync (copied reader,
 * writer schema, VCluster, schedule), run once, COUNT(*) of the new ODS table, deployed last; Undo
 * deletes it and leaves every other task as it was.
 */
import { SANDBOX_SOURCE_ROWS } from '../../src/sandbox/lakehouse/temporary-run.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildLineage } from '../../src/lineage/index.js';
import { executeAddSyncTable, planAddSyncTable, undoAddSyncTable } from '../../src/iterate/add-sync-table.js';
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

describe('add sync table', () => {
  it('creates, configures and runs the new sync once, counts the ODS table, deploys last; Undo deletes it', async () => {
    const others = await Promise.all(h.sb.store.tasks().map(async (t) => h.client.getTask(t.id)));
    const lineage = await buildLineage(h.client, deps.lakehouse, { now: h.clock.now() });
    const p = await planAddSyncTable(deps, lineage, { syncTask: '00_sync_mysql_to_ods', sourceTable: 'order_items' });
    if (p.kind !== 'plan') throw new Error(p.message);
    expect(p.plan.target).toBe('ecommerce_ods.order_items');
    expect(contentDiff(p.plan.edit)).toContain('+    "table": "order_items"');
    const start = h.sb.journal.length;
    const r = await executeAddSyncTable(deps, p.plan);
    expect(r.error).toBeUndefined();
    expect(r.checkpoints.map((c) => c.status)).toEqual(['passed', 'passed', 'passed']);
    expect(r.checkpoints[1]!.detail).toContain(`SELECT COUNT(*) FROM ecommerce_ods.order_items → ${SANDBOX_SOURCE_ROWS}`);
    const order = h.sb.journal
      .slice(start)
      .map((e) => e.path.split('/').slice(-2).join('/'))
      .filter((x) => /addAndReturnId|saveDataFileConfiguration|adhoc\/execute|lh\/submitJob|dataFile\/submit/.test(x));
    expect(order).toEqual([
      'dataFile/addAndReturnId',
      'dataFileConfiguration/saveDataFileConfiguration',
      'dataFileConfiguration/saveDataFileConfiguration',
      'adhoc/execute',
      'lh/submitJob',
      'dataFile/submit',
    ]);
    const cfg = await h.client.getTaskConfiguration(r.taskId!);
    expect({ cron: cfg.cron, vc: cfg.vcCode }).toEqual({ cron: '0 0 2 * * ? *', vc: 'sync_vc' });

    expect(await undoAddSyncTable(deps, p.plan, r.taskId!)).toEqual({ ok: true });
    expect(h.sb.store.taskByName('00_sync_mysql_to_ods_order_items')).toBeUndefined();
    const now = await Promise.all(h.sb.store.tasks().map(async (t) => h.client.getTask(t.id)));
    expect(now).toEqual(others);
  });

  it('refuses a table already synced, a multi-table sync and a bad name, writing nothing', async () => {
    const lineage = await buildLineage(h.client, deps.lakehouse, { now: h.clock.now() });
    const before = h.sb.journal.filter((e) => e.path.includes('addAndReturnId')).length;
    expect(await planAddSyncTable(deps, lineage, { syncTask: '00_sync_mysql_to_ods', sourceTable: 'orders' })).toMatchObject({
      kind: 'problem',
      message: expect.stringContaining('already written by 00_sync_mysql_to_ods'),
    });
    expect(await planAddSyncTable(deps, lineage, { syncTask: 'sync_crm_db_full', sourceTable: 'x' })).toMatchObject({
      kind: 'problem',
      message: expect.stringContaining('not a single-table batch sync'),
    });
    expect(await planAddSyncTable(deps, lineage, { syncTask: '00_sync_mysql_to_ods', sourceTable: 'a b' })).toMatchObject({ kind: 'problem' });
    expect(h.sb.journal.filter((e) => e.path.includes('addAndReturnId')).length).toBe(before);
  });
});
