/** Seed 000's single-table MySQL batch route, as the wizard tests plan it: the folder named after `domain`. */
import { loadKnowledge } from '../../src/knowledge/load.js';
import { type Plan, buildPlan } from '../../src/wizard/plan.js';
import type { Answers } from '../../src/wizard/questions.js';

export const PLAN_OPTIONS = { typeMappings: loadKnowledge().typeMappings, syncVc: 'sync_vc', etlVc: 'default' };

export const BATCH_SINGLE_ANSWERS: Answers = {
  has_doc: 'no',
  scenario: 'bi',
  consumers: 'analysts',
  freshness: 't1',
  layering: 'ods_dwd_dws',
  schedule: '02',
  source: 'database',
  db_engine: 'mysql',
  db_freshness: 'batch',
  sync_scope: 'single',
  write_mode: 'overwrite',
};

export const batchSinglePlan = (domain: string, extra: Answers = {}): Plan => buildPlan({ ...BATCH_SINGLE_ANSWERS, domain, ...extra }, PLAN_OPTIONS);
