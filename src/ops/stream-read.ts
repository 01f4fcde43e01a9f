/**
 * Reading streams (real-time and CDC tasks): one stream with its CDC tables (failed first), and the
 * workspace's streams filtered by state. A stream is "lagging" when its lag is over the threshold.
 */
import { isStreamKind } from '../studio/enums.js';
import type { StudioClient } from '../studio/client.js';
import type { TaskDetail } from '../studio/models.js';
import type { Stream, StreamTable } from '../studio/streams.js';

/** Lag over which a stream counts as lagging, unless configured otherwise. */
export const DEFAULT_LAG_THRESHOLD_MS = 5 * 60_000;

export interface StreamView {
  task: Pick<TaskDetail, 'id' | 'name' | 'type' | 'cdcTaskId' | 'folderName'>;
  /** Undefined: a CDC pipeline never deployed (Studio has no stream for it yet). */
  stream: Stream | undefined;
  /** A CDC pipeline's tables, failed first, then paused / stopped, then the rest by name. */
  tables: StreamTable[];
  lagThresholdMs: number;
}

const TABLE_ORDER: Record<string, number> = { FAILED: 0, PAUSED: 1, STOPPED: 2, FULL_SYNC: 3, INCREMENTAL: 4 };

export function tablesFailedFirst(tables: StreamTable[]): StreamTable[] {
  return [...tables].sort((a, b) => (TABLE_ORDER[a.state.label] ?? 5) - (TABLE_ORDER[b.state.label] ?? 5) || a.table.localeCompare(b.table));
}

export async function describeStream(studio: StudioClient, task: StreamView['task'], lagThresholdMs = DEFAULT_LAG_THRESHOLD_MS): Promise<StreamView> {
  const id = studio.streamIdOf(task);
  const [stream, tables] = await Promise.all([
    id === undefined ? undefined : studio.getStream(id),
    task.type.kind?.key === 'MULTI_REALTIME' && id !== undefined ? studio.listStreamTables(task.id).then((p) => p.items) : [],
  ]);
  return { task, stream, tables: tablesFailedFirst(tables), lagThresholdMs };
}

export type StreamFilter = 'failed' | 'lagging';

export function isLagging(s: Stream, thresholdMs: number): boolean {
  return (s.state.label === 'RUNNING' || s.state.label === 'STARTING') && (s.lagMs ?? 0) > thresholdMs;
}

export interface StreamListView {
  streams: Stream[];
  total: number;
  filter: StreamFilter | undefined;
  lagThresholdMs: number;
}

/** Every stream of the workspace (every page), filtered: failed or stopped first, then the most behind. */
export async function listStreamsView(studio: StudioClient, filter: StreamFilter | undefined, lagThresholdMs = DEFAULT_LAG_THRESHOLD_MS): Promise<StreamListView> {
  const all: Stream[] = [];
  for (let page = 1; page <= 20; page++) {
    const p = await studio.listStreams({ page, pageSize: 100 });
    all.push(...p.items.filter((s) => s.kind === undefined || isStreamKind(s.kind)));
    if (page >= p.totalPages) break;
  }
  const kept = all.filter((s) => (filter === 'failed' ? s.state.label === 'FAILED' || (s.failedTables ?? 0) > 0 : filter === 'lagging' ? isLagging(s, lagThresholdMs) : true));
  const rank = (s: Stream) => (s.state.label === 'FAILED' ? 0 : (s.failedTables ?? 0) > 0 ? 1 : s.state.label === 'STOPPED' ? 2 : 3);
  kept.sort((a, b) => rank(a) - rank(b) || (b.lagMs ?? 0) - (a.lagMs ?? 0) || a.name.localeCompare(b.name));
  return { streams: kept, total: all.length, filter, lagThresholdMs };
}
