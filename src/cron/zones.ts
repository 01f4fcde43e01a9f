/**
 * The time zones a schedule is shown in: Studio fires it in the workspace's zone; the person asking
 * also sees the same instants in their own zone (from their Slack profile) when it differs.
 */
import { type CronAnalysis, nextRuns } from './explain.js';

export interface ScheduleZone {
  label: 'your time zone' | 'workspace';
  tz: string;
  /** The next fire times (epoch ms): the same instants in every zone, fired by the workspace's clock. */
  times: number[];
}

/** Valid IANA zone name (Slack sends one; anything else is not shown). */
function isZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function scheduleZones(a: CronAnalysis, now: number, workspaceTz: string, userTz: string | undefined, count = 5): ScheduleZone[] {
  if (!a.studio) return [];
  const times = nextRuns(a, now, count, workspaceTz);
  const zones: ScheduleZone[] = [];
  if (userTz && userTz !== workspaceTz && isZone(userTz)) zones.push({ label: 'your time zone', tz: userTz, times });
  zones.push({ label: 'workspace', tz: workspaceTz, times });
  return zones;
}
