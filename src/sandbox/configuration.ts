/**
 * A task's schedule configuration as the sandbox stores it, and task parameters.
 *
 * Real Studio replaces the *whole* configuration on `saveDataFileConfiguration` with
 * `onlySaveContent: 0`: the public cz-cli reads the configuration first and re-sends about thirty
 * fields "so the backend doesn't reset them". The sandbox does the same: a field the save omits
 * goes back to its default here, so a client that writes only what it means to change is caught.
 *
 * Field names are the ones cz-cli writes (`SaveTaskConfigParams`) and reads
 * (`getFileConfigurationDetail`). Defaults are our assumption (Studio publishes none).
 */
import { SYSTEM_PARAM_NAMES } from '../studio/enums.js';
import { SandboxBusinessError } from './errors.js';
import type { TaskRow } from './store.js';

/** Every configuration field a save replaces, with the value an omitted field is reset to. */
export const CONFIG_DEFAULTS = {
  cronExpress: '',
  retryCount: 0,
  retryIntervalTime: 1,
  retryIntervalTimeUnit: 'm',
  rerunProperty: 1,
  selfDependsJob: 0,
  activeStartTime: null as string | null,
  activeEndTime: null as string | null,
  ownerEnName: null as string | null,
  ownerCnName: null as string | null,
  schemaName: null as string | null,
  etlVcCode: null as string | null,
  etlVcId: null as string | number | null,
  executeTimeout: 0,
  executeTimeoutUnit: 'm',
  configProperties: '{}',
  taskPriority: 1,
  dependencyTimeout: null as number | null,
  dependencyTimeoutUnit: null as string | null,
  scheduleRateType: null as number | null,
  schedule: null as unknown,
  frequency: null as string | null,
  scheduleStartTime: null as string | null,
  scheduleEndTime: null as string | null,
  isScheduleRateTypeOff: null as boolean | null,
  useActiveEndTime: null as boolean | null,
  enableAutoMv: null as boolean | null,
  triggerType: 1,
  /** Output tables; served back as `fileOutputTableDTOS`. */
  dataFileOutputListReqs: [] as unknown[],
};

export type StoredConfiguration = typeof CONFIG_DEFAULTS;

const NUMERIC = new Set<keyof StoredConfiguration>([
  'retryCount',
  'retryIntervalTime',
  'rerunProperty',
  'selfDependsJob',
  'executeTimeout',
  'taskPriority',
  'dependencyTimeout',
  'scheduleRateType',
  'triggerType',
]);

/** A dependency as stored: who, and how cz-cli described it. */
export interface StoredDependency {
  taskId: number;
  taskName: string;
  depStrategy: number;
  parseType: number;
}

/** A task parameter, in the shape cz-cli sends and reads (`paramValueList` items). */
export interface StoredParam {
  paramKey: string;
  paramValue: string;
  paramType: string;
  encrypt: boolean;
  id: string;
  ignore: boolean;
  ref: number;
}

/** The configuration of a task: columns the scheduler uses, then everything else that was saved. */
export function storedConfiguration(task: TaskRow): StoredConfiguration {
  const extra = JSON.parse(task.config_json || '{}') as Partial<StoredConfiguration>;
  return {
    ...CONFIG_DEFAULTS,
    ...extra,
    // Studio shows the task's owner when the configuration names none.
    ownerEnName: extra.ownerEnName ?? task.owner,
    ownerCnName: extra.ownerCnName ?? task.owner,
    cronExpress: task.cron ?? '',
    retryCount: task.retry_count,
    rerunProperty: task.rerun_property,
    schemaName: task.schema_name,
    etlVcCode: task.vc_code,
    executeTimeout: task.execute_timeout,
  };
}

function toNumber(key: string, v: unknown): number | null {
  if (v === null) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : Number.NaN;
  if (Number.isNaN(n)) throw new SandboxBusinessError('PARAM_ERROR', `参数错误 (invalid parameter ${key}: expected a number, got ${JSON.stringify(v)})`);
  return n;
}

/** The configuration a full save leaves behind: what the body sends, defaults for what it omits. */
export function configurationFromSave(body: Record<string, unknown>): StoredConfiguration {
  const out = { ...CONFIG_DEFAULTS } as Record<string, unknown>;
  for (const key of Object.keys(CONFIG_DEFAULTS) as (keyof StoredConfiguration)[]) {
    const v = body[key];
    if (v === undefined) continue;
    out[key] = NUMERIC.has(key) ? toNumber(key, v) : v;
  }
  if (typeof out.configProperties !== 'string') out.configProperties = JSON.stringify(out.configProperties ?? {});
  if (!Array.isArray(out.dataFileOutputListReqs)) out.dataFileOutputListReqs = [];
  return out as StoredConfiguration;
}

