/** The standards review against the sandbox demo: every rule fires exactly where a defect was planted. */
import { describe, expect, it } from 'vitest';
import { integrationVcPredicate, reviewWorkspace } from '../../src/review/index.js';
import { type ReviewTask, reviewTasks } from '../../src/review/rules.js';
import { LEGACY_DEFECTS } from '../../src/sandbox/seed.js';
import { taskKindByKey } from '../../src/studio/enums.js';
import { useSandboxHarness } from '../helpers/sandbox.js';

const h = useSandboxHarness();

const opts = { isIntegrationVc: integrationVcPredicate(undefined) };

describe('review of the demo workspace', () => {
  it('legacy_dw: each planted defect is found on its task, and nothing else is flagged on a task', async () => {
    const r = await reviewWorkspace(h.client, 'legacy_dw', opts);
    const byTask = new Map<string, string[]>();
    for (const f of r.folders[0]!.findings) if (f.task) byTask.set(f.task, [...(byTask.get(f.task) ?? []), f.rule]);
    expect(Object.fromEntries([...byTask].map(([t, rules]) => [t, rules.sort()]))).toEqual({
      ddl_create_tables: ['ddl-in-chain', 'ddl-scheduled'],
      etl_orders_daily: ['etl-without-upstream'],
      etl_cycle_a: ['dependency-cycle'],
      agg_sales_dws: ['dws-reads-ods', 'scheduled-dws'],
      sync_legacy_mysql: ['sync-vcluster'],
      etl_bad_cron: ['cron-invalid'],
      dt_sales_rank: ['dt-drop-create', 'dt-order-by'],
      sql_fake_sync: ['sql-as-sync'],
      jdbc_copy_orders: ['sql-as-sync'],
      etl_before_upstream: ['cron-order'],
      rt_clicks_with_cron: ['cron-hour-star', 'realtime-with-cron'],
    });
    // Every planted defect but the cycle's second task (one finding per cycle) is on the list.
    expect(
      Object.keys(LEGACY_DEFECTS)
        .filter((t) => t !== 'etl_cycle_b')
        .every((t) => byTask.has(t)),
    ).toBe(true);
    const cycle = r.folders[0]!.findings.find((f) => f.rule === 'dependency-cycle')!;
    expect(cycle.evidence).toBe('etl_cycle_a → etl_cycle_b → etl_cycle_a');
    const etl = r.folders[0]!.findings.find((f) => f.rule === 'etl-without-upstream')!;
    expect(etl).toMatchObject({ priority: 'P0', autoFix: { kind: 'add_dependency', dependsOnName: 'sync_legacy_mysql' } });
    expect(r.folders[0]!.findings.find((f) => f.rule === 'ddl-scheduled')!.priority).toBe('P1');
  });

  it('ecommerce_dw, built to the standard, has no findings', async () => {
    const r = await reviewWorkspace(h.client, 'ecommerce_dw', opts);
    expect(r.folders[0]!.findings).toEqual([]);
  });

  it('streaming_ingest: the MULTI_DI task without mapping; folder names are P2 advice only', async () => {
    const r = await reviewWorkspace(h.client, 'streaming_ingest', opts);
    expect(r.folders[0]!.findings.filter((f) => f.priority !== 'P2').map((f) => `${f.rule}:${f.task}`)).toEqual(['multi-di-mapping:sync_crm_db_full']);
  });

  it('an unknown folder answers with close matches', async () => {
    await expect(reviewWorkspace(h.client, 'legacy', opts)).rejects.toThrow('Did you mean: legacy_dw');
  });
});

describe('rules', () => {
  const t = (o: Partial<ReviewTask> & { name: string }): ReviewTask => ({
    id: o.name.length * 1000 + o.name.charCodeAt(0),
    folder: 'x_dw',
    kind: taskKindByKey('SQL'),
    content: '',
    cron: undefined,
    deps: [],
    online: true,
    vcCode: 'default',
    ...o,
  });

  it('a DDL draft with a cron gets a P2 finding with an automatic fix; a deployed one a P1 without', () => {
    const draft = t({ name: '01_ddl_ods', content: 'CREATE TABLE IF NOT EXISTS ods.a (id INT);', cron: '0 0 1 * * ? *', online: false });
    const live = t({ name: '02_ddl_dwd', content: 'CREATE TABLE dwd.a (id INT);', cron: '0 0 1 * * ? *' });
    const f = reviewTasks('x_dw', [draft, live], [draft, live], opts);
    expect(f.find((x) => x.task === '01_ddl_ods')).toMatchObject({ rule: 'ddl-scheduled', priority: 'P2', autoFix: { kind: 'clear_ddl_schedule' } });
    expect(f.find((x) => x.task === '02_ddl_dwd')).toMatchObject({ rule: 'ddl-scheduled', priority: 'P1' });
    expect(f.find((x) => x.task === '02_ddl_dwd')!.autoFix).toBeUndefined();
  });

  it('configured INTEGRATION VCluster names replace the name heuristic', () => {
    const sync = t({ name: '00_sync_mysql_to_ods', kind: taskKindByKey('DI'), vcCode: 'ingest_pool', content: '{}', cron: '0 0 2 * * ? *' });
    expect(reviewTasks('x_dw', [sync], [sync], opts).map((x) => x.rule)).toContain('sync-vcluster');
    expect(reviewTasks('x_dw', [sync], [sync], { isIntegrationVc: integrationVcPredicate(['ingest_pool']) }).map((x) => x.rule)).not.toContain('sync-vcluster');
  });
});
