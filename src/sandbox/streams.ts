/**
 * Streams in the sandbox: real-time (REALTIME, fileType 14) and multi-table CDC (MULTI_REALTIME,
 * 281) tasks run continuously once started. Each has a state (starting, running, stopped, failed),
 * a source position (Kafka offsets, a MySQL binlog file and offset, a PostgreSQL LSN), lag and
 * throughput that move with the sandbox clock, and — for CDC — its tables, each in its own state
 * (full sync, incremental, paused, stopped, failed) with its error. Faults can be injected: a stream
 * that dies, lag that grows, one table that fails, a PostgreSQL replication slot that is dropped.
 *
 * Status numbers: cz-cli knows 2 = running and 4 = stopped (studio-contracts.ts); 1 = starting and
 * 5 = failed, and every per-table number, are our assumption (docs/studio-api.md, streams table).
 */
import { isStreamKind, taskKindByFileType } from '../studio/enums.js';
import type { StudioSim } from './sim.js';
import { SandboxBusinessError } from './sim.js';
import type { TaskRow } from './store.js';

export const STREAM_STATUS = { STARTING: 1, RUNNING: 2, STOPPED: 4, FAILED: 5 } as const;
export type StreamState = keyof typeof STREAM_STATUS;
export const STREAM_TABLE_STATUS = { FULL_SYNC: 1, INCREMENTAL: 2, PAUSED: 3, STOPPED: 4, FAILED: 5 } as const;
export type StreamTableState = keyof typeof STREAM_TABLE_STATUS;

/** A MULTI_REALTIME task's stream id (cz-cli reads it from the task detail as `cdcTaskId`). */
export const CDC_TASK_ID_OFFSET = 800_000;
/** How long a stream stays STARTING after a start. */
export const STARTING_MS = 20_000;
/** Lag a healthy stream keeps. */
const BASELINE_LAG_MS = 1_500;

export type StreamSource = 'kafka' | 'mysql' | 'postgresql';

export interface StreamTable {
  id: number;
  schema: string;
  table: string;
  state: StreamTableState;
  error: string | null;
  rows: number;
  /** FULL_SYNC: when the snapshot ends and the table turns incremental. */
  fullSyncEndsAt: number | null;
  updatedAt: number;
}

export interface Stream {
  taskId: number;
  timelyId: number;
  name: string;
  kind: 'REALTIME' | 'MULTI_REALTIME';
  source: StreamSource;
  datasourceId: number;
  slotName: string | null;
  /** Kafka: the topic read. */
  topic: string | null;
  state: StreamState;
  /** When the present state began. */
  since: number;
  startedAt: number | null;
  lastError: string | null;
  /** Events read from the source since the beginning (drives the position). */
  position: number;
  lagMs: number;
  /** Fault: lag grows by this many ms per second of clock while running (0: it catches up). */
  lagGrowthPerSec: number;
  /** Rows per second when healthy. */
  rate: number;
  lastTick: number;
  tables: StreamTable[];
  updatedBy: string | null;
}

export interface PgSlot {
  datasourceId: number;
  db: string;
  slotName: string;
  slotType: string;
  active: boolean;
}

const DATASOURCES: Record<StreamSource, { id: number; db: string }> = {
  kafka: { id: 9001, db: 'orders_events' },
  mysql: { id: 9002, db: 'shop' },
  postgresql: { id: 9003, db: 'crm' },
};

function sourceOf(t: TaskRow): StreamSource {
  const c = t.content.toLowerCase();
  if (c.includes('pg_') || c.includes('postgres')) return 'postgresql';
  if (c.includes('topic') || c.includes('kafka')) return 'kafka';
  return 'mysql';
}

function topicOf(t: TaskRow): string {
  try {
    return (JSON.parse(t.content) as { source?: { topic?: string } }).source?.topic ?? 'events';
  } catch {
    return 'events';
  }
}

function tablesOf(t: TaskRow): { schema: string; table: string }[] {
  try {
    const j = JSON.parse(t.content) as { source?: { databases?: string[]; tables?: string[] | string } };
    const db = j.source?.databases?.[0] ?? 'public';
    const named = Array.isArray(j.source?.tables) ? j.source.tables : undefined;
    return (named ?? ['orders', 'order_items', 'customers', 'products']).map((table) => ({ schema: db, table }));
  } catch {
    return [];
  }
}

