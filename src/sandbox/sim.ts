/**
 * The sandbox's Studio: operations on tasks, runs and backfills, and a simulated scheduler.
 *
 * Time is simulated: `advanceTo(t)` moves every run to the state it has at `t` (cron runs are
 * created, waiting runs start when their upstream runs of the same business date succeeded,
 * running runs finish after their planned duration). It is called before each request, so state
 * is always current; tests drive it with a manual clock.
 */
import { nextStudioFireTimes, studioFireTimesBetween } from '../cron/studio-cron.js';
import { addDays, datesBetween, formatDate } from '../studio/dates.js';
import { RUN_STATUS, RUN_TYPE, type TaskKind, taskKindByFileType } from '../studio/enums.js';
import { type FailureSpec, failureById, failuresFor } from './failures.js';
import { attemptFailure, attemptHeader, attemptSuccess, joinLog, logStamp } from './logs.js';
import type { RunRow, SandboxStore, TaskRow } from './store.js';

import { publishedSnapshot, scheduledConfiguration } from './configuration.js';
import { SandboxBusinessError } from './errors.js';

export { SandboxBusinessError };

export interface Clock {
  now(): number;
}

export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

export const systemClock: Clock = { now: () => Date.now() };

/** Small deterministic PRNG (mulberry32), so a seed gives the same workspace every time. */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** VClusters of the sandbox workspace and their types. */
export const SANDBOX_VCLUSTERS: Record<string, 'GENERAL' | 'ANALYTICS' | 'INTEGRATION'> = {
  default: 'GENERAL',
  etl_vc: 'GENERAL',
  default_ap: 'ANALYTICS',
  sync_vc: 'INTEGRATION',
};

export interface SimOptions {
  clock: Clock;
  rng: () => number;
  /** Duration of a live (not seeded) attempt, ms: [min, max]. */
  runDurationMs: [number, number];
  /** Chance that a newly scheduled live run is planned to fail. */
  failureRate: number;
  /** Delay before Studio's own retry of a failed attempt when the task's retry interval cannot be read. */
  retryDelayMs: number;
  /** Time zone of cron times and business dates. */
  timeZone: string;
  /** The workspace's VClusters and their types (default SANDBOX_VCLUSTERS; a workspace may have no INTEGRATION one). */
  vclusters?: Record<string, 'GENERAL' | 'ANALYTICS' | 'INTEGRATION'>;
}

export interface PlannedOutcome {
  failureId: string | null;
  transient?: boolean;
  durationMs?: number | null;
}

const DAY = 86_400_000;
const TERMINAL = new Set<number>([RUN_STATUS.SUCCESS, RUN_STATUS.FAILED, RUN_STATUS.UPSTREAM_FAILED]);
const ALLOWED_MINUTE_STEPS = new Set([1, 2, 3, 5, 10, 15, 20, 30]);

export class StudioSim {
  /** Hook deciding the outcome of cron-created runs; the seed replaces it while writing history. */
  planner: (task: TaskRow, planTime: number) => PlannedOutcome;
  /** How many rows a successful run wrote, when the sandbox's Lakehouse holds its output (its log says so). */
  rowsWritten?: (task: TaskRow, run: RunRow) => number | undefined;
  /**
   * Per task, its next fire time after its cron cursor (null: none), so that a request between two
   * fire times costs one map lookup rather than a cron evaluation per task.
   */
  private readonly nextFire = new Map<number, { cron: string; after: number; at: number | null }>();

  constructor(
    readonly store: SandboxStore,
    readonly opts: SimOptions,
  ) {
    this.planner = (task) => this.randomOutcome(task);
  }

  now(): number {
    return this.opts.clock.now();
  }

  /** The workspace's VClusters and their types. */
  get vclusters(): Record<string, 'GENERAL' | 'ANALYTICS' | 'INTEGRATION'> {
    return this.opts.vclusters ?? SANDBOX_VCLUSTERS;
  }

  kindOf(task: TaskRow): TaskKind | undefined {
    return taskKindByFileType(task.file_type);
  }

  randomDuration(): number {
    const [lo, hi] = this.opts.runDurationMs;
    return Math.round(lo + this.opts.rng() * (hi - lo));
  }

