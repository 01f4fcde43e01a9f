/** Streams for people: a stream's state, lag, throughput, position and CDC tables; the list of streams. */
import type { StreamListView, StreamView } from '../ops/stream-read.js';
import { isLagging } from '../ops/stream-read.js';
import { redactedExcerpt } from '../redaction/index.js';
import { humanDuration } from '../studio/dates.js';
import type { Stream, StreamPosition, StreamTable } from '../studio/streams.js';
import { type Block, type Message, actions, button, context, esc, fields, finishMessage, header, section } from './kit.js';
import { type LinkBuilder, buildTaskDetail, lineSections, shareButton, when } from './replies.js';
import type { TaskView } from '../ops/read.js';

/** The buttons on a stream: the action each starts (src/ops/stream-ops.ts); value `{"t": taskId, "tb"?: tableId}`. */
export const STREAM_BUTTON = {
  start: 'stream_start',
  stop: 'stream_stop',
  restart: 'stream_restart',
  resync: 'stream_table_resync',
  recover: 'stream_table_recover',
} as const;

export function streamButtonValue(taskId: number, tableId?: number): string {
  return JSON.stringify(tableId === undefined ? { t: taskId } : { t: taskId, tb: tableId });
}

const STATE_ICON: Record<string, string> = {
  RUNNING: ':arrows_counterclockwise:',
  STARTING: ':hourglass_flowing_sand:',
  STOPPED: ':black_square_for_stop:',
  FAILED: ':x:',
  FULL_SYNC: ':inbox_tray:',
  INCREMENTAL: ':arrows_counterclockwise:',
  PAUSED: ':double_vertical_bar:',
};

export function streamStateText(label: string): string {
  return `${STATE_ICON[label] ?? ':grey_question:'} ${label.toLowerCase().replace(/_/g, ' ')}`;
}

export function positionText(p: StreamPosition | undefined): string {
  if (!p) return '—';
  if (p.partitions?.length) return `${p.topic ? `\`${esc(p.topic)}\` ` : ''}${p.partitions.map((x) => `p${x.partition}@${x.offset}`).join(', ')}`;
  if (p.binlogFile) return `\`${esc(p.binlogFile)}\`:${p.binlogPosition ?? '?'}`;
  if (p.lsn) return `LSN \`${esc(p.lsn)}\``;
  return '—';
}

export function lagText(s: Stream, thresholdMs: number): string {
  if (s.lagMs === undefined) return '—';
  const over = isLagging(s, thresholdMs);
  return `${over ? ':warning: ' : ''}${humanDuration(s.lagMs)}${over ? ` (over ${humanDuration(thresholdMs)})` : ''}`;
}

function throughputText(s: Stream): string {
  return s.throughput === undefined ? '—' : `${s.throughput.toLocaleString('en-US')} records/s`;
}

function tableLine(t: StreamTable): string {
  const name = `${t.schema ? `${esc(t.schema)}.` : ''}${esc(t.table)}`;
  return `${streamStateText(t.state.label)} \`${name}\`${t.rows !== undefined ? ` · ${t.rows.toLocaleString('en-US')} rows` : ''}${t.error ? `\n> ${esc(redactedExcerpt(t.error, 300))}` : ''}`;
}

/** `/cz task` on any task: a stream's state, lag and tables stand where a batch task's schedule would. */
export function buildTaskView(v: TaskView, links: LinkBuilder, commandText: string): Message {
  return buildTaskDetail(v, links, commandText, v.stream ? streamBlocks(v.stream) : undefined);
}

