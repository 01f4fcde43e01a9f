/**
 * A metric as a person defines it (seed 000, "Add Metric/DWS Layer": the definition is confirmed
 * with them before anything is planned): its name, its expression, the grain (the dimensions it is
 * grouped by), the DWD table it reads, an optional filter, the Dynamic Table that will hold it and
 * the baseline value they expect. The query is made from these parts and read by the SQL parser:
 * the columns the check with DESC needs come from the parser, not from a guess.
 */
import { columnsOfQuery } from '../lineage/task-tables.js';
import type { AddMetricRequest } from './add-metric.js';

export interface MetricDefinition {
  /** The metric's column name, e.g. paid_gmv. */
  metric: string;
  /** Its aggregate expression, e.g. SUM(amount). */
  expression: string;
  /** The grain: the columns it is grouped by (empty: one row). */
  dimensions: string[];
  /** The DWD table it reads (schema.table). */
  source: string;
  /** An optional WHERE condition, e.g. status = 'paid'. */
  filter?: string;
  /** The new Dynamic Table (schema.table). */
  table: string;
  /** The value the person expects SUM(metric) to be, from their own report. */
  baseline: number;
  /** Accepted difference from the baseline, in percent (default 1). */
  tolerancePct?: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const TABLE = /^[A-Za-z_]\w*\.[A-Za-z_]\w*$/;
/** An expression or filter is one piece of a query: no statement end, no comment that would hide the rest. */
const UNSAFE = /;|--|\/\*/;

/** The query the Dynamic Table is defined by. */
export function metricQuery(d: MetricDefinition): string {
  const dims = d.dimensions.join(', ');
  const select = [...d.dimensions, `${d.expression.trim()} AS ${d.metric}`].join(', ');
  return `SELECT ${select} FROM ${d.source}${d.filter?.trim() ? ` WHERE ${d.filter.trim()}` : ''}${dims ? ` GROUP BY ${dims}` : ''}`;
}

/** What is wrong with each part of a definition (by field; empty: nothing). */
export function metricProblems(d: MetricDefinition): Record<string, string> {
  const p: Record<string, string> = {};
  if (!IDENT.test(d.metric)) p.metric = 'A column name for the metric: letters, digits and _, e.g. paid_gmv.';
  if (!d.expression.trim() || d.expression.length > 500 || UNSAFE.test(d.expression))
    p.expression = 'One aggregate expression, e.g. SUM(amount) or COUNT(DISTINCT user_id) (no ; or comments).';
  if (d.dimensions.length > 10 || d.dimensions.some((c) => !IDENT.test(c))) p.dimensions = 'Column names separated by commas, e.g. dt, channel (at most 10).';
  if (!TABLE.test(d.source)) p.source = 'Choose the DWD table the metric reads.';
  if (d.filter !== undefined && (d.filter.length > 500 || UNSAFE.test(d.filter))) p.filter = "A condition, e.g. status = 'paid' (no ; or comments).";
  if (!TABLE.test(d.table)) p.table = 'schema.table for the new Dynamic Table, e.g. ecommerce_dws.paid_gmv_daily.';
  if (!Number.isFinite(d.baseline)) p.baseline = 'A number: the value you expect SUM of the metric to be (from your own report).';
  if (d.tolerancePct !== undefined && !(d.tolerancePct >= 0 && d.tolerancePct <= 50)) p.tolerancePct = 'A percentage between 0 and 50.';
  if (!p.expression && !p.filter && !p.metric && !p.dimensions && !p.source) {
    const read = columnsOfQuery(metricQuery(d));
    if ('error' in read) p.expression = `The metric's query could not be read: ${read.error}. Check the expression and the filter.`;
  }
  return p;
}

/** The flow's request: the query and the DWD columns it reads (by the parser). */
export function metricRequest(d: MetricDefinition): AddMetricRequest {
  const query = metricQuery(d);
  const read = columnsOfQuery(query);
  const own = d.metric.toLowerCase();
  return {
    table: d.table,
    query,
    metric: d.metric,
    baseline: d.baseline,
    tolerance: (d.tolerancePct ?? 1) / 100,
    requiredColumns: 'error' in read ? [] : read.columns.filter((c) => c !== own),
  };
}
