/**
 * Issue 30, safety defects 1, 3, 4, 5, 6 and 7, against the sandbox: no deploy of a sync frame;
 * the DWD-vs-ODS check in seed 000's direction (LEFT JOIN rows ≥ left rows); existing tasks —
 * drafts too — left as they are unless ticked, and a ticked one put back by Undo; the standards
 * rules on the plan before writing; the cz-cli block from what Confirm will do; hints naming
 * `folder/task`.
 */
import { describe, expect, it } from 'vitest';
import { fatesOf } from '../../src/blocks/wizard.js';
import { LakehouseSql } from '../../src/lakehouse/client.js';
import { integrationVcPredicate } from '../../src/review/index.js';
import { assessPlan, executePlan, undoBuild } from '../../src/wizard/execute.js';
import { launchCheckpoints } from '../../src/wizard/lakehouse-checks.js';
import { cliCommands } from '../../src/wizard/plan.js';
import { reviewPlan } from '../../src/wizard/plan-review.js';
import { useSandboxHarness } from '../helpers/sandbox.js';
import { batchSinglePlan } from '../helpers/wizard-plans.js';

const h = useSandboxHarness();

const batch = batchSinglePlan;
const submits = (since: number) => h.sb.journal.slice(since).filter((e) => e.path === '/ide-admin/v1/dataFile/submit');
const audit = () => (_what: unknown, fn: () => Promise<unknown>) => fn();

describe('defect 1: a sync frame is never deployed', () => {
  it('builds the single-table batch sync as a frame to configure in the UI: nothing in the chain is deployed', async () => {
    const plan = batch('frame');
    const since = h.sb.journal.length;
    const r = await executePlan(h.client, plan, { write: audit() as never });
    expect(r.ok).toBe(true);
    expect(submits(since)).toEqual([]);
    const sync = plan.tasks.find((t) => t.role === 'sync')!;
    expect(sync.uiSetup).toMatch(/data source, database and table.*field mapping.*sync rules/);
    expect(h.sb.store.task(r.taskIds[sync.name]!)!.task_status).toBeNull();
  });

  it('refuses to deploy a task whose Studio content is still a frame, even when a plan says deploy', async () => {
    const plan = batch('frame2');
    for (const t of plan.tasks) if (t.role === 'sync') t.deploy = true;
    const since = h.sb.journal.length;
    const r = await executePlan(h.client, plan, { write: audit() as never });
    expect(r.ok).toBe(true);
    const syncId = r.taskIds[plan.tasks[0]!.name]!;
    expect(submits(since).filter((e) => Number((e.body as { dataFileId: number }).dataFileId) === syncId)).toEqual([]);
    expect(r.steps.find((s) => s.label === plan.tasks[0]!.name)!.detail).toContain('not deployed: it is still a frame');
  });
});

describe('defect 3 and 7: the DWD-vs-ODS checkpoint and the hints', () => {
  it('fails when DWD holds fewer rows than ODS (LEFT JOIN rows ≥ left rows), passes when it holds as many; hints name folder/task', async () => {
    const plan = batch('joins');
    const r = await executePlan(h.client, plan, { write: audit() as never });
    const sql = new LakehouseSql(h.client, { vcluster: 'default', sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now() });
    const before = await launchCheckpoints(sql, h.client, plan, r.taskIds);
    // Nothing has run: the hints say which folder's task to run (the same names are in every folder).
    expect(before.find((c) => c.label === 'Tables of 01_ddl_ods')!.todo).toContain('`/cz execute joins_dw/01_ddl_ods`');
    expect(before.find((c) => c.label === 'First run of 00_sync_mysql_to_ods')!.todo).toContain('Finish its set-up in the Studio UI');
    // The DDL drafts ran (a temporary run applies their CREATE TABLEs); the sync filled 10 rows, the transform 8.
    h.sb.lakehouse.applyDdl(plan.tasks.find((t) => t.name === '01_ddl_ods')!.content);
    h.sb.lakehouse.applyDdl(plan.tasks.find((t) => t.name === '02_ddl_dwd')!.content);
    h.sb.lakehouse.table('joins_ods.orders')!.rows = { '': 10 };
    h.sb.lakehouse.table('joins_dwd.orders_detail')!.rows = { '2026-11-20': 8 };
    const fewer = (await launchCheckpoints(sql, h.client, plan, r.taskIds)).find((c) => c.label === 'joins_dwd.orders_detail against joins_ods.orders')!;
    expect(fewer).toMatchObject({ ok: false, detail: expect.stringContaining('8 rows against 10 in ODS — fewer than ODS') });
    expect(fewer.todo).toContain('LEFT JOIN keeps every left (ODS) row');
    h.sb.lakehouse.table('joins_dwd.orders_detail')!.rows = { '2026-11-20': 10 };
    const same = (await launchCheckpoints(sql, h.client, plan, r.taskIds)).find((c) => c.label === 'joins_dwd.orders_detail against joins_ods.orders')!;
    expect(same.ok).toBe(true);
  });
});

