/**
 * The Studio protocol as the sandbox serves it: one handler per path, taking the JSON body and
 * returning the envelope's `data` (plus `count`/`pageIndex` where Studio sends them).
 * Field names and enum numbers are those of studio-api.md.
 */
import { z } from 'zod';
import { endOfDayMs, formatDate, isValidDate, startOfDayMs } from '../studio/dates.js';
import { RUN_STATUS, taskKindByFileType } from '../studio/enums.js';
import { SandboxBusinessError, type StudioSim } from './sim.js';
import type { AttemptRow, RunRow, TaskRow } from './store.js';

export interface SandboxIdentity {
  instance: string;
  instanceId: number;
  workspace: string;
  workspaceId: number;
  projectId: number;
  userId: number;
  tenantId: number;
  userName: string;
}

export interface ApiContext {
  sim: StudioSim;
  id: SandboxIdentity;
  /** Serve the alternative documented shapes (run detail in `taskDetail`, configuration in `taskConfigurationDetail`). */
  wrappedShapes: boolean;
  logPageSize: number;
}

export interface ApiResult {
  data: unknown;
  count?: number;
  pageIndex?: number;
}

type Handler = (body: Record<string, unknown>, ctx: ApiContext) => ApiResult;

// ---- body parsing: a wrong body is a business error, as Studio answers it ----------------------
const num = z.union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)]);
const optNum = num.optional().nullable();

function parse<T extends z.ZodTypeAny>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new SandboxBusinessError('PARAM_ERROR', `参数错误 (invalid parameter ${i.path.join('.') || 'body'}: ${i.message})`);
  }
  return r.data;
}

function requireProject(ctx: ApiContext, projectId: unknown): void {
  if (projectId !== undefined && projectId !== null && Number(projectId) !== ctx.id.projectId) {
    throw new SandboxBusinessError('PROJECT_NOT_EXIST', `项目不存在 (project ${String(projectId)} does not exist)`);
  }
}

function paginate<T>(rows: T[], page: number, pageSize: number): { slice: T[]; total: number; totalPages: number } {
  const size = Math.max(1, Math.min(pageSize, 100_000));
  const start = (Math.max(1, page) - 1) * size;
  return { slice: rows.slice(start, start + size), total: rows.length, totalPages: Math.max(1, Math.ceil(rows.length / size)) };
}

// ---- serialisers ------------------------------------------------------------------------------
function taskJson(ctx: ApiContext, t: TaskRow) {
  const folder = ctx.sim.store.folder(t.folder_id);
  return {
    id: t.id,
    dataFileName: t.name,
    fileType: t.file_type,
    dataFolderId: t.folder_id,
    dataFolderName: folder?.name ?? null,
    fileFlowStatus: t.flow_status,
    taskStatus: t.task_status,
    ownerEnName: t.owner,
    updateTime: t.updated_at,
    createTime: t.created_at,
  };
}

function runJson(ctx: ApiContext, r: RunRow) {
  const task = ctx.sim.store.task(r.task_id);
  const kind = task ? taskKindByFileType(task.file_type) : undefined;
  return {
    taskInstanceId: r.id,
    scheduleTaskId: r.task_id,
    cycleTaskName: task?.name ?? String(r.task_id),
    cycleTaskType: kind?.scheduleType ?? null,
    instanceType: r.instance_type,
    instanceStatus: r.status,
    planTriggerTime: r.plan_time,
    triggerTime: r.trigger_time,
    executeStartTime: r.start_time,
    executeEndTime: r.end_time,
    failType: r.fail_type,
    failMsg: r.fail_msg,
    rerunStatus: r.rerun_status,
    taskOwnerEn: task?.owner ?? null,
    taskOwnerCn: task?.owner ?? null,
    executorUserName: r.executor,
    vcCode: r.vc_code,
    showTaskParam: JSON.stringify({ bizdate: r.biz_date }),
    taskPriority: 1,
    projectId: ctx.id.projectId,
    projectName: ctx.id.workspace,
    env: 'prod',
    version: task?.version ?? 0,
  };
}

