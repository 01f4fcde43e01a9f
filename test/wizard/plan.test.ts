/** The plan builder over every route of seed 000's routing table, checked against the seed's rules and the review. */
import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../src/knowledge/load.js';
import { integrationVcPredicate } from '../../src/review/index.js';
import { type ReviewTask, reviewTasks } from '../../src/review/rules.js';
import { taskKindByKey } from '../../src/studio/enums.js';
import { extractFromDocument } from '../../src/wizard/document.js';
import { type Plan, type RouteId, buildPlan, isFrame, routeOf } from '../../src/wizard/plan.js';
import { type Answers, loadWizardQuestions, nextQuestion, pruneAnswers } from '../../src/wizard/questions.js';
import { nextStudioFireTimes } from '../../src/cron/studio-cron.js';
import { buildPlanMessage } from '../../src/blocks/wizard.js';
import type { PlanAssessment } from '../../src/wizard/execute.js';
import { visibleText } from '../helpers/fake-slack.js';

const knowledge = loadKnowledge();
const opts = { typeMappings: knowledge.typeMappings, syncVc: 'sync_vc', etlVc: 'default' };
const base: Answers = { has_doc: 'no', scenario: 'bi', consumers: 'analysts', freshness: 't1', domain: 'shop', layering: 'ods_dwd_dws', schedule: '02' };

const ROUTE_ANSWERS: [RouteId, Answers][] = [
  ['batch_single', { source: 'database', db_engine: 'mysql', db_freshness: 'batch', sync_scope: 'single', write_mode: 'overwrite' }],
  ['batch_multi', { source: 'database', db_engine: 'postgresql', db_freshness: 'batch', sync_scope: 'mirror', write_mode: 'overwrite' }],
  ['batch_multi', { source: 'database', db_engine: 'sqlserver', db_freshness: 'batch', sync_scope: 'merge', write_mode: 'append' }],
  ['realtime_single', { source: 'database', db_engine: 'mysql', db_freshness: 'realtime', granularity: 'single', freshness: 'second' }],
  ['cdc_multi', { source: 'database', db_engine: 'mysql', db_freshness: 'realtime', granularity: 'multi', freshness: 'second' }],
  ['kafka_pipe', { source: 'kafka', kafka_method: 'sql_pipe', freshness: 'minute' }],
  ['kafka_realtime', { source: 'kafka', kafka_method: 'realtime_sync', freshness: 'minute' }],
  ['oss_pipe', { source: 'object_storage', os_method: 'sql_pipe' }],
  ['oss_batch', { source: 'object_storage', os_method: 'batch_sync', schedule: 'hourly' }],
  ['internal', { source: 'internal' }],
  ['dw_modeling', { source: 'end_to_end', metrics: 'gmv = SUM(amount)', layering: 'medallion' }],
  ['dw_modeling', { source: 'unsure', metrics: 'gmv = SUM(amount)' }],
];

function asReview(plan: Plan): ReviewTask[] {
  const ids = new Map(plan.tasks.map((t, i) => [t.name, i + 1]));
  return plan.tasks.map((t, i) => ({
    id: i + 1,
    name: t.name,
    folder: plan.folder,
    kind: taskKindByKey(t.kind),
    content: t.kind === 'MULTI_DI' ? t.content : t.content,
    cron: t.cron,
    deps: t.dependsOn.map((d) => ({ taskId: ids.get(d)!, taskName: d })),
    online: t.deploy,
    vcCode: t.vcCode,
  }));
}

const firstFire = (cron: string) => nextStudioFireTimes(cron, Date.UTC(2026, 0, 5) - 1, 1)[0]!;