export class SandboxStreams {
  private readonly streams = new Map<number, Stream>();
  private readonly slots: PgSlot[] = [];
  private nextTableId = 50_001;

  constructor(private readonly sim: StudioSim) {}

  private now(): number {
    return this.sim.now();
  }

  /** Seed every stream task of the workspace: deployed ones running, the others stopped. */
  seed(): void {
    // Each PostgreSQL data source has the logical slot a CDC pipeline reads.
    for (const d of this.sim.store.dataSources().filter((x) => x.ds_type === 7)) {
      this.slots.push({ datasourceId: d.id, db: DATASOURCES.postgresql.db, slotName: 'cz_cdc_slot', slotType: 'logical', active: false });
    }
    for (const t of this.sim.store.tasks()) this.ensure(t);
  }

  /** The data source a task reads (by the name in its content), else a stand-in id. */
  private datasourceOf(t: TaskRow, source: StreamSource): number {
    let name: string | undefined;
    try {
      name = (JSON.parse(t.content) as { source?: { datasource?: string } }).source?.datasource;
    } catch {
      name = undefined;
    }
    return this.sim.store.dataSources().find((d) => d.name === name)?.id ?? DATASOURCES[source].id;
  }

  private ensure(t: TaskRow): Stream | undefined {
    const kind = taskKindByFileType(t.file_type);
    if (!isStreamKind(kind) || (kind.key !== 'REALTIME' && kind.key !== 'MULTI_REALTIME')) return undefined;
    const have = this.streams.get(t.id);
    if (have) return have;
    const now = this.now();
    const source = sourceOf(t);
    const running = t.task_status === 1;
    const s: Stream = {
      taskId: t.id,
      timelyId: kind.key === 'MULTI_REALTIME' ? CDC_TASK_ID_OFFSET + t.id : t.id,
      name: t.name,
      kind: kind.key,
      source,
      datasourceId: this.datasourceOf(t, source),
      slotName: source === 'postgresql' ? 'cz_cdc_slot' : null,
      topic: source === 'kafka' ? topicOf(t) : null,
      state: running ? 'RUNNING' : 'STOPPED',
      since: now - (running ? 6 * 3_600_000 : 0),
      startedAt: running ? now - 6 * 3_600_000 : null,
      lastError: null,
      position: 4_200_000 + (t.id % 97) * 1_000,
      lagMs: BASELINE_LAG_MS,
      lagGrowthPerSec: 0,
      rate: kind.key === 'MULTI_REALTIME' ? 850 : 1_200,
      lastTick: now,
      tables: [],
      updatedBy: null,
    };
    if (kind.key === 'MULTI_REALTIME') {
      s.tables = tablesOf(t).map((x, i) => ({
        id: this.nextTableId++,
        schema: x.schema,
        table: x.table,
        state: !running ? 'STOPPED' : i === 3 ? 'FULL_SYNC' : 'INCREMENTAL',
        error: null,
        rows: 120_000 * (i + 1),
        fullSyncEndsAt: running && i === 3 ? now + 10 * 60_000 : null,
        updatedAt: now,
      }));
    }
    this.streams.set(t.id, s);
    return s;
  }

  /** Move every stream to the present: position, lag, throughput, starting → running, snapshots ending. */
  private tick(s: Stream): void {
    const now = this.now();
    const dt = Math.max(0, now - s.lastTick);
    s.lastTick = now;
    if (dt === 0) return;
    if (s.state === 'STARTING' && now - s.since >= STARTING_MS) {
      s.state = 'RUNNING';
      s.since = s.since + STARTING_MS;
    }
    if (s.state === 'RUNNING') {
      s.position += Math.round((this.throughputOf(s) * dt) / 1000);
      if (s.lagGrowthPerSec > 0) s.lagMs += (s.lagGrowthPerSec * dt) / 1000;
      else s.lagMs = BASELINE_LAG_MS + (s.lagMs - BASELINE_LAG_MS) * Math.exp(-dt / 60_000);
      for (const t of s.tables) {
        if (t.state === 'FULL_SYNC' && t.fullSyncEndsAt !== null && now >= t.fullSyncEndsAt) {
          t.state = 'INCREMENTAL';
          t.fullSyncEndsAt = null;
          t.updatedAt = now;
        }
        if (t.state === 'FULL_SYNC' || t.state === 'INCREMENTAL') t.rows += Math.round((this.throughputOf(s) * dt) / 1000 / Math.max(1, s.tables.length));
      }
    } else {
      // Not reading: the source moves on, so the stream falls behind by the time that passes.
      s.lagMs += dt;
    }
  }

