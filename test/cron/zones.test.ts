/** The zones a schedule is shown in: the workspace's, and the asker's own when it differs. */
import { describe, expect, it } from 'vitest';
import { analyseCron } from '../../src/cron/explain.js';
import { scheduleZones } from '../../src/cron/zones.js';

const NOW = Date.parse('2026-11-21T10:00:00Z');

describe('scheduleZones', () => {
  it('shows the workspace zone, and the asker’s zone first when it differs — the same instants, fired by the workspace clock', () => {
    const zones = scheduleZones(analyseCron('0 2 * * *'), NOW, 'Asia/Shanghai', 'Europe/Berlin', 3);
    expect(zones.map((z) => [z.label, z.tz])).toEqual([
      ['your time zone', 'Europe/Berlin'],
      ['workspace', 'Asia/Shanghai'],
    ]);
    // 02:00 in Shanghai is 18:00 UTC the day before.
    expect(zones[1]!.times.map((t) => new Date(t).toISOString())).toEqual(['2026-11-21T18:00:00.000Z', '2026-11-22T18:00:00.000Z', '2026-11-23T18:00:00.000Z']);
    expect(zones[0]!.times).toEqual(zones[1]!.times);
  });

  it('shows one zone when the asker is in the workspace’s zone or their zone is unknown or not a zone', () => {
    const a = analyseCron('0 2 * * *');
    for (const userTz of ['Asia/Shanghai', undefined, '', 'Mars/Olympus_Mons']) expect(scheduleZones(a, NOW, 'Asia/Shanghai', userTz).map((z) => z.label)).toEqual(['workspace']);
  });

  it('has nothing to show for an expression that cannot be read', () => {
    expect(scheduleZones(analyseCron('not a cron'), NOW, 'Asia/Shanghai', 'Europe/Berlin')).toEqual([]);
  });
});
