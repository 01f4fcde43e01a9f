/**
 * Studio's scheduled-task list and a run's content, as the public cz-cli's SDK sends them
 * (`listScheduleTasks` in packages/clickzetta-sdk/src/studio/schedule.ts, `getRunContent` in
 * runs.ts). The CLI itself calls neither, so the answers' shapes are our assumption
 * (docs/cz-cli-fidelity.md): the list as `taskInst/list` answers (a list in `data`, the total in
 * `count`), the content named as `fileVersion/getFileDetailByVersion` names it. Also a scheduled
 * task's relations (`queryTaskRelation`, `flatAllDownstream`).
 */
import { z } from 'zod';
import { RUN_TYPE, taskKindByFileType } from '../studio/enums.js';
import { type ApiContext, type ApiResult, num, paginate, paramsOf, parse, requireProject, scheduleTaskJson } from './api.js';
import type { StoredParam } from './configuration.js';
import type { RunRow, TaskRow } from './store.js';

type Handler = (body: Record<string, unknown>, ctx: ApiContext) => ApiResult;
const optNum = num.optional().nullable();

/** What a temporary run was sent (its content and parameters), kept by run id: a scheduled run runs its published version instead. */
export class TempRunContents {
  private readonly byRun = new Map<number, { content: string; params: Record<string, string> }>();
  record(runId: number, content: string, params: Record<string, string>): void {
    this.byRun.set(runId, { content, params });
  }
  get(runId: number): { content: string; params: Record<string, string> } | undefined {
    return this.byRun.get(runId);
  }
}

function contentOf(ctx: ApiContext, run: RunRow): { content: string; params: unknown[]; version: number } {
  const task = ctx.sim.requireTask(run.task_id);
  const sent = run.instance_type === RUN_TYPE.TEMP ? ctx.tempRunContents?.get(run.id) : undefined;
  if (sent) {
    const params = Object.entries(sent.params).map(([paramKey, paramValue]) => ({ paramKey, paramValue, paramType: 'manual' }));
    return { content: sent.content, params, version: task.version };
  }
  // A scheduled, refill or rerun run executes the published version (the draft, if never published).
  if (task.published_json) {
    const snap = JSON.parse(task.published_json) as { content: string; params: StoredParam[] };
    return { content: snap.content, params: snap.params, version: task.version };
  }
  return { content: task.content, params: paramsOf(task), version: task.version };
}

const A = '/ide-admin/v1';

export const SCHEDULE_ROUTES: Record<string, Handler> = {
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

  [`${A}/scheduleTask/flatAllDownstream`]: (body, ctx) => {
    const b = parse(z.looseObject({ scheduleTaskId: num, projectId: num }), body);
    requireProject(ctx, b.projectId);
    const store = ctx.sim.store;
    const root = ctx.sim.requireTask(b.scheduleTaskId);
    const out: Record<string, unknown>[] = [];
    const seen = new Set([root.id]);
    let frontier: { task: TaskRow; path: string[] }[] = [{ task: root, path: [root.name] }];
    for (let level = 1; frontier.length > 0; level++) {
      const next: typeof frontier = [];
      for (const { task, path } of frontier) {
        for (const c of store.children(task.id)) {
          if (seen.has(c.id)) continue;
          seen.add(c.id);
          const p = [...path, c.name];
          out.push({ ...scheduleTaskJson(c), level, path: p.join(' -> ') });
          next.push({ task: c, path: p });
        }
      }
      frontier = next;
    }
    return { data: out };
  },

  [`${A}/scheduleTask/list`]: (body, ctx) => {
    const b = parse(
      z.looseObject({
        projectId: num,
        pageIndex: optNum,
        pageSize: optNum,
        taskNameLike: z.string().nullish(),
        // The task type: Studio's schedule type numbers (23 SQL, 10 DI, …), as text or a number.
        taskType: z.union([z.string(), z.number()]).nullish(),
        scheduleType: optNum,
        orderBy: z.string().nullish(),
        orderByFields: z.string().nullish(),
      }),
      body,
    );
    requireProject(ctx, b.projectId);
    const needle = b.taskNameLike?.toLowerCase() ?? '';
    const type = b.taskType === undefined || b.taskType === null || b.taskType === '' ? undefined : Number(b.taskType);
    const rows = ctx.sim.store
      .tasks()
      .filter((t) => t.task_status !== null) // deployed at least once: the scheduler knows it
      .filter((t) => (!needle || t.name.toLowerCase().includes(needle)) && (type === undefined || taskKindByFileType(t.file_type)?.scheduleType === type))
      .sort((x, y) => (b.orderBy?.toLowerCase() === 'desc' ? y.name.localeCompare(x.name) : x.name.localeCompare(y.name)));
    const pageIndex = Math.max(1, b.pageIndex ?? 1);
    const p = paginate(rows, pageIndex, b.pageSize ?? 20);
    return { data: p.slice.map((t) => ({ ...scheduleTaskJson(t), dataFileId: t.id, projectId: ctx.id.projectId, publishTime: t.published_at })), count: p.total, pageIndex };
  },

  [`${A}/taskInst/getTaskInstanceContent`]: (body, ctx) => {
    const b = parse(z.looseObject({ taskInstanceId: num }), body);
    const run = ctx.sim.requireRun(b.taskInstanceId);
    const c = contentOf(ctx, run);
    return {
      data: {
        taskInstanceId: run.id,
        scheduleTaskId: run.task_id,
        instanceType: run.instance_type,
        dataFileVersion: c.version,
        fileContent: c.content,
        paramValueList: c.params,
      },
    };
  },
};
