/**
 * Everything the bot reads from Studio: tasks (and finding one by name), runs and their logs,
 * backfills, relations, folders, published versions, cron previews, VClusters, data sources,
 * statistics. Reads are retried by the transport; nothing here changes Studio.
 */
import { z } from 'zod';
import { closeMatches } from './close-matches.js';
import { expandStatusFilter, type TaskKind } from './enums.js';
import { StudioError, TaskLookupError } from './errors.js';
import {
  type Attempt,
  type BackfillJob,
  type DataSource,
  type DownstreamTask,
  type Folder,
  type PublishedVersion,
  type VCluster,
  downstreamTaskSchema,
  publishedVersionSchema,
  vclusterSchema,
  type LogPage,
  type Page,
  type Run,
  type RunRelation,
  type RunStatistics,
  type ScheduleDetail,
  type TaskConfiguration,
  type TaskDetail,
  type TaskRelationNode,
  type TaskSummary,
  attemptSchema,
  backfillJobSchema,
  dataSourceSchema,
  dataObjectMetaSchema,
  type SourceColumn,
  folderSchema,
  listDataSchema,
  logPageSchema,
  parseWith,
  runDetailSchema,
  runRelationSchema,
  runSchema,
  runStatisticsSchema,
  scheduleDetailSchema,
  taskConfigurationSchema,
  taskDetailSchema,
  taskRelationSchema,
  taskSummarySchema,
} from './models.js';
import { ADMIN, StudioSessionClient } from './session.js';

export interface ListTasksFilter {
  folderId?: number;
  name?: string;
  type?: TaskKind;
  page?: number;
  pageSize?: number;
}

export interface ListRunsFilter {
  taskId?: number;
  taskNameLike?: string;
  /** Status codes; NOT_STARTED (2) is expanded to 2, 5, 6, 8 as Studio's UI does. */
  statuses?: readonly number[];
  runType?: number;
  /** Plan-time window, epoch ms. */
  planFrom?: number;
  planTo?: number;
  page?: number;
  pageSize?: number;
  order?: 'asc' | 'desc';
}

export type LogAction = 'head' | 'next' | 'prev' | 'tail';

export class StudioReads extends StudioSessionClient {
  async listTasks(filter: ListTasksFilter = {}): Promise<Page<TaskSummary>> {
    const { projectId } = await this.getSession();
    const page = filter.page ?? 1;
    const pageSize = filter.pageSize ?? 50;
    const body: Record<string, unknown> = { projectId, page, pageSize };
    if (filter.folderId !== undefined) body.folderId = filter.folderId;
    if (filter.name) body.fileName = filter.name;
    if (filter.type) body.fileType = filter.type.fileType;
    return this.listPage(`${ADMIN}/ai/mcp/listFiles`, body, taskSummarySchema, page, pageSize, 'task list');
  }

  async listAllTasks(filter: Omit<ListTasksFilter, 'page' | 'pageSize'> = {}, max = 10_000): Promise<TaskSummary[]> {
    return this.collectAll((page) => this.listTasks({ ...filter, page, pageSize: 200 }), max);
  }

  async getTask(taskId: number): Promise<TaskDetail> {
    return this.callParsed(`${ADMIN}/dataFile/getDetail`, { id: taskId }, 'read', taskDetailSchema, 'task detail');
  }

  async getTaskConfiguration(taskId: number): Promise<TaskConfiguration> {
    const { projectId, workspaceId } = await this.getSession();
    return this.callParsed(
      `${ADMIN}/dataFileConfiguration/getFileConfigurationDetail`,
      { projectId, workspaceId, dataFileId: taskId },
      'read',
      taskConfigurationSchema(taskId),
      'task configuration',
    );
  }

  async getScheduleDetail(taskId: number): Promise<ScheduleDetail> {
    const { projectId } = await this.getSession();
    return this.callParsed(`${ADMIN}/scheduleTask/getDetail`, { scheduleTaskId: taskId, projectId }, 'read', scheduleDetailSchema, 'schedule detail');
  }

