/** Replies for `/cz dt` and `/cz table`: Dynamic Tables and Lakehouse tables, read over SQL. */
import type { DynamicTableHistory, DynamicTablesView, RefreshEntry, TableSample, TableView } from '../ops/lakehouse-read.js';
import { humanDuration } from '../studio/dates.js';
import { type Block, type Message, actions, context, divider, esc, fields, finishMessage, header, section } from './kit.js';
import { lineSections, shareButton, when } from './replies.js';

const STATE_ICON: Record<string, string> = {
  FAILED: ':x:',
  SUSPENDED: ':double_vertical_bar:',
  OK: ':white_check_mark:',
  UNKNOWN: ':grey_question:',
  SUCCEED: ':white_check_mark:',
  RUNNING: ':arrows_counterclockwise:',
};

const STATE_WORD: Record<string, string> = { SUCCEED: 'succeeded', SUCCEEDED: 'succeeded', FAILED: 'failed', RUNNING: 'running', CANCELLED: 'cancelled' };

function firstLine(text: string, max = 160): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function buildDynamicTables(v: DynamicTablesView, now: number, commandText: string): Message {
  const lines = v.tables.map((t) => {
    const name = `\`${esc(`${t.schema}.${t.name}`)}\``;
    const lag = t.lastSuccessAt ? `last success ${humanDuration(now - t.lastSuccessAt)} ago` : `no success in ${v.windowHours} h`;
    if (t.state === 'SUSPENDED') return `${STATE_ICON.SUSPENDED} ${name} *suspended*${t.latest?.suspendedReason ? `: ${esc(t.latest.suspendedReason)}` : ''} · ${lag}`;
    if (t.state === 'FAILED')
      return `${STATE_ICON.FAILED} ${name} *latest refresh failed* ${when(t.latest?.startedAt)}${t.failuresInWindow > 1 ? ` (${t.failuresInWindow} failures in ${v.windowHours} h)` : ''} · ${lag}\n      ${esc(firstLine(t.latest?.error ?? ''))}`;
    return `${STATE_ICON.OK} ${name} refreshed ${when(t.latest?.startedAt)} · ${lag}`;
  });
  const failing = v.tables.filter((t) => t.state !== 'OK').length;
  const blocks: Block[] = [
    header('Dynamic Tables'),
    section(
      v.tables.length ? `${v.tables.length} refreshed in the last ${v.windowHours} h; *${failing}* need attention.` : `No Dynamic Table refreshed in the last ${v.windowHours} h.`,
    ),
    ...lineSections(lines),
  ];
  if (v.quiet.length)
    blocks.push(
      context(
        `No refresh in ${v.windowHours} h: ${v.quiet
          .slice(0, 20)
          .map((n) => `\`${esc(n)}\``)
          .join(', ')}${v.quiet.length > 20 ? ` and ${v.quiet.length - 20} more` : ''}`,
      ),
    );
  blocks.push(context(`\`/cz dt ${esc('<schema.table>')}\` shows one table's refresh history.`), actions([shareButton(commandText)]));
  return finishMessage(`Dynamic Tables: ${failing} need attention`, blocks);
}

function refreshLine(e: RefreshEntry): string {
  const ms = e.durationMs ?? (e.endedAt ? e.endedAt - e.startedAt : undefined);
  const took = ms === undefined ? '' : ms < 10_000 ? ` in ${(ms / 1000).toFixed(1)} s` : ` in ${humanDuration(ms)}`;
  const rows = e.rowsInserted !== undefined ? ` · ${e.rowsInserted.toLocaleString('en-US')} rows inserted` : '';
  const what =
    e.state === 'SUSPENDED'
      ? `*suspended*${e.suspendedReason ? `: ${esc(e.suspendedReason)}` : ''}`
      : `${STATE_WORD[e.state] ?? e.state.toLowerCase()}${took} (${e.trigger.toLowerCase().replace('_', ' ')}, ${e.mode.toLowerCase()})${rows}`;
  return `${STATE_ICON[e.state] ?? '•'} ${when(e.startedAt)} ${what}${e.error ? `\n      ${esc(firstLine(e.error))}` : ''}`;
}

