/** Baselines' model and prediction, pure: committed times on their cycles, the critical path, the states. */
import { describe, expect, it } from 'vitest';
import { committedLabel, committedTimeFor, parseCommitted, parseMargin } from '../../src/baselines/model.js';
import { type DagNode, type NodeState, headline, predict, remainingOf, usualOf, warnNow } from '../../src/baselines/prediction.js';

const MIN = 60_000;
const DAY0 = Date.parse('2026-11-22T00:00:00Z');
const at = (h: number, m = 0) => DAY0 + (h * 60 + m) * MIN;
const history = (medianMin: number, n = 14) => ({
  durations: Array.from({ length: n }, (_, i) => (medianMin + ((i % 5) - 2) * medianMin * 0.05) * MIN),
  waits: Array.from({ length: n }, () => MIN),
});

/** 00_sync (02:00) → 04_transform (02:30) → 05_dqc (03:00) → ads_daily_report (04:00), committed 09:00, margin 30 min. */
function chain(states: Partial<Record<string, NodeState>>): DagNode[] {
  const spec: [number, string, number, number[], number][] = [
    [1, '00_sync_mysql_to_ods', 15, [], at(2)],
    [2, '04_transform_ods_to_dwd', 40, [1], at(2, 30)],
    [3, '05_dqc_check', 10, [2], at(3)],
    [4, 'ads_daily_report', 20, [3], at(4)],
  ];
  return spec.map(([taskId, name, med, upstream, planTime]) => ({
    taskId,
    name,
    owner: name.startsWith('ads') ? 'carol' : 'alice',
    upstream,
    history: history(med),
    state: states[name] ?? { kind: 'waiting', runId: 100 + taskId, planTime },
  }));
}

const opts = (now: number) => ({ now, committed: at(9), marginMs: 30 * MIN, outputId: 4 });

describe('committed times', () => {
  it('parses daily, hourly and past-midnight times and refuses the rest with a reason', () => {
    expect(parseCommitted('09:00')).toEqual({ cycle: 'daily', hour: 9, minute: 0 });
    expect(parseCommitted(':45')).toEqual({ cycle: 'hourly', hour: 0, minute: 45 });
    expect(parseCommitted('25:30')).toEqual({ cycle: 'daily', hour: 25, minute: 30 });
    expect(parseCommitted('48:00')).toMatchObject({ error: expect.stringContaining('47') });
    expect(parseCommitted('9am')).toMatchObject({ error: expect.stringContaining('not a committed time') });
    expect(parseMargin('30m')).toBe(30);
    expect(parseMargin('1h30m')).toBe(90);
    expect(parseMargin('soon')).toMatchObject({ error: expect.any(String) });
  });

  it('a committed time past midnight (25:30) falls on 01:30 of the next day', () => {
    const b = { cycle: 'daily' as const, hour: 25, minute: 30 };
    expect(committedTimeFor(b, at(23))).toBe(at(24 + 1, 30));
    expect(committedLabel(b)).toBe('01:30 (+1 day)');
  });

  it('an hourly committed time is the first :mm from the start of the run’s hour', () => {
    const b = { cycle: 'hourly' as const, hour: 0, minute: 45 };
    expect(committedTimeFor(b, at(10))).toBe(at(10, 45));
    expect(committedTimeFor(b, at(10, 50))).toBe(at(11, 45));
  });
});