  randomOutcome(task: TaskRow): PlannedOutcome {
    const pool = failuresFor(this.kindOf(task)?.key).filter((f) => f.id !== 'tenant_overdue' && f.id !== 'mapping_missing');
    if (pool.length > 0 && this.opts.rng() < this.opts.failureRate) {
      const f = pool[Math.floor(this.opts.rng() * pool.length)]!;
      return { failureId: f.id, transient: f.transient };
    }
    return { failureId: null };
  }

  /** Business date of a scheduled run: the day before its plan time (T+1). */
  bizDateFor(planTime: number): string {
    return formatDate(planTime - DAY, this.opts.timeZone);
  }

  /** The plan time a run for `bizDate` has: the task's first fire time on the next day, or 00:00. */
  planTimeFor(task: TaskRow, bizDate: string): number {
    const dayStart = Date.parse(`${addDays(bizDate, 1)}T00:00:00Z`);
    if (task.cron) {
      try {
        const t = nextStudioFireTimes(task.cron, dayStart - 1, 1, this.opts.timeZone)[0];
        if (t !== undefined && t < dayStart + DAY) return t;
      } catch {
        /* invalid cron: fall back to midnight */
      }
    }
    return dayStart;
  }

  // ---- scheduler ------------------------------------------------------------------------------

  advance(): void {
    this.advanceTo(this.now());
  }

  advanceTo(t: number): void {
    this.store.transaction(() => {
      this.generateCronRuns(t);
      for (let pass = 0; pass < 10_000; pass++) {
        let changed = false;
        for (const run of this.store.activeRuns()) {
          if (this.step(run, t)) changed = true;
        }
        if (!changed) break;
      }
    });
  }

  private generateCronRuns(t: number): void {
    for (const task of this.store.scheduledTasks()) {
      if (task.task_status !== 1 || !task.cron || this.kindOf(task)?.continuous) continue;
      const from = this.store.cronCursor(task.id);
      if (from === undefined) {
        this.store.setCronCursor(task.id, t);
        continue;
      }
      if (from >= t) continue;
      const cached = this.nextFire.get(task.id);
      if (cached && cached.cron !== task.cron) {
        // The schedule changed: it applies from now on, not retroactively from the old cursor.
        this.nextFire.delete(task.id);
        this.store.setCronCursor(task.id, t);
        continue;
      }
      const next = this.nextFireAfter(task.id, task.cron, from);
      if (next === null || next > t) continue; // nothing fires in (from, t]: the cursor may stay
      let times: number[] = [];
      try {
        times = studioFireTimesBetween(task.cron, from, t, this.opts.timeZone, 2000);
      } catch {
        /* a cron Studio cannot parse schedules nothing */
      }
      for (const plan of times) {
        const outcome = this.planner(task, plan);
        this.store.insertRun({
          task_id: task.id,
          instance_type: RUN_TYPE.SCHEDULE,
          plan_time: plan,
          ready_at: plan,
          trigger_time: plan,
          executor: 'scheduler',
          vc_code: task.vc_code,
          biz_date: this.bizDateFor(plan),
          failure_id: outcome.failureId,
          transient: outcome.transient ? 1 : 0,
          duration_ms: outcome.durationMs === undefined ? this.randomDuration() : outcome.durationMs,
        });
      }
      this.store.setCronCursor(task.id, t);
    }
  }

  private nextFireAfter(taskId: number, cron: string, after: number): number | null {
    const cached = this.nextFire.get(taskId);
    if (cached && cached.cron === cron && cached.after === after) return cached.at;
    let at: number | null = null;
    try {
      at = nextStudioFireTimes(cron, after, 2, this.opts.timeZone)[0] ?? null;
    } catch {
      /* a cron Studio cannot parse schedules nothing */
    }
    this.nextFire.set(taskId, { cron, after, at });
    return at;
  }

