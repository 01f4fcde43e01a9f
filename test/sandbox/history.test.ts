/** The sandbox's simulated run history: weeks of runs per task, realistic and the same on every start. */
import { describe, expect, it } from 'vitest';
import { HISTORY_DAYS, usualDurationMs } from '../../src/sandbox/history.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { ManualClock } from '../../src/sandbox/sim.js';
import { RUN_STATUS, RUN_TYPE } from '../../src/studio/enums.js';

const NOW = Date.parse('2026-11-21T10:00:00Z');

async function history(now: number) {
  const sb = await startSandbox({ clock: new ManualClock(now), seed: 'demo', runDurationMs: [60_000, 60_000] });
  try {
    const task = sb.store.taskByName('00_sync_mysql_to_ods')!;
    const runs = sb.store.db
      .prepare('SELECT plan_time, status, start_time, end_time, duration_ms FROM runs WHERE task_id = ? AND instance_type = ? ORDER BY plan_time')
      .all(task.id, RUN_TYPE.SCHEDULE) as { plan_time: number; status: number; start_time: number; end_time: number; duration_ms: number }[];
    return { runs, usual: usualDurationMs(task, 'DI'), failed: (sb.store.db.prepare('SELECT COUNT(*) n FROM runs WHERE status = ?').get(RUN_STATUS.FAILED) as { n: number }).n };
  } finally {
    await sb.close();
  }
}

describe('simulated history', () => {
  it('four weeks of daily runs with daily variation and slow days around a usual duration', async () => {
    const { runs, usual } = await history(NOW);
    expect(runs.length).toBeGreaterThanOrEqual(HISTORY_DAYS - 1);
    const durations = runs.filter((r) => r.status === RUN_STATUS.SUCCESS).map((r) => r.end_time - r.start_time);
    const sorted = [...durations].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    // Around the task's usual time, not all alike, and some days far slower.
    expect(median / usual).toBeGreaterThan(0.8);
    expect(median / usual).toBeLessThan(1.3);
    expect(new Set(durations).size).toBeGreaterThan(durations.length / 2);
    expect(Math.max(...durations) / median).toBeGreaterThan(1.3);
  });

  it('is the same on every start, and a start a day later keeps the days both share', async () => {
    const a = await history(NOW);
    const b = await history(NOW);
    expect(b.runs).toEqual(a.runs);
    expect(b.failed).toBe(a.failed);
    const later = await history(NOW + 86_400_000);
    const byPlan = new Map(later.runs.map((r) => [r.plan_time, r.duration_ms]));
    const shared = a.runs.filter((r) => byPlan.has(r.plan_time) && r.plan_time < NOW - 7 * 86_400_000);
    expect(shared.length).toBeGreaterThan(15);
    for (const r of shared) expect(byPlan.get(r.plan_time)).toBe(r.duration_ms);
  });
});
