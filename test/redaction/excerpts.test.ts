/**
 * Issue 27: redaction runs on the whole text before anything is cut from it. A token cut in half by
 * an excerpt or by the edge of a page of log escapes every rule, so the cut must come after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Diagnoser } from '../../src/knowledge/diagnose.js';
import { loadKnowledge } from '../../src/knowledge/load.js';
import { readLogPage, readLogTail } from '../../src/ops/read.js';
import { leakedPart } from '../fixtures/secrets/generated.js';
import { type SandboxHarness, startHarness } from '../helpers/sandbox.js';

const TOKEN = 'Zq7Lm2Xc9Vb4Nt6Rk1Wp3Yh8Df5Gs0JaUe4Mi7';
const PASSWORD = 'Harbor!4821xQ7aLw';

describe('diagnosis excerpts', () => {
  it('a long line is redacted whole before it is cut to an excerpt', () => {
    const diagnoser = new Diagnoser(loadKnowledge().errors);
    for (let pad = 250; pad < 300; pad += 7) {
      const line = `2026-11-20 02:00:01 [ERROR] com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure ${'x'.repeat(pad - 110)} api token ${TOKEN} then the rest of the line`;
      const d = diagnoser.diagnose(`2026-11-20 02:00:00 [INFO] start\n${line}\n`);
      const shown = JSON.stringify([d.findings.map((f) => f.evidence), d.salient]);
      expect(shown).toContain('CommunicationsException');
      expect(leakedPart(shown, TOKEN, 6), `pad ${pad}`).toBeUndefined();
    }
  });
});

describe('log pages', () => {
  let h: SandboxHarness;
  let runId: number;
  /** A run whose log ends with the long line. */
  let tailRunId: number;
  const longLine = `2026-11-20 02:00:01 [INFO] ${'y'.repeat(90)} export WAREHOUSE_TOKEN=${TOKEN} and ${'z'.repeat(200)} password=${PASSWORD} end`;
  beforeAll(async () => {
    h = await startHarness({ logPageSize: 64 });
    const task = h.sb.store.taskByName('04_transform_ods_to_dwd')!;
    const now = h.clock.now();
    runId = h.sb.store.insertRun({
      task_id: task.id,
      instance_type: 1,
      status: 3,
      plan_time: now,
      biz_date: '2026-11-20',
      executor: 'scheduler',
      start_time: now,
      end_time: now + 1000,
      attempts: 1,
    });
    const log = `2026-11-20 02:00:00 [INFO] start\n${longLine}\n2026-11-20 02:00:02 [ERROR] failed\n`;
    h.sb.store.insertAttempt({ run_id: runId, seq: 1, created_at: now, start_time: now, end_time: now + 1000, finish_result: 'FAILED', log, created_by: 'scheduler' });
    tailRunId = h.sb.store.insertRun({
      task_id: task.id,
      instance_type: 1,
      status: 3,
      plan_time: now,
      biz_date: '2026-11-20',
      executor: 'scheduler',
      start_time: now,
      end_time: now + 1000,
      attempts: 1,
    });
    h.sb.store.insertAttempt({
      run_id: tailRunId,
      seq: 1,
      created_at: now,
      start_time: now,
      end_time: now + 1000,
      finish_result: 'FAILED',
      log: `2026-11-20 02:00:00 [INFO] start\n${longLine}\n`,
      created_by: 'scheduler',
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('a page that ends inside a token, or starts inside a secret value, shows no part of it', async () => {
    const seen: string[] = [];
    for (const budget of [80, 120, 150, 170, 210, 333]) {
      let offset = 0;
      for (let i = 0; i < 40; i++) {
        const page = await readLogPage(h.client, runId, { offset, direction: 'next', budget });
        seen.push(page.text);
        if (!page.hasNext || page.endOffset <= offset) break;
        offset = page.endOffset;
      }
    }
    const all = seen.join('\n');
    expect(all).toContain('export WAREHOUSE_TOKEN=');
    expect(leakedPart(all, TOKEN, 6)).toBeUndefined();
    expect(leakedPart(all, PASSWORD, 6)).toBeUndefined();
  });

  it('the tail of one huge line, cut to the page, shows no part of a secret the cut went through', async () => {
    // Budgets whose cut falls inside the password (near the end) and inside the token (further back).
    for (const budget of [10, 15, 20, 245, 255, 265]) {
      const v = await readLogTail(h.client, tailRunId, { tail: 1, budget });
      expect(v.text.length).toBeGreaterThan(0);
      expect(leakedPart(v.text, TOKEN, 6), `budget ${budget}`).toBeUndefined();
      expect(leakedPart(v.text, PASSWORD, 6), `budget ${budget}`).toBeUndefined();
    }
  });
});