  /** Move one run forward to its state at `t`; true when something changed. */
  private step(run: RunRow, t: number): boolean {
    if (run.status === RUN_STATUS.RUNNING) return this.stepRunning(run, t);
    if (run.retry_at !== null) return this.stepRetry(run, t);
    if (run.status === RUN_STATUS.PAUSED) return false;
    if (run.ready_at > t) {
      if (run.status !== RUN_STATUS.NOT_STARTED) {
        this.store.updateRun(run.id, { status: RUN_STATUS.NOT_STARTED });
        return true;
      }
      return false;
    }
    const task = this.store.task(run.task_id);
    if (!task) return false;
    let startAt = run.ready_at;
    const setWaiting = () => {
      if (run.status === RUN_STATUS.WAITING_UPSTREAM) return false;
      this.store.updateRun(run.id, { status: RUN_STATUS.WAITING_UPSTREAM });
      return true;
    };
    // Backfill runs of one job go one business date at a time.
    if (run.job_id !== null) {
      const earlier = this.store.runsOfJob(run.job_id).filter((r) => r.biz_date < run.biz_date);
      if (earlier.some((r) => !TERMINAL.has(r.status))) return setWaiting();
      for (const r of earlier) startAt = Math.max(startAt, r.end_time ?? startAt);
    }
    if (!run.skip_upstream) {
      for (const dep of this.store.deps(task)) {
        const up = this.store.latestRunFor(dep.taskId, run.biz_date);
        if (!up || up.id === run.id) continue; // no upstream run for that date: nothing to wait for
        if (up.status === RUN_STATUS.FAILED && up.retry_at !== null) return setWaiting(); // Studio's retry is still to come
        if (up.status === RUN_STATUS.FAILED || up.status === RUN_STATUS.UPSTREAM_FAILED) {
          const end = Math.max(run.ready_at, up.end_time ?? run.ready_at);
          this.store.updateRun(run.id, {
            status: RUN_STATUS.UPSTREAM_FAILED,
            end_time: end,
            fail_type: 'UPSTREAM_FAILED',
            fail_msg: `上游任务失败 (upstream task ${dep.taskName} run ${up.id} failed)`,
          });
          return true;
        }
        if (up.status !== RUN_STATUS.SUCCESS) return setWaiting();
        startAt = Math.max(startAt, up.end_time ?? startAt);
      }
    }
    this.startAttempt(run, task, startAt);
    return true;
  }

  private startAttempt(run: RunRow, task: TaskRow, startAt: number): void {
    const seq = this.store.attempts(run.id).length + 1;
    const by = run.instance_type === RUN_TYPE.SCHEDULE && seq === 1 ? 'scheduler' : run.executor;
    this.store.insertAttempt({
      run_id: run.id,
      seq,
      created_at: startAt,
      start_time: startAt,
      end_time: null,
      finish_result: null,
      log: joinLog('', attemptHeader(task, run, seq, startAt, by)),
      created_by: by,
    });
    this.store.updateRun(run.id, {
      status: RUN_STATUS.RUNNING,
      start_time: run.start_time ?? startAt,
      attempts: seq,
    });
  }

  private stepRunning(run: RunRow, t: number): boolean {
    const attempt = this.store.lastAttempt(run.id);
    const task = this.store.task(run.task_id);
    if (!attempt || !task || run.duration_ms === null) return false;
    const end = attempt.start_time + run.duration_ms;
    if (end > t) return false;
    const failure = this.failureOfAttempt(run, attempt.seq);
    if (!failure) {
      this.store.updateAttempt(attempt.id, { end_time: end, finish_result: 'SUCCESS', log: joinLog(attempt.log, attemptSuccess(task, end, this.rowsWritten?.(task, run))) });
      this.store.updateRun(run.id, { status: RUN_STATUS.SUCCESS, end_time: end, fail_type: null, fail_msg: null });
      return true;
    }
    this.store.updateAttempt(attempt.id, { end_time: end, finish_result: 'FAILED', log: joinLog(attempt.log, attemptFailure(failure, task, run, end)) });
    const patch: Partial<RunRow> = { fail_type: failure.failType, fail_msg: failure.failMsg({ taskName: task.name, bizDate: run.biz_date, runId: run.id, stamp: logStamp(end) }) };
    if (run.transient) patch.failure_id = null; // the next attempt succeeds
    // Studio's own retry: while retries remain, the run shows FAILED (this attempt's end and
    // message) until a new attempt starts after the task's retry interval.
    const retryAt = this.attemptsSinceTrigger(run) <= (scheduledConfiguration(task).retryCount ?? task.retry_count) ? end + this.retryIntervalMs(task) : null;
    this.store.updateRun(run.id, { ...patch, status: RUN_STATUS.FAILED, end_time: end, retry_at: retryAt });
    return true;
  }

