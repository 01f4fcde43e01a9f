/**
 * Issue 27: diagnosis off the event loop. Long texts are diagnosed on a worker thread with the
 * same answer as in-process; the time budget stops a diagnosis early with what it read; a worker
 * stuck past its budget is terminated and replaced while the event loop stays free; close() ends
 * the workers.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDiagnosis } from '../../src/blocks/diagnosis.js';
import { Diagnoser } from '../../src/knowledge/diagnose.js';
import { DiagnosisPool } from '../../src/knowledge/diagnosis-pool.js';
import { type ErrorEntry, errorEntrySchema, loadKnowledge } from '../../src/knowledge/load.js';
import { visibleText } from '../helpers/fake-slack.js';

const entries = loadKnowledge().errors;
const LOGS = join(import.meta.dirname, '../fixtures/logs');
const pools: DiagnosisPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});
function pool(o: ConstructorParameters<typeof DiagnosisPool>[1] = {}, knowledge: readonly ErrorEntry[] = entries) {
  const p = new DiagnosisPool(knowledge, o);
  pools.push(p);
  return p;
}

/** A fixture log padded past the in-process limit with ordinary lines. */
function longLog(file: string): string {
  const filler = Array.from({ length: 400 }, (_, i) => `2026-11-20 02:00:${String(i % 60).padStart(2, '0')} [INFO] reader batch ${i} committed 5000 rows`).join('\n');
  return `${filler}\n${readFileSync(join(LOGS, file), 'utf8')}`;
}

describe('DiagnosisPool', () => {
  it('diagnoses a long log on a worker with the answer the engine gives in-process, its own entry objects included', { timeout: 60_000 }, async () => {
    const p = pool();
    const engine = new Diagnoser(entries);
    for (const file of readdirSync(LOGS)
      .filter((f) => f.endsWith('.log'))
      .slice(0, 12)) {
      const text = longLog(file);
      expect(text.length).toBeGreaterThan(8192);
      const context = { taskType: 'SQL' as const, failMsg: 'Job failed', confirmed: new Map([['engine.sql_syntax', 2]]) };
      const d = await p.diagnose(text, context);
      expect(d).toEqual(engine.diagnose(text, context));
      if (d.findings[0]) expect(entries).toContain(d.findings[0].entry);
      expect(d.coverage).toEqual({ complete: true, linesRead: d.coverage.totalLines, totalLines: text.replace(/\n$/, '').split('\n').length });
    }
    expect(p.stats).toMatchObject({ workers: 1, busy: 0, waiting: 0, replaced: 0 }); // one worker, reused
  });

  it('stops reading when the budget runs out and says how many lines it read', { timeout: 60_000 }, async () => {
    const p = pool({ budgetMs: 1, graceMs: 10_000 });
    const line = (i: number) => `2026-11-20 02:00:00 [ERROR] java.sql.SQLException: Communications link failure on host ${i} (Caused by: Connection refused)`;
    const text = Array.from({ length: 200_000 }, (_, i) => line(i)).join('\n');
    const d = await p.diagnose(text);
    expect(d.coverage.complete).toBe(false);
    expect(d.coverage.totalLines).toBe(200_000);
    expect(d.coverage.linesRead).toBeLessThan(200_000);
    expect(d.coverage.budgetMs).toBe(1);
    expect(p.stats.replaced).toBe(0); // the engine stopped by itself
    // What the person is shown says so.
    const links = { runLink: (id: number) => `http://studio/run/${id}`, taskLink: (id: number) => `http://studio/task/${id}` };
    const shown = visibleText(buildDiagnosis(d, { title: 'Diagnosis', links }) as unknown as Record<string, unknown>);
    expect(shown).toContain(`*Stopped early:* the diagnosis used up its time budget (1 ms) after reading ${d.coverage.linesRead.toLocaleString('en-US')} of 200,000 lines`);
  });

  it('terminates a worker stuck past its budget, answers with how far it got, and carries on with a new worker', { timeout: 60_000 }, async () => {
    // An exponential pattern, as if it had slipped past the load-time check.
    const stuck = errorEntrySchema.parse({
      id: 'test.exponential',
      title: 'exponential',
      area: 'runtime',
      severity: 'low',
      match: { patterns: ['xyz(a+)+$'] },
      cause: 'a pattern that never ends on some lines',
      remediation: ['none'],
      verify: [{ kind: 'ui', text: 'none' }],
      actions: [],
      source: 'test',
    });
    const p = pool({ budgetMs: 300, graceMs: 200 }, [...entries, stuck]);
    const text = `${'2026-11-20 [INFO] fine\n'.repeat(600)}xyz${'a'.repeat(40)}!\nafter`;
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const t = performance.now();
    const d = await p.diagnose(text);
    const took = performance.now() - t;
    clearInterval(ticker);
    expect(took).toBeLessThan(5000);
    expect(ticks).toBeGreaterThan(took / 10 / 4); // the event loop kept turning meanwhile
    expect(d.findings).toEqual([]);
    expect(d.coverage).toEqual({ complete: false, linesRead: 600, totalLines: 602, budgetMs: 300 });
    expect(d.nextSteps[0]).toContain('did not finish line 601 within its time budget');
    expect(p.stats).toMatchObject({ workers: 0, replaced: 1 });
    // The next diagnosis gets a new worker and a full answer.
    const next = await p.diagnose(longLog(readdirSync(LOGS).find((f) => f.includes('sql_syntax'))!));
    expect(next.findings[0]?.entry.id).toBe('engine.sql_syntax');
    expect(p.stats).toMatchObject({ workers: 1, replaced: 1 });
  });

  it('diagnoses short texts in-process, and close() ends the workers and refuses what was waiting', { timeout: 60_000 }, async () => {
    const p = pool({ workers: 1 });
    expect((await p.diagnose('CZLH-42000 syntax error near FORM')).findings[0]?.entry.id).toBe('engine.sql_syntax');
    expect(p.stats.workers).toBe(0); // no worker for that
    const running = expect(p.diagnose(longLog('001_schedule_ddl_has_children.log'))).rejects.toThrow('stopping');
    const waiting = expect(p.diagnose(longLog('001_schedule_ddl_has_children.log'))).rejects.toThrow('stopping');
    await p.close();
    await running;
    await waiting;
    expect(p.stats.workers).toBe(0);
    await expect(p.diagnose('x'.repeat(10_000))).rejects.toThrow('stopped');
  });
});
