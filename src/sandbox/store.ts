/**
 * The sandbox's state in SQLite: folders, tasks (data files with their configuration), runs
 * (task instances), attempts with their logs, backfill jobs and data sources.
 */
import Database from 'better-sqlite3';
import { cachedPrepare } from '../store/statement-cache.js';

export interface FolderRow {
  id: number;
  name: string;
  parent_id: number;
  created_by: string;
  created_at: number;
}

export interface TaskRow {
  id: number;
  name: string;
  file_type: number;
  folder_id: number;
  description: string | null;
  content: string;
  params_json: string;
  flow_status: number;
  /** null: never deployed; 1 online; 2 offline. */
  task_status: number | null;
  owner: string;
  version: number;
  cron: string | null;
  retry_count: number;
  rerun_property: number;
  schema_name: string | null;
  vc_code: string | null;
  execute_timeout: number;
  /** JSON array of { taskId, taskName }. */
  deps_json: string;
  /** MULTI_DI / MULTI_REALTIME: whether column mapping was configured in the UI. */
  mapping_configured: number;
  /** The configuration fields that have no column of their own (see configuration.ts). */
  config_json: string;
  /** What was published last: { content, params, configuration, dependencies }; null if never. */
  published_json: string | null;
  published_at: number | null;
  last_edit_user: string | null;
  created_at: number;
  updated_at: number;
}

export interface RunRow {
  id: number;
  task_id: number;
  instance_type: number;
  status: number;
  plan_time: number;
  /** Earliest time the run may start (plan time for scheduled runs, trigger time otherwise). */
  ready_at: number;
  trigger_time: number | null;
  start_time: number | null;
  end_time: number | null;
  fail_type: string | null;
  fail_msg: string | null;
  rerun_status: number;
  executor: string;
  vc_code: string | null;
  biz_date: string;
  job_id: number | null;
  /** Planned failure (a failure-catalogue id), or null for success. */
  failure_id: string | null;
  /** Whether the planned failure goes away on the next attempt. */
  transient: number;
  /** Simulated duration of one attempt, ms; null for continuous runs (never end by themselves). */
  duration_ms: number | null;
  /** Whether this run skips the upstream check (reruns, manual runs). */
  skip_upstream: number;
  attempts: number;
  /**
   * A failed attempt with retries left: when Studio's own retry starts (the run shows FAILED until
   * then, as Studio's list does between attempts). Null otherwise.
   */
  retry_at: number | null;
  /**
   * What each attempt ends with, in order (JSON array of failure-catalogue ids, null = success;
   * attempts past its end repeat the last entry). Null: every attempt follows `failure_id`.
   */
  attempt_failures: string | null;
}

export interface AttemptRow {
  id: number;
  run_id: number;
  seq: number;
  created_at: number;
  start_time: number;
  end_time: number | null;
  finish_result: string | null;
  log: string;
  created_by: string;
}

export interface JobRow {
  id: number;
  task_id: number;
  name: string;
  created_by: string;
  biz_start: string;
  biz_end: string;
  vc_code: string | null;
  created_at: number;
}