describe('prediction along the critical path', () => {
  it('a slow sync: safe while it fits, at risk once the margin is crossed, with the path from the sync to the output', () => {
    const slow = (now: number) => predict(chain({ '00_sync_mysql_to_ods': { kind: 'running', runId: 101, startTime: at(2) } }), opts(now));
    expect(slow(at(2, 10)).state).toBe('safe');
    expect(slow(at(6, 30)).state).toBe('safe');
    const p = slow(at(7, 5));
    expect(p.state).toBe('at_risk');
    expect(p.path.map((s) => s.name)).toEqual(['00_sync_mysql_to_ods', '04_transform_ods_to_dwd', '05_dqc_check', 'ads_daily_report']);
    expect(p.culprit?.name).toBe('00_sync_mysql_to_ods');
    expect(p.culprit?.ratio).toBeCloseTo(300 / 15, 0);
    // Later, the estimate passes 09:00: "will miss 09:00 by ~N min".
    const later = slow(at(7, 45));
    expect(later.lateByMs).toBeGreaterThan(0);
    expect(headline('ads_daily_report', '09:00', later)).toMatch(
      /^ads_daily_report will miss 09:00 by ~\d+ min — critical path: 00_sync_mysql_to_ods running \d+\.\d× its usual time → 04_transform_ods_to_dwd → 05_dqc_check → ads_daily_report$/,
    );
  });

  it('a normal day: every task at its usual pace stays safe, and the output lands early', () => {
    const running = predict(chain({ '00_sync_mysql_to_ods': { kind: 'running', runId: 101, startTime: at(2) } }), opts(at(2, 12)));
    expect(running.state).toBe('safe');
    expect(running.culprit).toBeUndefined();
    expect(running.expectedFinish).toBeLessThan(at(5));
    const landed = predict(
      chain({
        '00_sync_mysql_to_ods': { kind: 'succeeded', runId: 101, startTime: at(2), endTime: at(2, 15) },
        '04_transform_ods_to_dwd': { kind: 'succeeded', runId: 102, startTime: at(2, 30), endTime: at(3, 10) },
        '05_dqc_check': { kind: 'succeeded', runId: 103, startTime: at(3, 11), endTime: at(3, 21) },
        ads_daily_report: { kind: 'succeeded', runId: 104, startTime: at(4), endTime: at(4, 20) },
      }),
      opts(at(4, 25)),
    );
    expect(landed.state).toBe('landed');
    expect(landed.lateByMs).toBe(-(4 * 60 + 40) * MIN);
    expect(headline('ads_daily_report', '09:00', landed)).toBe('ads_daily_report landed 280 min before 09:00');
  });

  it('a failure on the key path is named; it puts the output at risk once the rerun it needs would miss the margin', () => {
    const failed = (now: number) =>
      predict(
        chain({
          '00_sync_mysql_to_ods': { kind: 'succeeded', runId: 101, startTime: at(2), endTime: at(2, 15) },
          '04_transform_ods_to_dwd': { kind: 'failed', runId: 102, endTime: at(3), failMsg: 'VCluster queue full' },
        }),
        opts(now),
      );
    // Rerun 30 min after the failure, the chain still lands by 05:00: safe, but the failure is named.
    expect(failed(at(3, 5))).toMatchObject({ state: 'safe', culprit: { name: '04_transform_ods_to_dwd', kind: 'failed' } });
    // Nobody reran it: by 07:45 the rerun would end past 08:30.
    const p = failed(at(7, 45));
    expect(p.state).toBe('at_risk');
    expect(p.culprit).toMatchObject({ name: '04_transform_ods_to_dwd', kind: 'failed', runId: 102 });
    expect(p.path.map((s) => s.name)).toEqual(['04_transform_ods_to_dwd', '05_dqc_check', 'ads_daily_report']);
    expect(headline('ads_daily_report', '09:00', p)).toContain('until 04_transform_ods_to_dwd is rerun');
  });

  it('the path follows the upstream that finishes last in a diamond', () => {
    const nodes: DagNode[] = [
      { taskId: 1, name: 'sync_a', upstream: [], history: history(10), state: { kind: 'succeeded', runId: 1, startTime: at(1), endTime: at(1, 10) } },
      { taskId: 2, name: 'sync_b', upstream: [], history: history(10), state: { kind: 'running', runId: 2, startTime: at(1) } },
      { taskId: 3, name: 'join', upstream: [1, 2], history: history(30), state: { kind: 'waiting', planTime: at(1, 30) } },
    ];
    const p = predict(nodes, { now: at(3), committed: at(4), marginMs: 30 * MIN, outputId: 3 });
    expect(p.path.map((s) => s.name)).toEqual(['sync_b', 'join']);
    expect(p.state).toBe('at_risk');
  });

  it('an hourly baseline: the 10:00 run of a two-step chain committed at :45', () => {
    const nodes = (extract: NodeState): DagNode[] => [
      { taskId: 1, name: 'extract_hourly', upstream: [], history: history(10), state: extract },
      { taskId: 2, name: 'hourly_kpis', upstream: [1], history: history(15), state: { kind: 'waiting', planTime: at(10, 5) } },
    ];
    const b = { cycle: 'hourly' as const, hour: 0, minute: 45 };
    const committed = committedTimeFor(b, at(10, 5));
    expect(committed).toBe(at(10, 45));
    const o = (now: number) => ({ now, committed, marginMs: 10 * MIN, outputId: 2 });
    expect(predict(nodes({ kind: 'running', runId: 1, startTime: at(10) }), o(at(10, 5))).state).toBe('safe');
    const slow = predict(nodes({ kind: 'running', runId: 1, startTime: at(10) }), o(at(10, 20)));
    expect(slow.state).toBe('at_risk');
    expect(slow.culprit?.name).toBe('extract_hourly');
    expect(predict(nodes({ kind: 'running', runId: 1, startTime: at(10) }), o(at(10, 50))).state).toBe('late');
  });

  it('a committed time past midnight: a 23:00 output committed at 25:30 is safe at 23:30, at risk at 01:00, late after 01:30', () => {
    const b = { cycle: 'daily' as const, hour: 25, minute: 30 };
    const committed = committedTimeFor(b, at(23));
    const nodes = (s: NodeState): DagNode[] => [{ taskId: 1, name: 'nightly_rollup', upstream: [], history: history(60), state: s }];
    const o = (now: number) => ({ now, committed, marginMs: 30 * MIN, outputId: 1 });
    expect(predict(nodes({ kind: 'running', runId: 1, startTime: at(23) }), o(at(23, 30))).state).toBe('safe');
    expect(predict(nodes({ kind: 'running', runId: 1, startTime: at(23) }), o(at(25))).state).toBe('at_risk');
    expect(predict(nodes({ kind: 'running', runId: 1, startTime: at(23) }), o(at(25, 31))).state).toBe('late');
    const landed = predict(nodes({ kind: 'succeeded', runId: 1, startTime: at(23), endTime: at(25, 50) }), o(at(26)));
    expect(landed.state).toBe('landed');
    expect(headline('nightly_rollup', committedLabel(b), landed)).toBe('nightly_rollup landed 20 min after 01:30 (+1 day)');
  });
});

