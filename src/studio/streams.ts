/**
 * Studio's calls for streams — real-time (REALTIME, fileType 14) and multi-table CDC
 * (MULTI_REALTIME, 281) tasks — as the public cz-cli sends them
 * (packages/clickzetta-sdk/src/studio/task.ts): the list, a stream's detail, start and stop (each
 * kind on its own path), a pipeline's tables and the per-table operations, PostgreSQL slots.
 * What cz-cli reads is read the same way; lag, throughput, position and table states are our
 * assumption of the answer's fields (docs/studio-api.md, "Streams").
 */
import { z } from 'zod';
import { type Labelled, type TaskKind, taskKindByFileType } from './enums.js';
import type { Page, TaskDetail } from './models.js';
import { StudioReads } from './reads.js';
import { ADMIN } from './session.js';

const T = `${ADMIN}/timelyTask`;

const numeric = z.union([
  z.number(),
  z
    .string()
    .regex(/^\s*-?\d+(\.\d+)?\s*$/)
    .transform(Number),
]);
const optNum = numeric.nullish();
const optStr = z.union([z.string(), z.number().transform(String)]).nullish();

/** cz-cli's StudioCdcRunStatus: 2 running, 4 stopped. 1 starting and 5 failed are our assumption. */
export const STREAM_STATE = { STARTING: 1, RUNNING: 2, STOPPED: 4, FAILED: 5 } as const;
export type StreamStateLabel = keyof typeof STREAM_STATE;
/** A CDC table's state (our assumption). */
export const STREAM_TABLE_STATE = { FULL_SYNC: 1, INCREMENTAL: 2, PAUSED: 3, STOPPED: 4, FAILED: 5 } as const;
export type StreamTableStateLabel = keyof typeof STREAM_TABLE_STATE;

function labelFrom<L extends string>(table: Record<string, number>, code: number | undefined, name: string | undefined): Labelled<L> {
  const byName = name ? (name.toUpperCase().replace(/[\s-]+/g, '_') as L) : undefined;
  if (byName && byName in table) return { code: table[byName]!, label: byName };
  const hit = Object.entries(table).find(([, v]) => v === code);
  const c = code ?? Number.NaN;
  return { code: c, label: (hit?.[0] as L | undefined) ?? (`UNKNOWN_${c}` as const) };
}

export interface StreamPosition {
  /** Kafka: topic and each partition's offset. */
  topic?: string;
  partitions?: { partition: number; offset: number }[];
  /** MySQL: binlog file and offset. */
  binlogFile?: string;
  binlogPosition?: number;
  /** PostgreSQL: the confirmed LSN. */
  lsn?: string;
}

export interface Stream {
  /** The id stream calls take (`timelyId`): the file id of a REALTIME task, `cdcTaskId` of a pipeline. */
  streamId: number;
  taskId: number;
  name: string;
  kind: TaskKind | undefined;
  state: Labelled<StreamStateLabel>;
  /** When the present state began (ms), when Studio says. */
  since: number | undefined;
  startedAt: number | undefined;
  lastError: string | undefined;
  lagMs: number | undefined;
  /** Records per second. */
  throughput: number | undefined;
  source: string | undefined;
  datasourceId: number | undefined;
  slotName: string | undefined;
  position: StreamPosition | undefined;
  tableCount: number | undefined;
  failedTables: number | undefined;
}

const positionSchema = z
  .looseObject({
    topic: optStr,
    partitions: z.array(z.looseObject({ partition: numeric, offset: numeric })).nullish(),
    binlogFile: optStr,
    binlogPosition: optNum,
    lsn: optStr,
  })
  .transform(
    (p): StreamPosition => ({
      topic: p.topic ?? undefined,
      partitions: p.partitions?.map((x) => ({ partition: x.partition, offset: x.offset })),
      binlogFile: p.binlogFile ?? undefined,
      binlogPosition: p.binlogPosition ?? undefined,
      lsn: p.lsn ?? undefined,
    }),
  );

