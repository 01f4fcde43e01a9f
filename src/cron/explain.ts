/**
 * Cron for people: 5-, 6- and 7-field input → Studio's 7-field Quartz form, every Studio
 * restriction it breaks with the nearest valid expression, a plain-language description, and the
 * next fire times in a time zone.
 *
 * 5 fields (`m h dom mon dow`, Unix: SUN = 0 or 7, MON = 1) → `0 m h dom mon dow' *`, with `?` in
 * the day field that is not used; day-of-week numbers become Studio's MON = 1 … SUN = 7.
 * 6 fields are Quartz without the year; 7 fields are taken as they are.
 */
import { nextStudioFireTimes } from './studio-cron.js';

export const ALLOWED_MINUTE_STEPS = [1, 2, 3, 5, 10, 15, 20, 30] as const;

export interface CronProblem {
  code: 'fields' | 'both_days' | 'token_L' | 'token_W' | 'token_hash' | 'token_C' | 'minute_step' | 'hour_star' | 'syntax';
  /** P1: Studio rejects it; P2: some instances reject it. */
  severity: 'error' | 'warning';
  message: string;
}

export interface CronAnalysis {
  input: string;
  inputFields: number;
  /** Studio's 7-field form of the input (may still break restrictions). */
  studio: string | undefined;
  problems: CronProblem[];
  /** The closest expression Studio accepts, when the input breaks a restriction. */
  nearestValid: string | undefined;
  description: string | undefined;
  /** The nearest valid expression in words, when there is one. */
  nearestDescription?: string;
}

const DOW_WORDS: Record<string, string> = {
  1: 'Monday',
  2: 'Tuesday',
  3: 'Wednesday',
  4: 'Thursday',
  5: 'Friday',
  6: 'Saturday',
  7: 'Sunday',
  MON: 'Monday',
  TUE: 'Tuesday',
  WED: 'Wednesday',
  THU: 'Thursday',
  FRI: 'Friday',
  SAT: 'Saturday',
  SUN: 'Sunday',
};
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Unix day-of-week (0/7 = SUN, 1 = MON) → Studio (MON = 1 … SUN = 7), in lists and ranges. */
function unixDowToStudio(field: string): string {
  return field.replace(/\d+/g, (n) => {
    const v = Number(n);
    return String(v === 0 || v === 7 ? 7 : v);
  });
}

export function toStudioCron(input: string): { studio: string; inputFields: number } | { error: string; inputFields: number } {
  const f = input.trim().split(/\s+/).filter(Boolean);
  if (f.length === 5) {
    const [m, h, dom, mon, dow] = f as [string, string, string, string, string];
    const domUsed = dom !== '*' && dom !== '?';
    const dowUsed = dow !== '*' && dow !== '?';
    if (domUsed && dowUsed) return { studio: `0 ${m} ${h} ${dom} ${mon} ${unixDowToStudio(dow)} *`, inputFields: 5 };
    if (dowUsed) return { studio: `0 ${m} ${h} ? ${mon} ${unixDowToStudio(dow)} *`, inputFields: 5 };
    return { studio: `0 ${m} ${h} ${dom === '?' ? '*' : dom} ${mon} ? *`, inputFields: 5 };
  }
  if (f.length === 6 || f.length === 7) {
    // Quartz order; a weekday written Unix-style (0 = Sunday) is Studio's 7; the unused day field becomes `?`.
    const [sec, m, h, dom, mon, dow, year] = f as [string, string, string, string, string, string, string | undefined];
    const dowUsed = dow !== '*' && dow !== '?';
    const domUsed = dom !== '*' && dom !== '?';
    const studioDow = dowUsed ? unixDowToStudio(dow) : dow;
    const days = dowUsed && !domUsed ? `? ${mon} ${studioDow}` : domUsed && !dowUsed ? `${dom} ${mon} ?` : `${dom} ${mon} ${studioDow}`;
    return { studio: `${sec} ${m} ${h} ${days} ${year ?? '*'}`, inputFields: f.length };
  }
  return { error: `a cron has 5 fields (minute hour day month weekday), or Studio's 7 (second minute hour day month weekday year); this has ${f.length}`, inputFields: f.length };
}

const FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 1, max: 7, names: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] },
  { name: 'year', min: 1970, max: 2099 },
];