describe.each(ROUTE_ANSWERS)('route %s', (route, extra) => {
  const answers = { ...base, ...extra };
  const plan = buildPlan(answers, opts);

  it("is the route of seed 000's table", () => {
    expect(routeOf(answers).id).toBe(route);
    expect(plan.folder).toBe('shop_dw');
  });

  it('keeps DDL (and pipes) as drafts with no cron and no dependencies, out of every chain', () => {
    const drafts = plan.tasks.filter((t) => t.role === 'ddl' || t.role === 'pipe');
    expect(drafts.map((t) => t.name)).toEqual(expect.arrayContaining(['03_ddl_dws_ads']));
    for (const t of drafts) expect([t.cron, t.dependsOn, t.deploy]).toEqual([undefined, [], false]);
    for (const t of plan.tasks) for (const d of t.dependsOn) expect(drafts.map((x) => x.name)).not.toContain(d);
  });

  it('makes the transform depend on the sync and the check on the transform, each scheduled after its upstream', () => {
    const sync = plan.tasks.find((t) => t.role === 'sync');
    const etl = plan.tasks.find((t) => t.role === 'transform')!;
    const dqc = plan.tasks.find((t) => t.role === 'dqc')!;
    expect(etl.dependsOn).toEqual(sync ? [sync.name] : []);
    expect(dqc.dependsOn).toEqual([etl.name]);
    if (route === 'internal' || route === 'dw_modeling') {
      // No upstream to wait for: 04 and 05 stay unscheduled drafts until one is added (etl-without-upstream).
      expect([etl.cron, dqc.cron, etl.deploy, dqc.deploy]).toEqual([undefined, undefined, false, false]);
      return;
    }
    if (sync?.cron) expect(firstFire(etl.cron!)).toBeGreaterThan(firstFire(sync.cron));
    expect(firstFire(dqc.cron!)).toBeGreaterThan(firstFire(etl.cron!));
  });

  it('puts sync tasks on the INTEGRATION VCluster; continuous ones have no cron; DWS/ADS has no scheduled task', () => {
    for (const t of plan.tasks.filter((x) => x.role === 'sync')) {
      expect(t.vcCode).toBe('sync_vc');
      expect(t.cron === undefined).toBe(t.kind === 'REALTIME' || t.kind === 'MULTI_REALTIME');
    }
    expect(plan.tasks.filter((t) => t.cron && /_(?:dws|gold)\./.test(t.content) && /insert/i.test(t.content))).toEqual([]);
    expect(plan.dynamicTables).toHaveLength(1);
    expect(plan.tasks.map((t) => t.name.slice(0, 3))).toEqual([...(plan.tasks[0]!.name.startsWith('00') ? ['00_'] : []), '01_', '02_', '03_', '04_', '05_']);
  });

  it('passes the standards review (a multi-table frame lacks the mapping its UI step configures)', () => {
    const findings = reviewTasks(plan.folder, asReview(plan), asReview(plan), { isIntegrationVc: integrationVcPredicate(undefined) }).filter((f) => f.priority !== 'P2');
    const expected = route === 'batch_multi' ? ['multi-di-mapping'] : [];
    expect(findings.map((f) => f.rule)).toEqual(expected);
  });

  it('says what needs the Studio UI (every sync task: seed 001), never deploys a frame, and gives the cz-cli commands', () => {
    const ui = plan.tasks.filter((t) => t.uiSetup);
    expect(ui.map((t) => t.role)).toEqual(plan.tasks.some((t) => t.role === 'sync') ? ['sync'] : []);
    for (const t of plan.tasks) if (isFrame(t.content)) expect(t.deploy).toBe(false);
    expect(plan.cli[0]).toBe('cz-cli task folder create shop_dw');
    expect(plan.cli.some((c) => c.startsWith('cz-cli task save-cron shop_dw/04_transform'))).toBe(route !== 'internal' && route !== 'dw_modeling');
    expect(plan.cli.filter((c) => / deploy shop_dw\/00_sync/.test(c))).toEqual([]);
  });
});

