/**
 * Studio's real-time task calls (/ide-admin/v1/timelyTask/…) as the public cz-cli sends them
 * (packages/clickzetta-sdk/src/studio/task.ts), served from the sandbox's streams. What cz-cli
 * reads is kept as it reads it (`taskStatus`, `taskStatusName`, slots' `pipelineSlotMetaVos`); the
 * rest of each answer (lag, throughput, position, tables) is our assumption, listed in
 * docs/studio-api.md.
 */
import { z } from 'zod';
import { type ApiResult, num, parse } from './api.js';
import { SandboxBusinessError } from './sim.js';
import { STREAM_STATUS, STREAM_TABLE_STATUS, type SandboxStreams, type Stream } from './streams.js';

type Body = Record<string, unknown>;
function positionJson(s: Stream): Record<string, unknown> {
  if (s.source === 'kafka') return { topic: s.topic ?? 'events', partitions: [0, 1, 2].map((p) => ({ partition: p, offset: Math.floor(s.position / 3) + p })) };
  if (s.source === 'postgresql') return { lsn: `0/${(0x16b0000 + s.position).toString(16).toUpperCase()}` };
  return { binlogFile: `mysql-bin.${String(500 + Math.floor(s.position / 1_000_000)).padStart(6, '0')}`, binlogPosition: s.position % 1_000_000 };
}

export function streamJson(streams: SandboxStreams, s: Stream): Record<string, unknown> {
  return {
    timelyId: s.timelyId,
    fileId: s.taskId,
    taskName: s.name,
    fileType: s.kind === 'MULTI_REALTIME' ? 281 : 14,
    taskStatus: STREAM_STATUS[s.state],
    taskStatusName: s.state.toLowerCase(),
    stateTime: s.since,
    startTime: s.startedAt,
    lastErrorMsg: s.lastError,
    delayMs: Math.round(s.lagMs),
    rps: streams.throughputOf(s),
    sourceType: s.source,
    datasourceId: s.datasourceId,
    slotName: s.slotName,
    position: positionJson(s),
    tableCount: s.tables.length,
    failedTableCount: s.tables.filter((t) => t.state === 'FAILED').length,
    updateBy: s.updatedBy,
  };
}

const TABLE_IDS = z.array(num).min(1);

