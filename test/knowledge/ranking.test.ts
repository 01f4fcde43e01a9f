/**
 * Ranking with the context a run gives (issue 20): a scheduled run failing on a real syntax error
 * whose log merely echoes the SQL template with `${bizdate}` is a syntax error, not an unresolved
 * parameter; the suggested checks carry the run's own business date and task; `/cz explain` of a
 * phrase with no entry says what it looked for and offers the closest entries.
 */
import { describe, expect, it } from 'vitest';
import { buildDiagnosis, fillCheck } from '../../src/blocks/diagnosis.js';
import { Diagnoser } from '../../src/knowledge/diagnose.js';
import { loadKnowledge } from '../../src/knowledge/load.js';
import { explain } from '../../src/ops/diagnosis.js';
import type { Run } from '../../src/studio/models.js';
import { visibleText } from '../helpers/fake-slack.js';

const knowledge = loadKnowledge();
const diagnoser = new Diagnoser(knowledge.errors);

/** A scheduled SQL run: the log echoes the script (with its ${bizdate} template), then fails on FORM. */
const SCHEDULED_SYNTAX = [
  '2026-11-20 02:00:00.001 [INFO] Task instance 7100042 (04_transform_ods_to_dwd) attempt 1 started by scheduler',
  '2026-11-20 02:00:00.002 [INFO] Business date: 2026-11-19, VCluster: default_etl, run type: 1',
  "2026-11-20 02:00:00.100 [INFO] SQL: INSERT OVERWRITE TABLE dwd.orders PARTITION (dt = '${bizdate}') SELECT id, amount FORM ods.orders WHERE dt = '${bizdate}'",
  "2026-11-20 02:00:01.000 [ERROR] com.clickzetta.client.SqlException: CZLH-42000: Syntax error at or near 'FORM' [1,78]",
  '2026-11-20 02:00:01.001 [INFO] Task instance finished with status FAILED',
].join('\n');

describe('ranking with the run’s context', () => {
  it('a scheduled run’s syntax error ranks first; the ${bizdate} echo in an INFO line does not demote it', () => {
    const d = diagnoser.diagnose(SCHEDULED_SYNTAX, { taskType: 'SQL', runType: 'scheduled' });
    expect(d.findings[0]?.entry.id).toBe('engine.sql_syntax');
    const bizdate = d.findings.find((f) => f.entry.id === 'engine.bizdate_unresolved');
    if (bizdate) expect(bizdate.confidence).toBeLessThan(d.findings[0]!.confidence / 2);
  });

  it('even without the run type, an echo of the SQL does not demote the error line it supersedes', () => {
    const d = diagnoser.diagnose(SCHEDULED_SYNTAX, { taskType: 'SQL' });
    expect(d.findings[0]?.entry.id).toBe('engine.sql_syntax');
  });

  it('a manual run failing on the unresolved placeholder itself is the ${bizdate} entry', () => {
    const log = [
      '2026-11-20 10:15:00.001 [INFO] Task instance 7100009 (github_clean) attempt 1 started by user alice (manual run)',
      '2026-11-20 10:15:03.000 [ERROR] com.clickzetta.client.SqlException: CZLH-42000: invalid input syntax for type date: "${bizdate}" [3,24]',
    ].join('\n');
    expect(diagnoser.diagnose(log, { taskType: 'SQL', runType: 'manual' }).findings[0]?.entry.id).toBe('engine.bizdate_unresolved');
    // The same text from a scheduled run: the manual-run explanation is not put first.
    expect(diagnoser.diagnose(log, { taskType: 'SQL', runType: 'scheduled' }).findings[0]?.entry.id).not.toBe('engine.bizdate_unresolved');
  });

  it('the suggested checks carry the run’s business date and task, not a fixed date', () => {
    const log = '2026-11-20 10:15:03.000 [ERROR] CZLH-42000: invalid input syntax for type date: "${bizdate}" [3,24]';
    const run = {
      id: 7100009,
      taskId: 42,
      taskName: 'github_clean',
      bizDate: '2026-11-17',
      status: { code: 3, label: 'FAILED' },
      taskType: { code: 23, label: 'SQL' },
      runType: { code: 3, label: 'TEMP' },
    } as unknown as Run;
    const links = { runLink: (id: number) => `http://studio/run/${id}`, taskLink: (id: number) => `http://studio/task/${id}` };
    const text = visibleText(buildDiagnosis(diagnoser.diagnose(log, { runType: 'manual' }), { title: 'Diagnosis', run, links }) as unknown as Record<string, unknown>);
    expect(text).toContain('cz-cli task execute github_clean --param "bizdate=2026-11-17"');
    expect(text).not.toContain('bizdate=2026-11-20');
  });
});