describe('when a card goes out (bench: false alarms 32 % → see README)', () => {
  /** Five 20-minute tasks in a row from 01:00, normal variance (±10 %), committed 03:30 with a 30 min margin. */
  const five = (states: Partial<Record<number, NodeState>>): DagNode[] =>
    [1, 2, 3, 4, 5].map((id) => ({
      taskId: id,
      name: `step_${id}`,
      upstream: id > 1 ? [id - 1] : [],
      history: { durations: Array.from({ length: 20 }, (_, i) => (18 + (i % 5)) * MIN), waits: Array.from({ length: 20 }, () => 0) },
      state: states[id] ?? { kind: 'waiting', planTime: at(1) },
    }));

  it('a chain of five normal-variance nodes, each finished at its p90, the last running at its p90: no breach predicted, no card', () => {
    // Each took 22 min (its p90); the sum (110 min) is above the sum of medians (100) but 03:30 is not in danger.
    const done = (id: number): NodeState => ({ kind: 'succeeded', runId: id, startTime: at(1, (id - 1) * 22), endTime: at(1, id * 22) });
    const p = predict(five({ 1: done(1), 2: done(2), 3: done(3), 4: done(4), 5: { kind: 'running', runId: 5, startTime: at(2, 28) } }), {
      now: at(2, 50),
      committed: at(3, 30),
      marginMs: 30 * MIN,
      outputId: 5,
    });
    expect(p.state).toBe('safe');
    expect(p.breachPredicted).toBe(false);
    expect(p.expectedFinish).toBeLessThan(at(3));
    expect(warnNow(p, true, at(2, 50))).toBe(false);
  });

  it('a run past its usual time has left what its own past overruns had left, not a share of its time so far', () => {
    // 16 normal runs of ~20 min and four slow ones of 60, 70, 80 and 90 min.
    const durations = [...Array.from({ length: 16 }, (_, i) => (18 + (i % 5)) * MIN), 60 * MIN, 70 * MIN, 80 * MIN, 90 * MIN];
    const u = usualOf({ durations, waits: [] });
    // At 40 min, past every normal run: the slow ones' median end (75 min) is 35 min away.
    expect(remainingOf(u, 40 * MIN, 0.5, 0.05, u.median)).toBe(35 * MIN);
    // At 85 min only one past run lasted longer: too few, a share of its time so far.
    expect(remainingOf(u, 85 * MIN, 0.5, 0.05, u.median)).toBe(0.05 * 85 * MIN);
    // Before its usual time: the rest of it.
    expect(remainingOf(u, 5 * MIN, 0.5, 0.05, u.median)).toBeGreaterThan(14 * MIN);
  });

  it('a breach predicted on one poll alone posts no card outside the margin; on two in a row, or once inside the margin, it does', () => {
    const p = { breachPredicted: true, committed: at(9), marginMs: 30 * MIN };
    expect(warnNow(p, false, at(7))).toBe(false);
    expect(warnNow(p, true, at(7, 5))).toBe(true);
    expect(warnNow(p, false, at(8, 35))).toBe(true);
    expect(warnNow({ ...p, breachPredicted: false }, true, at(8, 50))).toBe(false);
  });
});
