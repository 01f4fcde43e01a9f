/**
 * The Studio client the bot uses: the session (src/studio/session.ts) and the reads
 * (src/studio/reads.ts), plus every write — rerun, stop, backfill, temporary runs, configuration
 * saves that keep what they omit, pre-checked submits, folders and files for the wizard. Writes are
 * sent once: the transport never retries them, and an unclear answer is reported as unknown.
 */
import { endOfDayMs, startOfDayMs } from './dates.js';
import type { TaskKind } from './enums.js';
import { StudioError } from './errors.js';
import { type PrecheckResult, type TaskParam, type TemporaryRun, type VCluster, precheckSchema, temporaryRunSchema, type TaskConfiguration, returnedIdSchema } from './models.js';
import { ADMIN } from './session.js';
import { StudioStreamCalls } from './streams.js';

export type { StudioClientOptions, StudioLogger, StudioSession } from './session.js';
export type { ListRunsFilter, ListTasksFilter, LogAction } from './reads.js';

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

export class StudioClient extends StudioStreamCalls {
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
