/** The plan executor against the sandbox: a schedule change sends back every other configuration field as it was. */
import { describe, expect, it } from 'vitest';
import { storedConfiguration } from '../../src/sandbox/configuration.js';
import { assessPlan, executePlan } from '../../src/wizard/execute.js';
import { useSandboxHarness } from '../helpers/sandbox.js';
import { batchSinglePlan } from '../helpers/wizard-plans.js';

const h = useSandboxHarness();

describe('executePlan over a task that is already there', () => {
  it('changes (once ticked) the schedule it plans and leaves every other configuration field, and the parameters, exactly as they were', async () => {
    const plan = batchSinglePlan('keep');
    const planned = plan.tasks.find((t) => t.role === 'transform')!;
    // The folder and the transform task exist already, configured by hand in Studio's UI.
    const folderId = h.sb.store.insertFolder({ name: plan.folder, parent_id: 0, created_by: 'alice', created_at: h.clock.now() });
    const id = h.sb.store.insertTask({
      name: planned.name,
      file_type: 4,
      folder_id: folderId,
      owner: 'alice',
      created_at: h.clock.now(),
      content: 'SELECT 1',
      cron: '0 0 6 * * ? *',
      retry_count: 4,
      rerun_property: 2,
      schema_name: 'keep_dwd',
      vc_code: 'default',
      execute_timeout: 90,
      params_json: JSON.stringify([{ paramKey: 'region', paramValue: 'eu', paramType: 'manual', encrypt: false, id: '7', ignore: false, ref: 0 }]),
      config_json: JSON.stringify({
        retryIntervalTime: 7,
        retryIntervalTimeUnit: 'm',
        selfDependsJob: 1,
        activeStartTime: '2026-01-01T00:00:00.000Z',
        activeEndTime: '2027-01-01T00:00:00.000Z',
        ownerEnName: 'alice',
        ownerCnName: '爱丽丝',
        etlVcId: 'vc_default',
        executeTimeoutUnit: 'm',
        configProperties: '{"alertOnFailure":true}',
        taskPriority: 3,
        dependencyTimeout: 2,
        dependencyTimeoutUnit: 'h',
        scheduleRateType: 3,
        triggerType: 1,
        dataFileOutputListReqs: [{ outputTableName: 'keep_dwd.orders_detail' }],
      }),
    });
    const before = storedConfiguration(h.sb.store.task(id)!);
    const r = await executePlan(h.client, plan, { write: (_what, fn) => fn(), allowChange: new Set([planned.name]) });
    expect(r.ok).toBe(true);
    const after = storedConfiguration(h.sb.store.task(id)!);
    expect(after.cronExpress).toBe(planned.cron);
    const planChanges = new Set(['cronExpress']);
    for (const key of Object.keys(before) as (keyof typeof before)[]) {
      if (!planChanges.has(key)) expect({ key, value: after[key] }).toEqual({ key, value: before[key] });
    }
    // Parameters the person added are kept next to the ones the plan needs.
    const params = JSON.parse(h.sb.store.task(id)!.params_json) as { paramKey: string; paramValue: string; id: string }[];
    expect(params.find((p) => p.paramKey === 'region')).toMatchObject({ paramValue: 'eu', id: '7' });
    expect(params.map((p) => p.paramKey)).toContain('bizdate');
  });
});

describe('assessPlan: names already used in other folders', () => {
  const plan = () => batchSinglePlan('fresh');

  it('names the folders that hold each planned name (the demo chain in ecommerce_dw), and none for a name of its own', async () => {
    const p = plan();
    p.tasks[0] = { ...p.tasks[0]!, name: 'fresh_only_here' };
    const a = await assessPlan(h.client, p);
    expect(a.tasks.find((t) => t.name === 'fresh_only_here')!.elsewhere).toEqual([]);
    // ecommerce_dw: the demo chain; keep_dw: the folder the test above built.
    expect(a.tasks.find((t) => t.name === '05_dqc_check')!.elsewhere).toEqual(['ecommerce_dw', 'keep_dw']);
  });

  it('a name search Studio does not answer leaves the note out, not the plan', async () => {
    h.sb.faults.add({ path: '/ide-admin/v1/ai/mcp/listFiles', kind: 'status', status: 500, times: Number.POSITIVE_INFINITY });
    try {
      const a = await assessPlan(h.client, plan());
      expect(a.folderExists).toBe(false);
      expect(a.tasks.every((t) => t.status === 'create' && t.elsewhere.length === 0)).toBe(true);
    } finally {
      h.sb.faults.clear();
    }
  });
});