/** The columns of `tasks` a configuration sets (the scheduler reads these). */
export function configurationColumns(
  c: StoredConfiguration,
): Pick<TaskRow, 'cron' | 'retry_count' | 'rerun_property' | 'schema_name' | 'vc_code' | 'execute_timeout' | 'config_json'> {
  const { cronExpress, retryCount, rerunProperty, schemaName, etlVcCode, executeTimeout, ...extra } = c;
  return {
    cron: cronExpress.trim() || null,
    retry_count: retryCount,
    rerun_property: rerunProperty,
    schema_name: schemaName,
    vc_code: etlVcCode,
    execute_timeout: executeTimeout,
    config_json: JSON.stringify(extra),
  };
}

/** `paramValueList` as cz-cli sends it; an item without `paramKey` is refused, as the shape requires. */
export function paramsFromSave(list: unknown): StoredParam[] {
  if (!Array.isArray(list)) throw new SandboxBusinessError('PARAM_ERROR', '参数错误 (paramValueList must be a list)');
  return list.map((raw, i) => {
    const p = (raw ?? {}) as Record<string, unknown>;
    if (typeof p.paramKey !== 'string' || p.paramKey.trim() === '') {
      throw new SandboxBusinessError('PARAM_ERROR', `参数错误 (paramValueList.${i}.paramKey is required; got keys ${Object.keys(p).join(', ') || 'none'})`);
    }
    return {
      paramKey: p.paramKey,
      paramValue: p.paramValue == null ? '' : String(p.paramValue),
      paramType: typeof p.paramType === 'string' ? p.paramType : 'manual',
      encrypt: Boolean(p.encrypt),
      id: p.id == null ? String(i + 1) : String(p.id),
      ignore: Boolean(p.ignore),
      ref: Number(p.ref ?? 0) || 0,
    };
  });
}

/** The parameters the content uses that nothing defines (what Studio's pre-deploy check reports). */
export function undefinedParams(content: string, params: StoredParam[], workspaceParams: ReadonlySet<string>): { paramKey: string; reason: string }[] {
  const defined = new Map(params.map((p) => [p.paramKey, p]));
  const out: { paramKey: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const m of content.matchAll(/\$\{\s*([A-Za-z_][\w.]*)\s*\}/g)) {
    const key = m[1]!;
    if (seen.has(key) || SYSTEM_PARAM_NAMES.has(key) || workspaceParams.has(key)) continue;
    seen.add(key);
    const p = defined.get(key);
    if (!p) out.push({ paramKey: key, reason: 'not defined in the task parameters or the workspace parameters' });
    else if (!p.ignore && p.paramValue.trim() === '') out.push({ paramKey: key, reason: 'defined without a value' });
  }
  return out;
}

/** A configuration as a team would have set it in Studio's UI: nothing left at its default. */
export function seededConfiguration(o: {
  owner: string;
  vc: string | null;
  created: number;
}): Omit<StoredConfiguration, 'cronExpress' | 'retryCount' | 'rerunProperty' | 'schemaName' | 'etlVcCode' | 'executeTimeout'> {
  const { cronExpress: _c, retryCount: _r, rerunProperty: _p, schemaName: _s, etlVcCode: _v, executeTimeout: _e, ...rest } = CONFIG_DEFAULTS;
  return {
    ...rest,
    retryIntervalTime: 5,
    retryIntervalTimeUnit: 'm',
    selfDependsJob: 0,
    activeStartTime: `${new Date(o.created).toISOString().slice(0, 10)}T00:00:00.000Z`,
    activeEndTime: '2099-01-01T00:00:00.000Z',
    ownerEnName: o.owner,
    ownerCnName: o.owner,
    etlVcId: o.vc ? `vc_${o.vc}` : null,
    executeTimeoutUnit: 'h',
    configProperties: JSON.stringify({ alertOnFailure: true, enableAutoMv: false }),
    taskPriority: 2,
    dependencyTimeout: 6,
    dependencyTimeoutUnit: 'h',
    scheduleRateType: 3,
    triggerType: 1,
    dataFileOutputListReqs: [],
  };
}

/** What a deploy publishes: the draft's content, parameters, configuration and dependencies. */
export function publishedSnapshot(task: TaskRow, deps: { taskId: number; taskName: string; depStrategy?: number; parseType?: number }[]): string {
  return JSON.stringify({ content: task.content, params: JSON.parse(task.params_json) as unknown[], configuration: storedConfiguration(task), dependencies: deps });
}

/** The configuration Studio schedules with: the one published last (a draft saved since does not run), else the stored one. */
export function scheduledConfiguration(task: TaskRow): StoredConfiguration {
  return task.published_json ? (JSON.parse(task.published_json) as { configuration: StoredConfiguration }).configuration : storedConfiguration(task);
}