describe('suggested checks with the run’s own values', () => {
  it('fill the business date, task, VCluster and the table the task writes; leave what is not known', () => {
    const facts = { run: { bizDate: '2026-11-17', taskName: '04_transform_ods_to_dwd', vcCode: 'etl_vc' }, outputTable: 'dwd.orders_detail' };
    expect(fillCheck("SELECT COUNT(*) FROM <target> WHERE dt = '<bizdate>';", facts)).toBe("SELECT COUNT(*) FROM dwd.orders_detail WHERE dt = '2026-11-17';");
    expect(fillCheck('SHOW DYNAMIC TABLE REFRESH HISTORY <schema>.<table> LIMIT 3;', facts)).toBe('SHOW DYNAMIC TABLE REFRESH HISTORY dwd.orders_detail LIMIT 3;');
    expect(fillCheck('DESC <schema>.<table>; -- on <vcluster>, task <task>', facts)).toBe('DESC dwd.orders_detail; -- on etl_vc, task 04_transform_ods_to_dwd');
    expect(fillCheck('SHOW GRANTS TO USER <owner>;', facts)).toBe('SHOW GRANTS TO USER <owner>;');
    expect(fillCheck("SELECT COUNT(*) FROM <target> WHERE dt = '<bizdate>';", { run: { bizDate: undefined, taskName: 't', vcCode: undefined } })).toBe(
      "SELECT COUNT(*) FROM <target> WHERE dt = '<bizdate>';",
    );
  });
});

describe('/cz explain in other words', () => {
  it('finds entries from Chinese phrases people use: 连接超时, 权限不足, 表不存在', async () => {
    const top = async (q: string) => {
      const r = await explain(diagnoser, q);
      return r.kind === 'diagnosis' ? r.diagnosis.findings[0]?.entry.id : r.entry.id;
    };
    expect(await top('连接超时')).toBe('sync.source_connection_failed');
    expect(await top('权限不足')).toBe('engine.permission_denied');
    expect(await top('表不存在')).toBe('engine.table_not_found');
  });

  it('with nothing found, says what it looked for and offers the closest entries — not “/cz explain <text>” again', async () => {
    const r = await explain(diagnoser, 'the quarterly pipeline looks sad today');
    expect(r.kind).toBe('diagnosis');
    if (r.kind !== 'diagnosis') return;
    expect(r.diagnosis.findings).toEqual([]);
    const said = r.diagnosis.nextSteps.join('\n');
    expect(said).not.toMatch(/\/cz explain <text>/);
    expect(said).toMatch(/looked for/i);
    expect(r.closest?.length).toBeGreaterThan(0);
  });

  it('finds, or offers, the entry of a near miss (a typo of a code, a word of a title)', async () => {
    const r = await explain(diagnoser, 'queue ful');
    expect(r.kind === 'entry' ? [r.entry.id] : r.closest?.map((e) => e.id)).toContain('engine.queue_full');
  });
});

describe('the sandbox’s own syntax-error log', () => {
  it('the SQL listing after the error (with ${bizdate} in it) does not outrank the error, even in a manual run', () => {
    const log = [
      '2026-11-20 02:00:01.000 [ERROR] SQL job 70000220001 failed',
      "com.clickzetta.client.SqlException: CZLH-42000: Syntax error at or near 'FORM' [12,8]",
      '== SQL ==',
      "INSERT OVERWRITE TABLE dwd.orders_detail PARTITION (dt = '${bizdate}')",
      'SELECT o.order_id, o.user_id, CAST(o.is_paid AS BOOLEAN) AS is_paid',
      'FORM ods.orders o',
    ].join('\n');
    for (const runType of ['scheduled', 'manual', undefined] as const)
      expect(diagnoser.diagnose(log, { taskType: 'SQL', runType }).findings[0]?.entry.id, runType).toBe('engine.sql_syntax');
  });
});

describe('the team’s memory', () => {
  it('a cause confirmed here before wins a near-tie, and never outranks clearly stronger evidence', () => {
    const text = 'writer stopped: queue is full\nCommunications link failure';
    expect(diagnoser.diagnose(text).findings[0]?.entry.id).toBe('sync.source_connection_failed');
    expect(diagnoser.diagnose(text, { confirmed: new Map([['engine.queue_full', 3]]) }).findings[0]?.entry.id).toBe('engine.queue_full');
    // Against a code on an error line of its own, memory changes nothing.
    const strong = "[ERROR] CZLH-42000: Syntax error at or near 'FORM'\nqueue is full";
    expect(diagnoser.diagnose(strong, { confirmed: new Map([['engine.queue_full', 50]]) }).findings[0]?.entry.id).toBe('engine.sql_syntax');
  });
});
