/**
 * Issue 30, item 9 (seed 003): the Shell + Python route for an HTTP API source, built end to end
 * in the sandbox by the wizard. A Shell task pulls the API into the raw layer, a Python task
 * cleans it into the clean layer; both carry `biz_date = $[yyyy-MM-dd]`, the Python task depends on
 * the Shell task, both are daily. The launch runs each once WITH biz_date (a manual run does not
 * resolve `$[…]`), checks the counts, and only then schedules and deploys.
 */
import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../src/knowledge/load.js';
import { LakehouseSql } from '../../src/lakehouse/client.js';
import { executePlan } from '../../src/wizard/execute.js';
import { launchCheckpoints } from '../../src/wizard/lakehouse-checks.js';
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
  source: 'http_api',
  api_url: 'https://api.github.com/repos/clickzetta/dbt-clickzetta/releases?per_page=10',
  domain: 'releases',
  layering: 'ods_dwd_dws',
  schedule: '01',
};

describe('seed 003: HTTP API → Shell (raw) → Python (clean)', () => {
  it('asks for the API URL and not the database questions', () => {
    const qs = loadWizardQuestions();
    const src = qs.find((q) => q.id === 'source')!;
    expect(src.options.map((o) => o.id)).toContain('http_api');
    const { api_url: _u, ...before } = answers;
    expect(nextQuestion(qs, { has_doc: 'no', scenario: 'bi', consumers: 'analysts', freshness: 't1', source: 'http_api' })?.id).toBe('api_url');
    expect(nextQuestion(qs, { ...before, api_url: 'https://x.example/v1' })).toBeUndefined();
  });

  it('plans a Shell task and a Python task with biz_date, the dependency and daily schedules', () => {
    const plan = buildPlan(answers, opts);
    const fetch = plan.tasks.find((t) => t.kind === 'SHELL')!;
    const clean = plan.tasks.find((t) => t.kind === 'PYTHON')!;
    expect(fetch.name).toBe('00_fetch_http_to_ods');
    expect(clean.name).toBe('04_transform_ods_to_dwd');
    for (const t of [fetch, clean]) expect(t.params).toEqual([{ name: 'biz_date', value: '$[yyyy-MM-dd]' }]);
    expect(clean.dependsOn).toEqual([fetch.name]);
    expect(fetch.cron).toBe('0 0 1 * * ? *');
    expect(clean.cron).toBe('0 30 1 * * ? *');
    expect(fetch.content).toContain(answers.api_url);
    expect(fetch.content).toContain("DELETE FROM releases_ods.api_raw WHERE load_date = '{biz_date}'"); // idempotent
    expect(plan.tasks.some((t) => t.role === 'dqc' || t.name.startsWith('03_'))).toBe(false);
    // The cz-cli block saves the scripts as what they are and passes biz_date on a manual run.
    expect(plan.cli).toContain(`cz-cli task save-content releases_dw/00_fetch_http_to_ods --file 00_fetch_http_to_ods.sh --params '{"biz_date":"$[yyyy-MM-dd]"}'`);
    expect(plan.cli).toContain(`cz-cli task save-content releases_dw/04_transform_ods_to_dwd --file 04_transform_ods_to_dwd.py --params '{"biz_date":"$[yyyy-MM-dd]"}'`);
    expect(plan.cli).toContain(`cz-cli task save-config releases_dw/04_transform_ods_to_dwd --vcluster default --deps replace --dep-tasks '[{"taskName":"00_fetch_http_to_ods"}]'`);
  });

  it('is built, run once with biz_date, checked, then scheduled and deployed (the Studio journal in that order)', async () => {
    const plan = buildPlan(answers, opts);
    const write: LaunchDeps['write'] = (_w, fn) => fn();
    const since = h.sb.journal.length;
    const built = await executePlan(h.client, plan, { write });
    expect(built.ok).toBe(true);
    const names = new Map(Object.entries(built.taskIds).map(([n, id]) => [id, n]));
    const sql = new LakehouseSql(h.client, { vcluster: 'default', sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now() });
    const d: LaunchDeps = { studio: h.client, sql, write, sleep: async (ms) => h.clock.advance(ms), bizdate: '2024-12-01' };
    const out = await runLaunch(d, plan, built.taskIds, { passed: [] });
    expect(out.stoppedAt).toBeUndefined();
    expect(out.checks.map((c) => c.step)).toEqual(['ddl_raw', 'sync_run', 'ddl_clean', 'transform_run', 'schedule_deploy']);
    expect(out.checks.find((c) => c.step === 'sync_run')!.detail).toContain('releases_ods.api_raw holds 10 rows');
    expect(out.checks.find((c) => c.step === 'transform_run')!.detail).toContain('releases_dwd.api_records 10 rows');

    const journal = h.sb.journal.slice(since);
    const order: string[] = [];
    for (const e of journal) {
      const body = e.body as { dataFileId?: number; params?: Record<string, string> };
      if (e.path === '/ide-admin/v1/adhoc/execute') order.push(`run ${names.get(Number(body.dataFileId))}${body.params?.biz_date ? ` biz_date=${body.params.biz_date}` : ''}`);
      else if (e.path === '/ide-admin/v1/dataFile/submit') order.push(`deploy ${names.get(Number(body.dataFileId))}`);
    }
    expect(order).toEqual([
      'run 01_ddl_ods',
      'run 00_fetch_http_to_ods biz_date=2024-12-01',
      'run 02_ddl_dwd',
      'run 04_transform_ods_to_dwd biz_date=2024-12-01',
      'deploy 00_fetch_http_to_ods',
      'deploy 04_transform_ods_to_dwd',
    ]);
    const cleanId = built.taskIds['04_transform_ods_to_dwd']!;
    const cfg = await h.client.getTaskConfiguration(cleanId);
    expect(cfg.cron).toBe('0 30 1 * * ? *');
    expect(cfg.dependencies.map((x) => x.taskName)).toEqual(['00_fetch_http_to_ods']);
    expect(h.sb.store.task(cleanId)!.task_status).toBe(1);
  });
});