function runRefJson(ctx: ApiContext, r: RunRow) {
  const full = runJson(ctx, r);
  return {
    scheduleInstanceId: r.id,
    taskInstanceStatus: r.status,
    scheduleTaskId: r.task_id,
    scheduleTaskName: full.cycleTaskName,
    cycleTaskType: full.cycleTaskType,
    planTriggerTime: r.plan_time,
    instanceType: r.instance_type,
  };
}

function attemptJson(a: AttemptRow, r: RunRow) {
  return {
    executeLogId: a.id,
    scheduleInstanceId: a.run_id,
    scheduleTaskId: r.task_id,
    createdTime: a.created_at,
    startTime: a.start_time,
    endTime: a.end_time,
    finishResult: a.finish_result,
    createdBy: a.created_by,
  };
}

function configurationJson(ctx: ApiContext, t: TaskRow) {
  return {
    dataFileId: t.id,
    cronExpress: t.cron ?? '',
    retryCount: t.retry_count,
    rerunProperty: t.rerun_property,
    schemaName: t.schema_name,
    etlVcCode: t.vc_code,
    executeTimeout: t.execute_timeout,
    paramValueList: JSON.parse(t.params_json) as unknown[],
    dataFileDependencyDTOS: ctx.sim.store.deps(t).map((d) => ({ dependencyFileId: d.taskId, dependencyFileName: d.taskName, dependencyProjectId: ctx.id.projectId })),
  };
}

// ---- handlers ---------------------------------------------------------------------------------
const A = '/ide-admin/v1';

