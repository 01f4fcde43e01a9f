/**
 * Studio enumerations (studio-api.md, "Enumerations"). Every mapped value keeps its raw number,
 * because some mappings are uncertain and a person must be able to see what Studio sent.
 */

export interface Labelled<L extends string = string> {
  /** The number (or string) Studio sent. */
  code: number;
  /** Our label for it; `UNKNOWN_<code>` when the code is not in the table. */
  label: L | `UNKNOWN_${number}`;
}

function labeller<L extends string>(table: Record<number, L>) {
  return (raw: unknown): Labelled<L> => {
    const code = typeof raw === 'string' ? Number(raw) : typeof raw === 'number' ? raw : Number.NaN;
    const label = table[code];
    return { code, label: label ?? (`UNKNOWN_${code}` as const) };
  };
}

// ---- run status (instanceStatus) -----------------------------------------------------------
export const RUN_STATUS = {
  SUCCESS: 1,
  NOT_STARTED: 2,
  FAILED: 3,
  RUNNING: 4,
  WAITING_RESOURCE: 5,
  WAITING_UPSTREAM: 6,
  PAUSED: 7,
  UPSTREAM_FAILED: 8,
} as const;
export type RunStatusLabel = keyof typeof RUN_STATUS;
const RUN_STATUS_BY_CODE = Object.fromEntries(Object.entries(RUN_STATUS).map(([k, v]) => [v, k])) as Record<number, RunStatusLabel>;
export const runStatus = labeller(RUN_STATUS_BY_CODE);

/** Status groups people filter by. `waiting` follows studio-api.md: 2 also means 5, 6 and 8. */
export const RUN_STATUS_GROUPS = {
  success: [RUN_STATUS.SUCCESS],
  failed: [RUN_STATUS.FAILED, RUN_STATUS.UPSTREAM_FAILED],
  running: [RUN_STATUS.RUNNING],
  // UPSTREAM_FAILED is over (it will not run): it belongs with the failures, not with what waits.
  waiting: [RUN_STATUS.NOT_STARTED, RUN_STATUS.WAITING_RESOURCE, RUN_STATUS.WAITING_UPSTREAM],
  paused: [RUN_STATUS.PAUSED],
} as const satisfies Record<string, readonly number[]>;
export type RunStatusGroup = keyof typeof RUN_STATUS_GROUPS;

