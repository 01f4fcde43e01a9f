/**
 * The audit log: append-only (SQLite triggers refuse UPDATE and DELETE), one row per event of an
 * operation (`requested`, then `succeeded`/`failed`/…, sharing an `op_id`), chained by hash so
 * that a changed, removed or inserted row is detected by `verify()`.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { type Anchor, type AuditKey, keyFromHex } from './audit-key.js';
import { type Db, GENESIS } from './database.js';
import { redactValues } from '../redaction/index.js';

export type AuditSource = 'slash' | 'button' | 'modal' | 'shortcut' | 'wizard' | 'alert' | 'system';

export type AuditOutcome = 'requested' | 'succeeded' | 'failed' | 'unknown' | 'refused' | 'cancelled' | 'awaiting_approval' | 'approved' | 'rejected' | 'duplicate';

export interface AuditEvent {
  at: number;
  opId: string;
  actorId: string;
  actorName?: string | null;
  teamId?: string | null;
  channelId?: string | null;
  source: AuditSource;
  action: string;
  /** What it acts on: `run:<id>`, `task:<id>`, `folder:<name>`… */
  target: string;
  taskName?: string | null;
  params: Record<string, unknown>;
  outcome: AuditOutcome;
  error?: string | null;
  studioRequestId?: string | null;
  idempotencyKey?: string | null;
}

export interface AuditRow extends Omit<AuditEvent, 'params'> {
  id: number;
  params: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  actorId?: string;
  taskName?: string;
  since?: number;
  action?: string;
  outcome?: AuditOutcome;
  limit?: number;
}

interface RawRow {
  id: number;
  at: number;
  op_id: string;
  actor_id: string;
  actor_name: string | null;
  team_id: string | null;
  channel_id: string | null;
  source: AuditSource;
  action: string;
  target: string;
  task_name: string | null;
  params: string;
  outcome: AuditOutcome;
  error: string | null;
  studio_request_id: string | null;
  idempotency_key: string | null;
  prev_hash: string;
  hash: string;
}

/** The hash of a row: over the previous hash and every field, in a fixed order. */
/**
 * A row's hash: HMAC-SHA256 under the audit key over the previous hash and the row's fields; rows
 * written before keys (segment `sha256`) use plain SHA-256.
 */
export function rowHash(prevHash: string, r: Omit<RawRow, 'id' | 'prev_hash' | 'hash'>, key?: Buffer): string {
  const fields = [
    r.at,
    r.op_id,
    r.actor_id,
    r.actor_name,
    r.team_id,
    r.channel_id,
    r.source,
    r.action,
    r.target,
    r.task_name,
    r.params,
    r.outcome,
    r.error,
    r.studio_request_id,
    r.idempotency_key,
  ];
  const h = key ? createHmac('sha256', key) : createHash('sha256');
  return h.update(prevHash).update('\n').update(JSON.stringify(fields)).digest('hex');
}