describe('questions and the requirements document', () => {
  const questions = loadWizardQuestions();

  it('asks follow-ups only where seed 000 does, and forgets answers that no longer apply', () => {
    const seen: string[] = [];
    const a: Answers = {};
    const script: Answers = {
      has_doc: 'no',
      scenario: 'bi',
      consumers: 'bi_tools',
      freshness: 't1',
      source: 'database',
      db_engine: 'mysql',
      db_freshness: 'batch',
      sync_scope: 'single',
      write_mode: 'overwrite',
      source_ds: 'mysql_shop',
      source_tables: 'shop.orders',
      sync_vc: 'sync_vc',
      domain: 'shop',
      layering: 'ods_dwd_dws',
      schedule: '02',
    };
    for (let q = nextQuestion(questions, a); q; q = nextQuestion(questions, a)) {
      seen.push(q.id);
      expect(script[q.id], `no scripted answer for ${q.id}`).toBeDefined();
      a[q.id] = script[q.id]!;
    }
    expect(seen).toEqual([
      'has_doc',
      'scenario',
      'consumers',
      'freshness',
      'source',
      'db_engine',
      'db_freshness',
      'sync_scope',
      'write_mode',
      'source_ds',
      'source_tables',
      'sync_vc',
      'domain',
      'layering',
      'schedule',
    ]);
    expect(pruneAnswers(questions, { ...a, source: 'kafka' })).not.toHaveProperty('sync_scope');
    expect(nextQuestion(questions, pruneAnswers(questions, { ...a, source: 'kafka' }))!.id).toBe('kafka_method');
  });

  it('asks no batch start time for a real-time sync, shows the CDC version limits, and offers no SQL Server multi-table CDC (issue 30, item 8)', () => {
    const ask = (script: Answers) => {
      const a: Answers = {};
      const seen: string[] = [];
      for (let q = nextQuestion(questions, a); q; q = nextQuestion(questions, a)) {
        seen.push(q.id);
        a[q.id] = script[q.id] ?? q.options[0]?.id ?? 'shop';
      }
      return { seen, a };
    };
    const rt = ask({ has_doc: 'no', source: 'database', db_engine: 'mysql', db_freshness: 'realtime', granularity: 'multi' });
    expect(rt.seen).toContain('granularity');
    expect(rt.seen).not.toContain('schedule');
    expect(questions.find((q) => q.id === 'granularity')!.hint).toContain('MySQL 5.6+/8.x');
    expect(questions.find((q) => q.id === 'granularity')!.hint).toContain('PostgreSQL 14+');
    expect(buildPlan(rt.a, opts).notes.join(' ')).toContain('runs continuously once submitted (no batch start time)');
    const kafka = ask({ has_doc: 'no', source: 'kafka', kafka_method: 'realtime_sync' });
    expect(kafka.seen).not.toContain('schedule');
    const ss = ask({ has_doc: 'no', source: 'database', db_engine: 'sqlserver', db_freshness: 'realtime' });
    expect(ss.seen).not.toContain('granularity');
    expect(routeOf(ss.a).id).toBe('realtime_single');
    expect(questions.find((q) => q.id === 'db_freshness')!.hint).toContain('no SQL Server multi-table CDC');
    const batch = ask({ has_doc: 'no', source: 'database', db_engine: 'mysql', db_freshness: 'batch' });
    expect(batch.seen).toContain('schedule');
  });

  it('reads scenario, consumers, freshness, source and project name from a pasted document', () => {
    const doc = `PRD: ecommerce dashboards for the sales team (Superset). Data from our MySQL orders database,
refreshed daily (T+1). Project name: ecommerce. Target folder ecommerce_dw.`;
    expect(extractFromDocument(doc)).toEqual({
      scenario: 'bi',
      consumers: 'bi_tools',
      freshness: 't1',
      source: 'database',
      db_engine: 'mysql',
      db_freshness: 'batch',
      domain: 'ecommerce',
    });
    expect(extractFromDocument('实时监控大屏，数据来自 Kafka，秒级延迟')).toMatchObject({ scenario: 'monitoring', source: 'kafka', freshness: 'second' });
  });
});

describe('the plan message, on names used in other folders', () => {
  const plan = buildPlan({ ...base, source: 'database', db_engine: 'mysql', db_freshness: 'batch', sync_scope: 'single', write_mode: 'overwrite' }, opts);
  const assessed = (elsewhere: Record<string, string[]>): PlanAssessment => ({
    folderExists: false,
    existing: 0,
    online: 0,
    tasks: plan.tasks.map((t) => ({ name: t.name, status: 'create', online: false, changes: [], elsewhere: elsewhere[t.name] ?? [] })),
  });
  const text = (a: PlanAssessment) => visibleText(buildPlanMessage('s1', plan, {}, a) as unknown as Record<string, unknown>);

  it('says nothing when every name is new to the workspace', () => {
    expect(text(assessed({}))).not.toContain('already used in another folder');
  });

  it('names each shared name and its folders, and how to name the new task after the build', () => {
    const t = text(assessed({ '05_dqc_check': ['ecommerce_dw', 'finance_dw'] }));
    expect(t).toContain('A name in this plan is already used in another folder*: `05_dqc_check` (ecommerce_dw, finance_dw)');
    expect(t).toContain('`/cz runs shop_dw/05_dqc_check`');
  });
});