describe('defect 4: a task already there, draft or live, is the person’s', () => {
  it('leaves a hand-written DDL draft as it is unless ticked; ticked, it is changed, and Undo puts it back', async () => {
    const plan = batch('mine');
    const folderId = h.sb.store.insertFolder({ name: plan.folder, parent_id: 0, created_by: 'alice', created_at: h.clock.now() });
    const mine = '-- alice: hand-written, do not lose\nCREATE TABLE IF NOT EXISTS mine_ods.orders (id BIGINT, note STRING);';
    const id = h.sb.store.insertTask({ name: '01_ddl_ods', file_type: 4, folder_id: folderId, owner: 'alice', created_at: h.clock.now(), content: mine });
    const since = h.sb.journal.length;
    const left = await executePlan(h.client, plan, { write: audit() as never });
    expect(left.ok).toBe(true);
    expect(h.sb.store.task(id)!.content).toBe(mine);
    expect(h.sb.journal.slice(since).filter((e) => Number((e.body as { dataFileId?: number } | undefined)?.dataFileId) === id && /save|submit/.test(e.path))).toEqual([]);
    expect(left.steps.find((s) => s.label === '01_ddl_ods')!.detail).toContain('left as it is: it was already there and differs from the plan (content;');

    const changed = await executePlan(h.client, plan, { write: audit() as never, allowChange: new Set(['01_ddl_ods']) });
    expect(h.sb.store.task(id)!.content).toBe(plan.tasks.find((t) => t.name === '01_ddl_ods')!.content);
    expect(changed.previous.map((p) => [p.name, p.content])).toEqual([['01_ddl_ods', mine]]);
    const undone = await undoBuild(h.client, { tasks: [] }, audit() as never, changed.previous);
    expect(undone.ok).toBe(true);
    expect(h.sb.store.task(id)!.content).toBe(mine);
  });
});

describe('defect 5 and 6: standards on the plan before writing; the cz-cli block from what Confirm does', () => {
  it('blocks a ticked transform scheduled before its untouched live upstream, before anything is written', async () => {
    // ecommerce_dw is the demo's live pipeline: 00 at 02:00, 04 after it. Answer 01:00 and tick 04 only.
    const plan = batch('ecommerce', { schedule: '01' });
    const assessment = await assessPlan(h.client, plan);
    const etl = plan.tasks.find((t) => t.role === 'transform')!;
    expect(assessment.tasks.find((a) => a.name === etl.name)!.status).toBe('change');
    const since = h.sb.journal.length;
    const review = await reviewPlan(h.client, plan, assessment, new Set([etl.name]), integrationVcPredicate(['sync_vc']));
    expect(review.blocking.map((f) => [f.priority, f.rule, f.task])).toEqual([['P1', 'cron-order', etl.name]]);
    expect(review.blocking[0]!.evidence).toContain('before its upstream `00_sync_mysql_to_ods` at 02:00');
    expect(h.sb.journal.slice(since).filter((e) => /save|submit|add/i.test(e.path))).toEqual([]);
    // Unticked, the plan writes nothing to 04 and nothing blocks.
    expect((await reviewPlan(h.client, plan, assessment, new Set(), integrationVcPredicate(['sync_vc']))).blocking).toEqual([]);
  });

  it('lists only what Confirm will do: no folder creation in an existing folder, nothing for a task left as it is', async () => {
    const plan = batch('ecommerce');
    const assessment = await assessPlan(h.client, plan);
    const untouched = cliCommands(plan, fatesOf(plan, assessment, new Set()));
    expect(untouched.join('\n')).not.toContain('folder create');
    for (const a of assessment.tasks.filter((x) => x.status !== 'create')) expect(untouched.join('\n')).not.toContain(`${plan.folder}/${a.name} `);
    expect(untouched.join('\n')).not.toMatch(/deploy|save-cron/);
    const ticked = cliCommands(plan, fatesOf(plan, assessment, new Set(['05_dqc_check'])));
    expect(ticked).toContain(`cz-cli task save-content ecommerce_dw/05_dqc_check --file 05_dqc_check.sql --params '{"bizdate":"$[yyyy-MM-dd-1]"}'`);
    expect(ticked.filter((c) => c.includes('00_sync'))).toEqual([]);
    // A new folder: everything, starting with the folder.
    expect(cliCommands(batch('fresh'), undefined)[0]).toBe('cz-cli task folder create fresh_dw');
  });
});
