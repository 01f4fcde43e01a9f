/**
 * Operating streams: start, stop and restart a real-time or CDC task, and per table of a CDC
 * pipeline resync, pause, recover, start and stop. Each is an operation like a rerun — confirmed,
 * authorised at click time, idempotent, one write per target, audited, verified after an unclear
 * answer (src/ops/operations.ts runs them; this file says what each means).
 *
 * Targets: `stream:<taskId>` for the stream and for its tables, so that two people operating the
 * same pipeline at once are serialised; the second identical request answers with the first's
 * result, and one that no longer applies (the table already resyncing) is refused by state.
 */
import { isStreamKind } from '../studio/enums.js';
import type { StudioClient } from '../studio/client.js';
import type { TaskDetail } from '../studio/models.js';
import type { Stream, StreamTable, StreamTableOp } from '../studio/streams.js';
import type { OperationRecord } from '../store/operations.js';
import { humanDuration } from '../studio/dates.js';

export const STREAM_ACTIONS = ['stream_start', 'stream_stop', 'stream_restart'] as const;
export type StreamAction = (typeof STREAM_ACTIONS)[number];
export const TABLE_ACTIONS = ['table_resync', 'table_pause', 'table_recover', 'table_start', 'table_stop'] as const;
export type TableAction = (typeof TABLE_ACTIONS)[number];
export type StreamOpAction = StreamAction | TableAction;

export function isStreamOpAction(a: string): a is StreamOpAction {
  return (STREAM_ACTIONS as readonly string[]).includes(a) || (TABLE_ACTIONS as readonly string[]).includes(a);
}

export const TABLE_OP_OF: Record<TableAction, StreamTableOp> = {
  table_resync: 'resync',
  table_pause: 'pause',
  table_recover: 'recover',
  table_start: 'start',
  table_stop: 'stop',
};

/** What people call each action. */
export const STREAM_ACTION_WORDS: Record<StreamOpAction, string> = {
  stream_start: 'start',
  stream_stop: 'stop',
  stream_restart: 'restart',
  table_resync: 'resync table',
  table_pause: 'pause table',
  table_recover: 'recover table',
  table_start: 'start table',
  table_stop: 'stop table',
};

export type StreamTaskRef = Pick<TaskDetail, 'id' | 'name' | 'type' | 'cdcTaskId' | 'folderName'>;

/** Why the action does not apply to the stream (or table) as it is now, or undefined. */
export function streamOpProblem(action: StreamOpAction, task: StreamTaskRef, stream: Stream | undefined, table?: StreamTable): string | undefined {
  const name = `\`${task.name}\``;
  if (!isStreamKind(task.type.kind)) return `${name} is a ${task.type.label} task, not a stream: it is run, rerun and backfilled, not started or stopped.`;
  if (!stream) return `${name} is not deployed yet, so Studio has no stream to ${STREAM_ACTION_WORDS[action]}. Deploy it in Studio first.`;
  const state = stream.state.label;
  const live = state === 'RUNNING' || state === 'STARTING';
  if (action === 'stream_start' && live) return `${name} is already ${state.toLowerCase()}; nothing to start. Use *Restart* to start it again from its last position.`;
  if (action === 'stream_stop' && !live) return `${name} is already ${state.toLowerCase()}; nothing to stop.`;
  if (action.startsWith('table_')) {
    if (task.type.kind?.key !== 'MULTI_REALTIME') return `${name} is a single-table stream: it has no tables to operate one by one.`;
    if (!table) return `That table is not in ${name} any more.`;
    const t = table.state.label;
    const tname = `\`${table.schema ? `${table.schema}.` : ''}${table.table}\``;
    if (action === 'table_resync' && t === 'FULL_SYNC') return `${tname} is already in its full sync (resyncing); nothing was sent again.`;
    if (action === 'table_pause' && t !== 'INCREMENTAL') return `${tname} is ${t.toLowerCase().replace('_', ' ')}; only a table in its incremental phase can be paused.`;
    if (action === 'table_recover' && t !== 'PAUSED') return `${tname} is ${t.toLowerCase().replace('_', ' ')}; only a paused table is recovered.`;
    if (action === 'table_start' && t !== 'STOPPED' && t !== 'FAILED') return `${tname} is ${t.toLowerCase().replace('_', ' ')}; only a stopped or failed table is started.`;
    if (action === 'table_stop' && t === 'STOPPED') return `${tname} is already stopped.`;
  }
  return undefined;
}

/**
 * Why a start from a chosen time cannot be done, or undefined: only a CDC pipeline's start takes a
 * position (cz-cli's startupMode 4); the single-table start has none.
 */