  /** A failed run whose retry is due starts its next attempt. */
  private stepRetry(run: RunRow, t: number): boolean {
    if (run.status !== RUN_STATUS.FAILED) {
      this.store.updateRun(run.id, { retry_at: null });
      return true;
    }
    if (run.retry_at! > t) return false;
    const task = this.store.task(run.task_id);
    this.store.updateRun(run.id, { retry_at: null });
    if (!task) return true;
    this.startAttempt({ ...run, retry_at: null }, task, run.retry_at!);
    this.store.updateRun(run.id, { end_time: null });
    return true;
  }

  /** What attempt `seq` of the run ends with (undefined: success). */
  private failureOfAttempt(run: RunRow, seq: number): FailureSpec | undefined {
    if (run.attempt_failures) {
      const plan = JSON.parse(run.attempt_failures) as (string | null)[];
      const id = plan[Math.min(seq, plan.length) - 1] ?? null;
      return id ? failureById(id) : undefined;
    }
    return run.failure_id ? failureById(run.failure_id) : undefined;
  }

  /** Attempts since the run was last triggered (a rerun starts the count again: its retries are its own). */
  private attemptsSinceTrigger(run: RunRow): number {
    const since = run.trigger_time ?? run.ready_at;
    return this.store.attempts(run.id).filter((a) => a.created_at >= since).length;
  }

  /** The task's retry interval as published (retryIntervalTime and its unit, as cz-cli saves them). */
  retryIntervalMs(task: TaskRow): number {
    const c = scheduledConfiguration(task);
    const unit = { s: 1_000, m: 60_000, h: 3_600_000 }[String(c.retryIntervalTimeUnit ?? 'm').toLowerCase()] ?? 60_000;
    const n = Number(c.retryIntervalTime);
    return Number.isFinite(n) && n >= 0 ? n * unit : this.opts.retryDelayMs;
  }

  // ---- run operations -----------------------------------------------------------------------

  requireRun(id: number): RunRow {
    const run = this.store.run(id);
    if (!run) throw new SandboxBusinessError('TASK_INSTANCE_NOT_EXIST', `任务实例不存在 (task instance ${id} does not exist)`);
    return run;
  }

  requireTask(id: number): TaskRow {
    const task = this.store.task(id);
    if (!task) throw new SandboxBusinessError('DATA_FILE_NOT_EXIST', `数据文件不存在 (data file ${id} does not exist)`);
    return task;
  }

  rerun(runId: number, actor: string): void {
    const run = this.requireRun(runId);
    const task = this.requireTask(run.task_id);
    if (!TERMINAL.has(run.status)) {
      throw new SandboxBusinessError(
        'INSTANCE_STATUS_NOT_ALLOW_RERUN',
        `实例状态不允许重跑 (instance ${runId} is ${statusName(run.status)}; only finished instances can be rerun)`,
      );
    }
    if (task.rerun_property === 3) throw new SandboxBusinessError('RERUN_NOT_ALLOWED', `任务不允许重跑 (task ${task.name} is configured as never rerunnable)`);
    if (task.rerun_property === 2 && run.status === RUN_STATUS.SUCCESS) {
      throw new SandboxBusinessError('RERUN_NOT_ALLOWED', `任务只允许失败后重跑 (task ${task.name} may be rerun only after a failure)`);
    }
    const now = this.now();
    // A persistent failure is fixed by changing the task after it happened.
    const fixed = run.failure_id !== null && task.updated_at > (run.end_time ?? 0);
    this.store.updateRun(runId, {
      status: RUN_STATUS.NOT_STARTED,
      ready_at: now,
      trigger_time: now,
      end_time: null,
      rerun_status: 1,
      executor: actor,
      skip_upstream: 1,
      failure_id: fixed ? null : run.failure_id,
      attempt_failures: fixed ? null : run.attempt_failures,
      retry_at: null,
      duration_ms: run.duration_ms === null ? null : this.randomDuration(),
    });
    this.advance();
  }

  kill(runId: number, actor: string): void {
    const run = this.requireRun(runId);
    if (TERMINAL.has(run.status)) {
      throw new SandboxBusinessError('INSTANCE_STATUS_NOT_ALLOW_KILL', `实例已结束，无法终止 (instance ${runId} already finished as ${statusName(run.status)})`);
    }
    const now = this.now();
    const attempt = this.store.lastAttempt(runId);
    if (attempt && attempt.end_time === null) {
      this.store.updateAttempt(attempt.id, { end_time: now, finish_result: 'KILLED', log: joinLog(attempt.log, [`${logStamp(now)} [WARN] Task instance killed by ${actor}`]) });
    }
    this.store.updateRun(runId, { status: RUN_STATUS.FAILED, end_time: now, fail_type: 'KILLED', fail_msg: `Task instance killed by ${actor}` });
  }

