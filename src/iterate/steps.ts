/**
 * What every pipeline change is made of: task contents edited (the plan shows them as a diff),
 * Studio writes each audited (`requested` before, the outcome after), temporary runs waited for to
 * their end, checkpoints that stop the flow when they fail, and the put-back of every content the
 * flow changed (on a failed check, and for Undo).
 */
import { createTwoFilesPatch } from 'diff';
import type { LakehouseSql } from '../lakehouse/client.js';
import type { StudioClient } from '../studio/client.js';
import { RUN_STATUS, isTerminalStatus } from '../studio/enums.js';

/** Runs one Studio write with auditing (requested, then the outcome) — OperationsService.auditedWrite. */
export type AuditedWrite = <T>(what: { action: string; target: string; taskName?: string; params: Record<string, unknown> }, fn: () => Promise<T>) => Promise<T>;

export interface IterationDeps {
  studio: StudioClient;
  lakehouse: LakehouseSql;
  write: AuditedWrite;
  /** Waits between polls of a temporary run (a test's clock advances here). */
  sleep?: (ms: number) => Promise<void>;
  /** How long a temporary run may take before the flow stops waiting, ms (default 30 minutes). */
  runTimeoutMs?: number;
  pollMs?: number;
}

/** One task's content before and after the change. */
export interface TaskEdit {
  taskId: number;
  taskName: string;
  before: string;
  after: string;
  why: string;
}

export function contentDiff(edit: TaskEdit): string {
  // Both ends end with a newline, so adding lines does not show the last old line as changed.
  const ended = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
  return createTwoFilesPatch(`${edit.taskName} (now)`, `${edit.taskName} (after)`, ended(edit.before), ended(edit.after), undefined, undefined, { context: 2 })
    .split('\n')
    .filter((l, i) => !(i === 0 && /^(=+|Index: .*)$/.test(l))) // the ==== line says nothing a person needs; --- and +++ stay
    .join('\n')
    .trimEnd();
}

export interface Checkpoint {
  id: string;
  label: string;
  status: 'pending' | 'passed' | 'failed' | 'skipped';
  /** What was seen: a DESC line, a GROUP BY sample, a refresh state, a run id. */
  detail?: string;
}

export class CheckFailed extends Error {
  constructor(
    readonly checkpoint: string,
    message: string,
  ) {
    super(message);
  }
}

/** A temporary run to its end: SUCCESS, or a CheckFailed naming the run and Studio's message. */
export async function awaitRun(deps: IterationDeps, runId: number, what: string): Promise<void> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const poll = deps.pollMs ?? 5_000;
  const limit = deps.runTimeoutMs ?? 30 * 60_000;
  for (let waited = 0; ; waited += poll) {
    const run = await deps.studio.getRun(runId);
    if (isTerminalStatus(run.status.code)) {
      if (run.status.code === RUN_STATUS.SUCCESS) return;
      throw new CheckFailed(what, `${what}: temporary run ${runId} ended ${run.status.label}${run.failMsg ? ` — ${run.failMsg}` : ''}.`);
    }
    if (waited >= limit)
      throw new CheckFailed(
        what,
        `${what}: temporary run ${runId} had not ended after ${Math.round(limit / 60_000)} minutes; the flow stopped waiting (the run goes on in Studio).`,
      );
    await sleep(poll);
  }
}

/** Save a task's content (audited). */
export async function saveContent(deps: IterationDeps, edit: { taskId: number; taskName: string }, content: string, action: string): Promise<void> {
  await deps.write({ action, target: `task:${edit.taskId}`, taskName: edit.taskName, params: { taskId: edit.taskId, chars: content.length } }, () =>
    deps.studio.saveTaskContent(edit.taskId, content),
  );
}

/** Run SQL once as a temporary run of a task (audited), and wait for its end. */
export async function runOnce(deps: IterationDeps, task: { taskId: number; taskName: string }, content: string, what: string, params?: Record<string, string>): Promise<number> {
  const r = await deps.write(
    { action: 'execute', target: `task:${task.taskId}`, taskName: task.taskName, params: { taskId: task.taskId, statement: content.slice(0, 200), ...(params ? { params } : {}) } },
    () => deps.studio.executeTask(task.taskId, { content, params }),
  );
  await awaitRun(deps, r.runId, what);
  return r.runId;
}

/** The contents the flow changed, put back as they were read before it started (each save audited). */
export async function restoreContents(deps: IterationDeps, edits: TaskEdit[], action: string): Promise<{ restored: string[]; failed: string[] }> {
  const restored: string[] = [];
  const failed: string[] = [];
  for (const e of edits) {
    try {
      const now = await deps.studio.getTask(e.taskId);
      if (now.content !== e.before) await saveContent(deps, e, e.before, action);
      restored.push(e.taskName);
    } catch {
      failed.push(e.taskName);
    }
  }
  return { restored, failed };
}

/** The column names DESC lists (`column_name` or the first column). */
export async function describedColumns(lakehouse: LakehouseSql, table: string): Promise<string[]> {
  const r = await lakehouse.describe(table);
  return r.rows.map((row) => String(row.column_name ?? row.col_name ?? Object.values(row)[0] ?? '').toLowerCase()).filter(Boolean);
}