export function buildDynamicTableHistory(h: DynamicTableHistory, commandText: string): Message {
  const blocks: Block[] = [header(`Refresh history of ${h.table}`)];
  if (h.entries.length === 0) blocks.push(section('It has not refreshed yet. Its first refresh runs at its creation time plus the interval, or now with `REFRESH DYNAMIC TABLE`.'));
  else {
    const latest = h.entries[0]!;
    if (latest.state === 'FAILED' || latest.state === 'SUSPENDED')
      blocks.push(
        section(
          `${STATE_ICON[latest.state]} *${latest.state === 'FAILED' ? 'The latest refresh failed' : 'Suspended'}* — the table holds the data of its last successful refresh.`,
        ),
      );
    blocks.push(...lineSections(h.entries.map(refreshLine)));
    blocks.push(context(`VCluster \`${esc(latest.vcluster)}\` · job ${esc(latest.jobId)}`));
  }
  blocks.push(actions([shareButton(commandText)]));
  return finishMessage(`Refresh history of ${h.table}`, blocks);
}

function size(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 && u > 0 ? 1 : 0)} ${units[u]}`;
}

/** Sample rows as an aligned code block (one section, within Slack's 3,000 characters), and what was left out. */
/** A sample as a fixed-width table, cut to one section, with what was left out said. */
export function sampleBlocks(sample: TableSample, title = 'Sample'): Block[] {
  const width = (k: number) => Math.max(sample.columns[k]!.length, ...sample.rows.map((r) => r[k]!.length));
  const line = (cells: string[]) =>
    cells
      .map((c, k) => c.padEnd(width(k)))
      .join('  ')
      .trimEnd();
  const lines = [line(sample.columns), ...sample.rows.map(line)];
  const budget = 2_900 - 40;
  let body = '';
  for (const l of lines) {
    const next = body ? `${body}\n${l}` : l;
    if (esc(next).length > budget) break;
    body = next;
  }
  const notes = [
    `${sample.rows.length} row${sample.rows.length === 1 ? '' : 's'}, values redacted and cut at 40 characters.`,
    sample.columnsLeftOut > 0 ? `${sample.columnsLeftOut} more column${sample.columnsLeftOut === 1 ? '' : 's'} not shown.` : '',
    esc(body).length < esc(lines.join('\n')).length ? 'Rows cut to fit one Slack message.' : '',
  ].filter(Boolean);
  return [section(`*${esc(title)}*\n\`\`\`${esc(body)}\`\`\``), context(notes.join(' '))];
}

export function buildTableView(t: TableView, commandText: string): Message {
  const blocks: Block[] = [
    header(`Table ${t.table}`),
    fields([
      `*Type*\n${esc(t.type.toLowerCase().replace('_', ' '))}`,
      `*Rows*\n${t.rows !== undefined ? t.rows.toLocaleString('en-US') : '—'}`,
      `*Size*\n${t.bytes !== undefined ? size(t.bytes) : '—'}`,
      `*Partitioned by*\n${t.partitionedBy ? `\`${esc(t.partitionedBy)}\`` : '—'}`,
    ]),
    section(`*Columns* (${t.columns.length})`),
    ...lineSections(t.columns.map((c) => `\`${esc(c.name)}\` ${esc(c.type)}${c.comment ? ` — ${esc(c.comment)}` : ''}`)),
  ];
  if (t.partitions.length) {
    const prior = t.partitions.slice(1).filter((p) => p.rows > 0);
    const avg = prior.length ? prior.reduce((a, p) => a + p.rows, 0) / prior.length : 0;
    blocks.push(divider(), section(`*Rows by business date* (\`${esc(t.partitionedBy ?? '')}\`)`));
    blocks.push(
      ...lineSections(
        t.partitions.map((p) => {
          const flag =
            p.rows === 0 ? ' :warning: *empty*' : avg > 0 && p.rows < avg * 0.5 ? ` :warning: ${Math.round((1 - p.rows / avg) * 100)} % below the average of the other days` : '';
          return `${p.value}  ${p.rows.toLocaleString('en-US')}${flag}`;
        }),
      ),
    );
  }
  if (t.partitionsNotCounted) blocks.push(context(esc(t.partitionsNotCounted)));
  if (t.sample) blocks.push(divider(), ...sampleBlocks(t.sample));
  blocks.push(actions([shareButton(commandText)]));
  return finishMessage(`Table ${t.table}`, blocks);
}