  createBackfill(input: { taskId: number; from: string; to: string; vcCode: string | null; actor: string; name?: string }): number {
    const task = this.requireTask(input.taskId);
    if (task.task_status !== 1) throw new SandboxBusinessError('SCHEDULE_TASK_NOT_ONLINE', `任务未上线 (task ${task.name} is not deployed; only online tasks can be backfilled)`);
    if (input.from > input.to) throw new SandboxBusinessError('PARAM_ERROR', `bizStartDate ${input.from} is after bizEndDate ${input.to}`);
    const dates = datesBetween(input.from, input.to);
    if (dates.length > 366) throw new SandboxBusinessError('COMPLEMENT_RANGE_TOO_LARGE', `补数据范围过大 (backfill range of ${dates.length} days exceeds 366)`);
    const now = this.now();
    const jobId = this.store.insertJob({
      task_id: task.id,
      name: input.name ?? `${task.name}_${input.from}_${input.to}`,
      created_by: input.actor,
      biz_start: input.from,
      biz_end: input.to,
      vc_code: input.vcCode,
      created_at: now,
    });
    for (const bizDate of dates) {
      const outcome = this.randomOutcome(task);
      this.store.insertRun({
        task_id: task.id,
        instance_type: RUN_TYPE.REFILL,
        plan_time: this.planTimeFor(task, bizDate),
        ready_at: now,
        trigger_time: now,
        executor: input.actor,
        vc_code: input.vcCode ?? task.vc_code,
        biz_date: bizDate,
        job_id: jobId,
        failure_id: outcome.failureId,
        transient: outcome.transient ? 1 : 0,
        duration_ms: this.randomDuration(),
      });
    }
    this.advance();
    return jobId;
  }

  // ---- authoring ------------------------------------------------------------------------------

  /** Problems that stop a task from being published. */
  deployProblems(task: TaskRow): { code: string; message: string }[] {
    const problems: { code: string; message: string }[] = [];
    const kind = this.kindOf(task);
    if (task.cron) {
      const bad = studioCronProblems(task.cron);
      if (bad) problems.push({ code: 'CRON_EXPRESSION_INVALID', message: `Cron 表达式不合法 (invalid cron "${task.cron}": ${bad})` });
    }
    const cycle = this.findCycle(task.id);
    if (cycle) problems.push({ code: 'CIRCULAR_DEPENDENCY', message: `存在循环依赖 (circular dependency: ${cycle.join(' → ')})` });
    if (kind?.isSync) {
      const vc = task.vc_code ?? 'default';
      if (this.vclusters[vc] !== 'INTEGRATION') {
        problems.push({
          code: 'VCLUSTER_TYPE_NOT_SUPPORTED',
          message: `同步任务必须使用同步型集群 (sync tasks need an INTEGRATION VCluster; ${vc} is ${this.vclusters[vc] ?? 'unknown'})`,
        });
      }
    }
    if ((kind?.key === 'MULTI_DI' || kind?.key === 'MULTI_REALTIME') && !task.mapping_configured) {
      problems.push({ code: 'MAPPING_NOT_CONFIGURED', message: '未配置字段映射 (column mapping is not configured: configure source/target mapping in Studio, then publish)' });
    }
    for (const dep of this.store.deps(task)) {
      const up = this.store.task(dep.taskId);
      if (!up) problems.push({ code: 'DEPENDENCY_NOT_EXIST', message: `依赖任务不存在 (upstream task ${dep.taskId} does not exist)` });
      else if (up.task_status !== 1) problems.push({ code: 'UPSTREAM_NOT_PUBLISHED', message: `上游任务未发布 (upstream task ${up.name} is not deployed)` });
    }
    return problems;
  }

