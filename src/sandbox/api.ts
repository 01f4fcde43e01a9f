/**
 * The Studio protocol as the sandbox serves it: one handler per path, taking the JSON body and
 * returning the envelope's `data` (plus `count`/`pageIndex` where Studio sends them).
 * Field names and enum numbers are those of studio-api.md.
 */
import { z } from 'zod';
import { endOfDayMs, formatDate, formatLocalDateTime, isValidDate, startOfDayMs } from '../studio/dates.js';
import { RUN_STATUS, RUN_TYPE, taskKindByFileType } from '../studio/enums.js';
import { type StoredParam, configurationColumns, configurationFromSave, paramsFromSave, storedConfiguration, undefinedParams } from './configuration.js';
import { nextStudioFireTimes } from '../cron/studio-cron.js';
import { SandboxBusinessError, type StudioSim, studioCronProblems } from './sim.js';
import type { AttemptRow, RunRow, TaskRow } from './store.js';
import { WORKSPACE_PARAM_ROUTES, type WorkspaceParams } from './workspace-params.js';
import { DQC_ROUTES, type DqcRules } from './dqc.js';
import { answerParseRequest } from './dependency-parse.js';
import type { TempRunContents } from './schedule-routes.js';
import { attemptTimeText, runExtraFields, scheduleInfoFields, scheduleRateTypeOf, taskLocation } from './studio-fields.js';

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
  /** A temporary run's SQL (the DDL drafts the wizard's checkpoints run once) also shapes the Lakehouse model. */
  onExecuteSql?: (content: string, params: Record<string, string>) => void;
  /** The workspace parameters (the pre-check counts the published ones as defined). */
  workspaceParams: WorkspaceParams;
  dqc: DqcRules;
  /** Fields a task's detail carries besides its file's (a stream's `cdcTaskId`, src/sandbox/streams.ts). */
  taskDetailFields?: (t: TaskRow) => Record<string, unknown>;
  /** What temporary runs were sent (`taskInst/getTaskInstanceContent`, schedule-routes.ts). */
  tempRunContents?: TempRunContents;
}

export interface ApiResult {
  data: unknown;
  count?: number;
  /** Beside `data` in the envelope (DQC's lists). */
  total?: number;
  pageIndex?: number;
}

export type Handler = (body: Record<string, unknown>, ctx: ApiContext) => ApiResult;

// ---- body parsing: a wrong body is a business error, as Studio answers it ----------------------
export const num = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);
const optNum = num.optional().nullable();

export function parse<T extends z.ZodTypeAny>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new SandboxBusinessError('PARAM_ERROR', `参数错误 (invalid parameter ${i.path.join('.') || 'body'}: ${i.message})`);
  }
  return r.data;
}

export function requireProject(ctx: ApiContext, projectId: unknown): void {
  if (projectId !== undefined && projectId !== null && Number(projectId) !== ctx.id.projectId) {
    throw new SandboxBusinessError('PROJECT_NOT_EXIST', `项目不存在 (project ${String(projectId)} does not exist)`);
  }
}

export function paginate<T>(rows: T[], page: number, pageSize: number): { slice: T[]; total: number; totalPages: number } {
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
    ownerCnName: t.owner,
    createdTime: t.created_at,
    updatedTime: t.updated_at,
    lastEditTime: t.updated_at,
    lastEditUser: t.last_edit_user ?? t.owner,
    createdBy: t.owner,
    updatedBy: t.last_edit_user ?? t.owner,
    location: taskLocation(ctx.sim.store, t),
    // The names of an earlier sandbox, kept for older clients.
    updateTime: t.updated_at,
    createTime: t.created_at,
  };
}

/** The schedule the scheduler runs: the published configuration (the draft's, if never published). */
function publishedConfiguration(t: TaskRow): ReturnType<typeof storedConfiguration> {
  return t.published_json ? (JSON.parse(t.published_json) as { configuration: ReturnType<typeof storedConfiguration> }).configuration : storedConfiguration(t);
}

