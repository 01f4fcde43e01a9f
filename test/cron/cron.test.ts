import { describe, expect, it } from 'vitest';
import { analyseCron, describeStudioCron, nextRuns, toStudioCron } from '../../src/cron/explain.js';

describe('5 ↔ 7 fields and day-of-week mapping', () => {
  it.each([
    ['30 2 * * *', '0 30 2 * * ? *'],
    ['0 * * * *', '0 0 * * * ? *'],
    ['*/15 * * * *', '0 */15 * * * ? *'],
    ['0 9 * * 1-5', '0 0 9 ? * 1-5 *'], // Unix MON-FRI = Studio 1-5
    ['5 4 * * 0', '0 5 4 ? * 7 *'], // Unix SUN = 0 → Studio SUN = 7
    ['5 4 * * 7', '0 5 4 ? * 7 *'],
    ['0 6 * * 0,6', '0 0 6 ? * 7,6 *'],
    ['0 6 * * MON', '0 0 6 ? * MON *'],
    ['0 1 1 * *', '0 0 1 1 * ? *'],
    ['0 30 2 * * ?', '0 30 2 * * ? *'], // 6-field Quartz: year added
    ['0 30 2 * * ? *', '0 30 2 * * ? *'],
  ])('%s → %s', (input, studio) => {
    expect(toStudioCron(input)).toMatchObject({ studio });
  });

  it('rejects a wrong number of fields with a clear message', () => {
    const a = analyseCron('30 2 *');
    expect(a.studio).toBeUndefined();
    expect(a.problems[0]!.message).toContain('has 3');
  });
});

describe('Studio restrictions and the nearest valid expression', () => {
  it.each([
    ['0 0/7 * L * ? *', ['token_L', 'minute_step', 'hour_star'], '0 0/5 0-23 28 * ? *'],
    ['0 0 12 ? * MON#2 *', ['token_hash'], '0 0 12 ? * MON *'],
    ['0 0 12 15W * ? *', ['token_W'], '0 0 12 15 * ? *'],
    ['0 */25 1 * * ? *', ['minute_step'], '0 */20 1 * * ? *'], // equally near 20 and 30: the more frequent
    ['0 */4 1 * * ? *', ['minute_step'], '0 */3 1 * * ? *'],
    ['0 0 * * * ? *', ['hour_star'], '0 0 0-23 * * ? *'],
    ['0 0 3 15 * 1', ['both_days'], '0 0 3 15 * ? *'],
  ])('%s', (input, codes, nearest) => {
    const a = analyseCron(input);
    expect(a.problems.map((p) => p.code)).toEqual(codes);
    expect(a.nearestValid).toBe(nearest);
  });

  it('a valid expression has no problems and no "nearest"', () => {
    const a = analyseCron('0 30 2 * * ? *');
    expect(a.problems).toEqual([]);
    expect(a.nearestValid).toBeUndefined();
  });
});

describe('plain language', () => {
  it.each([
    ['0 30 2 * * ? *', 'At 02:30, every day'],
    ['0 0 9 ? * 1-5 *', 'At 09:00, on Monday to Friday'],
    ['0 */15 0-23 * * ? *', 'Every 15 minutes, every day'],
    ['0 0 0-23 * * ? *', 'At minute 0 of every hour, every day'],
    ['0 0 3 1 * ? *', 'At 03:00, on day 1 of the month'],
    ['0 0 6 ? * 7,6 *', 'At 06:00, on Sunday, Saturday'],
    ['0 0 1,13 * 1,7 ? *', 'At 01:00, 13:00, every day in January, July'],
  ])('%s', (cron, words) => {
    expect(describeStudioCron(cron)).toBe(words);
  });
});

describe('next fire times across daylight-saving changes', () => {
  it('Europe/Berlin in October: 02:30 local stays 02:30 local while UTC moves by an hour', () => {
    const times = nextRuns(analyseCron('30 2 * * *'), Date.parse('2026-10-23T00:00:00Z'), 5, 'Europe/Berlin');
    expect(times.map((t) => new Date(t).toISOString())).toEqual([
      '2026-10-23T00:30:00.000Z',
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // the first 02:30 of the day the clocks go back
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
    const local = times.map((t) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t));
    expect(new Set(local)).toEqual(new Set(['02:30']));
  });

  it('America/New_York in March: a time that does not exist on the change day is not invented twice', () => {
    const times = nextRuns(analyseCron('0 9 * * *'), Date.parse('2026-03-06T00:00:00Z'), 4, 'America/New_York');
    expect(times.map((t) => new Date(t).toISOString())).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    const spring = nextRuns(analyseCron('30 2 * * *'), Date.parse('2026-03-07T00:00:00Z'), 3, 'America/New_York');
    expect(new Set(spring).size).toBe(3);
    expect(spring.every((t, i) => i === 0 || t > spring[i - 1]!)).toBe(true);
  });
});

describe('cron words a new user checked (issue 15)', () => {
  it('describes what was typed, not the nearest valid expression', () => {
    const a = analyseCron('*/7 * * * *');
    expect(a.description).toBe('Every 7 minutes, every day');
    expect(a.nearestValid).toBe('0 */5 0-23 * * ? *');
    expect(a.nearestDescription).toBe('Every 5 minutes, every day');
  });

  it('L is the last day of the month, 6L the last Saturday, MON#2 the second Monday', () => {
    expect(analyseCron('0 0 L * ?').description).toBe('At 00:00, on the last day of the month');
    expect(analyseCron('0 0 12 ? * 6L').description).toBe('At 12:00, on the last Saturday of the month');
    expect(analyseCron('0 0 9 ? * MON#2').description).toBe('At 09:00, on the second Monday of the month');
  });

  it('a 6-field expression with weekday 0 is Sunday', () => {
    const a = analyseCron('0 30 2 * * 0');
    expect(a.studio).toBe('0 30 2 ? * 7 *');
    expect(a.description).toBe('At 02:30, on Sunday');
    expect(a.problems).toEqual([]);
  });

  it('values out of range name each bad field with a valid example, never a parser message', () => {
    const a = analyseCron('61 25 * * *');
    expect(a.studio).toBeUndefined();
    expect(a.problems.map((p) => p.message)).toEqual(['minute `61` is not 0–59; hour `25` is not 0–23 (e.g. `30 2 * * *` (daily 02:30) or `0 30 2 * * ? *`)']);
    expect(nextRuns(a, 0, 3, 'UTC')).toEqual([]);
    expect(analyseCron('0 0 0 ? * 9').problems[0]!.message).toContain('day of week `9` is not 1–7 or MON–SUN');
  });
});

describe('durations for people', () => {
  it('says 1 d 21 h, not 2713 min', async () => {
    const { humanDuration } = await import('../../src/studio/dates.js');
    expect(humanDuration(2713 * 60_000)).toBe('1 d 21 h');
    expect(humanDuration(45_000)).toBe('45 s');
    expect(humanDuration(12 * 60_000)).toBe('12 min');
    expect(humanDuration(185 * 60_000)).toBe('3 h 5 min');
    expect(humanDuration(48 * 3_600_000)).toBe('2 d');
  });
});
