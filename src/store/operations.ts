/**
 * State of operations between the click that asks and the click that confirms (or approves),
 * idempotency keys, and the runs the bot watches to tell people how their rerun ended.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from './database.js';

export type OperationStatus = 'awaiting_confirmation' | 'awaiting_approval' | 'executing' | 'succeeded' | 'failed' | 'unknown' | 'cancelled' | 'rejected' | 'expired';

export interface OperationRecord {
  id: string;
  action: string;
  target: string;
  taskName: string | null;
  params: Record<string, unknown>;
  requestedBy: string;
  requestedByName: string | null;
  teamId: string | null;
  channelId: string | null;
  source: string;
  status: OperationStatus;
  result: unknown;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** The replica that executes it (set when it starts executing). */
  owner?: string | null;
}

interface RawOperation {
  id: string;
  action: string;
  target: string;
  task_name: string | null;
  params: string;
  requested_by: string;
  requested_by_name: string | null;
  team_id: string | null;
  channel_id: string | null;
  source: string;
  status: OperationStatus;
  result: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
  owner: string | null;
}

function toRecord(r: RawOperation): OperationRecord {
  return {
    id: r.id,
    action: r.action,
    target: r.target,
    taskName: r.task_name,
    params: JSON.parse(r.params) as Record<string, unknown>,
    requestedBy: r.requested_by,
    requestedByName: r.requested_by_name,
    teamId: r.team_id,
    channelId: r.channel_id,
    source: r.source,
    status: r.status,
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiresAt: r.expires_at,
    owner: r.owner ?? null,
  };
}

/** Keys are stable JSON: objects with their keys sorted. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The idempotency key of an operation: who does what to what, with which parameters. */
export function idempotencyKey(actorId: string, action: string, target: string, params: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson({ actorId, action, target, params })).digest('hex');
}

export type Claim = { kind: 'new' } | { kind: 'duplicate'; opId: string; status: string; result: unknown } | { kind: 'in_progress'; opId: string };

export interface RunWatch {
  runId: number;
  opId: string;
  userId: string;
  channelId: string | null;
  messageTs: string | null;
  responseUrl: string | null;
  createdAt: number;
}