export const ROUTES: Record<string, Handler> = {
  '/clickzetta-portal/user/getCurrentUser': (_b, ctx) => ({
    data: { accountId: ctx.id.tenantId, userId: ctx.id.userId, name: ctx.id.userName, instanceId: ctx.id.instanceId },
  }),

  '/ide-authority/v1/workspace/listUserWorkspaces': (_b, ctx) => ({
    data: [
      { workspaceId: ctx.id.workspaceId, workspaceName: ctx.id.workspace, projectId: ctx.id.projectId },
      { workspaceId: ctx.id.workspaceId + 1, workspaceName: `${ctx.id.workspace}_dev`, projectId: ctx.id.projectId + 1 },
    ],
  }),

  [`${A}/ai/mcp/listFiles`]: (body, ctx) => {
    const b = parse(z.looseObject({ projectId: num, page: optNum, pageSize: optNum, folderId: optNum, fileName: z.string().nullish(), fileType: optNum }), body);
    requireProject(ctx, b.projectId);
    const needle = b.fileName?.toLowerCase();
    const rows = ctx.sim.store
      .tasks()
      .filter((t) => (b.folderId == null || t.folder_id === b.folderId) && (!needle || t.name.toLowerCase().includes(needle)) && (b.fileType == null || t.file_type === b.fileType))
      .sort((x, y) => x.folder_id - y.folder_id || x.name.localeCompare(y.name));
    const p = paginate(rows, b.page ?? 1, b.pageSize ?? 20);
    return { data: { list: p.slice.map((t) => taskJson(ctx, t)), total: p.total, totalPages: p.totalPages } };
  },

  [`${A}/ai/mcp/listFolders`]: (body, ctx) => {
    const b = parse(z.looseObject({ projectId: num, page: optNum, pageSize: optNum, parentFolderId: optNum, folderName: z.string().nullish() }), body);
    requireProject(ctx, b.projectId);
    const rows = ctx.sim.store
      .folders()
      .filter((f) => (b.parentFolderId == null || f.parent_id === b.parentFolderId) && (!b.folderName || f.name.toLowerCase().includes(b.folderName.toLowerCase())));
    const p = paginate(rows, b.page ?? 1, b.pageSize ?? 20);
    return { data: { list: p.slice.map((f) => ({ id: f.id, dataFolderName: f.name, parentFolderId: f.parent_id, createdBy: f.created_by })), total: p.total, totalPages: p.totalPages } };
  },

  [`${A}/dataFile/getDetail`]: (body, ctx) => {
    const b = parse(z.looseObject({ id: num }), body);
    const t = ctx.sim.requireTask(b.id);
    return {
      data: {
        ...taskJson(ctx, t),
        fileContent: t.content,
        fileDescription: t.description,
        currentVersion: t.version,
        defaultVcName: t.vc_code,
        fileStatus: 1,
        deployStatus: t.task_status === 1 ? 1 : 0,
      },
    };
  },

  [`${A}/dataFileConfiguration/getFileConfigurationDetail`]: (body, ctx) => {
    const b = parse(z.looseObject({ projectId: num, dataFileId: num }), body);
    requireProject(ctx, b.projectId);
    const cfg = configurationJson(ctx, ctx.sim.requireTask(b.dataFileId));
    return { data: ctx.wrappedShapes ? { taskConfigurationDetail: cfg } : cfg };
  },

  [`${A}/scheduleTask/getDetail`]: (body, ctx) => {
    const b = parse(z.looseObject({ scheduleTaskId: num, projectId: num }), body);
    requireProject(ctx, b.projectId);
    const t = ctx.sim.store.task(b.scheduleTaskId);
    if (!t || t.task_status === null) throw new SandboxBusinessError('SCHEDULE_TASK_NOT_EXIST', `调度任务不存在 (no scheduled task ${b.scheduleTaskId}; deploy the task first)`);
    const latest = ctx.sim.store.latestRunOfTask(t.id);
    const detail = {
      scheduleTaskId: t.id,
      dataFileId: t.id,
      cycleTaskName: t.name,
      cycleTaskType: taskKindByFileType(t.file_type)?.scheduleType ?? null,
      cronExpression: t.cron ?? '',
      taskStatus: t.task_status,
      vcCode: t.vc_code,
      latestInstanceId: latest?.id ?? null,
      latestInstancePlanTime: latest?.plan_time ?? null,
      retryCount: t.retry_count,
      rerunProperty: t.rerun_property,
    };
    return { data: ctx.wrappedShapes ? { scheduleTaskDetail: detail } : detail };
  },

  [`${A}/taskInst/list`]: (body, ctx) => {
    const b = parse(
      z.looseObject({
        projectId: num,
        pageIndex: optNum,
        pageSize: optNum,
        scheduleTaskId: optNum,
        taskNameLike: z.string().nullish(),
        cycleTaskType: optNum,
        instanceType: optNum,
        instanceStatusList: z.array(num).nullish(),
        queryStartPlanTime: optNum,
        queryEndPlanTime: optNum,
        orderBy: z.string().nullish(),
      }),
      body,
    );
    requireProject(ctx, b.projectId);
    const where: string[] = [];
    const args: unknown[] = [];
    if (b.scheduleTaskId != null) (where.push('r.task_id = ?'), args.push(b.scheduleTaskId));
    if (b.taskNameLike) (where.push('t.name LIKE ?'), args.push(`%${b.taskNameLike}%`));
    if (b.instanceType != null) (where.push('r.instance_type = ?'), args.push(b.instanceType));
    if (b.instanceStatusList?.length) (where.push(`r.status IN (${b.instanceStatusList.map(() => '?').join(',')})`), args.push(...b.instanceStatusList));
    if (b.queryStartPlanTime != null) (where.push('r.plan_time >= ?'), args.push(b.queryStartPlanTime));
    if (b.queryEndPlanTime != null) (where.push('r.plan_time <= ?'), args.push(b.queryEndPlanTime));
    if (b.cycleTaskType != null) {
      const fileTypes = [b.cycleTaskType, ...[...Array(600).keys()].filter((ft) => taskKindByFileType(ft)?.scheduleType === b.cycleTaskType)];
      where.push(`t.file_type IN (${fileTypes.map(() => '?').join(',')})`);
      args.push(...fileTypes);
    }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const db = ctx.sim.store.db;
    const count = (db.prepare(`SELECT COUNT(*) n FROM runs r JOIN tasks t ON t.id = r.task_id ${whereSql}`).get(...args) as { n: number }).n;
    const pageIndex = Math.max(1, b.pageIndex ?? 1);
    const pageSize = Math.max(1, Math.min(b.pageSize ?? 20, 10_000));
    const dir = b.orderBy?.toLowerCase() === 'asc' ? 'ASC' : 'DESC';
    const rows = db
      .prepare(`SELECT r.* FROM runs r JOIN tasks t ON t.id = r.task_id ${whereSql} ORDER BY r.plan_time ${dir}, r.id ${dir} LIMIT ? OFFSET ?`)
      .all(...args, pageSize, (pageIndex - 1) * pageSize) as RunRow[];
    return { data: rows.map((r) => runJson(ctx, r)), count, pageIndex };
  },

  [`${A}/taskInst/getDetail`]: (body, ctx) => {
    const b = parse(z.looseObject({ taskInstanceId: num }), body);
    const run = runJson(ctx, ctx.sim.requireRun(b.taskInstanceId));
    return { data: ctx.wrappedShapes ? { taskDetail: run } : run };
  },

  [`${A}/taskInst/execute/logs`]: (body, ctx) => {
    const b = parse(z.looseObject({ taskInstanceId: num, projectId: num, pageIndex: optNum, pageSize: optNum }), body);
    requireProject(ctx, b.projectId);
    const run = ctx.sim.requireRun(b.taskInstanceId);
    const attempts = ctx.sim.store.attempts(run.id).reverse(); // newest first, as Studio lists them
    const p = paginate(attempts, b.pageIndex ?? 1, b.pageSize ?? 20);
    return { data: { list: p.slice.map((a) => attemptJson(a, run)), total: p.total, totalPages: p.totalPages } };
  },

  [`${A}/adhoc/queryTempLogResults`]: (body, ctx) => {
    const b = parse(z.looseObject({ queryLogActionCode: num, tempInstanceId: num, executeLogId: num, offset: optNum }), body);
    const attempt = ctx.sim.store.attempt(b.executeLogId);
    if (!attempt || attempt.run_id !== b.tempInstanceId) {
      throw new SandboxBusinessError('EXECUTE_LOG_NOT_EXIST', `执行日志不存在 (no attempt ${b.executeLogId} for instance ${b.tempInstanceId})`);
    }
    const text = attempt.log;
    const size = ctx.logPageSize;
    let start: number;
    let end: number;
    switch (b.queryLogActionCode) {
      case 1:
        start = Math.min(Math.max(0, b.offset ?? 0), text.length);
        end = Math.min(text.length, start + size);
        break;
      case 2:
        end = Math.min(Math.max(0, b.offset ?? text.length), text.length);
        start = Math.max(0, end - size);
        break;
      case 3:
        end = text.length;
        start = Math.max(0, end - size);
        break;
      default:
        throw new SandboxBusinessError('PARAM_ERROR', `参数错误 (queryLogActionCode must be 1, 2 or 3, got ${b.queryLogActionCode})`);
    }
    return {
      data: {
        logContent: text.slice(start, end),
        startOffset: start,
        endOffset: end,
        offset: b.queryLogActionCode === 2 ? start : end,
        totalLength: text.length,
        hasMoreBefore: start > 0,
        hasMoreAfter: end < text.length,
        isEnd: end >= text.length && attempt.end_time !== null,
      },
    };
  },

  [`${A}/taskInst/reRunTaskInstance`]: (body, ctx) => {
    const b = parse(z.looseObject({ taskInstanceId: num, nextType: optNum, updateBy: z.string().min(1) }), body);
    ctx.sim.rerun(b.taskInstanceId, b.updateBy);
    return { data: null };
  },

  [`${A}/taskInst/killTaskInstance`]: (body, ctx) => {
    const b = parse(z.looseObject({ taskInstanceId: num, workspace: z.string(), tenantId: optNum, updateBy: z.string().min(1) }), body);
    if (b.workspace !== ctx.id.workspace) throw new SandboxBusinessError('WORKSPACE_NOT_EXIST', `工作空间不存在 (workspace ${b.workspace})`);
    ctx.sim.kill(b.taskInstanceId, b.updateBy);
    return { data: null };
  },

  [`${A}/complementTask/createComplementJob`]: (body, ctx) => {
    const range = z.looseObject({ bizStartDate: num, bizEndDate: num });
    const b = parse(
      z.looseObject({
        scheduleTaskId: num,
        sqlVcCode: z.string().nullish(),
        projectId: num,
        userId: optNum,
        createBy: z.string().min(1),
        complementJobName: z.string().nullish(),
        dateList: z.array(range).min(1),
        complementBizDateBeanList: z.array(range).nullish(),
      }),
      body,
    );
    requireProject(ctx, b.projectId);
    const tz = ctx.sim.opts.timeZone;
    const first = b.dateList[0]!;
    const from = formatDate(first.bizStartDate, tz);
    const to = formatDate(first.bizEndDate, tz);
    if (!isValidDate(from) || !isValidDate(to)) throw new SandboxBusinessError('PARAM_ERROR', '参数错误 (invalid business dates)');
    const jobId = ctx.sim.createBackfill({ taskId: b.scheduleTaskId, from, to, vcCode: b.sqlVcCode ?? null, actor: b.createBy, name: b.complementJobName ?? undefined });
    return { data: jobId };
  },

  [`${A}/complementTask/list`]: (body, ctx) => {
    const b = parse(z.looseObject({ projectId: num, pageIndex: optNum, pageSize: optNum, taskNameLike: z.string().nullish() }), body);
    requireProject(ctx, b.projectId);
    const rows = ctx.sim.store.jobs().filter((j) => !b.taskNameLike || (ctx.sim.store.task(j.task_id)?.name ?? '').includes(b.taskNameLike));
    const p = paginate(rows, b.pageIndex ?? 1, b.pageSize ?? 20);
    const tz = ctx.sim.opts.timeZone;
    return {
      data: {
        list: p.slice.map((j) => {
          const runs = ctx.sim.store.runsOfJob(j.id);
          const status = runs.some((r) => r.status === RUN_STATUS.FAILED) ? 'FAILED' : runs.every((r) => r.status === RUN_STATUS.SUCCESS) ? 'SUCCESS' : 'RUNNING';
          return {
            id: j.id,
            complementJobName: j.name,
            scheduleTaskId: j.task_id,
            taskName: ctx.sim.store.task(j.task_id)?.name ?? null,
            runStatus: status,
            bizStartDate: startOfDayMs(j.biz_start, tz),
            bizEndDate: endOfDayMs(j.biz_end, tz),
            createBy: j.created_by,
            createTime: j.created_at,
            instanceCount: runs.length,
          };
        }),
        total: p.total,
        totalPages: p.totalPages,
      },
    };
  },

  [`${A}/scheduleTask/queryTaskRelation`]: (body, ctx) => {
    const b = parse(z.looseObject({ scheduleTaskId: num, projectId: num, parentLevel: optNum, childLevel: optNum }), body);
    requireProject(ctx, b.projectId);
    const store = ctx.sim.store;
    const root = ctx.sim.requireTask(b.scheduleTaskId);
    const node = (t: TaskRow) => ({
      scheduleTaskId: t.id,
      scheduleTaskName: t.name,
      cycleTaskType: taskKindByFileType(t.file_type)?.scheduleType ?? null,
      taskStatus: t.task_status,
    });
    const up = (t: TaskRow, level: number, seen: Set<number>): unknown[] =>
      level <= 0
        ? []
        : store
            .deps(t)
            .map((d) => store.task(d.taskId))
            .filter((p): p is TaskRow => p !== undefined && !seen.has(p.id))
            .map((p) => ({ ...node(p), parents: up(p, level - 1, new Set([...seen, p.id])), children: [] }));
    const down = (t: TaskRow, level: number, seen: Set<number>): unknown[] =>
      level <= 0
        ? []
        : store
            .children(t.id)
            .filter((c) => !seen.has(c.id))
            .map((c) => ({ ...node(c), parents: [], children: down(c, level - 1, new Set([...seen, c.id])) }));
    return { data: { ...node(root), parents: up(root, b.parentLevel ?? 1, new Set([root.id])), children: down(root, b.childLevel ?? 1, new Set([root.id])) } };
  },

  [`${A}/taskInst/queryTaskInstanceRelation`]: (body, ctx) => {
    const b = parse(z.looseObject({ taskInstanceId: num, projectId: num, parentLevel: optNum, childLevel: optNum }), body);
    requireProject(ctx, b.projectId);
    const store = ctx.sim.store;
    const run = ctx.sim.requireRun(b.taskInstanceId);
    const task = ctx.sim.requireTask(run.task_id);
    const parents = store
      .deps(task)
      .map((d) => store.latestRunFor(d.taskId, run.biz_date))
      .filter((r): r is RunRow => r !== undefined);
    const children = store
      .children(task.id)
      .map((c) => store.latestRunFor(c.id, run.biz_date))
      .filter((r): r is RunRow => r !== undefined);
    return {
      data: {
        ...runRefJson(ctx, run),
        parentScheduleTaskInstanceBeans: parents.map((r) => runRefJson(ctx, r)),
        childScheduleTaskInstanceBeans: children.map((r) => runRefJson(ctx, r)),
      },
    };
  },

  [`${A}/dataFolder/add`]: (body, ctx) => {
    const b = parse(z.looseObject({ createdBy: z.string().min(1), projectId: num, dataFolderName: z.string().min(1).max(128), parentFolderId: optNum, dataFolderType: optNum }), body);
    requireProject(ctx, b.projectId);
    const parent = b.parentFolderId ?? 0;
    if (parent !== 0 && !ctx.sim.store.folder(parent)) throw new SandboxBusinessError('DATA_FOLDER_NOT_EXIST', `父文件夹不存在 (parent folder ${parent} does not exist)`);
    if (ctx.sim.store.folderByName(b.dataFolderName, parent)) {
      throw new SandboxBusinessError('DATA_FOLDER_NAME_DUPLICATE', `文件夹名称已存在 (a folder named ${b.dataFolderName} already exists here)`);
    }
    return { data: ctx.sim.store.insertFolder({ name: b.dataFolderName, parent_id: parent, created_by: b.createdBy, created_at: ctx.sim.now() }) };
  },

  [`${A}/dataFile/addAndReturnId`]: (body, ctx) => {
    const b = parse(
      z.looseObject({ fileType: num, createdBy: z.string().min(1), projectId: num, dataFileName: z.string().min(1).max(128), fileDescription: z.string().nullish(), dataFolderId: num }),
      body,
    );
    requireProject(ctx, b.projectId);
    if (!taskKindByFileType(b.fileType)) throw new SandboxBusinessError('FILE_TYPE_NOT_SUPPORT', `不支持的文件类型 (file type ${b.fileType})`);
    if (!ctx.sim.store.folder(b.dataFolderId)) throw new SandboxBusinessError('DATA_FOLDER_NOT_EXIST', `文件夹不存在 (folder ${b.dataFolderId} does not exist)`);
    if (ctx.sim.store.tasks().some((t) => t.folder_id === b.dataFolderId && t.name === b.dataFileName)) {
      throw new SandboxBusinessError('DATA_FILE_NAME_DUPLICATE', `文件名称已存在 (a task named ${b.dataFileName} already exists in this folder)`);
    }
    const now = ctx.sim.now();
    const id = ctx.sim.store.insertTask({
      name: b.dataFileName,
      file_type: b.fileType,
      folder_id: b.dataFolderId,
      description: b.fileDescription ?? null,
      owner: b.createdBy,
      created_at: now,
      mapping_configured: b.fileType === 291 || b.fileType === 281 ? 0 : 1,
    });
    return { data: id };
  },

  [`${A}/dataFileConfiguration/saveDataFileConfiguration`]: (body, ctx) => {
    const b = parse(
      z.looseObject({
        dataFileId: num,
        projectId: num,
        onlySaveContent: num,
        updateBy: z.string().min(1),
        dataFileContent: z.string().nullish(),
        paramValueList: z.array(z.looseObject({ paramName: z.string(), paramValue: z.string() })).nullish(),
        cronExpress: z.string().nullish(),
        retryCount: optNum,
        rerunProperty: optNum,
        etlVcCode: z.string().nullish(),
        schemaName: z.string().nullish(),
        dataFileInputListReqs: z.array(z.looseObject({ dependencyFileId: num, dependencyFileName: z.string().nullish() })).nullish(),
      }),
      body,
    );
    requireProject(ctx, b.projectId);
    const task = ctx.sim.requireTask(b.dataFileId);
    const now = ctx.sim.now();
    const flow = task.task_status === 1 ? 80 : 20;
    if (b.onlySaveContent === 1) {
      if (b.dataFileContent == null) throw new SandboxBusinessError('PARAM_ERROR', '参数错误 (dataFileContent is required when onlySaveContent = 1)');
      ctx.sim.store.updateTask(task.id, {
        content: b.dataFileContent,
        params_json: b.paramValueList ? JSON.stringify(b.paramValueList) : task.params_json,
        flow_status: flow,
        updated_at: now,
      });
      return { data: null };
    }
    const cron = (b.cronExpress ?? '').trim();
    if (cron) {
      const fields = cron.split(/\s+/).length;
      if (fields !== 7 && fields !== 6) throw new SandboxBusinessError('CRON_EXPRESSION_INVALID', `Cron 表达式不合法 (expected 7 fields, got ${fields}: "${cron}")`);
    }
    const deps = (b.dataFileInputListReqs ?? []).map((d) => {
      if (d.dependencyFileId === task.id) throw new SandboxBusinessError('DEPENDENCY_SELF', '任务不能依赖自身 (a task cannot depend on itself)');
      const up = ctx.sim.requireTask(d.dependencyFileId);
      return { taskId: up.id, taskName: up.name };
    });
    ctx.sim.store.updateTask(task.id, {
      cron: cron || null,
      retry_count: b.retryCount ?? task.retry_count,
      rerun_property: b.rerunProperty ?? task.rerun_property,
      vc_code: b.etlVcCode ?? task.vc_code,
      schema_name: b.schemaName ?? task.schema_name,
      deps_json: JSON.stringify(deps),
      flow_status: flow,
      updated_at: now,
    });
    return { data: null };
  },

  [`${A}/workspaceParams/task/preCheck`]: (body, ctx) => {
    const b = parse(z.looseObject({ projectId: num, fileIds: z.array(num).min(1) }), body);
    requireProject(ctx, b.projectId);
    const problems = b.fileIds.flatMap((id) => ctx.sim.deployProblems(ctx.sim.requireTask(id)));
    if (problems.length > 0) throw new SandboxBusinessError(problems[0]!.code, problems.map((p) => p.message).join('; '));
    return { data: { checkPassed: true, fileIds: b.fileIds } };
  },

  [`${A}/dataFile/submit`]: (body, ctx) => {
    const b = parse(z.looseObject({ dataFileId: num, projectId: num, commitMsg: z.string().nullish(), updatedBy: z.string().min(1) }), body);
    requireProject(ctx, b.projectId);
    ctx.sim.deploy(b.dataFileId, b.updatedBy);
    return { data: null };
  },

  [`${A}/scheduleTask/batchDeleteCycleTask`]: (body, ctx) => {
    const b = parse(z.looseObject({ scheduleTasks: z.array(z.looseObject({ entityId: num, workspace: z.string().nullish() })).min(1) }), body);
    return { data: b.scheduleTasks.flatMap((t) => ctx.sim.undeploy(t.entityId, false)) };
  },

  [`${A}/scheduleTask/offlineTaskWithDownstream`]: (body, ctx) => {
    const b = parse(z.looseObject({ scheduleTaskId: num, projectId: num }), body);
    requireProject(ctx, b.projectId);
    return { data: ctx.sim.undeploy(b.scheduleTaskId, true) };
  },

  [`${A}/ai/mcp/instance/statistic`]: (body, ctx) => {
    const b = parse(
      z.looseObject({ projectId: num, queryStartPlanTime: num, queryEndPlanTime: num, instanceStatusList: z.array(num).nullish(), cycleTaskType: optNum }),
      body,
    );
    requireProject(ctx, b.projectId);
    const rows = ctx.sim.store.db
      .prepare('SELECT status, COUNT(*) n FROM runs WHERE plan_time BETWEEN ? AND ? GROUP BY status ORDER BY status')
      .all(b.queryStartPlanTime, b.queryEndPlanTime) as { status: number; n: number }[];
    return {
      data: rows
        .filter((r) => !b.instanceStatusList?.length || b.instanceStatusList.includes(r.status))
        .map((r) => ({ instanceStatus: r.status, count: r.n })),
    };
  },

  '/ide-authority/v1/projectDataSources/list': (body, ctx) => {
    const b = parse(z.looseObject({ pageIndex: optNum, pageSize: optNum, status: optNum, dsName: z.string().nullish(), dsType: optNum }), body);
    const rows = ctx.sim.store
      .dataSources()
      .filter((d) => (b.status == null || d.status === b.status) && (b.dsType == null || d.ds_type === b.dsType) && (!b.dsName || d.name.includes(b.dsName)));
    const p = paginate(rows, b.pageIndex ?? 1, b.pageSize ?? 20);
    return { data: { list: p.slice.map((d) => ({ id: d.id, dsName: d.name, dsType: d.ds_type, status: d.status })), total: p.total } };
  },
};