/** Registered beside the sandbox's own routes (src/sandbox/server.ts); the second argument (the API context) is not used. */
export function streamRoutes(streams: SandboxStreams, projectId: number): Record<string, (body: Body, _ctx?: unknown) => ApiResult> {
  const A = '/ide-admin/v1/timelyTask';
  const pipeline = (id: number) => {
    const s = streams.require(id);
    if (s.kind !== 'MULTI_REALTIME') throw new SandboxBusinessError('NOT_PIPELINE', `不是多表实时任务 (${s.name} is not a multi-table pipeline)`);
    return s;
  };
  const tableOp = (op: 'start' | 'stop' | 'resync' | 'pause' | 'recover', field: 'taskIds' | 'tables') => (body: Body) => {
    const b = parse(z.looseObject({ pipelineId: num, [field]: TABLE_IDS, workspace: z.string().min(1) }), body) as { pipelineId: number } & Record<string, number[]>;
    streams.tableOp(pipeline(b.pipelineId), op, b[field]!);
    return { data: true };
  };
  return {
    [`${A}/list`]: (body) => {
      const b = parse(z.looseObject({ projectId: num, taskNameLike: z.string().nullish(), taskStatus: num.nullish(), pageIndex: num.default(1), pageSize: num.default(20) }), body);
      if (b.projectId !== projectId) throw new SandboxBusinessError('PROJECT_NOT_EXIST', `项目不存在 (project ${b.projectId} does not exist)`);
      const like = (b.taskNameLike ?? '').toLowerCase();
      const rows = streams
        .all()
        .filter((s) => (!like || s.name.toLowerCase().includes(like)) && (b.taskStatus === undefined || b.taskStatus === null || STREAM_STATUS[s.state] === b.taskStatus))
        .sort((x, y) => x.taskId - y.taskId);
      const size = Math.max(1, Math.min(b.pageSize, 1000));
      const slice = rows.slice((Math.max(1, b.pageIndex) - 1) * size, Math.max(1, b.pageIndex) * size);
      return { data: { list: slice.map((s) => streamJson(streams, s)), total: rows.length }, count: rows.length, pageIndex: b.pageIndex };
    },

    [`${A}/getDetail`]: (body) => {
      const b = parse(z.looseObject({ timelyId: num }), body);
      return { data: streamJson(streams, streams.require(b.timelyId)) };
    },

    // REALTIME (14): by timelyId (the task's file id).
    [`${A}/startTimelyTask`]: (body) => {
      const b = parse(z.looseObject({ timelyId: num, updateBy: z.string().min(1), workspace: z.string().min(1), projectId: num, startupMode: num.default(0) }), body);
      const s = streams.require(b.timelyId);
      if (s.kind !== 'REALTIME') throw new SandboxBusinessError('WRONG_TASK_TYPE', `请使用多表任务接口 (${s.name} is a multi-table pipeline: use micro/start)`);
      streams.start(s, { startupMode: b.startupMode, updatedBy: b.updateBy });
      return { data: true };
    },
    [`${A}/stopTimelyTask`]: (body) => {
      const b = parse(z.looseObject({ timelyId: num, updateBy: z.string().min(1), workspace: z.string().min(1), projectId: num }), body);
      streams.stop(streams.require(b.timelyId), b.updateBy);
      return { data: true };
    },

    // MULTI_REALTIME (281): by the task's file id, as a string.
    [`${A}/micro/start`]: (body) => {
      const b = parse(
        z.looseObject({
          fileId: num,
          updateBy: z.string().min(1),
          workspace: z.string().min(1),
          startupMode: num.default(0),
          startupParams: z
            .looseObject({ config: z.array(z.looseObject({ startupMode: num, startTimestamp: num.nullish(), file: z.string().nullish(), pos: num.nullish() })).nullish() })
            .nullish(),
        }),
        body,
      );
      const s = pipeline(b.fileId);
      const custom = b.startupParams?.config?.find((c) => c.startTimestamp !== undefined && c.startTimestamp !== null);
      if (b.startupMode === 4 && !b.startupParams?.config?.length) throw new SandboxBusinessError('PARAM_ERROR', '参数错误 (startupMode 4 needs startupParams.config)');
      streams.start(s, { startupMode: b.startupMode, fromTime: custom?.startTimestamp ?? undefined, updatedBy: b.updateBy });
      return { data: true };
    },
    [`${A}/micro/stop`]: (body) => {
      const b = parse(z.looseObject({ fileId: num, updateBy: z.string().min(1), workspace: z.string().min(1) }), body);
      streams.stop(pipeline(b.fileId), b.updateBy);
      return { data: true };
    },

    [`${A}/micro/schedule/list`]: (body) => {
      const b = parse(z.looseObject({ fileId: num, pageIndex: num.default(1), pageSize: num.default(50), table: z.string().nullish(), schema: z.string().nullish() }), body);
      const s = pipeline(b.fileId);
      const rows = s.tables.filter((t) => (!b.table || t.table.includes(b.table)) && (!b.schema || t.schema === b.schema));
      const size = Math.max(1, Math.min(b.pageSize, 1000));
      const slice = rows.slice((Math.max(1, b.pageIndex) - 1) * size, Math.max(1, b.pageIndex) * size);
      return {
        data: {
          list: slice.map((t) => ({
            id: t.id,
            schemaName: t.schema,
            tableName: t.table,
            status: STREAM_TABLE_STATUS[t.state],
            statusName: t.state.toLowerCase(),
            errorMsg: t.error,
            syncRows: t.rows,
            updateTime: t.updatedAt,
          })),
          total: rows.length,
        },
        count: rows.length,
      };
    },

    [`${A}/start/table`]: tableOp('start', 'taskIds'),
    [`${A}/stop/table`]: tableOp('stop', 'taskIds'),
    [`${A}/resync/table`]: tableOp('resync', 'tables'),
    [`${A}/pause/cdc`]: tableOp('pause', 'taskIds'),
    [`${A}/recover/cdc`]: tableOp('recover', 'taskIds'),

    [`${A}/pipeline/slotList`]: (body) => {
      const b = parse(z.looseObject({ datasourceIds: z.array(num) }), body);
      return { data: streams.slotsOf(b.datasourceIds) };
    },
  };
}