/** A scheduled task as Studio's schedule endpoints describe it. */
export function scheduleTaskJson(t: TaskRow) {
  const published = publishedConfiguration(t);
  return {
    scheduleTaskId: t.id,
    cycleTaskName: t.name,
    cycleTaskType: taskKindByFileType(t.file_type)?.scheduleType ?? null,
    cronExpression: published.cronExpress ?? '',
    taskStatus: t.task_status,
    vcCode: published.etlVcCode,
    taskOwnerEn: t.owner,
    taskOwnerCn: t.owner,
  };
}

export function paramsOf(t: TaskRow): StoredParam[] {
  return JSON.parse(t.params_json) as StoredParam[];
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
    ...runExtraFields(r, ctx.id),
  };
}

function runRefJson(ctx: ApiContext, r: RunRow) {
  const full = runJson(ctx, r);
  const task = ctx.sim.store.task(r.task_id);
  return {
    scheduleInstanceId: r.id,
    taskInstanceStatus: r.status,
    scheduleTaskId: r.task_id,
    scheduleTaskName: full.cycleTaskName,
    cycleTaskType: full.cycleTaskType,
    planTriggerTime: r.plan_time,
    instanceType: r.instance_type,
    executeStartTime: r.start_time,
    executeEndTime: r.end_time,
    rerunStatus: r.rerun_status,
    vcCode: r.vc_code,
    nextLevelCount: ctx.sim.store.children(r.task_id).length,
    projectId: ctx.id.projectId,
    projectName: ctx.id.workspace,
    tenantId: ctx.id.tenantId,
    taskOwnerDisplayName: full.taskOwnerCn,
    taskOwnerUserId: ctx.id.userId,
    cronExpression: task ? publishedConfiguration(task).cronExpress || null : null,
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

type Dependency = { taskId: number; taskName: string; depStrategy?: number; parseType?: number };

function dependencyJson(ctx: ApiContext, d: Dependency) {
  const up = ctx.sim.store.task(d.taskId);
  const cron = up ? publishedConfiguration(up).cronExpress || null : null;
  return {
    dependencyFileId: d.taskId,
    dependencyFileName: d.taskName,
    dependencyProjectId: ctx.id.projectId,
    projectName: ctx.id.workspace,
    scheduleRateType: scheduleRateTypeOf(cron),
    cronExpress: cron,
    depStrategy: d.depStrategy ?? null,
    parseType: d.parseType ?? null,
  };
}

/** The configuration as getFileConfigurationDetail serves it (every field a save replaces). */
function configurationJson(ctx: ApiContext, t: TaskRow, c = storedConfiguration(t), deps: Dependency[] = ctx.sim.store.deps(t)) {
  const { dataFileOutputListReqs, ...fields } = c;
  return {
    dataFileId: t.id,
    projectId: ctx.id.projectId,
    dataFileVersion: t.version,
    ...fields,
    scheduleType: 1,
    scheduleConfigType: 1,
    fileOutputTableDTOS: dataFileOutputListReqs,
    dataFileDependencyDTOS: deps.map((d) => dependencyJson(ctx, d)),
  };
}

// ---- handlers ---------------------------------------------------------------------------------
const A = '/ide-admin/v1';

export const ROUTES: Record<string, Handler> = {
  ...Object.fromEntries(
    Object.entries(WORKSPACE_PARAM_ROUTES).map(([path, handle]): [string, Handler] => [
      path,
      (body, ctx) => {
        requireProject(ctx, body.projectId);
        return handle(body, ctx.workspaceParams);
      },
    ]),
  ),
  ...Object.fromEntries(Object.entries(DQC_ROUTES).map(([path, handle]): [string, Handler] => [path, (body, ctx) => handle(body, ctx.dqc)])),
  '/clickzetta-portal/user/getCurrentUser': (_b, ctx) => ({
    data: { id: ctx.id.userId, accountId: ctx.id.tenantId, userId: ctx.id.userId, name: ctx.id.userName, instanceId: ctx.id.instanceId },
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
    const all = ctx.sim.store.folders();
    const tasks = ctx.sim.store.tasks();
    const folderJson = (f: (typeof rows)[number]) => ({
      id: f.id,
      dataFolderName: f.name,
      parentFolderId: f.parent_id,
      hasChildren: all.some((x) => x.parent_id === f.id) || tasks.some((t) => t.folder_id === f.id),
      projectId: ctx.id.projectId,
      createdBy: f.created_by,
      createdTime: f.created_at,
      updatedTime: f.created_at,
    });
    return { data: { list: p.slice.map(folderJson), total: p.total, totalPages: p.totalPages } };
  },

  [`${A}/dataFile/getDetail`]: (body, ctx) => {
    const b = parse(z.looseObject({ id: num }), body);
    const t = ctx.sim.requireTask(b.id);
    return {
      data: {
        ...taskJson(ctx, t),
        projectId: ctx.id.projectId,
        workspaceId: ctx.id.workspaceId,
        fileContent: t.content,
        fileDescription: t.description,
        currentVersion: t.version,
        defaultVcName: t.vc_code,
        defaultSchemaName: t.schema_name,
        fileStatus: 1,
        deployStatus: t.task_status === 1 ? 1 : 0,
        hasConfig: t.cron !== null || ctx.sim.store.deps(t).length > 0 || t.config_json !== '{}',
        paramValueList: paramsOf(t),
        adhocConfigs: null,
        ...ctx.taskDetailFields?.(t),
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
    const published = publishedConfiguration(t);
    const detail = {
      ...scheduleTaskJson(t),
      dataFileId: t.id,
      dataFileVersion: t.version,
      projectId: ctx.id.projectId,
      workspaceName: ctx.id.workspace,
      latestInstanceId: latest?.id ?? null,
      latestInstancePlanTime: latest?.plan_time ?? null,
      latestInstanceStatus: latest?.status ?? null,
      retryCount: published.retryCount,
      retryIntervalTime: published.retryIntervalTime,
      retryIntervalTimeUnit: published.retryIntervalTimeUnit,
      rerunProperty: published.rerunProperty,
      selfDependsJob: published.selfDependsJob,
      executeTimeout: published.executeTimeout,
      executeTimeoutUnit: published.executeTimeoutUnit,
      activeStartTime: published.activeStartTime,
      activeEndTime: published.activeEndTime,
      publishTime: t.published_at,
      ...scheduleInfoFields(
        ctx.sim.store,
        t,
        ctx.sim.opts.timeZone,
        published,
        t.published_json ? (JSON.parse(t.published_json) as { params: StoredParam[] }).params : paramsOf(t),
      ),
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
    if (b.scheduleTaskId != null) {
      where.push('r.task_id = ?');
      args.push(b.scheduleTaskId);
    }
    if (b.taskNameLike) {
      where.push('t.name LIKE ?');
      args.push(`%${b.taskNameLike}%`);
    }
    if (b.instanceType != null) {
      where.push('r.instance_type = ?');
      args.push(b.instanceType);
    }
    if (b.instanceStatusList?.length) {
      where.push(`r.status IN (${b.instanceStatusList.map(() => '?').join(',')})`);
      args.push(...b.instanceStatusList);
    }
    if (b.queryStartPlanTime != null) {
      where.push('r.plan_time >= ?');
      args.push(b.queryStartPlanTime);
    }
    if (b.queryEndPlanTime != null) {
      where.push('r.plan_time <= ?');
      args.push(b.queryEndPlanTime);
    }
    if (b.cycleTaskType != null) {
      // cz-cli's run lookup by task name sends the *run* type here (1 SCHEDULE, 3 TEMP, 4 REFILL), and
      // its runs output calls the same field the task type (23 SQL, 10 DI, …). The two sets of numbers
      // do not overlap, so either is honoured (our reading; Studio documents neither).
      if (Object.values(RUN_TYPE).includes(b.cycleTaskType as never)) {
        where.push('r.instance_type = ?');
        args.push(b.cycleTaskType);
      } else {
        const fileTypes = [...Array(600).keys()].filter((ft) => taskKindByFileType(ft)?.scheduleType === b.cycleTaskType);
        where.push(`t.file_type IN (${fileTypes.map(() => '?').join(',') || 'NULL'})`);
        args.push(...fileTypes);
      }
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
    const pageIndex = Math.max(1, b.pageIndex ?? 1);
    const p = paginate(attempts, pageIndex, b.pageSize ?? 20);
    // A bare list with the total in the envelope, as cz-cli's `attempts list` prints it.
    return { data: p.slice.map((a) => ({ ...attemptJson(a, run), ...attemptTimeText(a, ctx.sim.opts.timeZone) })), count: p.total, pageIndex };
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
    const job = ctx.sim.store.jobs().find((j) => j.id === jobId)!;
    // An object cz-cli takes the id from (`id`), with what was created.
    return {
      data: {
        id: jobId,
        complementJobId: jobId,
        complementJobName: job.name,
        scheduleTaskId: b.scheduleTaskId,
        taskName: ctx.sim.store.task(b.scheduleTaskId)?.name ?? null,
        taskInstanceIds: ctx.sim.store.runsOfJob(jobId).map((r) => r.id),
      },
    };
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
    const b = parse(
      z.looseObject({ createdBy: z.string().min(1), projectId: num, dataFolderName: z.string().min(1).max(128), parentFolderId: optNum, dataFolderType: optNum }),
      body,
    );
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
      z.looseObject({
        fileType: num,
        createdBy: z.string().min(1),
        projectId: num,
        dataFileName: z.string().min(1).max(128),
        fileDescription: z.string().nullish(),
        dataFolderId: num,
      }),
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
        paramValueList: z.array(z.unknown()).nullish(),
        dataFileInputListReqs: z.array(z.looseObject({ dependencyFileId: num, dependencyFileName: z.string().nullish(), depStrategy: num, parseType: optNum })).nullish(),
      }),
      body,
    );
    requireProject(ctx, b.projectId);
    const task = ctx.sim.requireTask(b.dataFileId);
    const now = ctx.sim.now();
    const flow = task.task_status === 1 ? 80 : 20;
    // Parameters travel with either kind of save; a save that sends none keeps them.
    const params_json = b.paramValueList ? JSON.stringify(paramsFromSave(b.paramValueList)) : task.params_json;
    if (b.onlySaveContent === 1) {
      if (b.dataFileContent == null) throw new SandboxBusinessError('PARAM_ERROR', '参数错误 (dataFileContent is required when onlySaveContent = 1)');
      ctx.sim.store.updateTask(task.id, { content: b.dataFileContent, params_json, flow_status: flow, updated_at: now, last_edit_user: b.updateBy });
      return { data: null };
    }
    // A configuration save replaces the whole configuration: what it omits is reset.
    const config = configurationFromSave(body);
    const cron = config.cronExpress.trim();
    if (cron) {
      const fields = cron.split(/\s+/).length;
      if (fields !== 7 && fields !== 6) throw new SandboxBusinessError('CRON_EXPRESSION_INVALID', `Cron 表达式不合法 (expected 7 fields, got ${fields}: "${cron}")`);
    }
    const deps = (b.dataFileInputListReqs ?? []).map((d) => {
      if (d.dependencyFileId === task.id) throw new SandboxBusinessError('DEPENDENCY_SELF', '任务不能依赖自身 (a task cannot depend on itself)');
      const up = ctx.sim.requireTask(d.dependencyFileId);
      return { taskId: up.id, taskName: up.name, depStrategy: d.depStrategy, parseType: d.parseType ?? 1 };
    });
    ctx.sim.store.updateTask(task.id, {
      ...configurationColumns(config),
      deps_json: JSON.stringify(deps),
      params_json,
      flow_status: flow,
      updated_at: now,
      last_edit_user: b.updateBy,
    });
    return { data: null };
  },

  [`${A}/workspaceParams/task/preCheck`]: (body, ctx) => {
    const b = parse(z.looseObject({ projectId: num, fileIds: z.array(num).min(1) }), body);
    requireProject(ctx, b.projectId);
    // The workspace-parameter check cz-cli runs before every deploy: an answer, not an error.
    const details = b.fileIds.map((id) => {
      const t = ctx.sim.requireTask(id);
      return { fileId: t.id, fileName: t.name, invalidParams: undefinedParams(t.content, paramsOf(t), ctx.workspaceParams.definedKeys()) };
    });
    return { data: { pass: details.every((d) => d.invalidParams.length === 0), details } };
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

  [`${A}/dataFileConfiguration/parseDataFileDependencyOut`]: (body, ctx) => ({ data: answerParseRequest(body, ctx.sim.store.tasks(), ctx.id.projectId, ctx.id.workspace) }),

  [`${A}/scheduleTask/onlineTask`]: (body, ctx) => {
    const b = parse(z.looseObject({ scheduleTaskId: num, projectId: num, updatedBy: z.string().nullish() }), body);
    requireProject(ctx, b.projectId);
    ctx.sim.online(b.scheduleTaskId);
    return { data: true };
  },

  [`${A}/scheduleTask/offlineTaskWithDownstream`]: (body, ctx) => {
    const b = parse(z.looseObject({ scheduleTaskId: num, projectId: num }), body);
    requireProject(ctx, b.projectId);
    return { data: ctx.sim.undeploy(b.scheduleTaskId, true) };
  },

  [`${A}/ai/mcp/instance/statistic`]: (body, ctx) => {
    const b = parse(
      z.looseObject({
        projectId: num,
        // The SDK leaves the window out when it is not given: then every run counts (our assumption).
        queryStartPlanTime: optNum,
        queryEndPlanTime: optNum,
        instanceStatusList: z.array(num).nullish(),
        cycleTaskType: optNum,
        instanceType: optNum,
        scheduleTaskName: z.string().nullish(),
        vcCodes: z.array(z.string()).nullish(),
      }),
      body,
    );
    requireProject(ctx, b.projectId);
    const where = ['r.plan_time BETWEEN ? AND ?'];
    const args: unknown[] = [b.queryStartPlanTime ?? 0, b.queryEndPlanTime ?? Number.MAX_SAFE_INTEGER];
    if (b.instanceStatusList?.length) {
      where.push(`r.status IN (${b.instanceStatusList.map(() => '?').join(',')})`);
      args.push(...b.instanceStatusList);
    }
    if (b.instanceType != null) {
      where.push('r.instance_type = ?');
      args.push(b.instanceType);
    }
    if (b.scheduleTaskName) {
      where.push('t.name LIKE ?');
      args.push(`%${b.scheduleTaskName}%`);
    }
    if (b.vcCodes?.length) {
      where.push(`r.vc_code IN (${b.vcCodes.map(() => '?').join(',')})`);
      args.push(...b.vcCodes);
    }
    const rows = ctx.sim.store.db
      .prepare(
        `SELECT r.status, r.instance_type, t.file_type, COUNT(*) n FROM runs r JOIN tasks t ON t.id = r.task_id
         WHERE ${where.join(' AND ')} GROUP BY r.status, r.instance_type, t.file_type ORDER BY r.status, r.instance_type, t.file_type`,
      )
      .all(...args) as { status: number; instance_type: number; file_type: number; n: number }[];
    return {
      data: rows
        .map((r) => ({ instanceStatus: r.status, instanceType: r.instance_type, taskType: taskKindByFileType(r.file_type)?.scheduleType ?? null, count: r.n }))
        .filter((r) => b.cycleTaskType == null || r.taskType === b.cycleTaskType),
    };
  },

  [`${A}/ai/mcp/task/statistic`]: (body, ctx) => {
    const b = parse(z.looseObject({ projectId: num, queryPlanTimeLeft: optNum, queryPlanTimeRight: optNum, taskNameRlike: z.string().nullish() }), body);
    requireProject(ctx, b.projectId);
    const counts = new Map<string, { fileType: number; fileFlowStatus: number; cnt: number }>();
    for (const t of ctx.sim.store.tasks()) {
      if (b.taskNameRlike && !new RegExp(b.taskNameRlike.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i').test(t.name)) continue;
      const key = `${t.file_type}/${t.flow_status}`;
      const c = counts.get(key) ?? { fileType: t.file_type, fileFlowStatus: t.flow_status, cnt: 0 };
      c.cnt++;
      counts.set(key, c);
    }
    return { data: [...counts.values()] };
  },

  [`${A}/dataFileConfiguration/generateInstanceTimeList`]: (body, ctx) => {
    const b = parse(z.looseObject({ cron: z.string().min(1), scheduleStartTime: z.string().nullish(), scheduleEndTime: z.string().nullish() }), body);
    const problem = studioCronProblems(b.cron);
    if (problem) throw new SandboxBusinessError('CRON_EXPRESSION_INVALID', `Cron 表达式不合法 (invalid cron "${b.cron}": ${problem})`);
    const tz = ctx.sim.opts.timeZone;
    const clock = (v: string | null | undefined, dflt: string) => {
      const m = /^(\d{1,2}):(\d{2})$/.exec(v ?? dflt);
      if (!m) throw new SandboxBusinessError('PARAM_ERROR', `参数错误 (schedule window time must be HH:mm, got ${v})`);
      return Number(m[1]) * 60 + Number(m[2]);
    };
    const from = clock(b.scheduleStartTime, '00:00');
    const to = clock(b.scheduleEndTime, '23:59');
    // The next fire times (within the daily window), as local date-times of the workspace.
    const times = nextStudioFireTimes(b.cron, ctx.sim.now(), 200, tz)
      .map((t) => formatLocalDateTime(t, tz))
      .filter((s) => {
        const minutes = Number(s.slice(11, 13)) * 60 + Number(s.slice(14, 16));
        return minutes >= from && minutes <= to;
      })
      .slice(0, 20);
    return { data: times };
  },

  [`${A}/fileVersion/getFileDetailByVersion`]: (body, ctx) => {
    const b = parse(z.looseObject({ projectId: num, dataFileId: num, dataFileVersion: num }), body);
    requireProject(ctx, b.projectId);
    const t = ctx.sim.requireTask(b.dataFileId);
    if (!t.published_json || b.dataFileVersion !== t.version) {
      throw new SandboxBusinessError(
        'FILE_VERSION_NOT_EXIST',
        `版本不存在 (task ${t.name} has no published version ${b.dataFileVersion}; the current published version is ${t.version || 'none'})`,
      );
    }
    const snap = JSON.parse(t.published_json) as { content: string; params: unknown[]; configuration: ReturnType<typeof storedConfiguration>; dependencies: Dependency[] };
    return {
      data: {
        dataFileId: t.id,
        dataFileVersion: t.version,
        dataFileName: t.name,
        fileType: t.file_type,
        fileContent: snap.content,
        paramValueList: snap.params,
        publishTime: t.published_at,
        taskConfigurationDetail: configurationJson(ctx, t, snap.configuration, snap.dependencies),
      },
    };
  },

  [`${A}/adhoc/execute`]: (body, ctx) => {
    const b = parse(
      z.looseObject({
        updateBy: z.string().min(1),
        dataFileId: num,
        dataFileContent: z.string(),
        instanceName: z.string().nullish(),
        adhocVcCode: z.string().nullish(),
        adhocVcId: z.union([z.string(), z.number()]).nullish(),
        params: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).nullish(),
      }),
      body,
    );
    const runId = ctx.sim.executeTemp({ taskId: b.dataFileId, content: b.dataFileContent, params: b.params ?? {}, vcCode: b.adhocVcCode || null, actor: b.updateBy });
    ctx.onExecuteSql?.(b.dataFileContent, b.params ?? {});
    ctx.tempRunContents?.record(runId, b.dataFileContent, b.params ?? {});
    return { data: { scheduleInstanceId: runId, instanceId: runId, sessionId: `adhoc-${runId}` } };
  },

  [`${A}/dataFile/deleteFile`]: (body, ctx) => {
    const b = parse(z.looseObject({ id: num, tenantId: optNum, updateBy: z.union([z.string(), z.number()]).nullish() }), body);
    ctx.sim.deleteTask(b.id);
    return { data: true };
  },

  [`${A}/dataFolder/delete`]: (body, ctx) => {
    const b = parse(z.looseObject({ id: num, projectId: optNum, tenantId: optNum }), body);
    requireProject(ctx, b.projectId);
    ctx.sim.deleteFolder(b.id);
    return { data: true };
  },

  '/clickzetta-lakeconsole/api/v1/vcluster/list': (_body, ctx) => ({
    data: Object.entries(ctx.sim.vclusters).map(([name, type]) => ({ id: `vc_${name}`, name, type })),
  }),
};
