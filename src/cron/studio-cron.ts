/**
 * Studio's Quartz-style 7-field cron (`sec min hour dom month dow year`) → fire times.
 *
 * Day-of-week numbers follow cz-cli's adapter: MON = 1 … SUN = 7. cron-parser counts SUN = 0,
 * MON = 1 … SAT = 6, so only 7 needs mapping. The year field is accepted when it is `*` or empty.
 */
import { CronExpressionParser } from 'cron-parser';

export class CronSyntaxError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(`Invalid cron "${expression}": ${message}`);
    this.name = 'CronSyntaxError';
  }
}

function mapDowValue(v: string): string {
  return v.replace(/\b7\b/g, '0');
}

/** The 6-field (seconds first) expression cron-parser understands, from Studio's 7 fields. */
export function studioCronToParserExpression(expr: string): string {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 6 && fields.length !== 7) {
    throw new CronSyntaxError(expr, `expected 7 fields (sec min hour day-of-month month day-of-week year), got ${fields.length}`);
  }
  const [sec, min, hour, dom, mon, dow, year] = fields as [string, string, string, string, string, string, string?];
  if (year !== undefined && year !== '*' && year !== '?') {
    throw new CronSyntaxError(expr, `a fixed year ("${year}") is not supported here`);
  }
  return [sec, min, hour, dom, mon, mapDowValue(dow)].join(' ');
}

/** The next `count` fire times (epoch ms) strictly after `after`, in time zone `tz`. */
export function nextStudioFireTimes(expr: string, after: number, count: number, tz = 'UTC'): number[] {
  let parsed: ReturnType<typeof CronExpressionParser.parse>;
  try {
    parsed = CronExpressionParser.parse(studioCronToParserExpression(expr), { currentDate: new Date(after), tz });
  } catch (e) {
    if (e instanceof CronSyntaxError) throw e;
    throw new CronSyntaxError(expr, (e as Error).message);
  }
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = parsed.next().getTime();
    if (t <= after) continue;
    out.push(t);
  }
  return out;
}

/** Fire times in (from, to], at most `limit`. */
export function studioFireTimesBetween(expr: string, from: number, to: number, tz = 'UTC', limit = 1000): number[] {
  const out: number[] = [];
  let cursor = from;
  while (out.length < limit) {
    const batch = nextStudioFireTimes(expr, cursor, Math.min(100, limit - out.length), tz);
    for (const t of batch) {
      if (t > to) return out;
      out.push(t);
    }
    if (batch.length === 0) return out;
    cursor = batch[batch.length - 1]!;
  }
  return out;
}
