/**
 * The typed Studio client. The only Studio client in the product: it talks HTTP to a real Studio
 * or to the embedded sandbox, which speaks the same protocol.
 */
import { z } from 'zod';
import { closeMatches } from './close-matches.js';
import { endOfDayMs, startOfDayMs } from './dates.js';
import { expandStatusFilter, type TaskKind } from './enums.js';
import { StudioError, TaskLookupError } from './errors.js';
import { runLink, taskLink, type StudioLinkContext } from './links.js';
import {
  type Attempt,
  type BackfillJob,
  type DataSource,
  type DownstreamTask,
  type Folder,
  type PrecheckResult,
  type PublishedVersion,
  type TaskParam,
  type TemporaryRun,
  type VCluster,
  downstreamTaskSchema,
  precheckSchema,
  publishedVersionSchema,
  temporaryRunSchema,
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
  folderSchema,
  listDataSchema,
  logPageSchema,
  parseWith,
  returnedIdSchema,
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
import { type CallKind, type CallResult, type Envelope, type RetryPolicy, StudioTransport } from './transport.js';

export interface StudioLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface StudioClientOptions {
  baseUrl: string;
  accessToken: string;
  instance: string;
  workspace: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  connections?: number;
  /** Time zone of the workspace's business dates (backfill ranges). */
  timeZone?: string;
  /** Studio user name written as updateBy/createdBy when a call names no actor. */
  defaultActor?: string;
  logger?: StudioLogger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface StudioSession {
  token: string;
  instanceId: number;
  userId: number;
  tenantId: number;
  userName: string;
  workspaceId: number;
  projectId: number;
  obtainedAt: number;
  /** When to log in again: 80 % into the token's life. */
  refreshAt: number;
}

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

/**
 * What a configuration write changes. Everything else in the task's configuration is read first and
 * sent back as it was: Studio replaces the whole configuration on every save.
 */
export interface ConfigurationChange {
  /** Quartz 7-field cron; empty string clears it. */
  cron?: string;
  /** The new upstream list. Dependencies already there keep how Studio described them (depStrategy, parseType). */
  dependencies?: { taskId: number; taskName: string }[];
  vcCode?: string;
  retryCount?: number;
  rerunProperty?: number;
  schemaName?: string;
}

export interface ConfigurationWrite {
  /** The configuration as read before the write. */
  before: TaskConfiguration;
  /** The body that was sent. */
  sent: Record<string, unknown>;
  requestId: string;
}

/** What cz-cli sends on a configuration save when the configuration read had no value (and its constants). */
const CONFIG_SAVE_DEFAULTS = {
  schemaName: 'public',
  retryIntervalTime: 1,
  retryIntervalTimeUnit: 'm',
  selfDependsJob: 0,
  executeTimeoutUnit: 'm',
  configProperties: '{}',
  taskPriority: '1',
  scheduleRateType: 2,
  activeEndTime: '2099-01-01T00:00:00.000Z',
  scheduleType: 1,
  fileCreateType: 1,
  scheduleCreatedType: '2',
  scheduleConfigType: '1',
};

/** Fields of the configuration as Studio serves it that a save names differently or does not take. */
const CONFIG_READ_ONLY = new Set(['dataFileDependencyDTOS', 'fileOutputTableDTOS', 'taskConfigurationDetail', 'cronExpression', 'paramValueList']);

export interface BackfillInput {
  taskId: number;
  /** Business dates, yyyy-MM-dd, inclusive. */
  from: string;
  to: string;
  vcCode?: string;
  name?: string;
  actor?: string;
}

const ADMIN = '/ide-admin/v1';

export class StudioClient {
  private readonly transport: StudioTransport;
  private readonly opts: StudioClientOptions;
  private session: StudioSession | undefined;
  private loginInFlight: Promise<StudioSession> | undefined;
  private readonly now: () => number;
  readonly timeZone: string;
  /** Count of logins performed (first login included); visible for operations and tests. */
  loginCount = 0;

  constructor(opts: StudioClientOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.timeZone = opts.timeZone ?? 'UTC';
    this.transport = new StudioTransport({
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs,
      retry: opts.retry,
      connections: opts.connections,
      sleep: opts.sleep,
      onRetry: ({ path, attempt, delayMs, error }) => opts.logger?.warn({ path, attempt, delayMs, code: error.code, requestId: error.requestId }, 'retrying Studio read'),
    });
  }

  get linkContext(): StudioLinkContext {
    return { baseUrl: this.opts.baseUrl, instance: this.opts.instance, workspace: this.opts.workspace };
  }

  runLink(runId: number, tab?: 'executeLog'): string {
    return runLink(this.linkContext, runId, tab);
  }

  taskLink(taskId: number): string {
    return taskLink(this.linkContext, taskId);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  // ---- session -------------------------------------------------------------------------------

  /** The current session, logging in (once, even when many callers ask at the same time) if needed. */
  async getSession(): Promise<StudioSession> {
    if (this.session && this.now() < this.session.refreshAt) return this.session;
    return this.login();
  }

  private login(): Promise<StudioSession> {
    if (!this.loginInFlight) {
      this.loginInFlight = this.doLogin().finally(() => {
        this.loginInFlight = undefined;
      });
    }
    return this.loginInFlight;
  }

  private async doLogin(): Promise<StudioSession> {
    const path = '/clickzetta-portal/user/loginSingle';
    let envelope: Envelope;
    try {
      ({ envelope } = await this.transport.call(path, { accessToken: this.opts.accessToken, instanceName: this.opts.instance }, 'read', {
        instanceName: this.opts.instance,
      }));
    } catch (e) {
      if (e instanceof StudioError && e.kind === 'business') {
        const unknownInstance = /No such element|没有这样的元素/.test(e.message);
        throw new StudioError({
          kind: 'auth',
          code: unknownInstance ? 'INSTANCE_NOT_FOUND' : e.code,
          message: unknownInstance
            ? `Studio has no instance named "${this.opts.instance}" (check STUDIO_INSTANCE): ${e.message}`
            : `Login to Studio failed (check STUDIO_ACCESS_TOKEN): ${e.message}`,
          httpStatus: e.httpStatus,
          path,
          requestId: e.requestId,
        });
      }
      throw e;
    }
    this.loginCount++;
    const data = (envelope.data ?? {}) as Record<string, unknown>;
    const token = typeof data.token === 'string' ? data.token : undefined;
    if (!token) {
      throw new StudioError({ kind: 'auth', code: 'AUTH_FAILED', message: 'Login succeeded but no token came back', path, requestId: '-' });
    }
    const obtainedAt = this.now();
    const expire = Number(data.expireTime ?? 0);
    // expireTime is a lifetime in ms (cz-cli's reading) or, if it looks like one, an absolute epoch time.
    const lifetime = expire > 1e12 ? expire - obtainedAt : expire > 0 ? expire : 3_600_000;
    const partial = {
      token,
      instanceId: Number(data.instanceId ?? 0),
      userId: Number(data.userId ?? 0),
      obtainedAt,
      refreshAt: obtainedAt + Math.max(1000, lifetime * 0.8),
    };

    const { envelope: userEnv } = await this.rawCall('/clickzetta-portal/user/getCurrentUser', {}, 'read', partial);
    const user = (userEnv.data ?? {}) as Record<string, unknown>;
    const tenantId = Number(user.accountId ?? user.tenantId ?? 0);
    const userName = String(user.name ?? user.userName ?? `user-${partial.userId}`);

    const wsPath = '/ide-authority/v1/workspace/listUserWorkspaces';
    const { envelope: wsEnv } = await this.rawCall(wsPath, { forWrite: 'true', listType: 4, pageIndex: 1, pageSize: 99999, tenantId, userId: partial.userId }, 'read', {
      ...partial,
      tenantId,
    });
    const list = parseWith(listDataSchema, wsEnv.data ?? [], 'workspace list').list as Record<string, unknown>[];
    const ws = list.find((w) => w.workspaceName === this.opts.workspace);
    if (!ws) {
      const names = list.map((w) => String(w.workspaceName)).join(', ') || '(none)';
      throw new StudioError({
        kind: 'auth',
        code: 'WORKSPACE_NOT_FOUND',
        message: `No workspace named "${this.opts.workspace}" for this user (check STUDIO_WORKSPACE). Workspaces: ${names}`,
        path: wsPath,
        requestId: '-',
      });
    }
    this.session = {
      ...partial,
      tenantId,
      userName,
      workspaceId: Number(ws.workspaceId),
      projectId: Number(ws.projectId),
    };
    this.opts.logger?.debug({ instance: this.opts.instance, workspace: this.opts.workspace, projectId: this.session.projectId }, 'logged in to Studio');
    return this.session;
  }

  private headersFor(s: Pick<StudioSession, 'token' | 'instanceId' | 'userId'> & { tenantId?: number }): Record<string, string> {
    const tenant = String(s.tenantId ?? '');
    return {
      'X-Clickzetta-Token': s.token,
      instanceName: this.opts.instance,
      instanceid: String(s.instanceId),
      userId: String(s.userId),
      accountId: tenant,
      tenantId: tenant,
      workspaceName: this.opts.workspace,
      env: 'prod',
    };
  }

  private async rawCall(
    path: string,
    body: unknown,
    kind: CallKind,
    s: Pick<StudioSession, 'token' | 'instanceId' | 'userId'> & { tenantId?: number },
    extra?: { headers: Record<string, string>; raw: boolean },
  ): Promise<CallResult> {
    return this.transport.call(path, body, kind, { ...this.headersFor(s), ...extra?.headers }, { raw: extra?.raw ?? false });
  }

  /**
   * One authenticated call. A 401 drops the session, logs in once more and repeats the call once:
   * a 401 means Studio rejected the request before acting on it, so this is safe for writes too.
   */
  async call(path: string, body: unknown, kind: CallKind, extra?: { headers: Record<string, string>; raw: boolean }): Promise<CallResult> {
    const session = await this.getSession();
    try {
      return await this.rawCall(path, body, kind, session, extra);
    } catch (e) {
      if (!(e instanceof StudioError) || e.httpStatus !== 401) throw e;
      this.opts.logger?.warn({ path, requestId: e.requestId }, 'Studio answered 401; logging in again');
      if (this.session === session) this.session = undefined;
      const fresh = await this.getSession();
      try {
        return await this.rawCall(path, body, kind, fresh, extra);
      } catch (e2) {
        if (e2 instanceof StudioError && e2.httpStatus === 401) {
          throw new StudioError({
            kind: 'auth',
            code: 'UNAUTHORIZED',
            message: 'Studio rejected the access token even after logging in again (check STUDIO_ACCESS_TOKEN and its permissions)',
            httpStatus: 401,
            path,
            requestId: e2.requestId,
          });
        }
        throw e2;
      }
    }
  }

  /** Lakehouse SQL calls (/lh/…): the session's headers, and the answer as it is (no envelope). */
  async lakehouseCall(path: string, body: unknown, kind: CallKind, headers: Record<string, string>): Promise<unknown> {
    return (await this.call(path, body, kind, { headers, raw: true })).envelope;
  }

  async lakehouseIdentity(): Promise<{ instance: string; instanceId: number; workspace: string; userName: string; baseUrl: string }> {
    const s = await this.getSession();
    return { instance: this.opts.instance, instanceId: s.instanceId, workspace: this.opts.workspace, userName: s.userName, baseUrl: this.opts.baseUrl };
  }

  private async callParsed<T extends z.ZodTypeAny>(path: string, body: unknown, kind: CallKind, schema: T, what: string): Promise<z.output<T>> {
    return (await this.callParsedWithId(path, body, kind, schema, what)).value;
  }

  private async callParsedWithId<T extends z.ZodTypeAny>(path: string, body: unknown, kind: CallKind, schema: T, what: string): Promise<{ value: z.output<T>; requestId: string }> {
    const { envelope, requestId } = await this.call(path, body, kind);
    try {
      return { value: parseWith(schema, envelope.data, what), requestId };
    } catch (e) {
      throw new StudioError({ kind: 'protocol', code: 'BAD_RESPONSE', message: (e as Error).message, path, requestId });
    }
  }

  private async actor(actor: string | undefined): Promise<string> {
    return actor ?? this.opts.defaultActor ?? (await this.getSession()).userName;
  }

  private async listPage<T extends z.ZodTypeAny>(path: string, body: Record<string, unknown>, item: T, page: number, pageSize: number, what: string): Promise<Page<z.output<T>>> {
    const { envelope: env, requestId } = await this.call(path, body, 'read');
    let parsed: { list: unknown[]; total: number | undefined; totalPages: number | undefined };
    let items: z.output<T>[];
    try {
      parsed = parseWith(listDataSchema, env.data ?? [], what);
      // A page of hundreds of runs takes tens of milliseconds to check: in slices, so Slack's
      // requests are acknowledged in between.
      items = [];
      let slice = performance.now();
      for (const x of parsed.list) {
        items.push(parseWith(item, x, what));
        if (performance.now() - slice > 4) {
          await new Promise((r) => setImmediate(r));
          slice = performance.now();
        }
      }
    } catch (e) {
      throw new StudioError({ kind: 'protocol', code: 'BAD_RESPONSE', message: (e as Error).message, path, requestId });
    }
    const total = parsed.total ?? (typeof env.count === 'number' ? env.count : items.length);
    return { items, total, page, pageSize, totalPages: parsed.totalPages ?? Math.max(1, Math.ceil(total / pageSize)) };
  }

  /** Every item of a paged list, up to `max`. */
  private async collectAll<T>(fetchPage: (page: number) => Promise<Page<T>>, max: number): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; out.length < max; page++) {
      const p = await fetchPage(page);
      out.push(...p.items);
      if (p.items.length === 0 || out.length >= p.total || page >= p.totalPages) break;
    }
    return out.slice(0, max);
  }

  // ---- tasks ---------------------------------------------------------------------------------

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

  // ---- runs ----------------------------------------------------------------------------------

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

  /** Studio's request id comes back so the caller can record it (audit). */
  async rerunRun(runId: number, opts: { actor?: string } = {}): Promise<{ requestId: string }> {
    const { requestId } = await this.call(`${ADMIN}/taskInst/reRunTaskInstance`, { taskInstanceId: runId, nextType: 0, updateBy: await this.actor(opts.actor) }, 'write');
    return { requestId };
  }

  async stopRun(runId: number, opts: { actor?: string } = {}): Promise<{ requestId: string }> {
    const { tenantId } = await this.getSession();
    return this.call(
      `${ADMIN}/taskInst/killTaskInstance`,
      { taskInstanceId: runId, workspace: this.opts.workspace, tenantId, updateBy: await this.actor(opts.actor) },
      'write',
    ).then(({ requestId }) => ({ requestId }));
  }

  /** A backfill (refill) job over business dates `from`..`to`; returns the job id. */
  async createBackfill(input: BackfillInput): Promise<number> {
    return (await this.createBackfillWithId(input)).jobId;
  }

  async createBackfillWithId(input: BackfillInput): Promise<{ jobId: number; requestId: string }> {
    const { projectId, userId } = await this.getSession();
    const range = { bizStartDate: startOfDayMs(input.from, this.timeZone), bizEndDate: endOfDayMs(input.to, this.timeZone) };
    const actor = await this.actor(input.actor);
    // cz-cli always names the cluster; when the person did not, it is the one the task is configured with.
    const vcCode = input.vcCode ?? (await this.getTaskConfiguration(input.taskId).catch(() => undefined))?.vcCode ?? 'DEFAULT';
    const body: Record<string, unknown> = {
      scheduleTaskId: input.taskId,
      sqlVcCode: vcCode,
      projectId,
      userId,
      createBy: actor,
      nextType: 0,
      complementType: 1,
      isConcurrence: 2,
      concurrenceNumber: 1,
      dateList: [range],
      complementBizDateBeanList: [range],
    };
    if (input.name) body.complementJobName = input.name;
    const { value, requestId } = await this.callParsedWithId(`${ADMIN}/complementTask/createComplementJob`, body, 'write', returnedIdSchema, 'backfill job id');
    return { jobId: value, requestId };
  }

  async listBackfills(filter: { taskNameLike?: string; page?: number; pageSize?: number } = {}): Promise<Page<BackfillJob>> {
    const { projectId } = await this.getSession();
    const page = filter.page ?? 1;
    const pageSize = filter.pageSize ?? 20;
    const body: Record<string, unknown> = { projectId, pageIndex: page, pageSize };
    if (filter.taskNameLike) body.taskNameLike = filter.taskNameLike;
    return this.listPage(`${ADMIN}/complementTask/list`, body, backfillJobSchema, page, pageSize, 'backfill list');
  }

  // ---- relations -----------------------------------------------------------------------------

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

  // ---- folders and authoring -------------------------------------------------------------------

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

  async createFolder(name: string, opts: { parentId?: number; actor?: string } = {}): Promise<number> {
    const { projectId } = await this.getSession();
    return this.callParsed(
      `${ADMIN}/dataFolder/add`,
      { createdBy: await this.actor(opts.actor), projectId, dataFolderName: name, parentFolderId: opts.parentId ?? 0, dataFolderType: 1 },
      'write',
      returnedIdSchema,
      'folder id',
    );
  }

  async createTask(input: { name: string; kind: TaskKind; folderId: number; description?: string; actor?: string }): Promise<number> {
    const { projectId } = await this.getSession();
    const body: Record<string, unknown> = {
      fileType: input.kind.fileType,
      createdBy: await this.actor(input.actor),
      projectId,
      dataFileName: input.name,
      dataFolderId: input.folderId,
    };
    if (input.description) body.fileDescription = input.description;
    return this.callParsed(`${ADMIN}/dataFile/addAndReturnId`, body, 'write', returnedIdSchema, 'task id');
  }

  /**
   * Save a task's content. Parameters go in cz-cli's shape (`paramKey`, `paramValue`, `paramType`, …),
   * merged into the task's current `paramValueList`: the ones named change, the others are sent back
   * as they were, so nothing is dropped.
   */
  async saveTaskContent(
    taskId: number,
    content: string,
    opts: { params?: { name: string; value: string }[]; actor?: string } = {},
  ): Promise<{ requestId: string; params: Record<string, unknown>[] }> {
    const { projectId } = await this.getSession();
    const current = await this.getTask(taskId);
    const params = mergeParams(current.params, opts.params ?? []);
    const body: Record<string, unknown> = {
      dataFileId: taskId,
      dataFileContent: content,
      collectType: 1,
      onlySaveContent: 1,
      projectId,
      updateBy: await this.actor(opts.actor),
      instanceName: this.opts.instance,
      paramValueList: params,
    };
    const { requestId } = await this.call(`${ADMIN}/dataFileConfiguration/saveDataFileConfiguration`, body, 'write');
    return { requestId, params };
  }

  /**
   * Change part of a task's schedule configuration. Studio replaces the whole configuration on a save,
   * so this reads it, applies `change`, and sends back every field that was read (as cz-cli does),
   * with the task's parameters.
   */
  async updateTaskConfiguration(taskId: number, change: ConfigurationChange, opts: { actor?: string } = {}): Promise<ConfigurationWrite> {
    const { projectId } = await this.getSession();
    const [before, task] = await Promise.all([this.getTaskConfiguration(taskId), this.getTask(taskId)]);
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(before.raw)) if (!CONFIG_READ_ONLY.has(k)) body[k] = v;
    if (body.cronExpress === undefined && before.raw.cronExpression !== undefined) body.cronExpress = before.raw.cronExpression;
    const readDeps = Array.isArray(before.raw.dataFileDependencyDTOS) ? (before.raw.dataFileDependencyDTOS as Record<string, unknown>[]) : [];
    const depItem = (d: Record<string, unknown>) => ({
      ...d,
      dependencyProjectId: d.dependencyProjectId ?? projectId,
      depStrategy: d.depStrategy ?? 0,
      parseType: d.parseType ?? 1,
    });
    body.dataFileInputListReqs = readDeps.map(depItem);
    body.dataFileOutputListReqs = Array.isArray(before.raw.fileOutputTableDTOS) ? before.raw.fileOutputTableDTOS : [];
    if (change.cron !== undefined) body.cronExpress = change.cron;
    if (change.dependencies !== undefined) {
      const byId = new Map(readDeps.map((d) => [Number(d.dependencyFileId ?? d.dataFileId), d]));
      body.dataFileInputListReqs = change.dependencies.map((d) =>
        depItem({ ...(byId.get(d.taskId) ?? { parseType: 1 }), dependencyFileId: d.taskId, dependencyFileName: d.taskName }),
      );
    }
    if (change.vcCode !== undefined && change.vcCode !== before.vcCode) {
      body.etlVcCode = change.vcCode;
      // The id belongs to the old cluster: look the new one up, or leave it for Studio to resolve.
      const vc = (await this.listVClusters().catch(() => [] as VCluster[])).find((v) => v.name === change.vcCode);
      if (vc) body.etlVcId = vc.id;
      else delete body.etlVcId;
    }
    if (change.retryCount !== undefined) body.retryCount = change.retryCount;
    if (change.rerunProperty !== undefined) body.rerunProperty = change.rerunProperty;
    if (change.schemaName !== undefined) body.schemaName = change.schemaName;
    // What cz-cli sends where the read had nothing (a task never configured), and its constants.
    const fallbacks: Record<string, unknown> = { ...CONFIG_SAVE_DEFAULTS, etlVcCode: task.defaultVc ?? 'default', ownerEnName: task.owner, ownerCnName: task.owner };
    for (const [k, v] of Object.entries(fallbacks)) if ((body[k] === undefined || body[k] === null) && v !== undefined) body[k] = v;
    Object.assign(body, {
      dataFileId: taskId,
      projectId,
      updateBy: await this.actor(opts.actor),
      instanceName: this.opts.instance,
      onlySaveContent: 0,
      paramValueList: task.params.map((p) => p.raw),
    });
    const { requestId } = await this.call(`${ADMIN}/dataFileConfiguration/saveDataFileConfiguration`, body, 'write');
    return { before, sent: body, requestId };
  }

  /**
   * Studio's pre-deploy check (workspace parameters). Read-only: it answers, it does not refuse.
   */
  async precheckDeploy(taskIds: number[]): Promise<PrecheckResult & { requestId: string }> {
    const { projectId } = await this.getSession();
    const { value, requestId } = await this.callParsedWithId(`${ADMIN}/workspaceParams/task/preCheck`, { projectId, fileIds: taskIds }, 'read', precheckSchema, 'deploy pre-check');
    return { ...value, requestId };
  }

  /**
   * Publish: the pre-check, then submit. Nothing is submitted unless the pre-check answers
   * `pass: true` with no invalid parameter; otherwise a business StudioError `PRECHECK_FAILED`
   * names each failing parameter and why.
   */
  async deployTask(taskId: number, opts: { message?: string; actor?: string } = {}): Promise<{ requestId: string }> {
    const { projectId } = await this.getSession();
    const check = await this.precheckDeploy([taskId]);
    if (!check.pass) {
      throw new StudioError({
        kind: 'business',
        code: 'PRECHECK_FAILED',
        message: describePrecheck(check),
        path: `${ADMIN}/workspaceParams/task/preCheck`,
        requestId: check.requestId,
      });
    }
    const { requestId } = await this.call(
      `${ADMIN}/dataFile/submit`,
      { commitMsg: opts.message ?? 'deployed by Studio Ops Bot', dataFileId: taskId, projectId, updatedBy: await this.actor(opts.actor) },
      'write',
    );
    return { requestId };
  }

  async undeployTask(taskId: number, opts: { withDownstream?: boolean } = {}): Promise<void> {
    const entity = { entityId: taskId, workspace: this.opts.workspace };
    if (opts.withDownstream) {
      const { projectId } = await this.getSession();
      await this.call(`${ADMIN}/scheduleTask/offlineTaskWithDownstream`, { scheduleTaskId: taskId, projectId, scheduleTasks: [entity] }, 'write');
    } else {
      await this.call(`${ADMIN}/scheduleTask/batchDeleteCycleTask`, { scheduleTasks: [entity] }, 'write');
    }
  }

  /** Delete a task (Studio refuses while it is online). */
  async deleteTask(taskId: number, opts: { actor?: string } = {}): Promise<{ requestId: string }> {
    const { tenantId, userId } = await this.getSession();
    const { requestId } = await this.call(`${ADMIN}/dataFile/deleteFile`, { id: taskId, tenantId, updateBy: await this.actor(opts.actor), userId }, 'write');
    return { requestId };
  }

  /** Delete an empty folder. */
  async deleteFolder(folderId: number, opts: { actor?: string } = {}): Promise<{ requestId: string }> {
    const { tenantId, projectId } = await this.getSession();
    const { requestId } = await this.call(`${ADMIN}/dataFolder/delete`, { id: folderId, tenantId, projectId, updateBy: await this.actor(opts.actor), env: 'prod' }, 'write');
    return { requestId };
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

  // ---- temporary runs, downstream, cron preview, virtual clusters -------------------------------

  /**
   * Run a task once now (`adhoc/execute`): a TEMP run with the given content (default: the saved one)
   * and parameters (the saved ones, overridden by `params`). Returns the new run's id.
   */
  async executeTask(
    taskId: number,
    opts: { params?: Record<string, string>; vcCode?: string; content?: string; schemaName?: string; actor?: string } = {},
  ): Promise<TemporaryRun & { requestId: string }> {
    const task = await this.getTask(taskId);
    const saved = Object.fromEntries(task.params.filter((p) => (p.raw.paramType ?? 'manual') === 'manual').map((p) => [p.key, p.value]));
    const params = { ...saved, ...(opts.params ?? {}) };
    const vcCode = opts.vcCode ?? task.defaultVc ?? 'default';
    const vc = (await this.listVClusters().catch(() => [] as VCluster[])).find((v) => v.name === vcCode);
    const body: Record<string, unknown> = {
      updateBy: await this.actor(opts.actor),
      dataFileId: taskId,
      collectType: 0,
      maxRowSize: 5000,
      offsetLine: 0,
      offsetCol: 0,
      instanceName: this.opts.instance,
      multiDataSource: [],
      adhocVcCode: vcCode,
      adhocSchemaName: opts.schemaName ?? '',
      adhocVcId: vc?.id ?? vcCode,
      dataFileContent: opts.content ?? task.content,
      params: Object.keys(params).length > 0 ? params : undefined,
    };
    const { value, requestId } = await this.callParsedWithId(`${ADMIN}/adhoc/execute`, body, 'write', temporaryRunSchema, 'temporary run');
    return { ...value, requestId };
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

  // ---- data sources and statistics -------------------------------------------------------------

  async listDataSources(filter: { name?: string; type?: number; page?: number; pageSize?: number } = {}): Promise<Page<DataSource>> {
    const page = filter.page ?? 1;
    const pageSize = filter.pageSize ?? 100;
    const body: Record<string, unknown> = { pageIndex: page, pageSize, status: 1 };
    if (filter.name) body.dsName = filter.name;
    if (filter.type !== undefined) body.dsType = filter.type;
    return this.listPage('/ide-authority/v1/projectDataSources/list', body, dataSourceSchema, page, pageSize, 'data source list');
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

/** cz-cli's merge: named parameters take the new value; the rest are sent back unchanged; new ones are added. */
function mergeParams(current: TaskParam[], overrides: { name: string; value: string }[]): Record<string, unknown>[] {
  const want = new Map(overrides.map((o) => [o.name, o.value]));
  const merged = current.map((p) => (want.has(p.key) ? { ...p.raw, paramKey: p.key, paramValue: want.get(p.key), paramType: 'manual' } : p.raw));
  const have = new Set(current.map((p) => p.key));
  let seq = 0;
  for (const [key, value] of want) {
    if (have.has(key)) continue;
    merged.push({ paramKey: key, paramValue: value, paramType: 'manual', encrypt: false, id: String(Date.now() + seq++), ignore: false, ref: 0 });
  }
  return merged;
}

/** "task X: param `a` (why); …" for a person. */
export function describePrecheck(check: PrecheckResult): string {
  if (check.failures.length === 0) {
    return check.answered
      ? "Studio's pre-deploy check did not pass (it named no parameter); nothing was deployed."
      : "Studio's pre-deploy check did not answer `pass: true`; nothing was deployed.";
  }
  const parts = check.failures.map((f) => `${f.taskName ?? `task ${f.taskId}`}: ${f.params.map((p) => `parameter \`${p.key}\` (${p.reason})`).join(', ')}`);
  return `Studio's pre-deploy check failed — ${parts.join('; ')}. Nothing was deployed: define the parameter (task parameters or workspace parameters) and deploy again.`;
}