export class OperationStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    /** This replica: recorded on the operations it starts executing, so that another can settle them if it dies. */
    readonly replica: string = 'local',
  ) {}

  create(op: Omit<OperationRecord, 'id' | 'createdAt' | 'updatedAt' | 'result' | 'owner'> & { id?: string }): OperationRecord {
    const id = op.id ?? randomUUID();
    const t = this.now();
    this.db
      .prepare(
        `INSERT INTO operations (id, action, target, task_name, params, requested_by, requested_by_name, team_id, channel_id, source, status, result, created_at, updated_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
      )
      .run(id, op.action, op.target, op.taskName, JSON.stringify(op.params), op.requestedBy, op.requestedByName, op.teamId, op.channelId, op.source, op.status, t, t, op.expiresAt);
    return this.get(id)!;
  }

  get(id: string): OperationRecord | undefined {
    const r = this.db.prepare('SELECT * FROM operations WHERE id = ?').get(id) as RawOperation | undefined;
    return r ? toRecord(r) : undefined;
  }

  /**
   * Move an operation from one of `from` to `to`; false when it was not in one of `from`
   * (someone else confirmed, cancelled or approved it first). Moving to `executing` makes this
   * replica its owner.
   */
  transition(id: string, from: OperationStatus[], to: OperationStatus, result?: unknown): boolean {
    const owner = to === 'executing' ? ', owner = ?' : '';
    const r = this.db
      .prepare(`UPDATE operations SET status = ?, result = COALESCE(?, result), updated_at = ?${owner} WHERE id = ? AND status IN (${from.map(() => '?').join(',')})`)
      .run(to, result === undefined ? null : JSON.stringify(result), this.now(), ...(owner ? [this.replica] : []), id, ...from);
    return r.changes === 1;
  }

  /**
   * A confirmed request that now waits for a second admin (a promotion into a protected workspace):
   * awaiting_confirmation → awaiting_approval, expiring at `until`; false when it was not awaiting confirmation.
   */
  awaitApproval(id: string, until: number): boolean {
    const r = this.db
      .prepare("UPDATE operations SET status = 'awaiting_approval', expires_at = ?, updated_at = ? WHERE id = ? AND status = 'awaiting_confirmation'")
      .run(until, this.now(), id);
    return r.changes === 1;
  }

  /** A write audited without an operation (a wizard step) is run by this replica. */
  ownWrite(opId: string): void {
    this.db.prepare('INSERT INTO write_owners(op_id, owner, at) VALUES (?, ?, ?) ON CONFLICT(op_id) DO NOTHING').run(opId, this.replica, this.now());
  }

  /** The replica that ran an operation or audited write (null: not recorded, e.g. from before replicas). */
  ownerOf(opId: string): string | null {
    const op = this.db.prepare('SELECT owner FROM operations WHERE id = ?').get(opId) as { owner: string | null } | undefined;
    if (op?.owner) return op.owner;
    return (this.db.prepare('SELECT owner FROM write_owners WHERE op_id = ?').get(opId) as { owner: string } | undefined)?.owner ?? null;
  }

  /**
   * Claim an idempotency key. A key seen within `windowMs` answers with the first operation's
   * state instead of running it again; a key whose operation definitely failed may be claimed again.
   */
  claim(key: string, opId: string, windowMs: number): Claim {
    return this.db.transaction((): Claim => {
      const row = this.db.prepare('SELECT * FROM idempotency WHERE key = ?').get(key) as
        | { key: string; op_id: string; status: string; result: string | null; created_at: number }
        | undefined;
      const t = this.now();
      if (row && t - row.created_at < windowMs && row.status !== 'failed') {
        if (row.status === 'executing') return { kind: 'in_progress', opId: row.op_id };
        return { kind: 'duplicate', opId: row.op_id, status: row.status, result: row.result === null ? null : JSON.parse(row.result) };
      }
      this.db
        .prepare(
          'INSERT INTO idempotency(key, op_id, status, result, created_at) VALUES (?, ?, ?, NULL, ?) ON CONFLICT(key) DO UPDATE SET op_id = excluded.op_id, status = excluded.status, result = NULL, created_at = excluded.created_at',
        )
        .run(key, opId, 'executing', t);
      return { kind: 'new' };
    }, `idempotency:${key}`)();
  }

  /** Record how an operation ended on whatever idempotency key it claimed. */
  settleByOp(opId: string, status: 'succeeded' | 'failed' | 'unknown', result: unknown): void {
    this.db.prepare('UPDATE idempotency SET status = ?, result = ? WHERE op_id = ?').run(status, JSON.stringify(result), opId);
  }

  /** Record how the claimed operation ended. */
  settle(key: string, status: 'succeeded' | 'failed' | 'unknown', result: unknown): void {
    this.db.prepare('UPDATE idempotency SET status = ?, result = ? WHERE key = ?').run(status, JSON.stringify(result), key);
  }

  /** Operations that did `action` to `target` and succeeded at or after `since` (newest first, at most 50). */
  succeededSince(target: string, action: string, since: number): OperationRecord[] {
    return (
      this.db
        .prepare("SELECT * FROM operations WHERE target = ? AND action = ? AND status = 'succeeded' AND updated_at >= ? ORDER BY updated_at DESC LIMIT 50")
        .all(target, action, since) as RawOperation[]
    ).map(toRecord);
  }

  /** Of these runs, those the bot stopped at someone's request (a `stop` that succeeded): their end is no failure to alert on. */
  runsStopped(runIds: number[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < runIds.length; i += 500) {
      const targets = runIds.slice(i, i + 500).map((id) => `run:${id}`);
      const rows = this.db
        .prepare(`SELECT DISTINCT target FROM operations WHERE action = 'stop' AND status = 'succeeded' AND target IN (${targets.map(() => '?').join(',')})`)
        .all(...targets) as { target: string }[];
      out.push(...rows.map((r) => Number(r.target.slice('run:'.length))));
    }
    return out;
  }

  /** Operations in one of these states (oldest first). */
  withStatus(...statuses: OperationStatus[]): OperationRecord[] {
    return (this.db.prepare(`SELECT * FROM operations WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY created_at`).all(...statuses) as RawOperation[]).map(
      toRecord,
    );
  }

  // ---- one write per target -----------------------------------------------------------------------
  /** Take the write lock of `target` for `opId`, or learn which operation holds it. */
  lockTarget(target: string, opId: string): { kind: 'acquired' } | { kind: 'held'; opId: string } {
    return this.db.transaction(() => this.takeLock(target, opId), `target:${target}`)();
  }

  /** lockTarget's statements, inside a transaction holding the target's scope. */
  private takeLock(target: string, opId: string): { kind: 'acquired' } | { kind: 'held'; opId: string } {
    this.db.prepare('INSERT INTO target_locks(target, op_id, acquired_at) VALUES (?, ?, ?) ON CONFLICT(target) DO NOTHING').run(target, opId, this.now());
    const row = this.db.prepare('SELECT op_id FROM target_locks WHERE target = ?').get(target) as { op_id: string };
    return row.op_id === opId ? ({ kind: 'acquired' } as const) : ({ kind: 'held', opId: row.op_id } as const);
  }

  /**
   * Take the write lock of `target` for `opId` and move the operation from `from` to `executing`, in
   * one transaction — or learn which operation holds the lock. A lock is therefore only ever held by an
   * operation that is executing (or was, until it ended): another replica never finds it held by one
   * that is still about to start, which it could not tell from one left behind.
   */
  startOnTarget(target: string, opId: string, from: OperationStatus[]): { kind: 'started' } | { kind: 'held'; opId: string } | { kind: 'not_moved' } {
    return this.db.transaction(() => {
      const l = this.takeLock(target, opId);
      if (l.kind === 'held') return l;
      if (this.transition(opId, from, 'executing')) return { kind: 'started' } as const;
      this.unlockTarget(target, opId); // no longer in `from` (handled by an earlier click): it holds nothing
      return { kind: 'not_moved' } as const;
    }, `target:${target}`)();
  }

  unlockTarget(target: string, opId: string): void {
    this.db.prepare('DELETE FROM target_locks WHERE target = ? AND op_id = ?').run(target, opId);
  }

  // ---- run watches ------------------------------------------------------------------------------
  watch(w: Omit<RunWatch, 'createdAt'>): void {
    this.db
      .prepare(
        'INSERT INTO run_watches(run_id, op_id, user_id, channel_id, message_ts, response_url, created_at, done) VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT(run_id, op_id) DO UPDATE SET user_id = excluded.user_id, channel_id = excluded.channel_id, message_ts = excluded.message_ts, response_url = excluded.response_url, created_at = excluded.created_at, done = 0',
      )
      .run(w.runId, w.opId, w.userId, w.channelId, w.messageTs, w.responseUrl, this.now());
  }

  activeWatches(): RunWatch[] {
    return (
      this.db.prepare('SELECT * FROM run_watches WHERE done = 0 ORDER BY created_at').all() as {
        run_id: number;
        op_id: string;
        user_id: string;
        channel_id: string | null;
        message_ts: string | null;
        response_url: string | null;
        created_at: number;
      }[]
    ).map((r) => ({ runId: r.run_id, opId: r.op_id, userId: r.user_id, channelId: r.channel_id, messageTs: r.message_ts, responseUrl: r.response_url, createdAt: r.created_at }));
  }

  finishWatch(runId: number, opId: string): void {
    this.db.prepare('UPDATE run_watches SET done = 1 WHERE run_id = ? AND op_id = ?').run(runId, opId);
  }
}