/** The blocks `/cz task` shows for a stream in place of a schedule. */
export function streamBlocks(v: StreamView): Block[] {
  const s = v.stream;
  if (!s) {
    return [
      section('*Runs continuously* once started (a stream: no schedule, no backfill).\n*State* not deployed — Studio has no stream for it yet. Deploy and start it in Studio.'),
    ];
  }
  const blocks: Block[] = [
    section(`*Runs continuously* (a stream: no schedule, no backfill) · ${streamStateText(s.state.label)} since ${when(s.since)}`),
    fields([`*Lag*\n${lagText(s, v.lagThresholdMs)}`, `*Throughput*\n${throughputText(s)}`, `*Position*\n${positionText(s.position)}`, `*Started*\n${when(s.startedAt)}`]),
  ];
  if (s.lastError) blocks.push(section(`*Last error*\n> ${esc(redactedExcerpt(s.lastError, 600))}`));
  const live = s.state.label === 'RUNNING' || s.state.label === 'STARTING';
  const value = streamButtonValue(v.task.id);
  blocks.push(
    actions(
      live
        ? [button({ text: 'Restart', actionId: STREAM_BUTTON.restart, value }), button({ text: 'Stop', actionId: STREAM_BUTTON.stop, value, style: 'danger' })]
        : [button({ text: 'Restart from last position', actionId: STREAM_BUTTON.restart, value, style: 'primary' })],
    ),
  );
  if (v.tables.length) {
    const counts = new Map<string, number>();
    for (const t of v.tables) counts.set(t.state.label, (counts.get(t.state.label) ?? 0) + 1);
    const summary = [...counts].map(([k, n]) => `${n} ${k.toLowerCase().replace(/_/g, ' ')}`).join(', ');
    blocks.push(section(`*Tables* (${v.tables.length}): ${summary}`));
    const shown = v.tables.slice(0, 30);
    // A failed table gets its Resync, a paused one its Recover (each its own section: one button each).
    const actionable = shown.filter((t) => t.state.label === 'FAILED' || t.state.label === 'PAUSED').slice(0, 10);
    for (const t of actionable) {
      const failed = t.state.label === 'FAILED';
      blocks.push({
        ...section(tableLine(t)),
        accessory: button({
          text: failed ? 'Resync table' : 'Recover table',
          actionId: failed ? STREAM_BUTTON.resync : STREAM_BUTTON.recover,
          value: streamButtonValue(v.task.id, t.id),
        }),
      } as Block);
    }
    blocks.push(...lineSections(shown.filter((t) => !actionable.includes(t)).map(tableLine)));
    if (v.tables.length > shown.length) blocks.push(context(`${v.tables.length - shown.length} more tables not shown (failed ones are listed first).`));
  }
  return blocks;
}

const FILTER_WORDS = { failed: 'failed (or with a failed table)', lagging: 'lagging' } as const;

export function buildStreamList(v: StreamListView, links: LinkBuilder, commandText: string): Message {
  const title = `Streams${v.filter ? `: ${FILTER_WORDS[v.filter]}` : ''}`;
  if (v.streams.length === 0) {
    return finishMessage(title, [
      header(title),
      section(v.total === 0 ? 'This workspace has no real-time or CDC tasks.' : `None of the ${v.total} streams is ${v.filter ? FILTER_WORDS[v.filter] : 'listed'}.`),
    ]);
  }
  const shown = v.streams.slice(0, 40);
  const lines = shown.map(
    (s) =>
      `${streamStateText(s.state.label)} *<${links.taskLink(s.taskId)}|${esc(s.name)}>* (${esc(s.kind?.label ?? 'stream')}) · lag ${lagText(s, v.lagThresholdMs)} · ${throughputText(s)}${(s.failedTables ?? 0) > 0 ? ` · :x: ${s.failedTables} failed table${s.failedTables === 1 ? '' : 's'}` : ''}${s.state.label === 'FAILED' && s.lastError ? `\n> ${esc(redactedExcerpt(s.lastError, 200))}` : ''}`,
  );
  const blocks: Block[] = [header(title), ...lineSections(lines)];
  if (v.streams.length > shown.length) blocks.push(context(`${v.streams.length - shown.length} more not shown: narrow with \`--state failed\` or \`--state lagging\`.`));
  blocks.push(context(`Lagging means more than ${humanDuration(v.lagThresholdMs)} behind. \`/cz task\` with a stream's name shows it with its tables.`));
  blocks.push(actions([shareButton(commandText)]));
  return finishMessage(`${title}: ${v.streams.length} of ${v.total}`, blocks);
}