export const streamSchema = z
  .looseObject({
    timelyId: optNum,
    cdcTaskId: optNum,
    fileId: optNum,
    dataFileId: optNum,
    taskName: optStr,
    dataFileName: optStr,
    fileType: optNum,
    taskStatus: optNum,
    taskStatusName: optStr,
    stateTime: optNum,
    startTime: optNum,
    lastErrorMsg: optStr,
    errorMsg: optStr,
    delayMs: optNum,
    rps: optNum,
    sourceType: optStr,
    datasourceId: optNum,
    slotName: optStr,
    position: positionSchema.nullish(),
    tableCount: optNum,
    failedTableCount: optNum,
  })
  .transform((r, ctx): Stream => {
    const streamId = r.timelyId ?? r.cdcTaskId;
    const taskId = r.fileId ?? r.dataFileId ?? (r.fileType === 14 ? streamId : undefined);
    if (streamId === undefined || streamId === null || taskId === undefined || taskId === null) {
      ctx.addIssue({ code: 'custom', message: 'real-time task without timelyId / fileId' });
      return z.NEVER;
    }
    return {
      streamId,
      taskId,
      name: r.taskName ?? r.dataFileName ?? String(taskId),
      kind: r.fileType !== undefined && r.fileType !== null ? taskKindByFileType(r.fileType) : undefined,
      state: labelFrom<StreamStateLabel>(STREAM_STATE, r.taskStatus ?? undefined, r.taskStatusName ?? undefined),
      since: r.stateTime ?? undefined,
      startedAt: r.startTime ?? undefined,
      lastError: r.lastErrorMsg ?? r.errorMsg ?? undefined,
      lagMs: r.delayMs ?? undefined,
      throughput: r.rps ?? undefined,
      source: r.sourceType ?? undefined,
      datasourceId: r.datasourceId ?? undefined,
      slotName: r.slotName ?? undefined,
      position: r.position ?? undefined,
      tableCount: r.tableCount ?? undefined,
      failedTables: r.failedTableCount ?? undefined,
    };
  });

export interface StreamTable {
  /** The id per-table operations take. */
  id: number;
  schema: string | undefined;
  table: string;
  state: Labelled<StreamTableStateLabel>;
  error: string | undefined;
  rows: number | undefined;
  updatedAt: number | undefined;
}

export const streamTableSchema = z
  .looseObject({
    id: numeric,
    schemaName: optStr,
    tableName: optStr,
    sourceTable: optStr,
    status: optNum,
    statusName: optStr,
    errorMsg: optStr,
    syncRows: optNum,
    updateTime: optNum,
  })
  .transform(
    (t): StreamTable => ({
      id: t.id,
      schema: t.schemaName ?? undefined,
      table: t.tableName ?? t.sourceTable ?? String(t.id),
      state: labelFrom<StreamTableStateLabel>(STREAM_TABLE_STATE, t.status ?? undefined, t.statusName ?? undefined),
      error: t.errorMsg ?? undefined,
      rows: t.syncRows ?? undefined,
      updatedAt: t.updateTime ?? undefined,
    }),
  );

export interface ReplicationSlot {
  datasourceId: number;
  db: string | undefined;
  name: string;
  type: string | undefined;
  active: boolean;
}

const slotListSchema = z.array(
  z.looseObject({
    datasourceId: numeric,
    db: optStr,
    pipelineSlotMetaVos: z.array(z.looseObject({ slotName: z.string(), slotType: optStr, active: z.union([z.string(), z.boolean()]).nullish() })).nullish(),
  }),
);

export type StreamTableOp = 'start' | 'stop' | 'resync' | 'pause' | 'recover';
/** Each per-table operation's path and the field its table ids go in (cz-cli: `tables` for resync only; pause also sends `sourceTables: []`). */
const TABLE_OPS: Record<StreamTableOp, { path: string; field: 'taskIds' | 'tables'; extra?: Record<string, unknown> }> = {
  start: { path: `${T}/start/table`, field: 'taskIds' },
  stop: { path: `${T}/stop/table`, field: 'taskIds' },
  resync: { path: `${T}/resync/table`, field: 'tables' },
  pause: { path: `${T}/pause/cdc`, field: 'taskIds', extra: { sourceTables: [] } },
  recover: { path: `${T}/recover/cdc`, field: 'taskIds' },
};

/** How a stream starts: 0 stateless (from the latest), 1 from the last saved position, 4 from a chosen time (CDC only). */
export interface StreamStart {
  startupMode: 0 | 1 | 4;
  /** startupMode 4: read from this time (ms). */
  fromTime?: number;
  /** startupMode 4: the source data source the position is for (the stream's `datasourceId`). */
  datasourceId?: number;
  actor?: string;
}

export type StreamTask = Pick<TaskDetail, 'id' | 'name' | 'type' | 'cdcTaskId'>;

