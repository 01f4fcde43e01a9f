/**
 * Baselines: an output task with a committed time on its cycle and an alert margin (DataWorks'
 * "intelligent baseline"). A daily baseline commits to a time of the day its output runs on
 * (`09:00`; hours up to 47 for a time past midnight: `25:30` is 01:30 the next day); an hourly one
 * to a minute of the hour its output runs in (`:45`). Pure: no Studio, no Slack.
 */
import { formatDate, startOfDayMs } from '../studio/dates.js';

export type Cycle = 'daily' | 'hourly';

export interface Baseline {
  /** The output task's name (as in Studio). */
  task: string;
  cycle: Cycle;
  /** Daily: hours (0–47) and minutes after the start of the output's day; hourly: minutes (0–59) after the hour. */
  hour: number;
  minute: number;
  /** Warn when the predicted finish passes committed − margin. */
  marginMin: number;
  /** Who set it ('policy file' or a Slack user id). */
  by?: string;
}

export const DEFAULT_MARGIN_MIN = 30;
const MINUTE = 60_000;
const HOUR = 3_600_000;

/** `09:00` (daily, hh 0–47), `:45` (hourly): the committed time, or why not. */
export function parseCommitted(text: string): { cycle: Cycle; hour: number; minute: number } | { error: string } {
  const t = text.trim();
  const hourly = /^:(\d{1,2})$/.exec(t);
  if (hourly) {
    const minute = Number(hourly[1]);
    if (minute > 59) return { error: `\`${t}\`: an hourly time is a minute of the hour, :00 to :59.` };
    return { cycle: 'hourly', hour: 0, minute };
  }
  const daily = /^(\d{1,2}):(\d{2})$/.exec(t);
  if (!daily)
    return { error: `\`${t}\` is not a committed time: write a time of day like \`09:00\` (hours up to 47 for past midnight, \`25:30\`), or a minute of the hour like \`:45\`.` };
  const hour = Number(daily[1]);
  const minute = Number(daily[2]);
  if (hour > 47) return { error: `\`${t}\`: hours go up to 47 (a time past midnight of the next day, as in DataWorks).` };
  if (minute > 59) return { error: `\`${t}\`: minutes go up to 59.` };
  return { cycle: 'daily', hour, minute };
}

/** `30m`, `1h`, `1h30m`, `45`: minutes, or why not. */
export function parseMargin(text: string): number | { error: string } {
  const t = text.trim().toLowerCase();
  const m = /^(?:(\d{1,2})h)?(?:(\d{1,3})m?)?$/.exec(t);
  if (!t || !m || (m[1] === undefined && m[2] === undefined)) return { error: `\`${text}\` is not a margin: write minutes or hours, like \`30m\` or \`1h\`.` };
  const minutes = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  if (minutes > 12 * 60) return { error: `A margin of ${minutes} min is more than 12 h.` };
  return minutes;
}

/** How a committed time reads: `09:00`, `01:30 (+1 day)`, `:45`. */
export function committedLabel(b: Pick<Baseline, 'cycle' | 'hour' | 'minute'>): string {
  const mm = String(b.minute).padStart(2, '0');
  if (b.cycle === 'hourly') return `:${mm}`;
  const hh = String(b.hour % 24).padStart(2, '0');
  return b.hour >= 24 ? `${hh}:${mm} (+1 day)` : `${hh}:${mm}`;
}

/**
 * The committed time of the cycle an output run planned at `planTime` belongs to: daily, the
 * start of its plan day + hh:mm (so 25:30 is 01:30 the next day); hourly, the first :mm at or
 * after the start of its plan hour (a run planned at 10:50 for :45 commits to 11:45).
 */
export function committedTimeFor(b: Pick<Baseline, 'cycle' | 'hour' | 'minute'>, planTime: number, timeZone = 'UTC'): number {
  if (b.cycle === 'daily') return startOfDayMs(formatDate(planTime, timeZone), timeZone) + b.hour * HOUR + b.minute * MINUTE;
  const hourStart = Math.floor(planTime / HOUR) * HOUR;
  const at = hourStart + b.minute * MINUTE;
  return at >= planTime ? at : at + HOUR;
}

/** A key for one cycle of a baseline (its committed time), stable across polls. */
export function cycleKey(b: Pick<Baseline, 'task'>, committed: number): string {
  return `${b.task}@${new Date(committed).toISOString().slice(0, 16)}`;
}
