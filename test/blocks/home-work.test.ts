/** Home's open alerts: a baseline's card says what it predicts, not that something failed. */
import { describe, expect, it } from 'vitest';
import { newCard, openCard } from '../../src/alerts/card-plan.js';
import { buildHomeWork } from '../../src/blocks/home.js';
import type { AlertCard } from '../../src/store/alerts.js';

const links = { runLink: (id: number) => `https://studio.test/run/${id}`, taskLink: (id: number) => `https://studio.test/task/${id}` };
const NOW = Date.parse('2026-12-05T20:45:00Z');

function card(id: number, f: Partial<Parameters<typeof newCard>[0]>): AlertCard {
  return openCard(newCard({ channel: 'CALERTS', groupKey: `g${id}`, taskId: 1006, taskName: '05_dqc_check', failMsg: null, runId: 7000001, failedAt: NOW, now: NOW, ...f }), id);
}

describe("Home's open alerts", () => {
  it('a failed run reads "failed …"; a baseline card reads its prediction, not "failed"', () => {
    const failed = card(1, { taskName: '04_transform_ods_to_dwd', failMsg: 'boom' });
    const baseline = card(2, {
      subject: 'baseline:05_dqc_check',
      failMsg: '05_dqc_check will miss 20:50 by ~35 min — critical path: 00_sync_mysql_to_ods running 1.9× its usual time',
    });
    const text = JSON.stringify(buildHomeWork([failed, baseline], [], 'U1', links));
    expect(text).toMatch(/04_transform_ods_to_dwd>? in <#CALERTS> · failed/);
    expect(text).toContain('05_dqc_check> in <#CALERTS> · 05_dqc_check will miss 20:50 by ~35 min');
    expect(text).not.toMatch(/05_dqc_check> in <#CALERTS> · failed/);
  });
});