  /** The dependency cycle through `taskId`, as task names, if there is one. */
  findCycle(taskId: number): string[] | undefined {
    const name = (id: number) => this.store.task(id)?.name ?? String(id);
    const visit = (id: number, path: number[]): number[] | undefined => {
      const task = this.store.task(id);
      if (!task) return undefined;
      for (const dep of this.store.deps(task)) {
        if (dep.taskId === taskId) return [...path, dep.taskId];
        if (path.includes(dep.taskId)) continue;
        const found = visit(dep.taskId, [...path, dep.taskId]);
        if (found) return found;
      }
      return undefined;
    };
    const cycle = visit(taskId, [taskId]);
    return cycle?.map(name);
  }

  deploy(taskId: number, actor: string): void {
    const task = this.requireTask(taskId);
    const problems = this.deployProblems(task);
    if (problems.length > 0) throw new SandboxBusinessError(problems[0]!.code, problems.map((p) => p.message).join('; '));
    const now = this.now();
    this.store.updateTask(taskId, {
      task_status: 1,
      flow_status: 100,
      version: task.version + 1,
      updated_at: now,
      owner: task.owner || actor,
      published_json: publishedSnapshot(task, this.store.deps(task)),
      published_at: now,
    });
    this.store.setCronCursor(taskId, now);
    if (this.kindOf(task)?.continuous) {
      // A real-time task starts running when it is submitted.
      const active = this.store.latestRunOfTask(taskId);
      if (!active || TERMINAL.has(active.status)) {
        this.store.insertRun({
          task_id: taskId,
          instance_type: RUN_TYPE.SCHEDULE,
          plan_time: now,
          ready_at: now,
          trigger_time: now,
          executor: actor,
          vc_code: task.vc_code,
          biz_date: formatDate(now, this.opts.timeZone),
          duration_ms: null,
          skip_upstream: 1,
        });
      }
    }
    this.advance();
  }

  /** `scheduleTask/onlineTask`: a task taken offline goes back online with its published version. */
  online(taskId: number): void {
    const task = this.requireTask(taskId);
    if (!task.published_json) throw new SandboxBusinessError('SCHEDULE_TASK_NOT_EXIST', `任务未发布 (task ${task.name} was never deployed; submit it first)`);
    if (task.task_status === 1) return;
    this.store.updateTask(taskId, { task_status: 1, updated_at: this.now() });
    this.store.setCronCursor(taskId, this.now());
  }

  undeploy(taskId: number, withDownstream: boolean): string[] {
    const task = this.requireTask(taskId);
    if (task.task_status !== 1) throw new SandboxBusinessError('SCHEDULE_TASK_NOT_ONLINE', `任务未上线 (task ${task.name} is not online)`);
    const online = (t: TaskRow) => t.task_status === 1;
    const children = this.store.children(taskId).filter(online);
    if (children.length > 0 && !withDownstream) {
      throw new SandboxBusinessError(
        'SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION',
        `任务存在下游节点，无法下线 (task ${task.name} has downstream tasks: ${children.map((c) => c.name).join(', ')}; take them offline first or offline with downstream)`,
      );
    }
    const offline: string[] = [];
    const visit = (t: TaskRow) => {
      if (t.task_status !== 1 || offline.includes(t.name)) return;
      this.store.updateTask(t.id, { task_status: 2 });
      offline.push(t.name);
      if (withDownstream) for (const c of this.store.children(t.id)) visit(c);
    };
    visit(task);
    return offline;
  }

  /**
   * A temporary run (`adhoc/execute`): the content and parameters as sent, once, now, as a TEMP run.
   * `${bizdate}` and the other scheduler parameters do not resolve in a temporary run.
   */
  executeTemp(input: { taskId: number; content: string; params: Record<string, string>; vcCode: string | null; actor: string }): number {
    const task = this.requireTask(input.taskId);
    const kind = this.kindOf(task);
    if (kind?.isSync && this.vclusters[input.vcCode ?? 'default'] !== 'INTEGRATION') {
      throw new SandboxBusinessError(
        'VCLUSTER_TYPE_NOT_SUPPORTED',
        `同步任务必须使用同步型集群 (a sync task runs on an INTEGRATION VCluster; ${input.vcCode ?? 'default'} is ${this.vclusters[input.vcCode ?? 'default'] ?? 'unknown'})`,
      );
    }
    if (input.content.trim() === '') throw new SandboxBusinessError('PARAM_ERROR', '参数错误 (dataFileContent is empty)');
    const unresolved = [...input.content.matchAll(/\$\{\s*([A-Za-z_][\w.]*)\s*\}/g)].map((m) => m[1]!).filter((k) => !(k in input.params));
    const now = this.now();
    const runId = this.store.insertRun({
      task_id: task.id,
      instance_type: RUN_TYPE.TEMP,
      plan_time: now,
      ready_at: now,
      trigger_time: now,
      executor: input.actor,
      vc_code: input.vcCode ?? task.vc_code,
      biz_date: formatDate(now, this.opts.timeZone),
      failure_id: unresolved.length > 0 && failuresFor(kind?.key).some((f) => f.id === 'bizdate_manual') ? 'bizdate_manual' : this.randomOutcome(task).failureId,
      duration_ms: this.randomDuration(),
      skip_upstream: 1,
    });
    this.advance();
    return runId;
  }