export class StudioStreamCalls extends StudioReads {
  /** Every stream of the workspace, a page at a time (`timelyTask/list`). */
  async listStreams(filter: { nameLike?: string; status?: number; page?: number; pageSize?: number } = {}): Promise<Page<Stream>> {
    const { projectId } = await this.getSession();
    const page = filter.page ?? 1;
    const pageSize = filter.pageSize ?? 100;
    const body: Record<string, unknown> = { pageIndex: page, pageSize, projectId, taskNameLike: filter.nameLike ?? '' };
    if (filter.status !== undefined) body.taskStatus = filter.status;
    return this.listPage(`${T}/list`, body, streamSchema, page, pageSize, 'real-time task list');
  }

  /** A stream's state (`timelyTask/getDetail`, by `timelyId`). */
  async getStream(streamId: number): Promise<Stream> {
    return this.callParsed(`${T}/getDetail`, { timelyId: streamId }, 'read', streamSchema, 'real-time task detail');
  }

  /** The id stream calls take for a task, or undefined for a pipeline never deployed (no `cdcTaskId` yet). */
  streamIdOf(task: StreamTask): number | undefined {
    return task.type.kind?.key === 'MULTI_REALTIME' ? task.cdcTaskId : task.id;
  }

  async startStream(task: StreamTask, start: StreamStart): Promise<{ requestId: string }> {
    const updateBy = await this.actor(start.actor);
    const workspace = this.opts.workspace;
    if (task.type.kind?.key === 'MULTI_REALTIME') {
      const startupParams: Record<string, unknown> = { engineType: 5, startupMode: start.startupMode, snapshotTaskSwitch: 0, blacklistStrategy: 2 };
      if (start.startupMode === 4) {
        if (start.fromTime === undefined) throw new RangeError('a start from a chosen time (startupMode 4) needs the time');
        startupParams.config = [{ datasourceId: start.datasourceId ?? 0, startupMode: 2, startTimestamp: String(start.fromTime) }];
      }
      const { requestId } = await this.call(`${T}/micro/start`, { fileId: String(task.id), updateBy, startupMode: start.startupMode, startupParams, workspace }, 'write');
      return { requestId };
    }
    const { projectId } = await this.getSession();
    const { requestId } = await this.call(`${T}/startTimelyTask`, { timelyId: task.id, updateBy, workspace, projectId, env: 'prod', startupMode: start.startupMode }, 'write');
    return { requestId };
  }

  async stopStream(task: StreamTask, opts: { actor?: string } = {}): Promise<{ requestId: string }> {
    const updateBy = await this.actor(opts.actor);
    const workspace = this.opts.workspace;
    if (task.type.kind?.key === 'MULTI_REALTIME') {
      const { requestId } = await this.call(`${T}/micro/stop`, { fileId: String(task.id), updateBy, workspace }, 'write');
      return { requestId };
    }
    const { projectId } = await this.getSession();
    const { requestId } = await this.call(`${T}/stopTimelyTask`, { timelyId: task.id, updateBy, workspace, projectId, env: 'prod' }, 'write');
    return { requestId };
  }

  /** The tables of a CDC pipeline (`micro/schedule/list`, by the task's file id). */
  async listStreamTables(taskId: number, opts: { page?: number; pageSize?: number } = {}): Promise<Page<StreamTable>> {
    const page = opts.page ?? 1;
    const pageSize = opts.pageSize ?? 200;
    return this.listPage(`${T}/micro/schedule/list`, { fileId: taskId, pageIndex: page, pageSize }, streamTableSchema, page, pageSize, 'pipeline table list');
  }

  /** A per-table operation on a CDC pipeline's tables (ids from {@link listStreamTables}). */
  async streamTableOp(taskId: number, op: StreamTableOp, tableIds: number[]): Promise<{ requestId: string }> {
    const o = TABLE_OPS[op];
    const { requestId } = await this.call(o.path, { pipelineId: taskId, [o.field]: tableIds.map((x) => Math.trunc(x)), ...o.extra, workspace: this.opts.workspace }, 'write');
    return { requestId };
  }

  /** PostgreSQL replication slots of the given data sources (`pipeline/slotList`). */
  async listReplicationSlots(datasourceIds: number[]): Promise<ReplicationSlot[]> {
    const rows = await this.callParsed(`${T}/pipeline/slotList`, { datasourceIds }, 'read', slotListSchema, 'replication slot list');
    return rows.flatMap((r) =>
      (r.pipelineSlotMetaVos ?? []).map((s) => ({
        datasourceId: r.datasourceId,
        db: r.db ?? undefined,
        name: s.slotName,
        type: s.slotType ?? undefined,
        active: s.active === true || s.active === 'true',
      })),
    );
  }
}