  /** Rows per second now: none unless running; a stream falling behind reads at a fraction of its rate. */
  throughputOf(s: Stream): number {
    if (s.state !== 'RUNNING') return 0;
    const wobble = 1 + 0.1 * Math.sin(this.now() / 300_000 + s.taskId);
    return Math.round(s.rate * wobble * (s.lagGrowthPerSec > 0 ? 0.3 : 1));
  }

  /** The stream of a task (by its file id) or of a stream id (`timelyId` / `cdcTaskId`). */
  find(id: number): Stream | undefined {
    const byTask = this.sim.store.task(id);
    const s = byTask ? this.ensure(byTask) : undefined;
    const found = s ?? (id > CDC_TASK_ID_OFFSET ? this.streams.get(id - CDC_TASK_ID_OFFSET) : undefined);
    if (found) this.tick(found);
    return found;
  }

  require(id: number): Stream {
    const s = this.find(id);
    if (!s) throw new SandboxBusinessError('TIMELY_TASK_NOT_EXIST', `实时任务不存在 (no real-time task ${id})`);
    return s;
  }

  all(): Stream[] {
    for (const t of this.sim.store.tasks()) this.ensure(t);
    const out = [...this.streams.values()].filter((s) => this.sim.store.task(s.taskId));
    for (const s of out) this.tick(s);
    return out;
  }

  /** A task's extra detail fields: `cdcTaskId` for a CDC pipeline, `deployStatus` as cz-cli reads it. */
  taskDetailFields(t: TaskRow): Record<string, unknown> {
    const s = this.ensure(t);
    if (!s) return {};
    this.tick(s);
    const deploy = t.task_status !== 1 ? 0 : s.state === 'RUNNING' || s.state === 'STARTING' ? 2 : s.state === 'FAILED' ? 4 : 3;
    return { ...(s.kind === 'MULTI_REALTIME' ? { cdcTaskId: s.timelyId } : {}), deployStatus: deploy };
  }

  // ---- operations -------------------------------------------------------------------------------

  /** startupMode 0: from the latest (stateless); 1: from the last saved position; 4: from a chosen time. */
  start(s: Stream, o: { startupMode: number; fromTime?: number; updatedBy: string }): void {
    if (s.state === 'RUNNING' || s.state === 'STARTING') throw new SandboxBusinessError('TASK_ALREADY_RUNNING', `任务已在运行中 (${s.name} is already running)`);
    if (s.slotName && !this.slots.some((x) => x.datasourceId === s.datasourceId && x.slotName === s.slotName)) {
      // Studio creates the slot again on a start.
      this.slots.push({ datasourceId: s.datasourceId, db: DATASOURCES.postgresql.db, slotName: s.slotName, slotType: 'logical', active: false });
    }
    const now = this.now();
    if (o.startupMode === 0) s.lagMs = BASELINE_LAG_MS;
    else if (o.startupMode === 4 && o.fromTime !== undefined) s.lagMs = Math.max(BASELINE_LAG_MS, now - o.fromTime);
    s.state = 'STARTING';
    s.since = now;
    s.startedAt = now;
    s.lastError = null;
    s.lagGrowthPerSec = 0;
    s.updatedBy = o.updatedBy;
    for (const t of s.tables) {
      if (t.state === 'STOPPED' || t.state === 'FAILED') {
        t.state = 'INCREMENTAL';
        t.error = null;
        t.updatedAt = now;
      }
    }
    this.setSlotActive(s, true);
  }

  stop(s: Stream, updatedBy: string): void {
    if (s.state === 'STOPPED') throw new SandboxBusinessError('TASK_NOT_RUNNING', `任务未运行 (${s.name} is not running)`);
    s.state = 'STOPPED';
    s.since = this.now();
    s.updatedBy = updatedBy;
    s.lagGrowthPerSec = 0;
    this.setSlotActive(s, false);
  }