/** Each field of a 7-field expression that is not a value, range, list or step of its field. */
export function fieldProblems(studio: string): string[] {
  const out: string[] = [];
  studio.split(/\s+/).forEach((raw, i) => {
    const f = FIELDS[i];
    if (!f) return;
    const v = raw.toUpperCase();
    if (v === '*' || v === '?') return;
    // Tokens Studio rejects are reported by the restrictions check, not here.
    const plain = v.replace(/L|W|#\d+|C/g, '');
    for (const part of plain.split(',')) {
      const m = /^(\*|[A-Z0-9]+)(?:-([A-Z0-9]+))?(?:\/(\d+))?$/.exec(part);
      const ok = (x: string | undefined) => x === undefined || x === '*' || x === '' || (/^\d+$/.test(x) ? Number(x) >= f.min && Number(x) <= f.max : (f.names ?? []).includes(x));
      if (part === '' && plain !== v) continue;
      if (!m || !ok(m[1]) || !ok(m[2]) || (m[3] !== undefined && Number(m[3]) === 0)) {
        out.push(`${f.name} \`${raw}\` is not ${f.names ? `${f.min}–${f.max} or ${f.names[0]}–${f.names.at(-1)}` : `${f.min}–${f.max}`}`);
        return;
      }
    }
  });
  return out;
}

function nearestStep(step: number): number {
  return [...ALLOWED_MINUTE_STEPS].sort((a, b) => Math.abs(a - step) - Math.abs(b - step) || a - b)[0]!;
}

/** Studio's restrictions, and the nearest expression that keeps to them. */
export function checkStudioCron(studio: string): { problems: CronProblem[]; nearest: string } {
  const f = studio.split(/\s+/);
  const problems: CronProblem[] = [];
  let [sec, min, hour, dom, mon, dow, year] = f as [string, string, string, string, string, string, string];
  const domUsed = dom !== '?' && dom !== '*';
  const dowUsed = dow !== '?' && dow !== '*';
  if (dom !== '?' && dow !== '?') {
    problems.push({ code: 'both_days', severity: 'error', message: 'one of day-of-month and day-of-week must be `?`' });
    if (dowUsed && !domUsed) dom = '?';
    else dow = '?';
  }
  if (/L/i.test(dom) || /L/i.test(dow.replace(/SUN|SAT|MON|TUE|WED|THU|FRI/gi, ''))) {
    problems.push({ code: 'token_L', severity: 'error', message: '`L` (last day) is not supported' });
    dom = dom.replace(/L-?\d*/gi, '28').replace(/^,|,$/g, '') || '28';
    dow = dow.replace(/(\d)L/gi, '$1');
  }
  if (/W/i.test(dom.replace(/WED/gi, ''))) {
    problems.push({ code: 'token_W', severity: 'error', message: '`W` (nearest weekday) is not supported' });
    dom = dom.replace(/W/gi, '');
  }
  if (dow.includes('#')) {
    problems.push({ code: 'token_hash', severity: 'error', message: '`#` (nth weekday of the month) is not supported' });
    dow = dow.replace(/#\d+/g, '');
  }
  if (/C/i.test(`${dom} ${dow}`.replace(/SEC|OCT|DEC/gi, ''))) {
    problems.push({ code: 'token_C', severity: 'error', message: '`C` (calendar) is not supported' });
    dom = dom.replace(/C/gi, '');
    dow = dow.replace(/C/gi, '');
  }
  const step = /\/(\d+)$/.exec(min);
  if (step && !(ALLOWED_MINUTE_STEPS as readonly number[]).includes(Number(step[1]))) {
    const best = nearestStep(Number(step[1]));
    problems.push({ code: 'minute_step', severity: 'error', message: `a minute interval of ${step[1]} is not allowed (only ${ALLOWED_MINUTE_STEPS.join(', ')})` });
    min = min.replace(/\/\d+$/, `/${best}`);
  }
  if (hour === '*') {
    problems.push({ code: 'hour_star', severity: 'warning', message: 'some instances reject `*` in the hour field; `0-23` means the same' });
    hour = '0-23';
  }
  return { problems, nearest: [sec, min, hour, dom, mon, dow, year ?? '*'].join(' ') };
}

function two(n: string): string {
  return n.padStart(2, '0');
}

function listWords(field: string, map: (v: string) => string): string {
  return field
    .split(',')
    .map((part) => {
      const r = /^(\w+)-(\w+)$/.exec(part);
      return r ? `${map(r[1]!)} to ${map(r[2]!)}` : map(part);
    })
    .join(', ');
}

/** A plain-language description of a 7-field Studio cron (common shapes; field by field otherwise). */
export function describeStudioCron(studio: string): string {
  const [sec, min, hour, dom, mon, dow] = studio.split(/\s+/) as [string, string, string, string, string, string];
  let when: string;
  const minStep = /^(?:\*|0)\/(\d+)$/.exec(min);
  const hourStep = /^(?:\*|0)\/(\d+)$/.exec(hour);
  const allHours = hour === '*' || hour === '0-23';
  if (/^\d+$/.test(min) && /^\d+$/.test(hour)) when = `at ${two(hour)}:${two(min)}`;
  else if (/^\d+$/.test(min) && /^[\d,]+$/.test(hour))
    when = `at ${hour
      .split(',')
      .map((h) => `${two(h)}:${two(min)}`)
      .join(', ')}`;
  else if (minStep && allHours) when = `every ${minStep[1]} minutes`;
  else if (minStep) when = `every ${minStep[1]} minutes during hours ${hour}`;
  else if (/^\d+$/.test(min) && allHours) when = `at minute ${min} of every hour`;
  else if (/^\d+$/.test(min) && hourStep) when = `at minute ${min}, every ${hourStep[1]} hours`;
  else if (min === '*' && allHours) when = 'every minute';
  else when = `at minute ${min} of hour ${hour}`;
  if (sec !== '0' && sec !== '*') when += ` (second ${sec})`;
  let days = 'every day';
  const nth = /^(\w+)#(\d)$/.exec(dow);
  const lastDow = /^(\w+)L$/i.exec(dow);
  if (nth) days = `on the ${['', 'first', 'second', 'third', 'fourth', 'fifth'][Number(nth[2])] ?? `${nth[2]}th`} ${DOW_WORDS[nth[1]!.toUpperCase()] ?? nth[1]} of the month`;
  else if (lastDow) days = `on the last ${DOW_WORDS[lastDow[1]!.toUpperCase()] ?? lastDow[1]} of the month`;
  else if (dow !== '?' && dow !== '*') days = `on ${listWords(dow.toUpperCase(), (d) => DOW_WORDS[d] ?? d)}`;
  else if (/^L$/i.test(dom)) days = 'on the last day of the month';
  else if (/^L-(\d+)$/i.test(dom)) days = `${/^L-(\d+)$/i.exec(dom)![1]} days before the last day of the month`;
  else if (/^\d+W$/i.test(dom)) days = `on the weekday nearest day ${dom.slice(0, -1)} of the month`;
  else if (dom !== '?' && dom !== '*') days = `on day ${dom} of the month`;
  const months = mon === '*' ? '' : ` in ${listWords(mon, (m) => (/^\d+$/.test(m) ? (MONTHS[Number(m) - 1] ?? m) : m))}`;
  return `${when[0]!.toUpperCase()}${when.slice(1)}, ${days}${months}`;
}

const EXAMPLE = 'e.g. `30 2 * * *` (daily 02:30) or `0 30 2 * * ? *`';

export function analyseCron(input: string): CronAnalysis {
  const converted = toStudioCron(input);
  if ('error' in converted) {
    return {
      input,
      inputFields: converted.inputFields,
      studio: undefined,
      problems: [{ code: 'fields', severity: 'error', message: `${converted.error} (${EXAMPLE})` }],
      nearestValid: undefined,
      description: undefined,
    };
  }
  // Values out of range are named field by field, never with a parser's words.
  const bad = fieldProblems(converted.studio);
  if (bad.length > 0) {
    return {
      input,
      inputFields: converted.inputFields,
      studio: undefined,
      problems: [{ code: 'syntax', severity: 'error', message: `${bad.join('; ')} (${EXAMPLE})` }],
      nearestValid: undefined,
      description: undefined,
    };
  }
  const { problems, nearest } = checkStudioCron(converted.studio);
  try {
    nextStudioFireTimes(nearest, 0, 1);
  } catch {
    return {
      input,
      inputFields: converted.inputFields,
      studio: undefined,
      problems: [...problems, { code: 'syntax', severity: 'error', message: `this is not an expression Studio can read (${EXAMPLE})` }],
      nearestValid: undefined,
      description: undefined,
    };
  }
  return {
    input,
    inputFields: converted.inputFields,
    studio: converted.studio,
    problems,
    nearestValid: problems.length ? nearest : undefined,
    // The words describe what was typed; the nearest valid expression has its own.
    description: describeStudioCron(converted.studio),
    nearestDescription: problems.length ? describeStudioCron(nearest) : undefined,
  };
}

/** Next fire times of what Studio would run (the nearest valid expression when the input breaks a rule). */
export function nextRuns(a: CronAnalysis, after: number, count: number, tz: string): number[] {
  const expr = a.nearestValid ?? a.studio;
  try {
    return expr ? nextStudioFireTimes(expr, after, count, tz) : [];
  } catch {
    return [];
  }
}