  /**
   * A task by id or by name. Names match exactly (case-insensitively when that is unique);
   * an unknown name raises TaskLookupError with close matches, an ambiguous one lists every match.
   */
  async resolveTask(ref: string | number): Promise<TaskSummary> {
    const text = String(ref).trim();
    // `folder/task` (a folder path: `a/b/task`) picks the task of that name in that folder.
    const slash = text.lastIndexOf('/');
    if (slash > 0 && slash < text.length - 1) return this.resolveTaskInFolder(text.slice(0, slash), text.slice(slash + 1));
    if (/^\d+$/.test(text)) {
      try {
        const t = await this.getTask(Number(text));
        return t;
      } catch (e) {
        if (e instanceof StudioError && e.kind === 'business') throw new TaskLookupError('not_found', text, []);
        throw e;
      }
    }
    const byName = await this.listAllTasks({ name: text }, 500);
    const exact = byName.filter((t) => t.name === text);
    const folded = byName.filter((t) => t.name.toLowerCase() === text.toLowerCase());
    const matches = exact.length > 0 ? exact : folded;
    if (matches.length === 1) return matches[0]!;
    const folders = new Map((await this.listAllFolders()).map((f) => [f.id, f.name]));
    const describe = (t: TaskSummary) => ({ id: t.id, name: t.name, folder: t.folderName ?? (t.folderId ? folders.get(t.folderId) : undefined) });
    if (matches.length > 1) throw new TaskLookupError('ambiguous', text, matches.map(describe));
    const all = await this.listAllTasks({}, 10_000);
    throw new TaskLookupError('not_found', text, closeMatches(text, all, (t) => t.name).map(describe));
  }

  private async resolveTaskInFolder(folderPath: string, name: string): Promise<TaskSummary> {
    const ref = `${folderPath}/${name}`;
    const folders = await this.listAllFolders();
    let parent = 0;
    let folder: Folder | undefined;
    for (const segment of folderPath.split('/').filter(Boolean)) {
      folder =
        folders.find((f) => f.name === segment && (f.parentId ?? 0) === parent) ??
        folders.find((f) => f.name.toLowerCase() === segment.toLowerCase() && (f.parentId ?? 0) === parent);
      if (!folder) {
        const near = closeMatches(
          segment,
          folders.filter((f) => (f.parentId ?? 0) === parent),
          (f) => f.name,
        ).map((f) => ({ id: f.id, name: `${f.name}/${name}` }));
        throw new TaskLookupError('not_found', ref, near);
      }
      parent = folder.id;
    }
    const inFolder = (await this.listAllTasks({ folderId: folder!.id })).filter((t) => t.folderId === folder!.id);
    const match = inFolder.find((t) => t.name === name) ?? inFolder.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (match) return { ...match, folderName: match.folderName ?? folder!.name };
    throw new TaskLookupError(
      'not_found',
      ref,
      closeMatches(name, inFolder, (t) => t.name).map((t) => ({ id: t.id, name: t.name, folder: folder!.name })),
    );
  }

  async listRuns(filter: ListRunsFilter = {}): Promise<Page<Run>> {
    const { projectId } = await this.getSession();
    const page = filter.page ?? 1;
    const pageSize = filter.pageSize ?? 20;
    const body: Record<string, unknown> = {
      projectId,
      pageIndex: page,
      pageSize,
      orderBy: filter.order ?? 'desc',
      orderByFields: 'planTriggerTime',
    };
    if (filter.taskId !== undefined) body.scheduleTaskId = filter.taskId;
    if (filter.taskNameLike) body.taskNameLike = filter.taskNameLike;
    if (filter.statuses?.length) body.instanceStatusList = expandStatusFilter(filter.statuses);
    if (filter.runType !== undefined) body.instanceType = filter.runType;
    if (filter.planFrom !== undefined) body.queryStartPlanTime = filter.planFrom;
    if (filter.planTo !== undefined) body.queryEndPlanTime = filter.planTo;
    return this.listPage(`${ADMIN}/taskInst/list`, body, runSchema, page, pageSize, 'run list');
  }

  async listAllRuns(filter: Omit<ListRunsFilter, 'page' | 'pageSize'> = {}, max = 10_000, pageSize = 200): Promise<Run[]> {
    return this.collectAll((page) => this.listRuns({ ...filter, page, pageSize }), max);
  }

  async getRun(runId: number): Promise<Run> {
    return this.callParsed(`${ADMIN}/taskInst/getDetail`, { taskInstanceId: runId }, 'read', runDetailSchema, 'run detail');
  }

  async listAttempts(runId: number): Promise<Attempt[]> {
    const { projectId } = await this.getSession();
    const page = await this.listPage(`${ADMIN}/taskInst/execute/logs`, { taskInstanceId: runId, projectId, pageIndex: 1, pageSize: 100 }, attemptSchema, 1, 100, 'attempt list');
    return page.items.map((a) => ({ ...a, runId: Number.isNaN(a.runId) ? runId : a.runId }));
  }