export interface DataSourceRow {
  id: number;
  name: string;
  ds_type: number;
  status: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS folders (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, parent_id INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, file_type INTEGER NOT NULL, folder_id INTEGER NOT NULL,
  description TEXT, content TEXT NOT NULL DEFAULT '', params_json TEXT NOT NULL DEFAULT '[]',
  flow_status INTEGER NOT NULL DEFAULT 10, task_status INTEGER, owner TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 0, cron TEXT, retry_count INTEGER NOT NULL DEFAULT 0,
  rerun_property INTEGER NOT NULL DEFAULT 1, schema_name TEXT, vc_code TEXT,
  execute_timeout INTEGER NOT NULL DEFAULT 0, deps_json TEXT NOT NULL DEFAULT '[]',
  mapping_configured INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
-- Columns added later are in COLUMNS_ADDED (ALTER TABLE on older sandbox files).
CREATE INDEX IF NOT EXISTS tasks_folder ON tasks(folder_id);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL, instance_type INTEGER NOT NULL, status INTEGER NOT NULL,
  plan_time INTEGER NOT NULL, ready_at INTEGER NOT NULL, trigger_time INTEGER, start_time INTEGER, end_time INTEGER,
  fail_type TEXT, fail_msg TEXT, rerun_status INTEGER NOT NULL DEFAULT 0, executor TEXT NOT NULL,
  vc_code TEXT, biz_date TEXT NOT NULL, job_id INTEGER, failure_id TEXT, transient INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER, skip_upstream INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_task ON runs(task_id, plan_time);
CREATE INDEX IF NOT EXISTS runs_status ON runs(status);
-- The runs the simulation moves on (activeRuns, on every request): few, however many have ended.
CREATE INDEX IF NOT EXISTS runs_active ON runs(ready_at, id) WHERE status NOT IN (1, 3, 8);
CREATE INDEX IF NOT EXISTS runs_plan ON runs(plan_time);
CREATE INDEX IF NOT EXISTS runs_biz ON runs(task_id, biz_date);
CREATE TABLE IF NOT EXISTS attempts (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, seq INTEGER NOT NULL, created_at INTEGER NOT NULL,
  start_time INTEGER NOT NULL, end_time INTEGER, finish_result TEXT, log TEXT NOT NULL, created_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_run ON attempts(run_id, seq);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL, name TEXT NOT NULL, created_by TEXT NOT NULL,
  biz_start TEXT NOT NULL, biz_end TEXT NOT NULL, vc_code TEXT, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS data_sources (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, ds_type INTEGER NOT NULL, status INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS cron_cursor (task_id INTEGER PRIMARY KEY, until INTEGER NOT NULL);
-- What changed the Lakehouse model (a manual refresh, a task run's DDL), replayed on a restart.
CREATE TABLE IF NOT EXISTS lakehouse_changes (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, change TEXT NOT NULL);
`;

const COLUMNS_ADDED: [string, string, string][] = [
  ['tasks', 'config_json', "TEXT NOT NULL DEFAULT '{}'"],
  ['tasks', 'published_json', 'TEXT'],
  ['tasks', 'published_at', 'INTEGER'],
  ['tasks', 'last_edit_user', 'TEXT'],
  ['runs', 'retry_at', 'INTEGER'],
  ['runs', 'attempt_failures', 'TEXT'],
];

export class SandboxStore {
  readonly db: Database.Database;
  /** Statements compiled once (the simulation runs some on every request). */
  private readonly sql: (text: string) => Database.Statement;

  constructor(path: string) {
    this.db = new Database(path);
    this.sql = cachedPrepare((text) => this.db.prepare(text));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    for (const [table, column, decl] of COLUMNS_ADDED) this.ensureColumn(table, column, decl);
    // Failed runs with Studio's retry to come (activeRuns): few.
    this.db.exec('CREATE INDEX IF NOT EXISTS runs_retrying ON runs(retry_at) WHERE retry_at IS NOT NULL');
    // Ids that look like Studio's, and that never collide between kinds.
    this.ensureSequence('folders', 100);
    this.ensureSequence('tasks', 1000);
    this.ensureSequence('runs', 7_000_000);
    this.ensureSequence('attempts', 9_000_000);
    this.ensureSequence('jobs', 500);
  }

  private ensureColumn(table: string, column: string, decl: string) {
    const cols = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!cols.some((c) => c.name === column)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${decl}`);
  }

  private ensureSequence(table: string, start: number) {
    const key = `seq:${table}`;
    const row = this.sql('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    if (!row) this.sql('INSERT INTO meta(key, value) VALUES (?, ?)').run(key, String(start));
  }

  nextId(table: 'folders' | 'tasks' | 'runs' | 'attempts' | 'jobs'): number {
    const key = `seq:${table}`;
    const row = this.sql('UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = ? RETURNING value').get(key) as { value: string };
    return Number(row.value);
  }

  getMeta(key: string): string | undefined {
    return (this.sql('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  appendLakehouseChange(at: number, change: unknown): void {
    this.sql('INSERT INTO lakehouse_changes(at, change) VALUES (?, ?)').run(at, JSON.stringify(change));
  }

  lakehouseChanges(): { at: number; change: unknown }[] {
    return (this.sql('SELECT at, change FROM lakehouse_changes ORDER BY id').all() as { at: number; change: string }[]).map((r) => ({
      at: r.at,
      change: JSON.parse(r.change) as unknown,
    }));
  }

  isEmpty(): boolean {
    return (this.sql('SELECT COUNT(*) n FROM tasks').get() as { n: number }).n === 0;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  private insertRow(table: string, row: object): void {
    const cols = Object.keys(row);
    this.sql(`INSERT INTO ${table}(${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row);
  }

  private updateRow(table: string, id: number, patch: object): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    this.sql(`UPDATE ${table} SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`).run({ ...patch, id });
  }

  // ---- folders --------------------------------------------------------------------------------
  insertFolder(f: Omit<FolderRow, 'id'> & { id?: number }): number {
    const id = f.id ?? this.nextId('folders');
    this.sql('INSERT INTO folders(id, name, parent_id, created_by, created_at) VALUES (?, ?, ?, ?, ?)').run(id, f.name, f.parent_id, f.created_by, f.created_at);
    return id;
  }

  folder(id: number): FolderRow | undefined {
    return this.sql('SELECT * FROM folders WHERE id = ?').get(id) as FolderRow | undefined;
  }

  folders(): FolderRow[] {
    return this.sql('SELECT * FROM folders ORDER BY id').all() as FolderRow[];
  }

  folderByName(name: string, parentId: number): FolderRow | undefined {
    return this.sql('SELECT * FROM folders WHERE name = ? AND parent_id = ?').get(name, parentId) as FolderRow | undefined;
  }

  // ---- tasks ----------------------------------------------------------------------------------
  insertTask(t: Partial<TaskRow> & Pick<TaskRow, 'name' | 'file_type' | 'folder_id' | 'owner' | 'created_at'>): number {
    const id = t.id ?? this.nextId('tasks');
    const row: TaskRow = {
      id,
      name: t.name,
      file_type: t.file_type,
      folder_id: t.folder_id,
      description: t.description ?? null,
      content: t.content ?? '',
      params_json: t.params_json ?? '[]',
      flow_status: t.flow_status ?? 10,
      task_status: t.task_status ?? null,
      owner: t.owner,
      version: t.version ?? 0,
      cron: t.cron ?? null,
      retry_count: t.retry_count ?? 0,
      rerun_property: t.rerun_property ?? 1,
      schema_name: t.schema_name ?? null,
      vc_code: t.vc_code ?? null,
      execute_timeout: t.execute_timeout ?? 0,
      deps_json: t.deps_json ?? '[]',
      mapping_configured: t.mapping_configured ?? 1,
      config_json: t.config_json ?? '{}',
      published_json: t.published_json ?? null,
      published_at: t.published_at ?? null,
      last_edit_user: t.last_edit_user ?? null,
      created_at: t.created_at,
      updated_at: t.updated_at ?? t.created_at,
    };
    this.insertRow('tasks', row);
    return id;
  }

  task(id: number): TaskRow | undefined {
    return this.sql('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
  }

  taskByName(name: string): TaskRow | undefined {
    return this.sql('SELECT * FROM tasks WHERE name = ? ORDER BY id LIMIT 1').get(name) as TaskRow | undefined;
  }

  tasks(): TaskRow[] {
    return this.sql('SELECT * FROM tasks ORDER BY id').all() as TaskRow[];
  }

  /** Tasks the scheduler fires: published (task_status 1) with a cron. */
  scheduledTasks(): TaskRow[] {
    return this.sql("SELECT * FROM tasks WHERE task_status = 1 AND cron IS NOT NULL AND cron <> '' ORDER BY id").all() as TaskRow[];
  }

  updateTask(id: number, patch: Partial<Omit<TaskRow, 'id'>>): void {
    this.updateRow('tasks', id, patch);
  }

  deps(task: TaskRow): { taskId: number; taskName: string; depStrategy?: number; parseType?: number }[] {
    return JSON.parse(task.deps_json) as { taskId: number; taskName: string; depStrategy?: number; parseType?: number }[];
  }

  deleteTask(id: number): void {
    this.sql('DELETE FROM tasks WHERE id = ?').run(id);
    this.sql('DELETE FROM cron_cursor WHERE task_id = ?').run(id);
  }

  deleteFolder(id: number): void {
    this.sql('DELETE FROM folders WHERE id = ?').run(id);
  }

  /** Tasks that list `taskId` as an upstream dependency. */
  children(taskId: number): TaskRow[] {
    return this.tasks().filter((t) => this.deps(t).some((d) => d.taskId === taskId));
  }

  // ---- runs -----------------------------------------------------------------------------------
  insertRun(r: Partial<RunRow> & Pick<RunRow, 'task_id' | 'instance_type' | 'plan_time' | 'biz_date' | 'executor'>): number {
    const id = r.id ?? this.nextId('runs');
    const row: RunRow = {
      id,
      task_id: r.task_id,
      instance_type: r.instance_type,
      status: r.status ?? 2,
      plan_time: r.plan_time,
      ready_at: r.ready_at ?? r.plan_time,
      trigger_time: r.trigger_time ?? null,
      start_time: r.start_time ?? null,
      end_time: r.end_time ?? null,
      fail_type: r.fail_type ?? null,
      fail_msg: r.fail_msg ?? null,
      rerun_status: r.rerun_status ?? 0,
      executor: r.executor,
      vc_code: r.vc_code ?? null,
      biz_date: r.biz_date,
      job_id: r.job_id ?? null,
      failure_id: r.failure_id ?? null,
      transient: r.transient ?? 0,
      duration_ms: r.duration_ms === undefined ? 60_000 : r.duration_ms,
      skip_upstream: r.skip_upstream ?? 0,
      attempts: r.attempts ?? 0,
      retry_at: r.retry_at ?? null,
      attempt_failures: r.attempt_failures ?? null,
    };
    this.insertRow('runs', row);
    return id;
  }

  run(id: number): RunRow | undefined {
    return this.sql('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  }

  updateRun(id: number, patch: Partial<Omit<RunRow, 'id'>>): void {
    this.updateRow('runs', id, patch);
  }

  /** Runs not yet in a terminal state (success, failed, upstream failed), or failed with Studio's retry to come; oldest plan first. */
  activeRuns(): RunRow[] {
    return this.sql(
      'SELECT * FROM (SELECT * FROM runs WHERE status NOT IN (1, 3, 8) UNION ALL SELECT * FROM runs WHERE retry_at IS NOT NULL AND status = 3) ORDER BY ready_at, id',
    ).all() as RunRow[];
  }

  /** The latest run of `taskId` for business date `bizDate` (any run type). */
  latestRunFor(taskId: number, bizDate: string): RunRow | undefined {
    return this.sql('SELECT * FROM runs WHERE task_id = ? AND biz_date = ? ORDER BY id DESC LIMIT 1').get(taskId, bizDate) as RunRow | undefined;
  }

  latestRunOfTask(taskId: number): RunRow | undefined {
    return this.sql('SELECT * FROM runs WHERE task_id = ? ORDER BY plan_time DESC, id DESC LIMIT 1').get(taskId) as RunRow | undefined;
  }

  /** A task's runs planned in [from, to), oldest plan first. */
  runsOfTaskPlanned(taskId: number, from: number, to: number): RunRow[] {
    return this.sql('SELECT * FROM runs WHERE task_id = ? AND plan_time >= ? AND plan_time < ? ORDER BY plan_time, id').all(taskId, from, to) as RunRow[];
  }

  /** Removes runs and their attempts (the sandbox's slow day replacing a day's runs). */
  deleteRuns(ids: number[]): void {
    for (const id of ids) {
      this.sql('DELETE FROM attempts WHERE run_id = ?').run(id);
      this.sql('DELETE FROM runs WHERE id = ?').run(id);
    }
  }

  runsOfJob(jobId: number): RunRow[] {
    return this.sql('SELECT * FROM runs WHERE job_id = ? ORDER BY biz_date, id').all(jobId) as RunRow[];
  }

  // ---- attempts -------------------------------------------------------------------------------
  insertAttempt(a: Omit<AttemptRow, 'id'>): number {
    const id = this.nextId('attempts');
    this.insertRow('attempts', { id, ...a });
    return id;
  }

  attempts(runId: number): AttemptRow[] {
    return this.sql('SELECT * FROM attempts WHERE run_id = ? ORDER BY seq').all(runId) as AttemptRow[];
  }

  attempt(id: number): AttemptRow | undefined {
    return this.sql('SELECT * FROM attempts WHERE id = ?').get(id) as AttemptRow | undefined;
  }

  lastAttempt(runId: number): AttemptRow | undefined {
    return this.sql('SELECT * FROM attempts WHERE run_id = ? ORDER BY seq DESC LIMIT 1').get(runId) as AttemptRow | undefined;
  }

  updateAttempt(id: number, patch: Partial<Omit<AttemptRow, 'id'>>): void {
    this.updateRow('attempts', id, patch);
  }

  // ---- jobs, data sources, cron cursors ---------------------------------------------------------
  insertJob(j: Omit<JobRow, 'id'>): number {
    const id = this.nextId('jobs');
    this.insertRow('jobs', { id, ...j });
    return id;
  }

  jobs(): JobRow[] {
    return this.sql('SELECT * FROM jobs ORDER BY id DESC').all() as JobRow[];
  }

  insertDataSource(d: DataSourceRow): void {
    this.sql('INSERT INTO data_sources(id, name, ds_type, status) VALUES (?, ?, ?, ?)').run(d.id, d.name, d.ds_type, d.status);
  }

  dataSources(): DataSourceRow[] {
    return this.sql('SELECT * FROM data_sources ORDER BY id').all() as DataSourceRow[];
  }

  cronCursor(taskId: number): number | undefined {
    return (this.sql('SELECT until FROM cron_cursor WHERE task_id = ?').get(taskId) as { until: number } | undefined)?.until;
  }

  setCronCursor(taskId: number, until: number): void {
    this.sql('INSERT INTO cron_cursor(task_id, until) VALUES (?, ?) ON CONFLICT(task_id) DO UPDATE SET until = excluded.until').run(taskId, until);
  }

  close(): void {
    this.db.close();
  }
}