/** Expand a status filter the way Studio's own UI does: asking for NOT_STARTED also asks for 5, 6 and 8. */
export function expandStatusFilter(codes: readonly number[]): number[] {
  const out = new Set<number>(codes);
  if (out.has(RUN_STATUS.NOT_STARTED)) {
    for (const c of RUN_STATUS_GROUPS.waiting) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

export const TERMINAL_RUN_STATUSES: readonly number[] = [RUN_STATUS.SUCCESS, RUN_STATUS.FAILED, RUN_STATUS.UPSTREAM_FAILED];

export function isTerminalStatus(code: number): boolean {
  return TERMINAL_RUN_STATUSES.includes(code);
}

// ---- run type (instanceType) -----------------------------------------------------------------
export const RUN_TYPE = { SCHEDULE: 1, TEMP: 3, REFILL: 4 } as const;
export type RunTypeLabel = keyof typeof RUN_TYPE;
export const runType = labeller<RunTypeLabel>({ 1: 'SCHEDULE', 3: 'TEMP', 4: 'REFILL' });

// ---- task status (scheduled task online/offline) ----------------------------------------------
export const TASK_STATUS = { ONLINE: 1, OFFLINE: 2 } as const;
export const taskStatus = labeller<'ONLINE' | 'OFFLINE'>({ 1: 'ONLINE', 2: 'OFFLINE' });

// ---- edit state (fileFlowStatus); uncertain mapping: always shown with the raw number --------
export const EDIT_STATE = { DRAFT: 10, WAIT_FOR_PUBLISH: 20, MODIFIED_AFTER_PUBLISH: 80, PUBLISHED: 100 } as const;
export const editState = labeller<'DRAFT' | 'WAIT_FOR_PUBLISH' | 'MODIFIED_AFTER_PUBLISH' | 'PUBLISHED'>({
  10: 'DRAFT',
  20: 'WAIT_FOR_PUBLISH',
  80: 'MODIFIED_AFTER_PUBLISH',
  100: 'PUBLISHED',
});

// ---- rerun property -----------------------------------------------------------------------------
export const RERUN_PROPERTY = { ANY_TIME: 1, FAILED_ONLY: 2, NEVER: 3 } as const;
export const rerunProperty = labeller<'ANY_TIME' | 'FAILED_ONLY' | 'NEVER'>({ 1: 'ANY_TIME', 2: 'FAILED_ONLY', 3: 'NEVER' });

// ---- task types: file type (create task) and task type (schedule), one row per kind --------------
export interface TaskKind {
  key: TaskKindKey;
  label: string;
  /** `fileType` used when creating the task (data file). */
  fileType: number;
  /** `cycleTaskType` used by the scheduler and in runs. */
  scheduleType: number;
  /** Sync task kinds need an INTEGRATION VCluster. */
  isSync: boolean;
  /** Runs continuously once submitted; never has a cron. */
  continuous: boolean;
}

export type TaskKindKey =
  | 'SQL'
  | 'SHELL'
  | 'PYTHON'
  | 'DI'
  | 'REALTIME'
  | 'JDBC'
  | 'DYNAMIC_TABLE'
  | 'STREAMING'
  | 'CONDITION'
  | 'MERGE'
  | 'FULL_INCREMENTAL_SYNC'
  | 'MULTI_REALTIME'
  | 'MULTI_DI'
  | 'SPARK'
  | 'FLOW';

export const TASK_KINDS: readonly TaskKind[] = [
  { key: 'SQL', label: 'SQL', fileType: 4, scheduleType: 23, isSync: false, continuous: false },
  { key: 'SHELL', label: 'Shell', fileType: 5, scheduleType: 24, isSync: false, continuous: false },
  { key: 'PYTHON', label: 'Python', fileType: 7, scheduleType: 26, isSync: false, continuous: false },
  { key: 'DI', label: 'Batch sync (single table)', fileType: 1, scheduleType: 10, isSync: true, continuous: false },
  { key: 'REALTIME', label: 'Real-time sync (single table)', fileType: 14, scheduleType: 28, isSync: true, continuous: true },
  { key: 'JDBC', label: 'JDBC', fileType: 15, scheduleType: 29, isSync: false, continuous: false },
  { key: 'DYNAMIC_TABLE', label: 'Dynamic Table', fileType: 16, scheduleType: 30, isSync: false, continuous: false },
  { key: 'STREAMING', label: 'Streaming', fileType: 17, scheduleType: 31, isSync: false, continuous: true },
  { key: 'CONDITION', label: 'Condition', fileType: 19, scheduleType: 19, isSync: false, continuous: false },
  { key: 'MERGE', label: 'Merge', fileType: 20, scheduleType: 20, isSync: false, continuous: false },
  { key: 'FULL_INCREMENTAL_SYNC', label: 'Full + incremental sync', fileType: 280, scheduleType: 280, isSync: true, continuous: true },
  { key: 'MULTI_REALTIME', label: 'Multi-table real-time sync (CDC)', fileType: 281, scheduleType: 281, isSync: true, continuous: true },
  { key: 'MULTI_DI', label: 'Multi-table batch sync', fileType: 291, scheduleType: 291, isSync: true, continuous: false },
  { key: 'SPARK', label: 'Spark', fileType: 400, scheduleType: 400, isSync: false, continuous: false },
  { key: 'FLOW', label: 'Flow', fileType: 500, scheduleType: 500, isSync: false, continuous: false },
];

const KIND_BY_KEY = new Map(TASK_KINDS.map((k) => [k.key, k]));
const KIND_BY_FILE_TYPE = new Map(TASK_KINDS.map((k) => [k.fileType, k]));
const KIND_BY_SCHEDULE_TYPE = new Map(TASK_KINDS.map((k) => [k.scheduleType, k]));

/** Aliases people and cz-cli use for task kinds. */
const KIND_ALIASES: Record<string, TaskKindKey> = {
  SINGLE_DI: 'DI',
  BATCH_SYNC: 'DI',
  INTEGRATION: 'DI',
  REALTIME_SYNC: 'REALTIME',
  CDC: 'MULTI_REALTIME',
  DT: 'DYNAMIC_TABLE',
  DYNAMICTABLE: 'DYNAMIC_TABLE',
};

export function taskKindByKey(key: string): TaskKind | undefined {
  const k = key
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  return KIND_BY_KEY.get(k as TaskKindKey) ?? KIND_BY_KEY.get(KIND_ALIASES[k] as TaskKindKey);
}

/** A kind by its label as shown to people (alert cards keep the label). */
export function taskKindByLabel(label: string | null | undefined): TaskKind | undefined {
  return label ? TASK_KINDS.find((k) => k.label === label) : undefined;
}

/**
 * A stream: a real-time or CDC task that runs continuously once submitted. It has no business
 * dates to backfill and no runs to rerun or run once; it is started, stopped and restarted.
 */
export function isStreamKind(kind: TaskKind | undefined): kind is TaskKind {
  return kind?.continuous === true;
}

export function taskKindByFileType(code: number): TaskKind | undefined {
  return KIND_BY_FILE_TYPE.get(code);
}

export function taskKindByScheduleType(code: number): TaskKind | undefined {
  return KIND_BY_SCHEDULE_TYPE.get(code);
}

export interface TaskTypeValue {
  code: number;
  /** Which numbering the code came in. */
  numbering: 'file' | 'schedule';
  kind: TaskKind | undefined;
  label: string;
}

export function taskTypeFromFileType(raw: unknown): TaskTypeValue {
  const code = Number(raw);
  const kind = taskKindByFileType(code);
  return { code, numbering: 'file', kind, label: kind?.label ?? `UNKNOWN_${code}` };
}

export function taskTypeFromScheduleType(raw: unknown): TaskTypeValue {
  const code = Number(raw);
  const kind = taskKindByScheduleType(code);
  return { code, numbering: 'schedule', kind, label: kind?.label ?? `UNKNOWN_${code}` };
}

// ---- data source types --------------------------------------------------------------------------
export const DATA_SOURCE_TYPE: Record<number, string> = {
  1: 'Lakehouse',
  2: 'Kafka',
  5: 'MySQL',
  7: 'PostgreSQL',
  8: 'SQL Server',
  17: 'TiDB',
  19: 'PolarDB MySQL',
  39: 'Aurora MySQL',
  40: 'Aurora PostgreSQL',
  48: 'PolarDB PostgreSQL',
};
export const dataSourceType = labeller(DATA_SOURCE_TYPE);

/** Parameters Studio resolves itself (cz-cli's SYSTEM_PARAM_NAMES). */
export const SYSTEM_PARAM_NAMES: ReadonlySet<string> = new Set([
  'bizdate',
  'sys_biz_day',
  'sys_biz_datetime',
  'sys_plan_day',
  'sys_plan_datetime',
  'sys_plan_timestamp',
  'sys_task_id',
  'sys_task_name',
  'sys_task_owner',
]);