  /** One page of an attempt's log: from the start, after/before an offset, or the tail. */
  async getLogPage(runId: number, attemptId: number, action: LogAction = 'tail', offset?: number): Promise<LogPage> {
    const code = { head: '1', next: '1', prev: '2', tail: '3' }[action];
    const body: Record<string, unknown> = { queryLogActionCode: code, tempInstanceId: runId, executeLogId: attemptId };
    if (action === 'head') body.offset = 0;
    else if (offset !== undefined && action !== 'tail') body.offset = offset;
    return this.callParsed(`${ADMIN}/adhoc/queryTempLogResults`, body, 'read', logPageSchema, 'log page');
  }

  /** The whole log of an attempt (paging forward), stopping at `maxChars`. */
  async readLog(runId: number, attemptId: number, maxChars = 20_000_000): Promise<{ text: string; truncated: boolean }> {
    let page = await this.getLogPage(runId, attemptId, 'head');
    const parts = [page.text];
    let size = page.text.length;
    while (page.hasMoreAfter && size < maxChars && page.text.length > 0) {
      page = await this.getLogPage(runId, attemptId, 'next', page.endOffset);
      parts.push(page.text);
      size += page.text.length;
    }
    const text = parts.join('');
    return { text: text.slice(0, maxChars), truncated: page.hasMoreAfter || text.length > maxChars };
  }

  async listBackfills(filter: { taskNameLike?: string; page?: number; pageSize?: number } = {}): Promise<Page<BackfillJob>> {
    const { projectId } = await this.getSession();
    const page = filter.page ?? 1;
    const pageSize = filter.pageSize ?? 20;
    const body: Record<string, unknown> = { projectId, pageIndex: page, pageSize };
    if (filter.taskNameLike) body.taskNameLike = filter.taskNameLike;
    return this.listPage(`${ADMIN}/complementTask/list`, body, backfillJobSchema, page, pageSize, 'backfill list');
  }

  async getTaskRelations(taskId: number, levels: { up?: number; down?: number } = {}): Promise<TaskRelationNode> {
    const { projectId } = await this.getSession();
    return this.callParsed(
      `${ADMIN}/scheduleTask/queryTaskRelation`,
      { scheduleTaskId: taskId, projectId, parentLevel: levels.up ?? 1, childLevel: levels.down ?? 1 },
      'read',
      taskRelationSchema,
      'task relation',
    );
  }

  async getRunRelations(runId: number, levels: { up?: number; down?: number } = {}): Promise<RunRelation> {
    const { projectId } = await this.getSession();
    return this.callParsed(
      `${ADMIN}/taskInst/queryTaskInstanceRelation`,
      { taskInstanceId: runId, projectId, parentLevel: levels.up ?? 1, childLevel: levels.down ?? 1 },
      'read',
      runRelationSchema,
      'run relation',
    );
  }

  async listFolders(filter: { parentId?: number; name?: string; page?: number; pageSize?: number } = {}): Promise<Page<Folder>> {
    const { projectId } = await this.getSession();
    const page = filter.page ?? 1;
    const pageSize = filter.pageSize ?? 100;
    const body: Record<string, unknown> = { projectId, page, pageSize };
    if (filter.parentId !== undefined) body.parentFolderId = filter.parentId;
    if (filter.name) body.folderName = filter.name;
    return this.listPage(`${ADMIN}/ai/mcp/listFolders`, body, folderSchema, page, pageSize, 'folder list');
  }

  async listAllFolders(filter: { parentId?: number; name?: string } = {}): Promise<Folder[]> {
    return this.collectAll((page) => this.listFolders({ ...filter, page, pageSize: 200 }), 10_000);
  }

  /** The published version of a task (what the scheduler runs), to compare with the draft. */
  async getPublishedVersion(taskId: number, version: number): Promise<PublishedVersion> {
    const { projectId } = await this.getSession();
    return this.callParsed(
      `${ADMIN}/fileVersion/getFileDetailByVersion`,
      { projectId, dataFileId: taskId, dataFileVersion: version },
      'read',
      publishedVersionSchema(taskId, version),
      'published version',
    );
  }