function toRow(r: RawRow): AuditRow {
  return {
    id: r.id,
    at: r.at,
    opId: r.op_id,
    actorId: r.actor_id,
    actorName: r.actor_name,
    teamId: r.team_id,
    channelId: r.channel_id,
    source: r.source,
    action: r.action,
    target: r.target,
    taskName: r.task_name,
    params: JSON.parse(r.params) as Record<string, unknown>,
    outcome: r.outcome,
    error: r.error,
    studioRequestId: r.studio_request_id,
    idempotencyKey: r.idempotency_key,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export interface VerifyResult {
  ok: boolean;
  rows: number;
  /** The first row whose hash or link does not hold. */
  brokenAt?: number;
  reason?: string;
}

export class AuditLog {
  private readonly insert;
  private readonly lastHash;
  private readonly key: AuditKey;
  private segmentChecked = false;

  /** `key`: the audit key (see audit-key.ts); without one, a key that lives as long as this object. */
  constructor(
    private readonly db: Db,
    key?: AuditKey,
  ) {
    this.key = key ?? keyFromHex(randomBytes(32).toString('hex'));
    this.insert = db.prepare(`INSERT INTO audit_log
      (at, op_id, actor_id, actor_name, team_id, channel_id, source, action, target, task_name, params, outcome, error, studio_request_id, idempotency_key, prev_hash, hash)
      VALUES (@at, @op_id, @actor_id, @actor_name, @team_id, @channel_id, @source, @action, @target, @task_name, @params, @outcome, @error, @studio_request_id, @idempotency_key, @prev_hash, @hash) RETURNING id`);
    this.lastHash = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
  }

  /** Start a segment for this key at `nextId` unless the current segment is already this key's. */
  private openSegment(nextId: number): void {
    if (this.segmentChecked) return;
    const seg = this.db.prepare('SELECT key_id FROM audit_segments ORDER BY from_id DESC LIMIT 1').get() as { key_id: string } | undefined;
    if (seg?.key_id !== this.key.id) this.db.prepare('INSERT INTO audit_segments(from_id, key_id) VALUES (?, ?)').run(nextId, this.key.id);
    this.segmentChecked = true;
  }

  /** The chain head, for an anchor kept outside the database. */
  head(now: number): Anchor {
    const last = this.lastHash.get() as { id: number; hash: string } | undefined;
    return { at: now, rows: this.count(), lastId: last?.id ?? 0, hash: last?.hash ?? GENESIS };
  }

  /** Append one event; returns its row id. */
  append(e: AuditEvent): number {
    const row = {
      at: e.at,
      op_id: e.opId,
      actor_id: e.actorId,
      actor_name: e.actorName ?? null,
      team_id: e.teamId ?? null,
      channel_id: e.channelId ?? null,
      source: e.source,
      action: e.action,
      target: e.target,
      task_name: e.taskName ?? null,
      // Parameters as given may hold secrets (`--param db_password=…`): the log keeps them masked.
      params: JSON.stringify(redactValues(e.params ?? {})),
      outcome: e.outcome,
      error: e.error ?? null,
      studio_request_id: e.studioRequestId ?? null,
      idempotency_key: e.idempotencyKey ?? null,
    };
    return this.db.transaction(() => {
      const last = this.lastHash.get() as { id: number; hash: string } | undefined;
      const prev = last?.hash ?? GENESIS;
      this.openSegment((last?.id ?? 0) + 1);
      const hash = rowHash(prev, row, this.key.key);
      return Number((this.insert.get({ ...row, prev_hash: prev, hash }) as { id: number }).id);
    })();
  }

  /** Newest first (by time, so the (actor|task, at) indexes serve the order and the limit stops the scan). */
  query(f: AuditFilter = {}): AuditRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.actorId) {
      where.push('actor_id = ?');
      args.push(f.actorId);
    }
    if (f.taskName) {
      where.push('task_name = ?');
      args.push(f.taskName);
    }
    if (f.since !== undefined) {
      where.push('at >= ?');
      args.push(f.since);
    }
    if (f.action) {
      where.push('action = ?');
      args.push(f.action);
    }
    if (f.outcome) {
      where.push('outcome = ?');
      args.push(f.outcome);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, f.limit ?? 50) as RawRow[]).map(toRow);
  }

  byOp(opId: string): AuditRow[] {
    return (this.db.prepare('SELECT * FROM audit_log WHERE op_id = ? ORDER BY id').all(opId) as RawRow[]).map(toRow);
  }

  /** Operations whose last event is still `requested` (a crash between request and outcome). */
  /** Operations whose last row is one of `outcomes` (e.g. still `requested`, or `unknown`): that row each. */
  lastRowIn(outcomes: AuditOutcome[]): AuditRow[] {
    const rows = this.db
      .prepare(
        `SELECT a.* FROM audit_log a
         JOIN (SELECT op_id, MAX(id) AS last FROM audit_log GROUP BY op_id) l ON l.last = a.id
         WHERE a.outcome IN (${outcomes.map(() => '?').join(',')}) ORDER BY a.id`,
      )
      .all(...outcomes) as RawRow[];
    return rows.map(toRow);
  }

  unfinished(): AuditRow[] {
    const rows = this.db
      .prepare(
        `SELECT a.* FROM audit_log a
         JOIN (SELECT op_id, MAX(id) AS last FROM audit_log GROUP BY op_id) l ON l.last = a.id
         WHERE a.outcome = 'requested' ORDER BY a.id`,
      )
      .all() as RawRow[];
    return rows.map(toRow);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) n FROM audit_log').get() as { n: number }).n;
  }

  /** Every row by id, read a page at a time (a long log is never held in memory at once). */
  private *rowsInOrder(): Generator<RawRow> {
    const page = this.db.prepare('SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT 2000');
    let after = 0;
    for (;;) {
      const rows = page.all(after) as RawRow[];
      yield* rows;
      if (rows.length < 2000) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  /**
   * Walk the chain from the first row with each segment's key; report the first row that does not
   * hold. `anchors` (heads checkpointed outside the database) catch a truncated tail and a chain
   * rewritten with the key: each must still be found, with its hash, in the table.
   */
  verify(o: { keys?: Map<string, AuditKey>; anchors?: Anchor[] } = {}): VerifyResult {
    const keys = o.keys ?? new Map([[this.key.id, this.key]]);
    const segments = this.db.prepare('SELECT from_id, key_id FROM audit_segments ORDER BY from_id').all() as { from_id: number; key_id: string }[];
    let prev = GENESIS;
    let rows = 0;
    let lastId = 0;
    const hashes = new Map<number, string>();
    const wanted = new Set((o.anchors ?? []).map((a) => a.lastId));
    for (const r of this.rowsInOrder()) {
      rows++;
      if (r.prev_hash !== prev) return { ok: false, rows, brokenAt: r.id, reason: 'prev_hash does not match the previous row (a row was removed or inserted)' };
      const seg = [...segments].reverse().find((s) => s.from_id <= r.id);
      if (!seg) return { ok: false, rows, brokenAt: r.id, reason: 'no key segment covers this row (the segment table was changed)' };
      let key: Buffer | undefined;
      if (seg.key_id !== 'sha256') {
        key = keys.get(seg.key_id)?.key;
        if (!key)
          return {
            ok: false,
            rows,
            brokenAt: r.id,
            reason: `rows from ${seg.from_id} were signed with key ${seg.key_id}, which is not available (set AUDIT_KEY or AUDIT_OLD_KEYS)`,
          };
      }
      if (rowHash(prev, r, key) !== r.hash) return { ok: false, rows, brokenAt: r.id, reason: 'hash does not match the row (the row was changed)' };
      if (wanted.has(r.id)) hashes.set(r.id, r.hash);
      prev = r.hash;
      lastId = r.id;
    }
    for (const a of o.anchors ?? []) {
      if (a.lastId === 0) continue;
      if (a.lastId > lastId)
        return {
          ok: false,
          rows,
          brokenAt: lastId + 1,
          reason: `the anchor of ${new Date(a.at).toISOString()} names row ${a.lastId}, but the log ends at row ${lastId} (rows were removed from the end)`,
        };
      if (hashes.get(a.lastId) !== a.hash)
        return { ok: false, rows, brokenAt: a.lastId, reason: `row ${a.lastId} no longer has the hash anchored at ${new Date(a.at).toISOString()} (the chain was rewritten)` };
    }
    return { ok: true, rows };
  }
}
