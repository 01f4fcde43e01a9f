/**
 * Fields of Studio's answers that cz-cli maps (its TASK_DETAIL_FIELDS, SCHEDULE_INFO_FIELDS,
 * TASK_RUN_FIELDS, EXECUTION_FIELDS and RUN_DEPENDENCY_FIELDS in packages/cz-cli/src/commands/
 * task.ts, runs.ts and attempts.ts; `task list --folder` filters on `location`), derived from the
 * sandbox's rows. Their values where cz-cli is silent are our assumption (docs/cz-cli-fidelity.md).
 */
import { formatLocalDateTime } from '../studio/dates.js';
import type { SandboxStore, AttemptRow, DataSourceRow, RunRow, TaskRow } from './store.js';

/** The folders from the root down to the task's, as their ids: `0.<folder>…<folder>` (cz-cli's location without the task). */
function folderChain(store: SandboxStore, folderId: number): number[] {
  const chain: number[] = [];
  const seen = new Set<number>();
  for (let id = folderId; id !== 0 && !seen.has(id); ) {
    seen.add(id);
    chain.unshift(id);
    id = store.folder(id)?.parent_id ?? 0;
  }
  return chain;
}

/** A task's `location`: "0.folderId1.folderId2.taskId", as cz-cli's `task list` splits it. */
export function taskLocation(store: SandboxStore, t: TaskRow): string {
  return [0, ...folderChain(store, t.folder_id), t.id].join('.');
}

/** Folder names from the root, "a/b" (cz-cli's `path`). */
export function folderPath(store: SandboxStore, folderId: number): string {
  return folderChain(store, folderId)
    .map((id) => store.folder(id)?.name ?? String(id))
    .join('/');
}

/**
 * Studio's schedule rate (1 minute, 2 hour, 3 day, 4 week, 5 month: cz-cli's StudioScheduleRateType)
 * of a 7-field cron: the finest field that repeats. Null without a cron.
 */
export function scheduleRateTypeOf(cron: string | null | undefined): number | null {
  const f = cron?.trim().split(/\s+/);
  if (!f || f.length < 6) return null;
  const repeats = (v: string | undefined) => v !== undefined && (v === '*' || v.includes('/') || v.includes(',') || v.includes('-'));
  if (repeats(f[1])) return 1;
  if (repeats(f[2])) return 2;
  if (f[5] !== undefined && f[5] !== '?' && f[5] !== '*') return 4;
  if (f[3] !== undefined && f[3] !== '?' && f[3] !== '*') return 5;
  return 3;
}

const text = (ms: number | null, tz: string) => (ms === null ? null : formatLocalDateTime(ms, tz));

/** What SCHEDULE_INFO_FIELDS maps beyond the schedule itself. Task groups are not modelled: null, as for a task in none. */
export function scheduleInfoFields(
  store: SandboxStore,
  t: TaskRow,
  tz: string,
  saved: { scheduleRateType: number | null; cronExpress: string | null },
  params: { paramKey: string; paramValue: string }[],
) {
  return {
    scheduleRateType: saved.scheduleRateType ?? scheduleRateTypeOf(saved.cronExpress),
    extraParams: JSON.stringify(Object.fromEntries(params.map((p) => [p.paramKey, p.paramValue]))),
    taskGroupId: null,
    taskGroupName: null,
    path: folderPath(store, t.folder_id),
    createdBy: t.owner,
    updatedBy: t.last_edit_user ?? t.owner,
    createTime: t.created_at,
    createTimeStr: text(t.created_at, tz),
    updateTime: t.updated_at,
    updateTimeStr: text(t.updated_at, tz),
    publishUserName: t.published_at === null ? null : (t.last_edit_user ?? t.owner),
  };
}

/** TASK_RUN_FIELDS beyond the run itself: who, and how long it waited (from ready — plan time or trigger — to start). */
export function runExtraFields(r: RunRow, id: { tenantId: number; userId: number }) {
  return {
    tenantId: id.tenantId,
    userId: id.userId,
    executorUserId: id.userId,
    taskGroupId: null,
    taskGroupName: null,
    startWaitTime: r.ready_at,
    endWaitTime: r.start_time,
    waitSpanTime: r.start_time === null ? null : Math.max(0, r.start_time - r.ready_at),
  };
}

/** An attempt's times as the workspace's local date-time text (attempts.ts's `*TimeStr`). */
export function attemptTimeText(a: AttemptRow, tz: string) {
  return { createdTimeStr: text(a.created_at, tz), startTimeStr: text(a.start_time, tz), endTimeStr: text(a.end_time, tz) };
}

/**
 * A data source's connection as the list shows it (cz-cli passes it on to `testDatasource`):
 * host, port, database and user; the password never leaves, masked as Studio's UI masks it.
 */
export function connectionParams(d: DataSourceRow): string {
  // Ports by the seed's types: 5 MySQL, 7 PostgreSQL, 2 Kafka, 8 SQL Server, 1 Lakehouse.
  const port = ({ 5: 3306, 7: 5432, 2: 9092, 8: 1433, 1: 443 } as Record<number, number>)[d.ds_type] ?? 0;
  const at = { host: `${d.name.replace(/_/g, '-')}.demo.internal`, port };
  return JSON.stringify({ ...at, database: d.name, username: 'cz_reader', password: '******' });
}
