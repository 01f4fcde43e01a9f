/**
 * Issue 31: what a diagnosis answers. The command it names at its foot finds something; a cause true
 * only of manual runs never leads the diagnosis of a scheduled run.
 */
import { describe, expect, it } from 'vitest';
import { buildDiagnosis } from '../../src/blocks/diagnosis.js';
import { Diagnoser } from '../../src/knowledge/diagnose.js';
import { loadKnowledge } from '../../src/knowledge/load.js';
import { explain } from '../../src/ops/diagnosis.js';
import type { Run } from '../../src/studio/models.js';
import { visibleText } from '../helpers/fake-slack.js';

const knowledge = loadKnowledge();
const diagnoser = new Diagnoser(knowledge.errors);
const links = { runLink: (id: number) => `http://studio/run/${id}`, taskLink: (id: number) => `http://studio/task/${id}` };

function run(runType: 'SCHEDULE' | 'TEMP'): Run {
  return {
    id: 7100009,
    taskId: 42,
    taskName: 'github_clean',
    bizDate: '2026-11-17',
    status: { code: 3, label: 'FAILED' },
    taskType: { code: 23, label: 'SQL' },
    runType: { code: runType === 'SCHEDULE' ? 1 : 3, label: runType },
  } as unknown as Run;
}

/** The `/cz explain …` commands a message names. */
function explainCommands(text: string): string[] {
  return [...text.matchAll(/\/cz explain ([^`\s]+)/g)].map((m) => m[1]!);
}

describe('the knowledge command a diagnosis names', () => {
  it('names the top cause’s entry, and that command shows it', async () => {
    const log = "2026-11-20 02:00:01.000 [ERROR] com.clickzetta.client.SqlException: CZLH-42000: Syntax error at or near 'FORM' [1,78]";
    const text = visibleText(buildDiagnosis(diagnoser.diagnose(log), { title: 'Diagnosis', run: run('SCHEDULE'), links }) as unknown as Record<string, unknown>);
    const commands = explainCommands(text);
    expect(commands.length).toBeGreaterThan(0);
    for (const q of commands) {
      const r = await explain(diagnoser, q);
      expect(r.kind, q).toBe('entry');
    }
    expect(commands).toContain('engine.sql_syntax');
  });

  it('`/cz explain 0` (or any bare number) says what explain takes instead of “no known cause”', async () => {
    const r = await explain(diagnoser, '0');
    expect(r.kind).toBe('diagnosis');
    if (r.kind !== 'diagnosis') return;
    expect(r.diagnosis.nextSteps.join('\n')).toMatch(/entry id, an error code or an error line/);
  });
});

describe('the run’s type', () => {
  const placeholderOnly = '2026-11-20 02:00:03.000 [ERROR] ERROR: invalid input syntax for type date: "${bizdate}"';

  it('a manual-only cause does not lead a scheduled run’s diagnosis, even when it is the only entry matched', () => {
    const manual = diagnoser.diagnose(placeholderOnly, { taskType: 'SQL', runType: 'manual' });
    expect(manual.findings[0]?.entry.id).toBe('engine.bizdate_unresolved');
    const scheduled = diagnoser.diagnose(placeholderOnly, { taskType: 'SQL', runType: 'scheduled' });
    expect(scheduled.findings[0]?.entry.id).not.toBe('engine.bizdate_unresolved');
  });

  it('the scheduled run’s card does not put the manual-run cause first', () => {
    const d = diagnoser.diagnose(placeholderOnly, { taskType: 'SQL', runType: 'scheduled' });
    const text = visibleText(buildDiagnosis(d, { title: 'Diagnosis', run: run('SCHEDULE'), links }) as unknown as Record<string, unknown>);
    const firstTitle = text.indexOf('was not resolved (manual run)');
    expect(firstTitle === -1 || firstTitle > text.indexOf(placeholderOnly.slice(30, 60))).toBe(true);
  });
});