  /** Every task downstream of `taskId`, at any depth (Studio's flattened list). */
  async listDownstream(taskId: number): Promise<DownstreamTask[]> {
    const { projectId } = await this.getSession();
    return this.callParsed(`${ADMIN}/scheduleTask/flatAllDownstream`, { scheduleTaskId: taskId, projectId }, 'read', z.array(downstreamTaskSchema), 'downstream list');
  }

  /** Studio's own preview of a cron's next fire times (local date-time strings, as Studio sends them). */
  async previewCron(cron: string, window: { start?: string; end?: string } = {}): Promise<string[]> {
    return this.callParsed(
      `${ADMIN}/dataFileConfiguration/generateInstanceTimeList`,
      { cron, scheduleStartTime: window.start ?? '00:00', scheduleEndTime: window.end ?? '23:59' },
      'read',
      z
        .array(z.union([z.string(), z.number().transform(String)]))
        .nullish()
        .transform((l) => l ?? []),
      'cron preview',
    );
  }

  /** The workspace's virtual clusters with their types (INTEGRATION for sync tasks). */
  async listVClusters(): Promise<VCluster[]> {
    const { instanceId, workspaceId } = await this.getSession();
    const { value } = await this.callParsedWithId('/clickzetta-lakeconsole/api/v1/vcluster/list', { instanceId, workspaceId }, 'read', listDataSchema, 'virtual cluster list');
    return value.list.map((v) => parseWith(vclusterSchema, v, 'virtual cluster'));
  }

  async listDataSources(filter: { name?: string; type?: number; page?: number; pageSize?: number } = {}): Promise<Page<DataSource>> {
    const page = filter.page ?? 1;
    const pageSize = filter.pageSize ?? 100;
    const body: Record<string, unknown> = { pageIndex: page, pageSize, status: 1 };
    if (filter.name) body.dsName = filter.name;
    if (filter.type !== undefined) body.dsType = filter.type;
    return this.listPage('/ide-authority/v1/projectDataSources/list', body, dataSourceSchema, page, pageSize, 'data source list');
  }

  /** A data source's namespaces (databases / schemas / topics), as cz-cli `datasource catalogs` lists them. */
  async listDataSourceNamespaces(dataSourceId: number): Promise<string[]> {
    const { list } = await this.callParsed('/ide-authority/v1/projectDataSources/listNamespaces', { id: dataSourceId }, 'read', listDataSchema, 'data source namespaces');
    return list.map((x) => (typeof x === 'string' ? x : String((x as { name?: unknown }).name ?? ''))).filter((x) => x !== '');
  }

  /** The tables (objects) of a namespace of a data source (cz-cli `datasource objects`): names as Studio spells them. */
  async listDataObjects(dataSourceId: number, namespace: string): Promise<string[]> {
    const { list } = await this.callParsed(
      '/ide-authority/v1/projectDataSources/listDataObjects',
      { id: dataSourceId, nameSpace: namespace },
      'read',
      listDataSchema,
      'data source tables',
    );
    return list
      .map((x) => (typeof x === 'string' ? x : String((x as { name?: unknown; tableName?: unknown }).name ?? (x as { tableName?: unknown }).tableName ?? '')))
      .filter((x) => x !== '');
  }

  /** A source table's columns (cz-cli `datasource describe`): name, the source's own type, primary key. */
  async dataObjectColumns(dataSourceId: number, namespace: string, table: string): Promise<SourceColumn[]> {
    return this.callParsed(
      '/ide-authority/v1/projectDataSources/getDataObjectMeta',
      { id: dataSourceId, nameSpace: namespace, dataObjectName: table },
      'read',
      dataObjectMetaSchema,
      'data source table columns',
    );
  }

  async getRunStatistics(window: { planFrom: number; planTo: number; statuses?: number[]; taskType?: number; runType?: number; taskName?: string }): Promise<RunStatistics> {
    const { projectId } = await this.getSession();
    const body: Record<string, unknown> = { projectId, queryStartPlanTime: window.planFrom, queryEndPlanTime: window.planTo };
    if (window.statuses) body.instanceStatusList = window.statuses;
    if (window.taskType !== undefined) body.cycleTaskType = window.taskType;
    if (window.runType !== undefined) body.instanceType = window.runType;
    if (window.taskName) body.scheduleTaskName = window.taskName;
    return this.callParsed(`${ADMIN}/ai/mcp/instance/statistic`, body, 'read', runStatisticsSchema, 'run statistics');
  }
}
