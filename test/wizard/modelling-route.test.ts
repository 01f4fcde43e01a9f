/**
 * Issue 30, item 8 (routing): seed 000's routing table sends "End-to-end complete pipeline" and
 * "Not sure, explore data first" to the modelling route (clickzetta-dw-modeling), not into the
 * database-sync questions, and the core metric definitions are confirmed before the plan: they
 * become the DWS Dynamic Table's columns, and a definition that is not an expression is refused.
 */
import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../src/knowledge/load.js';
import { buildPlan, routeOf } from '../../src/wizard/plan.js';
import { loadWizardQuestions, nextQuestion, textProblem } from '../../src/wizard/questions.js';

const opts = { typeMappings: loadKnowledge().typeMappings, syncVc: 'sync_vc', etlVc: 'default' };
const start = { has_doc: 'no', scenario: 'bi', consumers: 'analysts', freshness: 't1' };
const metrics = 'gmv = SUM(amount)\nbuyers = COUNT(DISTINCT user_id)\npaid_orders = SUM(CASE WHEN is_paid THEN 1 ELSE 0 END)';

describe.each(['end_to_end', 'unsure'])('source %s', (source) => {
  it('asks for the metric definitions, not the database questions', () => {
    const qs = loadWizardQuestions();
    expect(nextQuestion(qs, { ...start, source })?.id).toBe('metrics');
    const asked = [];
    const a: Record<string, string> = { ...start, source, metrics, domain: 'shop', layering: 'ods_dwd_dws', schedule: '02' };
    for (const q of qs) if (nextQuestion(qs, Object.fromEntries(Object.entries(a).filter(([k]) => k !== q.id)))?.id === q.id) asked.push(q.id);
    expect(asked).not.toContain('db_engine');
    expect(asked).not.toContain('db_freshness');
  });

  it('goes to the modelling route with the confirmed metrics as the DWS columns', () => {
    const a = { ...start, source, metrics, domain: 'shop', layering: 'ods_dwd_dws', schedule: '02' };
    expect(routeOf(a)).toMatchObject({ id: 'dw_modeling', skill: 'clickzetta-dw-modeling' });
    const plan = buildPlan(a, opts);
    const dws = plan.tasks.find((t) => t.name === '03_ddl_dws_ads')!;
    expect(dws.content).toContain('SUM(amount) AS gmv');
    expect(dws.content).toContain('COUNT(DISTINCT user_id) AS buyers');
    expect(dws.content).toContain('SUM(CASE WHEN is_paid THEN 1 ELSE 0 END) AS paid_orders');
    expect(plan.notes.join('\n')).toContain('Metric definitions confirmed: gmv = SUM(amount); buyers = COUNT(DISTINCT user_id)');
    expect(plan.tasks.some((t) => t.role === 'sync')).toBe(false);
  });
});

describe('metric definitions', () => {
  it('refuses a definition that is not name = expression, or that could end the statement', () => {
    const q = loadWizardQuestions().find((x) => x.id === 'metrics')!;
    expect(textProblem(q, metrics)).toBeUndefined();
    expect(textProblem(q, 'GMV is the sum of paid amounts')).toMatch(/not valid/);
    expect(textProblem(q, 'gmv = SUM(amount); DROP TABLE x')).toMatch(/not valid/);
    expect(textProblem(q, 'gmv = SUM(amount) -- all')).toMatch(/not valid/);
  });
});