describe('checkpoint hints for tasks with $[…] parameters (issue 30, item 3)', () => {
  it('name folder/task and carry --param for every parameter a manual run does not resolve', async () => {
    const plan = buildPlan({ ...answers, domain: 'hints' }, opts);
    const write: LaunchDeps['write'] = (_w, fn) => fn();
    const built = await executePlan(h.client, plan, { write });
    expect(built.ok).toBe(true);
    const sql = new LakehouseSql(h.client, { vcluster: 'default', sleep: async (ms) => h.clock.advance(ms), now: () => h.clock.now() });
    // The two DDL drafts run by hand (so the DWD-against-ODS checkpoint is read); nothing else has run.
    for (const name of ['01_ddl_ods', '02_ddl_dwd']) {
      const run = await h.client.executeTask(built.taskIds[name]!, { params: undefined, actor: undefined });
      expect(run).toBeDefined();
    }
    let points = await launchCheckpoints(sql, h.client, plan, built.taskIds);
    for (let i = 0; i < 50 && points.some((p) => p.label.startsWith('Tables of') && p.ok !== true); i++) {
      await h.clock.advance(1000);
      points = await launchCheckpoints(sql, h.client, plan, built.taskIds);
    }
    const fetchHint = points.find((p) => p.label === 'First run of 00_fetch_http_to_ods')!;
    expect(fetchHint.ok).toBe(false);
    expect(fetchHint.todo).toContain('`/cz execute hints_dw/00_fetch_http_to_ods --param biz_date=<date>`');
    expect(fetchHint.todo).not.toContain('bizdate=');

    // Once the raw layer holds rows and the clean one none: the Python task's hint passes biz_date too.
    const fetched = await h.client.executeTask(built.taskIds['00_fetch_http_to_ods']!, { params: { biz_date: '2024-12-01' }, actor: undefined });
    expect(fetched).toBeDefined();
    let dwdHint: string | undefined;
    for (let i = 0; i < 50 && !dwdHint; i++) {
      await h.clock.advance(1000);
      points = await launchCheckpoints(sql, h.client, plan, built.taskIds);
      dwdHint = points.find((p) => p.label === 'hints_dwd.api_records against hints_ods.api_raw' && p.ok === false)?.todo;
    }
    expect(dwdHint).toContain('`/cz execute hints_dw/04_transform_ods_to_dwd --param biz_date=<a date with data>`');
  });
});