  tableOp(s: Stream, op: 'start' | 'stop' | 'resync' | 'pause' | 'recover', ids: number[]): void {
    if (s.kind !== 'MULTI_REALTIME') throw new SandboxBusinessError('NOT_PIPELINE', `不是多表实时任务 (${s.name} has no tables)`);
    const now = this.now();
    for (const id of ids) {
      const t = s.tables.find((x) => x.id === id);
      if (!t) throw new SandboxBusinessError('TABLE_NOT_EXIST', `表不存在 (no table ${id} in ${s.name})`);
    }
    for (const id of ids) {
      const t = s.tables.find((x) => x.id === id)!;
      const next: Record<typeof op, StreamTableState> = { start: 'INCREMENTAL', stop: 'STOPPED', resync: 'FULL_SYNC', pause: 'PAUSED', recover: 'INCREMENTAL' };
      t.state = next[op];
      t.updatedAt = now;
      if (op !== 'stop' && op !== 'pause') t.error = null;
      if (op === 'resync') {
        t.rows = 0;
        t.fullSyncEndsAt = now + 5 * 60_000;
      }
    }
  }

  private setSlotActive(s: Stream, active: boolean): void {
    for (const x of this.slots) if (x.datasourceId === s.datasourceId && x.slotName === s.slotName) x.active = active;
  }

  slotsOf(datasourceIds: number[]): { datasourceId: number; db: string; pipelineSlotMetaVos: { slotName: string; slotType: string; active: string }[] }[] {
    return datasourceIds.map((id) => ({
      datasourceId: id,
      db: this.slots.find((x) => x.datasourceId === id)?.db ?? this.sim.store.dataSources().find((d) => d.id === id)?.name ?? '',
      pipelineSlotMetaVos: this.slots.filter((x) => x.datasourceId === id).map((x) => ({ slotName: x.slotName, slotType: x.slotType, active: String(x.active) })),
    }));
  }

  // ---- faults -----------------------------------------------------------------------------------

  /** The stream dies with `message` (its tables stop with it). */
  kill(taskId: number, message = 'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy'): void {
    const s = this.require(taskId);
    s.state = 'FAILED';
    s.since = this.now();
    s.lastError = message;
    this.setSlotActive(s, false);
  }

  /** Lag grows by `msPerSec` per second of clock while the stream runs (0: it catches up again). */
  growLag(taskId: number, msPerSec: number): void {
    this.require(taskId).lagGrowthPerSec = msPerSec;
  }

  /** One table of a CDC pipeline fails; the stream goes on with the others. */
  failTable(taskId: number, table: string, message: string): StreamTable {
    const s = this.require(taskId);
    const t = s.tables.find((x) => x.table === table || `${x.schema}.${x.table}` === table);
    if (!t) throw new Error(`no table ${table} in ${s.name}`);
    t.state = 'FAILED';
    t.error = message;
    t.updatedAt = this.now();
    return t;
  }

  /** A PostgreSQL replication slot is dropped at the source: the streams reading it fail. */
  dropSlot(datasourceId: number, slotName: string): void {
    const i = this.slots.findIndex((x) => x.datasourceId === datasourceId && x.slotName === slotName);
    if (i >= 0) this.slots.splice(i, 1);
    for (const s of this.all()) {
      if (s.datasourceId === datasourceId && s.slotName === slotName && (s.state === 'RUNNING' || s.state === 'STARTING')) {
        this.kill(s.taskId, `org.postgresql.util.PSQLException: ERROR: replication slot "${slotName}" does not exist`);
      }
    }
  }

  /** Add a PostgreSQL CDC stream source on a task (the demo has MySQL and Kafka; tests use it for slots). */
  usePostgres(taskId: number, slotName = 'cz_cdc_slot'): void {
    const s = this.require(taskId);
    s.source = 'postgresql';
    s.datasourceId = this.sim.store.dataSources().find((d) => d.ds_type === 7)?.id ?? DATASOURCES.postgresql.id;
    s.slotName = slotName;
    if (!this.slots.some((x) => x.slotName === slotName))
      this.slots.push({ datasourceId: s.datasourceId, db: DATASOURCES.postgresql.db, slotName, slotType: 'logical', active: false });
    this.setSlotActive(s, s.state === 'RUNNING');
  }

  static readonly DATASOURCES = DATASOURCES;
}