export function startFromProblem(task: StreamTaskRef, fromTime: number | undefined, now: number): string | undefined {
  if (fromTime === undefined) return undefined;
  if (task.type.kind?.key !== 'MULTI_REALTIME')
    return `\`${task.name}\` is a single-table stream: Studio starts it from its last position or the latest, not from a chosen time. Restart it without \`--from\`.`;
  if (fromTime > now) return `--from is in the future (${new Date(fromTime).toISOString()}); a stream can only be started from a time already past.`;
  return undefined;
}

export interface StreamOpOrigin {
  table?: string | number;
  cardId?: number;
  /** Start reading the source from this time (ms; CDC pipelines only). */
  fromTime?: number;
}

/** A stream's state now, and the table named (by id, name or schema.name) when one is. */
export async function streamStateOf(
  studio: StudioClient,
  task: StreamTaskRef,
  tableRef: string | number | undefined,
): Promise<{ stream: Stream | undefined; table: StreamTable | undefined }> {
  if (!isStreamKind(task.type.kind)) return { stream: undefined, table: undefined };
  const id = studio.streamIdOf(task);
  const stream = id === undefined ? undefined : await studio.getStream(id);
  if (tableRef === undefined || !stream || task.type.kind?.key !== 'MULTI_REALTIME') return { stream, table: undefined };
  const tables = (await studio.listStreamTables(task.id)).items;
  const ref = String(tableRef).toLowerCase();
  const table = tables.find((t) => String(t.id) === ref || t.table.toLowerCase() === ref || `${t.schema ?? ''}.${t.table}`.toLowerCase() === ref);
  return { stream, table };
}

/** What a stream operation asks to confirm, or why it does not apply now (after the policy check). */
export async function prepareStreamOp(
  studio: StudioClient,
  task: StreamTaskRef,
  action: StreamOpAction,
  origin: StreamOpOrigin,
  now: number,
): Promise<{ kind: 'refused'; reason: 'state'; message: string } | { kind: 'ready'; params: Record<string, unknown>; title: string; details: string[] }> {
  const { stream, table } = await streamStateOf(studio, task, origin.table);
  const problem = streamOpProblem(action, task, stream, table) ?? startFromProblem(task, origin.fromTime, now);
  if (problem) return { kind: 'refused', reason: 'state', message: problem };
  const tableName = table ? `${table.schema ? `${table.schema}.` : ''}${table.table}` : undefined;
  const verb = STREAM_ACTION_WORDS[action];
  const Verb = `${verb[0]!.toUpperCase()}${verb.slice(1)}`;
  return {
    kind: 'ready',
    params: {
      taskId: task.id,
      folder: task.folderName,
      cardId: origin.cardId,
      ...(table ? { tableIds: [table.id], table: tableName } : {}),
      ...(origin.fromTime !== undefined ? { fromTime: origin.fromTime } : {}),
    },
    title: table ? `${Verb} ${tableName} of ${task.name}?` : `${Verb} the stream ${task.name}?`,
    details: streamOpDetails(action, task, stream!, table, origin.fromTime),
  };
}

/** At the Confirm click: why the operation no longer applies (the table already resyncing, the stream already stopped), or undefined. */
export async function streamProblemAtClick(studio: StudioClient, op: OperationRecord): Promise<string | undefined> {
  const task = await studio.getTask(Number(op.params.taskId));
  const now = await streamStateOf(studio, task, (op.params.tableIds as number[] | undefined)?.[0]);
  return streamOpProblem(op.action as StreamOpAction, task, now.stream, now.table);
}

