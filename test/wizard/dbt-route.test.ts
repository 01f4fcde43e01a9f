/**
 * Issue 30, item 10 (seed 004): the dbt route, built end to end in the sandbox by the wizard. A
 * Studio Shell task runs a dbt project with a ClickZetta profile (dev/prod targets, password from
 * the environment), dbt-clickzetta ≥ 1.7.8 on Python ≥ 3.10, `dbt debug` first; an incremental
 * model reading a table stream (change tracking on the source), a `dynamic_table` model on top.
 * The launch runs it once on dev, checks the models, then schedules and deploys it (prod).
 */
import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../src/knowledge/load.js';
import { LakehouseSql } from '../../src/lakehouse/client.js';
import { dbtFindings } from '../../src/review/dbt-rules.js';
import { executePlan } from '../../src/wizard/execute.js';
import { type LaunchDeps, runLaunch } from '../../src/wizard/launch.js';
import { buildPlan } from '../../src/wizard/plan.js';
import { loadWizardQuestions, nextQuestion } from '../../src/wizard/questions.js';
import { useSandboxHarness } from '../helpers/sandbox.js';

const h = useSandboxHarness();

const opts = { typeMappings: loadKnowledge().typeMappings, syncVc: 'sync_vc', etlVc: 'default' };
const answers = {
  has_doc: 'no',
  scenario: 'bi',
  consumers: 'analysts',
  freshness: 't1',
  source: 'internal',
  transform_tool: 'dbt',
  dbt_source: 'ecommerce_ods.orders',
  domain: 'shopdbt',
  layering: 'ods_dwd_dws',
  schedule: '03',
};

describe('seed 004: dbt on Lakehouse from a Studio Shell task', () => {
  it('asks how the layers are built, then which table the models read', () => {
    const qs = loadWizardQuestions();
    const base = { has_doc: 'no', scenario: 'bi', consumers: 'analysts', freshness: 't1', source: 'internal' };
    expect(nextQuestion(qs, base)?.id).toBe('transform_tool');
    expect(nextQuestion(qs, { ...base, transform_tool: 'dbt' })?.id).toBe('dbt_source');
    expect(nextQuestion(qs, { ...base, transform_tool: 'sql' })?.id).toBe('domain');
  });

  it('plans a stream DDL draft and a Shell task running dbt as seed 004 says, which the dbt review rules pass', () => {
    const plan = buildPlan(answers, opts);
    expect(plan.route.id).toBe('dbt');
    const ddl = plan.tasks.find((t) => t.role === 'ddl')!;
    expect(ddl.content).toContain("ALTER TABLE ecommerce_ods.orders SET TBLPROPERTIES ('change_tracking' = 'true')");
    expect(ddl.content).toContain('CREATE TABLE STREAM IF NOT EXISTS ecommerce_ods.orders_stream ON TABLE ecommerce_ods.orders');
    const dbt = plan.tasks.find((t) => t.kind === 'SHELL')!;
    expect(dbt.cron).toBe('0 30 3 * * ? *');
    expect(dbt.params).toEqual([{ name: 'dbt_target', value: 'prod' }]);
    for (const s of [
      '"dbt-clickzetta>=1.7.8"',
      'sys.version_info >= (3, 10)',
      'type: clickzetta',
      'schema: shopdbt_dbt_dev',
      'schema: shopdbt_dbt_prod',
      'password: "{{ env_var(\'CZ_PASSWORD\') }}"',
      "materialized='incremental'",
      '{% if is_incremental() %}',
      "materialized = 'dynamic_table'",
    ])
      expect(dbt.content).toContain(s);
    expect(dbt.content.indexOf('dbt debug')).toBeLessThan(dbt.content.indexOf('dbt build'));
    expect(dbtFindings(dbt)).toEqual([]);
  });

  it('is built, run once on dev (dbt debug, dbt build), checked, then scheduled and deployed', async () => {
    const plan = buildPlan(answers, opts);
    const write: LaunchDeps['write'] = (_w, fn) => fn();
    const since = h.sb.journal.length;
    const built = await executePlan(h.client, plan, { write });
    expect(built.ok).toBe(true);
    const sql = new LakehouseSql(h.client, { vcluster: 'default', sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now() });
    const d: LaunchDeps = { studio: h.client, sql, write, sleep: async (ms) => h.clock.advance(ms), bizdate: '2026-11-20' };
    const out = await runLaunch(d, plan, built.taskIds, { passed: [] });
    expect(out.stoppedAt).toBeUndefined();
    expect(out.checks.map((c) => c.step)).toEqual(['ddl_raw', 'transform_run', 'schedule_deploy']);
    const run = out.checks.find((c) => c.step === 'transform_run')!;
    expect(run.detail).toContain('shopdbt_dbt_dev.orders_enriched holds 84,211 rows (ecommerce_ods.orders: 84,211)');
    expect(run.detail).toContain('shopdbt_dbt_dev.orders_daily is a Dynamic Table');

    const dbtId = built.taskIds[plan.tasks.find((t) => t.kind === 'SHELL')!.name]!;
    const runs = h.sb.journal.slice(since).filter((e) => e.path === '/ide-admin/v1/adhoc/execute' && Number((e.body as { dataFileId: number }).dataFileId) === dbtId);
    expect(runs.map((e) => (e.body as { params?: Record<string, string> }).params?.dbt_target)).toEqual(['dev']);
    const deploys = h.sb.journal.slice(since).filter((e) => e.path === '/ide-admin/v1/dataFile/submit');
    expect(deploys.map((e) => Number((e.body as { dataFileId: number }).dataFileId))).toEqual([dbtId]);
    expect(h.sb.journal.slice(since).indexOf(runs[0]!)).toBeLessThan(h.sb.journal.slice(since).indexOf(deploys[0]!));
  });
});