  /** Delete a task that is not online (Studio refuses to delete a published, online task). */
  deleteTask(taskId: number): void {
    const task = this.requireTask(taskId);
    if (task.task_status === 1) {
      throw new SandboxBusinessError('DATA_FILE_IS_ONLINE', `任务已上线，无法删除 (task ${task.name} is online: take it offline first)`);
    }
    const children = this.store.children(taskId);
    if (children.length > 0) {
      throw new SandboxBusinessError('DATA_FILE_HAS_DOWNSTREAM', `任务存在下游依赖，无法删除 (task ${task.name} is an upstream of ${children.map((c) => c.name).join(', ')})`);
    }
    this.store.deleteTask(taskId);
  }

  /** Delete an empty folder. */
  deleteFolder(folderId: number): void {
    const folder = this.store.folder(folderId);
    if (!folder) throw new SandboxBusinessError('DATA_FOLDER_NOT_EXIST', `文件夹不存在 (folder ${folderId} does not exist)`);
    const tasks = this.store.tasks().filter((t) => t.folder_id === folderId).length;
    const subfolders = this.store.folders().filter((f) => f.parent_id === folderId).length;
    if (tasks + subfolders > 0) {
      throw new SandboxBusinessError(
        'DATA_FOLDER_NOT_EMPTY',
        `数据文件夹存在文件，无法删除 (Cannot delete folder ${folder.name}: it holds ${tasks} task(s) and ${subfolders} folder(s))`,
      );
    }
    this.store.deleteFolder(folderId);
  }

  /** Replace an attempt's log (tests and benchmarks use it for very large logs). */
  setAttemptLog(runId: number, text: string): void {
    const attempt = this.store.lastAttempt(runId);
    if (!attempt) throw new SandboxBusinessError('EXECUTE_LOG_NOT_EXIST', `run ${runId} has no attempt`);
    this.store.updateAttempt(attempt.id, { log: text });
  }

  /** Plan what each attempt of a run that has not finished yet ends with (failure ids; null = success). Tests use it. */
  planAttempts(runId: number, outcomes: (string | null)[]): void {
    for (const id of outcomes) if (id !== null && !failureById(id)) throw new SandboxBusinessError('FAILURE_NOT_EXIST', `no failure ${id} in the catalogue`);
    this.store.updateRun(runId, { attempt_failures: JSON.stringify(outcomes) });
  }

  /** Plan a failure for a run that has not finished yet (tests use it). */
  planFailure(runId: number, failure: FailureSpec, transient = failure.transient): void {
    this.store.updateRun(runId, { failure_id: failure.id, transient: transient ? 1 : 0 });
  }
}

export function statusName(code: number): string {
  return Object.entries(RUN_STATUS).find(([, v]) => v === code)?.[0] ?? String(code);
}

/** Why Studio would reject a cron, or undefined when it would not. */
export function studioCronProblems(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 7 && fields.length !== 6) return `expected 7 fields, got ${fields.length}`;
  if (
    /[LW#C]/i.test(
      fields
        .slice(3, 6)
        .join(' ')
        .replace(/[A-Z]{3}/gi, (m) => (/^(MON|TUE|WED|THU|FRI|SAT|SUN|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)$/i.test(m) ? '' : m)),
    )
  ) {
    return 'L, W, # and C are not supported';
  }
  const step = /\/(\d+)/.exec(fields[1]!);
  if (step && !ALLOWED_MINUTE_STEPS.has(Number(step[1]))) return `minute interval ${step[1]} is not one of 1, 2, 3, 5, 10, 15, 20, 30`;
  try {
    nextStudioFireTimes(cron, 0, 1);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}
