/**
 * Studio response shapes, parsed with zod. Schemas accept unknown fields, numbers sent as strings,
 * and the documented alternative shapes (e.g. run detail with or without a `taskDetail` wrapper);
 * they normalise to the typed models below, keeping the raw enum numbers.
 */
import { z } from 'zod';
import {
  type Labelled,
  type TaskTypeValue,
  dataSourceType,
  editState,
  rerunProperty,
  runStatus,
  runType,
  taskStatus,
  taskTypeFromFileType,
  taskTypeFromScheduleType,
} from './enums.js';

// ---- primitives ----------------------------------------------------------------------------------
const numeric = z.union([
  z.number(),
  z
    .string()
    .regex(/^\s*-?\d+(\.\d+)?\s*$/)
    .transform(Number),
]);
const optNum = numeric.nullish();
const optStr = z.union([z.string(), z.number().transform(String)]).nullish();
const looseArray = <T extends z.ZodTypeAny>(item: T) => z.array(item).nullish();

function first<T>(...vals: (T | null | undefined)[]): T | undefined {
  for (const v of vals) if (v !== undefined && v !== null) return v;
  return undefined;
}

/** Parse `value` or throw an Error naming what was wrong (the client wraps it in a StudioError). */
export function parseWith<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`unexpected ${what} shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return r.data;
}

// ---- paging ----------------------------------------------------------------------------------------
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  totalPages: number;
}

export const listDataSchema = z.union([
  // A bare array: the total comes from the envelope's `count`.
  z.array(z.unknown()).transform((list) => ({ list, total: undefined as number | undefined, totalPages: undefined as number | undefined })),
  z.looseObject({ list: z.array(z.unknown()).nullish(), records: z.array(z.unknown()).nullish(), total: optNum, totalPages: optNum }).transform((d) => ({
    list: d.list ?? d.records ?? [],
    total: d.total ?? undefined,
    totalPages: d.totalPages ?? undefined,
  })),
]);

// ---- tasks -----------------------------------------------------------------------------------------
export interface TaskSummary {
  id: number;
  name: string;
  folderId: number | undefined;
  folderName: string | undefined;
  type: TaskTypeValue;
  editState: Labelled | undefined;
  taskStatus: Labelled | undefined;
  owner: string | undefined;
  updatedAt: number | undefined;
}

const rawTaskFields = {
  id: optNum,
  dataFileId: optNum,
  fileId: optNum,
  dataFileName: optStr,
  fileName: optStr,
  name: optStr,
  dataFolderId: optNum,
  folderId: optNum,
  dataFolderName: optStr,
  folderName: optStr,
  fileType: optNum,
  fileFlowStatus: optNum,
  taskStatus: optNum,
  ownerEnName: optStr,
  owner: optStr,
  updateTime: optNum,
  updatedTime: optNum,
};

function toTaskSummary(r: z.infer<z.ZodObject<typeof rawTaskFields>>): TaskSummary {
  const id = first(r.id, r.dataFileId, r.fileId);
  const name = first(r.dataFileName, r.fileName, r.name);
  if (id === undefined || name === undefined) throw new Error('task without id or name');
  return {
    id,
    name,
    folderId: first(r.dataFolderId, r.folderId),
    folderName: first(r.dataFolderName, r.folderName),
    type: taskTypeFromFileType(r.fileType ?? Number.NaN),
    editState: r.fileFlowStatus == null ? undefined : editState(r.fileFlowStatus),
    taskStatus: r.taskStatus == null ? undefined : taskStatus(r.taskStatus),
    owner: first(r.ownerEnName, r.owner),
    updatedAt: first(r.updateTime, r.updatedTime),
  };
}

export const taskSummarySchema = z.looseObject(rawTaskFields).transform(toTaskSummary);

export interface TaskDetail extends TaskSummary {
  content: string;
  description: string | undefined;
  /** The last published version (0 or undefined: never published). */
  version: number | undefined;
  defaultVc: string | undefined;
  deployStatus: number | undefined;
  fileStatus: number | undefined;
  /** A multi-table CDC pipeline's stream id (cz-cli's `cdcTaskId`; absent until it is deployed). */
  cdcTaskId: number | undefined;
  /** The task's parameters, each kept whole so that a save can send it back unchanged. */
  params: TaskParam[];
}

/** A task parameter: `paramValueList` item `{ paramKey, paramValue, paramType, encrypt, id, ignore, ref }`. */
export interface TaskParam {
  key: string;
  value: string;
  /** The item as Studio sent it (every field, including ones we do not know). */
  raw: Record<string, unknown>;
}

const paramSchema = z.looseObject({ paramKey: optStr, paramName: optStr, paramValue: optStr }).transform((p, ctx): TaskParam => {
  const key = first(p.paramKey, p.paramName);
  if (!key) {
    ctx.addIssue({ code: 'custom', message: 'task parameter without paramKey' });
    return z.NEVER;
  }
  return { key, value: p.paramValue ?? '', raw: p as Record<string, unknown> };
});

export const paramListSchema = z.array(paramSchema);

export const taskDetailSchema = z
  .looseObject({
    ...rawTaskFields,
    fileContent: optStr,
    fileDescription: optStr,
    currentVersion: optNum,
    defaultVcName: optStr,
    deployStatus: optNum,
    fileStatus: optNum,
    cdcTaskId: optNum,
    paramValueList: paramListSchema.nullish(),
  })
  .transform(
    (r): TaskDetail => ({
      ...toTaskSummary(r),
      content: r.fileContent ?? '',
      description: r.fileDescription ?? undefined,
      version: r.currentVersion ?? undefined,
      defaultVc: r.defaultVcName ?? undefined,
      deployStatus: r.deployStatus ?? undefined,
      fileStatus: r.fileStatus ?? undefined,
      cdcTaskId: r.cdcTaskId ?? undefined,
      params: r.paramValueList ?? [],
    }),
  );

export interface TaskDependency {
  taskId: number;
  taskName: string | undefined;
  projectId: number | undefined;
  /** How Studio evaluates the dependency (cz-cli sends 0, its default). */
  depStrategy: number | undefined;
  /** 1 added by hand, 2 parsed by Studio from the SQL. */
  parseType: number | undefined;
}

export interface TaskConfiguration {
  taskId: number;
  cron: string | undefined;
  retryCount: number | undefined;
  rerunProperty: Labelled | undefined;
  schemaName: string | undefined;
  vcCode: string | undefined;
  executeTimeout: number | undefined;
  dependencies: TaskDependency[];
  /** The configuration exactly as read (unwrapped): a save re-sends every field of it. */
  raw: Record<string, unknown>;
}

const dependencySchema = z
  .looseObject({
    dependencyFileId: optNum,
    dataFileId: optNum,
    dependencyFileName: optStr,
    dependencyProjectId: optNum,
    depStrategy: optNum,
    parseType: optNum,
  })
  .transform((d): TaskDependency => {
    const taskId = first(d.dependencyFileId, d.dataFileId);
    if (taskId === undefined) throw new Error('dependency without dependencyFileId');
    return {
      taskId,
      taskName: d.dependencyFileName ?? undefined,
      projectId: d.dependencyProjectId ?? undefined,
      depStrategy: d.depStrategy ?? undefined,
      parseType: d.parseType ?? undefined,
    };
  });

const configurationFields = z.looseObject({
  dataFileId: optNum,
  cronExpress: optStr,
  cronExpression: optStr,
  retryCount: optNum,
  rerunProperty: optNum,
  schemaName: optStr,
  etlVcCode: optStr,
  vcCode: optStr,
  executeTimeout: optNum,
  dataFileDependencyDTOS: looseArray(dependencySchema),
});

/** Accepts the configuration bare or wrapped in `taskConfigurationDetail`. */
export function taskConfigurationSchema(taskId: number) {
  return z
    .union([z.looseObject({ taskConfigurationDetail: z.looseObject({}) }).transform((w) => w.taskConfigurationDetail as Record<string, unknown>), z.looseObject({})])
    .transform((raw) => ({ raw, c: parseWith(configurationFields, raw, 'task configuration') }))
    .transform(
      ({ raw, c }): TaskConfiguration => ({
        taskId: c.dataFileId ?? taskId,
        cron: emptyToUndefined(first(c.cronExpress, c.cronExpression)),
        retryCount: c.retryCount ?? undefined,
        rerunProperty: c.rerunProperty == null ? undefined : rerunProperty(c.rerunProperty),
        schemaName: c.schemaName ?? undefined,
        vcCode: first(c.etlVcCode, c.vcCode),
        executeTimeout: c.executeTimeout ?? undefined,
        dependencies: c.dataFileDependencyDTOS ?? [],
        raw,
      }),
    );
}

function emptyToUndefined(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}

export interface ScheduleDetail {
  taskId: number;
  dataFileId: number | undefined;
  name: string;
  type: TaskTypeValue;
  cron: string | undefined;
  taskStatus: Labelled | undefined;
  vcCode: string | undefined;
  latestRunId: number | undefined;
  latestRunPlanTime: number | undefined;
  retryCount: number | undefined;
  /** Time between Studio's own retries: `retryIntervalTime` in `retryIntervalTimeUnit` (s, m, h), as cz-cli saves them. */
  retryIntervalTime: number | undefined;
  retryIntervalTimeUnit: string | undefined;
  rerunProperty: Labelled | undefined;
}

const scheduleFields = z.looseObject({
  scheduleTaskId: optNum,
  dataFileId: optNum,
  cycleTaskName: optStr,
  cycleTaskType: optNum,
  cronExpression: optStr,
  taskStatus: optNum,
  vcCode: optStr,
  latestInstanceId: optNum,
  latestInstancePlanTime: optNum,
  retryCount: optNum,
  retryIntervalTime: optNum,
  retryIntervalTimeUnit: optStr,
  rerunProperty: optNum,
});

export const scheduleDetailSchema = z
  .union([z.looseObject({ scheduleTaskDetail: scheduleFields }).transform((w) => w.scheduleTaskDetail), scheduleFields])
  .transform((s): ScheduleDetail => {
    const taskId = first(s.scheduleTaskId, s.dataFileId);
    if (taskId === undefined) throw new Error('schedule detail without scheduleTaskId');
    return {
      taskId,
      dataFileId: s.dataFileId ?? undefined,
      name: s.cycleTaskName ?? String(taskId),
      type: taskTypeFromScheduleType(s.cycleTaskType ?? Number.NaN),
      cron: emptyToUndefined(s.cronExpression ?? undefined),
      taskStatus: s.taskStatus == null ? undefined : taskStatus(s.taskStatus),
      vcCode: s.vcCode ?? undefined,
      latestRunId: s.latestInstanceId ?? undefined,
      latestRunPlanTime: s.latestInstancePlanTime ?? undefined,
      retryCount: s.retryCount ?? undefined,
      retryIntervalTime: s.retryIntervalTime ?? undefined,
      retryIntervalTimeUnit: s.retryIntervalTimeUnit ?? undefined,
      rerunProperty: s.rerunProperty == null ? undefined : rerunProperty(s.rerunProperty),
    };
  });

// ---- runs (task instances) ---------------------------------------------------------------------
export interface Run {
  id: number;
  taskId: number;
  taskName: string;
  taskType: TaskTypeValue;
  runType: Labelled;
  status: Labelled;
  planTime: number | undefined;
  triggerTime: number | undefined;
  startTime: number | undefined;
  endTime: number | undefined;
  failType: string | undefined;
  failMsg: string | undefined;
  rerunStatus: number | undefined;
  owner: string | undefined;
  ownerCn: string | undefined;
  executor: string | undefined;
  vcCode: string | undefined;
  /** Business date (yyyy-MM-dd) from the run's parameters, when Studio shows it. */
  bizDate: string | undefined;
  priority: number | undefined;
  projectId: number | undefined;
  projectName: string | undefined;
}

const runFields = z.looseObject({
  taskInstanceId: optNum,
  scheduleInstanceId: optNum,
  scheduleTaskId: optNum,
  cycleTaskName: optStr,
  scheduleTaskName: optStr,
  cycleTaskType: optNum,
  instanceType: optNum,
  instanceStatus: optNum,
  taskInstanceStatus: optNum,
  planTriggerTime: optNum,
  triggerTime: optNum,
  executeStartTime: optNum,
  executeEndTime: optNum,
  failType: optStr,
  failMsg: optStr,
  rerunStatus: optNum,
  taskOwnerEn: optStr,
  taskOwnerCn: optStr,
  executorUserName: optStr,
  vcCode: optStr,
  showTaskParam: optStr,
  taskPriority: optNum,
  projectId: optNum,
  projectName: optStr,
});

function bizDateFrom(showTaskParam: string | null | undefined): string | undefined {
  if (!showTaskParam) return undefined;
  try {
    const p = JSON.parse(showTaskParam) as Record<string, unknown>;
    const v = p.bizdate ?? p.biz_date ?? p.bizDate;
    return typeof v === 'string' ? v : undefined;
  } catch {
    const m = /biz_?date\s*[=:]\s*"?(\d{4}-\d{2}-\d{2})/i.exec(showTaskParam);
    return m?.[1];
  }
}

function toRun(r: z.infer<typeof runFields>): Run {
  const id = first(r.taskInstanceId, r.scheduleInstanceId);
  if (id === undefined) throw new Error('run without taskInstanceId');
  return {
    id,
    taskId: r.scheduleTaskId ?? Number.NaN,
    taskName: first(r.cycleTaskName, r.scheduleTaskName) ?? '',
    taskType: taskTypeFromScheduleType(r.cycleTaskType ?? Number.NaN),
    runType: runType(r.instanceType ?? Number.NaN),
    status: runStatus(first(r.instanceStatus, r.taskInstanceStatus) ?? Number.NaN),
    planTime: r.planTriggerTime ?? undefined,
    triggerTime: r.triggerTime ?? undefined,
    startTime: r.executeStartTime ?? undefined,
    endTime: r.executeEndTime ?? undefined,
    failType: r.failType ?? undefined,
    failMsg: r.failMsg ?? undefined,
    rerunStatus: r.rerunStatus ?? undefined,
    owner: r.taskOwnerEn ?? undefined,
    ownerCn: r.taskOwnerCn ?? undefined,
    executor: r.executorUserName ?? undefined,
    vcCode: r.vcCode ?? undefined,
    bizDate: bizDateFrom(r.showTaskParam),
    priority: r.taskPriority ?? undefined,
    projectId: r.projectId ?? undefined,
    projectName: r.projectName ?? undefined,
  };
}

export const runSchema = runFields.transform(toRun);
/** Run detail: bare, or with the fields nested in `taskDetail`. */
export const runDetailSchema = z.union([z.looseObject({ taskDetail: runFields }).transform((w) => w.taskDetail), runFields]).transform(toRun);

export interface Attempt {
  id: number;
  runId: number;
  createdAt: number | undefined;
  startTime: number | undefined;
  endTime: number | undefined;
  result: string | undefined;
  createdBy: string | undefined;
}

export const attemptSchema = z
  .looseObject({
    executeLogId: optNum,
    id: optNum,
    scheduleInstanceId: optNum,
    createdTime: optNum,
    startTime: optNum,
    endTime: optNum,
    finishResult: optStr,
    createdBy: optStr,
  })
  .transform((a): Attempt => {
    const id = first(a.executeLogId, a.id);
    if (id === undefined) throw new Error('attempt without executeLogId');
    return {
      id,
      runId: a.scheduleInstanceId ?? Number.NaN,
      createdAt: a.createdTime ?? undefined,
      startTime: a.startTime ?? undefined,
      endTime: a.endTime ?? undefined,
      result: a.finishResult ?? undefined,
      createdBy: a.createdBy ?? undefined,
    };
  });

export interface LogPage {
  text: string;
  /** Offset of the first character of `text` in the whole log. */
  startOffset: number;
  /** Offset just past the last character of `text`. */
  endOffset: number;
  totalLength: number | undefined;
  hasMoreBefore: boolean;
  hasMoreAfter: boolean;
}

export const logPageSchema = z
  .union([
    z.string().transform((s) => ({ logContent: s }) as Record<string, unknown>),
    z.looseObject({
      logContent: optStr,
      content: optStr,
      log: optStr,
      startOffset: optNum,
      endOffset: optNum,
      offset: optNum,
      totalLength: optNum,
      hasMoreBefore: z.boolean().nullish(),
      hasMoreAfter: z.boolean().nullish(),
      isEnd: z.boolean().nullish(),
    }),
  ])
  .transform((d): LogPage => {
    const text = String(first(d.logContent, d.content, d.log) ?? '');
    const start = Number(first(d.startOffset, d.offset) ?? 0);
    const end = Number(first(d.endOffset, start + text.length));
    const total = d.totalLength == null ? undefined : Number(d.totalLength);
    return {
      text,
      startOffset: start,
      endOffset: end,
      totalLength: total,
      hasMoreBefore: Boolean(first(d.hasMoreBefore as boolean | undefined, start > 0)),
      hasMoreAfter: Boolean(first(d.hasMoreAfter as boolean | undefined, d.isEnd == null ? undefined : !d.isEnd, total === undefined ? false : end < total)),
    };
  });

// ---- relations --------------------------------------------------------------------------------
export interface TaskRelationNode {
  taskId: number;
  name: string;
  type: TaskTypeValue;
  taskStatus: Labelled | undefined;
  upstream: TaskRelationNode[];
  downstream: TaskRelationNode[];
}

type RawRelation = {
  scheduleTaskId?: number | null;
  dataFileId?: number | null;
  scheduleTaskName?: string | null;
  cycleTaskName?: string | null;
  cycleTaskType?: number | null;
  taskStatus?: number | null;
  parents?: RawRelation[] | null;
  children?: RawRelation[] | null;
  parentList?: RawRelation[] | null;
  childList?: RawRelation[] | null;
};

const relationNode: z.ZodType<RawRelation> = z.lazy(() =>
  z.looseObject({
    scheduleTaskId: optNum,
    dataFileId: optNum,
    scheduleTaskName: optStr,
    cycleTaskName: optStr,
    cycleTaskType: optNum,
    taskStatus: optNum,
    parents: z.array(relationNode).nullish(),
    children: z.array(relationNode).nullish(),
    parentList: z.array(relationNode).nullish(),
    childList: z.array(relationNode).nullish(),
  }),
) as z.ZodType<RawRelation>;

function toRelationNode(r: RawRelation): TaskRelationNode {
  const taskId = first(r.scheduleTaskId, r.dataFileId);
  if (taskId === undefined) throw new Error('relation node without scheduleTaskId');
  return {
    taskId,
    name: first(r.scheduleTaskName, r.cycleTaskName) ?? String(taskId),
    type: taskTypeFromScheduleType(r.cycleTaskType ?? Number.NaN),
    taskStatus: r.taskStatus == null ? undefined : taskStatus(r.taskStatus),
    upstream: (first(r.parents, r.parentList) ?? []).map(toRelationNode),
    downstream: (first(r.children, r.childList) ?? []).map(toRelationNode),
  };
}

export const taskRelationSchema = relationNode.transform(toRelationNode);

export interface RunRef {
  runId: number;
  status: Labelled;
  taskId: number;
  taskName: string;
  taskType: TaskTypeValue;
  planTime: number | undefined;
}

const runRefSchema = runFields.transform((r): RunRef => {
  const run = toRun(r);
  return { runId: run.id, status: run.status, taskId: run.taskId, taskName: run.taskName, taskType: run.taskType, planTime: run.planTime };
});

export interface RunRelation {
  upstream: RunRef[];
  downstream: RunRef[];
}

export const runRelationSchema = z
  .looseObject({
    parentScheduleTaskInstanceBeans: z.array(runRefSchema).nullish(),
    childScheduleTaskInstanceBeans: z.array(runRefSchema).nullish(),
  })
  .transform((r): RunRelation => ({ upstream: r.parentScheduleTaskInstanceBeans ?? [], downstream: r.childScheduleTaskInstanceBeans ?? [] }));

// ---- folders, data sources, statistics, backfill ------------------------------------------------
export interface Folder {
  id: number;
  name: string;
  parentId: number | undefined;
}

export const folderSchema = z
  .looseObject({ id: optNum, dataFolderId: optNum, folderId: optNum, dataFolderName: optStr, folderName: optStr, name: optStr, parentFolderId: optNum, parentId: optNum })
  .transform((f): Folder => {
    const id = first(f.id, f.dataFolderId, f.folderId);
    const name = first(f.dataFolderName, f.folderName, f.name);
    if (id === undefined || name === undefined) throw new Error('folder without id or name');
    return { id, name, parentId: first(f.parentFolderId, f.parentId) };
  });

export interface DataSource {
  id: number;
  name: string;
  type: Labelled;
  status: number | undefined;
}

export const dataSourceSchema = z.looseObject({ id: optNum, dsId: optNum, dsName: optStr, name: optStr, dsType: optNum, status: optNum }).transform((d): DataSource => {
  const id = first(d.id, d.dsId);
  const name = first(d.dsName, d.name);
  if (id === undefined || name === undefined) throw new Error('data source without id or name');
  return { id, name, type: dataSourceType(d.dsType ?? Number.NaN), status: d.status ?? undefined };
});

export interface RunStatistics {
  byStatus: { status: Labelled; count: number }[];
  total: number;
}

/** Rows `{ instanceStatus, instanceType?, taskType?, count }`, one per combination: summed by status. */
export const runStatisticsSchema = z
  .union([
    z.array(z.looseObject({ instanceStatus: numeric, count: numeric })),
    z.looseObject({ list: z.array(z.looseObject({ instanceStatus: numeric, count: numeric })) }).transform((d) => d.list),
  ])
  .transform((rows): RunStatistics => {
    const sums = new Map<number, number>();
    for (const r of rows) sums.set(r.instanceStatus, (sums.get(r.instanceStatus) ?? 0) + r.count);
    const byStatus = [...sums].sort((a, b) => a[0] - b[0]).map(([code, count]) => ({ status: runStatus(code), count }));
    return { byStatus, total: byStatus.reduce((s, r) => s + r.count, 0) };
  });

// ---- deploy pre-check, temporary runs, downstream, versions, VClusters ---------------------------
export interface PrecheckFailure {
  taskId: number | undefined;
  taskName: string | undefined;
  params: { key: string; reason: string }[];
}

export interface PrecheckResult {
  /** True only when Studio answered `pass: true` and no task has an invalid parameter. */
  pass: boolean;
  /** Whether Studio's answer had a boolean `pass` at all. */
  answered: boolean;
  failures: PrecheckFailure[];
}

export const precheckSchema = z
  .looseObject({
    pass: z.unknown(),
    details: z
      .array(
        z.looseObject({
          fileId: optNum,
          fileName: optStr,
          invalidParams: z.array(z.looseObject({ paramKey: optStr, reason: optStr })).nullish(),
        }),
      )
      .nullish(),
  })
  .nullish()
  .transform((d): PrecheckResult => {
    const failures = (d?.details ?? [])
      .filter((x) => (x.invalidParams ?? []).length > 0)
      .map((x) => ({
        taskId: x.fileId ?? undefined,
        taskName: x.fileName ?? undefined,
        params: (x.invalidParams ?? []).map((p) => ({ key: p.paramKey ?? 'unknown', reason: p.reason ?? 'invalid' })),
      }));
    return { pass: d?.pass === true && failures.length === 0, answered: typeof d?.pass === 'boolean', failures };
  });

export interface TemporaryRun {
  runId: number;
}

export const temporaryRunSchema = z.looseObject({ scheduleInstanceId: optNum, instanceId: optNum }).transform((d, ctx): TemporaryRun => {
  const runId = first(d.scheduleInstanceId, d.instanceId);
  if (runId === undefined) {
    ctx.addIssue({ code: 'custom', message: 'no run id (scheduleInstanceId) in the answer' });
    return z.NEVER;
  }
  return { runId };
});

export interface DownstreamTask {
  taskId: number;
  name: string;
  type: TaskTypeValue;
  cron: string | undefined;
  taskStatus: Labelled | undefined;
  vcCode: string | undefined;
  owner: string | undefined;
  /** How it is reached from the task, e.g. `a -> b -> c`, when Studio says. */
  path: string | undefined;
}

export const downstreamTaskSchema = z
  .looseObject({
    scheduleTaskId: optNum,
    cycleTaskName: optStr,
    dataFileName: optStr,
    cycleTaskType: optNum,
    cronExpression: optStr,
    taskStatus: optNum,
    vcCode: optStr,
    taskOwnerCn: optStr,
    taskOwnerEn: optStr,
    path: optStr,
  })
  .transform((d): DownstreamTask => {
    if (d.scheduleTaskId == null) throw new Error('downstream task without scheduleTaskId');
    return {
      taskId: d.scheduleTaskId,
      name: first(d.cycleTaskName, d.dataFileName) ?? String(d.scheduleTaskId),
      type: taskTypeFromScheduleType(d.cycleTaskType ?? Number.NaN),
      cron: emptyToUndefined(d.cronExpression ?? undefined),
      taskStatus: d.taskStatus == null ? undefined : taskStatus(d.taskStatus),
      vcCode: d.vcCode ?? undefined,
      owner: first(d.taskOwnerEn, d.taskOwnerCn),
      path: d.path ?? undefined,
    };
  });

export interface PublishedVersion {
  taskId: number;
  version: number;
  content: string;
  params: TaskParam[];
  configuration: TaskConfiguration;
  publishedAt: number | undefined;
}

export function publishedVersionSchema(taskId: number, version: number) {
  const configuration = taskConfigurationSchema(taskId);
  return z
    .looseObject({
      dataFileId: optNum,
      dataFileVersion: optNum,
      fileContent: optStr,
      dataFileContent: optStr,
      paramValueList: paramListSchema.nullish(),
      publishTime: optNum,
      taskConfigurationDetail: z.unknown().optional(),
      scheduleConfig: z.unknown().optional(),
    })
    .transform(
      (d): PublishedVersion => ({
        taskId: d.dataFileId ?? taskId,
        version: d.dataFileVersion ?? version,
        content: first(d.fileContent, d.dataFileContent) ?? '',
        params: d.paramValueList ?? [],
        configuration: parseWith(configuration, d.taskConfigurationDetail ?? d.scheduleConfig ?? d, 'published configuration'),
        publishedAt: d.publishTime ?? undefined,
      }),
    );
}

export interface VCluster {
  id: string;
  name: string;
  /** INTEGRATION (sync), GENERAL, ANALYTICS, … as Studio names it. */
  type: string;
}

export const vclusterSchema = z.looseObject({ id: optStr, name: optStr, vcName: optStr, type: optStr, vcType: optStr, vclusterType: optStr }).transform((v): VCluster => {
  const name = first(v.name, v.vcName);
  if (!name) throw new Error('virtual cluster without name');
  return { id: v.id ?? name, name, type: (first(v.type, v.vcType, v.vclusterType) ?? 'UNKNOWN').toUpperCase() };
});

export interface BackfillJob {
  id: number;
  name: string | undefined;
  taskId: number | undefined;
  taskName: string | undefined;
  status: string | undefined;
  bizStartDate: number | undefined;
  bizEndDate: number | undefined;
  createdBy: string | undefined;
  createdAt: number | undefined;
}

export const backfillJobSchema = z
  .looseObject({
    id: optNum,
    complementJobId: optNum,
    complementJobName: optStr,
    scheduleTaskId: optNum,
    taskName: optStr,
    runStatus: optStr,
    bizStartDate: optNum,
    bizEndDate: optNum,
    createBy: optStr,
    createTime: optNum,
  })
  .transform((j): BackfillJob => {
    const id = first(j.id, j.complementJobId);
    if (id === undefined) throw new Error('backfill job without id');
    return {
      id,
      name: j.complementJobName ?? undefined,
      taskId: j.scheduleTaskId ?? undefined,
      taskName: j.taskName ?? undefined,
      status: j.runStatus ?? undefined,
      bizStartDate: j.bizStartDate ?? undefined,
      bizEndDate: j.bizEndDate ?? undefined,
      createdBy: j.createBy ?? undefined,
      createdAt: j.createTime ?? undefined,
    };
  });

/** Ids come back bare, as `{ id }`, or under another key; accept them all. */
export const returnedIdSchema = z.union([
  numeric,
  z.looseObject({ id: optNum, dataFileId: optNum, dataFolderId: optNum, complementJobId: optNum, jobId: optNum }).transform((o) => {
    const id = first(o.id, o.dataFileId, o.dataFolderId, o.complementJobId, o.jobId);
    if (id === undefined) throw new Error('no id in answer');
    return id;
  }),
]);

/** A source table's column, from Studio's data source browser (getDataObjectMeta). */
export interface SourceColumn {
  name: string;
  /** The source database's own type (`physicalType`, e.g. tinyint(1)), else Studio's generic one. */
  type: string;
  primary: boolean;
}

export const dataObjectMetaSchema = z
  .looseObject({
    columns: z.array(z.looseObject({ name: z.string().min(1), type: z.string().nullish(), physicalType: z.string().nullish(), primary: z.boolean().nullish() })).nullish(),
  })
  .transform((d): SourceColumn[] => (d.columns ?? []).map((c) => ({ name: c.name, type: c.physicalType ?? c.type ?? 'STRING', primary: c.primary ?? false })));