/** The lines of a stream operation's confirmation. */
export function streamOpDetails(action: StreamOpAction, task: StreamTaskRef, stream: Stream, table?: StreamTable, fromTime?: number): string[] {
  const now = `Now ${stream.state.label.toLowerCase()}${stream.lagMs !== undefined ? `, ${humanDuration(stream.lagMs)} behind` : ''}${stream.lastError ? ` — last error: ${stream.lastError.slice(0, 200)}` : ''}.`;
  const live = (s: Stream) => s.state.label === 'RUNNING' || s.state.label === 'STARTING';
  const what: Record<StreamOpAction, string> = {
    stream_start: 'Studio starts the stream from its last saved position; it catches up from there.',
    stream_stop: 'Studio stops the stream; it falls behind until it is started again (from its last position).',
    stream_restart:
      stream.state.label === 'RUNNING' || stream.state.label === 'STARTING'
        ? ':warning: The stream is running: Studio stops it, then starts it again from its last saved position. It reads nothing in between.'
        : 'Studio starts the stream again from its last saved position; it catches up from there.',
    table_resync: 'Studio takes a new full snapshot of the table, then resumes its incremental sync. Its rows are written again.',
    table_pause: "Studio pauses the table's incremental sync; the other tables go on.",
    table_recover: "Studio resumes the table's incremental sync from where it paused.",
    table_start: "Studio starts the table's incremental sync.",
    table_stop: "Studio stops the table's incremental sync; the other tables go on.",
  };
  if (fromTime !== undefined && (action === 'stream_start' || action === 'stream_restart')) {
    what[action] =
      `${live(stream) && action === 'stream_restart' ? ':warning: The stream is running: Studio stops it, then starts' : 'Studio starts'} it reading the source from ${new Date(fromTime).toISOString().replace('T', ' ').slice(0, 19)} UTC (a custom start position): changes since then are read again.`;
  }
  const tableLine = table
    ? [
        `Table \`${table.schema ? `${table.schema}.` : ''}${table.table}\`: ${table.state.label.toLowerCase().replace('_', ' ')}${table.error ? ` — ${table.error.slice(0, 200)}` : ''}`,
      ]
    : [];
  return [`${task.type.label} \`${task.name}\`${task.folderName ? ` in \`${task.folderName}\`` : ''}. ${now}`, ...tableLine, what[action]];
}

/** The one write (or two, for a restart of a running stream) an operation makes. */
export async function sendStreamOp(studio: StudioClient, op: OperationRecord, actor: string): Promise<{ requestId: string; message: string }> {
  const task = await studio.getTask(Number(op.params.taskId));
  const action = op.action as StreamOpAction;
  const fromTime = op.params.fromTime === undefined ? undefined : Number(op.params.fromTime);
  const start = async (datasourceId: number | undefined) =>
    fromTime === undefined ? studio.startStream(task, { startupMode: 1, actor }) : studio.startStream(task, { startupMode: 4, fromTime, datasourceId, actor });
  const where = fromTime === undefined ? 'from its last position' : `from ${new Date(fromTime).toISOString()}`;
  if (action === 'stream_start') {
    const id = studio.streamIdOf(task);
    const r = await start(id === undefined ? undefined : (await studio.getStream(id)).datasourceId);
    return { requestId: r.requestId, message: `${task.name} is starting in Studio ${where}. \`/cz task ${task.name}\` shows it catch up.` };
  }
  if (action === 'stream_stop') {
    const r = await studio.stopStream(task, { actor });
    return { requestId: r.requestId, message: `${task.name} was stopped in Studio.` };
  }
  if (action === 'stream_restart') {
    const id = studio.streamIdOf(task);
    const s = id === undefined ? undefined : await studio.getStream(id);
    if (s && (s.state.label === 'RUNNING' || s.state.label === 'STARTING')) await studio.stopStream(task, { actor });
    const r = await start(s?.datasourceId);
    return { requestId: r.requestId, message: `${task.name} was restarted in Studio ${where}. \`/cz task ${task.name}\` shows it catch up.` };
  }
  const tableIds = (op.params.tableIds as number[]) ?? [];
  const r = await studio.streamTableOp(task.id, TABLE_OP_OF[action], tableIds);
  const label = String(op.params.table ?? tableIds.join(', '));
  return { requestId: r.requestId, message: `${STREAM_ACTION_WORDS[action].replace(' table', '')} of table ${label} of ${task.name} sent to Studio.` };
}

/** Did the operation take effect? Read the stream (and table) state. */
export async function verifyStreamOp(studio: StudioClient, op: OperationRecord, requestedAt: number): Promise<{ applied: boolean; detail: string; link?: string }> {
  const task = await studio.getTask(Number(op.params.taskId));
  const link = studio.taskLink(task.id);
  const id = studio.streamIdOf(task);
  const s = id === undefined ? undefined : await studio.getStream(id);
  if (!s) return { applied: false, detail: 'Studio has no stream for it.', link };
  const state = s.state.label;
  const live = state === 'RUNNING' || state === 'STARTING';
  const action = op.action as StreamOpAction;
  if (action === 'stream_stop') return { applied: state === 'STOPPED', detail: `The stream is ${state.toLowerCase()}.`, link };
  if (action === 'stream_start' || action === 'stream_restart') {
    return { applied: live && (s.startedAt ?? 0) >= requestedAt - 1000, detail: `The stream is ${state.toLowerCase()}.`, link };
  }
  const tables = (await studio.listStreamTables(task.id)).items;
  const t = tables.find((x) => (op.params.tableIds as number[]).includes(x.id));
  if (!t) return { applied: false, detail: 'The table is no longer in the pipeline.', link };
  const want: Record<TableAction, string[]> = {
    table_resync: ['FULL_SYNC'],
    table_pause: ['PAUSED'],
    table_recover: ['INCREMENTAL', 'FULL_SYNC'],
    table_start: ['INCREMENTAL', 'FULL_SYNC'],
    table_stop: ['STOPPED'],
  };
  const applied = want[action as TableAction].includes(t.state.label) && (t.updatedAt ?? requestedAt) >= requestedAt - 1000;
  return { applied, detail: `Table ${t.table} is ${t.state.label.toLowerCase().replace('_', ' ')}.`, link };
}
