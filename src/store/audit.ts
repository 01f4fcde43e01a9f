/**
 * The audit log: append-only (triggers refuse UPDATE and DELETE), one row per event of an
 * operation (`requested`, then `succeeded`/`failed`/…, sharing an `op_id`), chained by hash so
 * that a changed, removed or inserted row is detected by `verify()`.
 *
 * Only the key extends the chain. Every row is an HMAC under the audit key; the chain itself says
 * which key signs which rows: the first row's key is the one it verifies under (a key the verifier
 * holds), and a new key is introduced only by an `audit_key_rotated` row signed by the key before
 * it and naming the new one. The one unkeyed stretch accepted is the legacy prefix written before
 * keys existed, and only up to an `audit_legacy_sealed` row, signed, that commits to its head and
 * lists its layout (written once, at the first start with a key). The `audit_segments` table is a
 * cache of where keys change (for messages, and the layout a seal records), never the authority.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { type Anchor, type AuditKey, checkAnchor, keyFromHex, signAnchor } from './audit-key.js';
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
  /** The first row whose hash or link does not hold (absent when an anchor itself is the problem). */
  brokenAt?: number;
  reason?: string;
  /** Anchors of this chain checked against the table. */
  anchors?: number;
  /** The key that signs the chain's last rows (its fingerprint). */
  keyId?: string;
}

/** The row that introduces a new key, signed by the key before it. */
export const KEY_ROTATED = 'audit_key_rotated';
/** The row that ends the unkeyed rows written before keys, signed, committing to their head. */
export const LEGACY_SEALED = 'audit_legacy_sealed';
/** The key id of rows hashed with plain SHA-256 (before keys). */
const UNKEYED = 'sha256';

export interface KeySegment {
  fromId: number;
  keyId: string;
}

/** What `prepare()` did to the chain at start. */
export interface ChainPreparation {
  sealed?: { upTo: number; segments: KeySegment[] };
  rotated?: { from: string; to: string; row: number };
  /** Why a legacy prefix was not sealed (the chain then fails verification where it breaks). */
  problem?: string;
}

/** A row just appended, for whoever anchors the chain. */
export interface AppendedRow {
  id: number;
  action: string;
  outcome: AuditOutcome;
}

/** This process cannot sign the next row: the chain moved to a key it does not hold. */
export class AuditKeyMissingError extends Error {
  constructor(keyId: string, lastId: number) {
    super(
      `the audit chain's last rows (to row ${lastId}) are signed with key ${keyId}, which this process does not hold, so it cannot sign the rotation to its own key: give that key in AUDIT_OLD_KEYS (after a key change), or start this replica with the AUDIT_KEY the others use`,
    );
    this.name = 'AuditKeyMissingError';
  }
}

function paramsOf(r: Pick<RawRow, 'params'>): Record<string, unknown> {
  try {
    return JSON.parse(r.params) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The legacy layout a seal row records (undefined when its params are not one). */
function sealLayout(r: Pick<RawRow, 'params'>): { segments: KeySegment[]; key: string; upTo: number; head: string } | undefined {
  const p = paramsOf(r);
  const segs = p.segments;
  if (!Array.isArray(segs) || typeof p.key !== 'string' || typeof p.upTo !== 'number' || typeof p.head !== 'string') return undefined;
  const segments: KeySegment[] = [];
  for (const s of segs as { fromId?: unknown; keyId?: unknown }[]) {
    if (typeof s?.fromId !== 'number' || typeof s.keyId !== 'string') return undefined;
    segments.push({ fromId: s.fromId, keyId: s.keyId });
  }
  return { segments, key: p.key, upTo: p.upTo, head: p.head };
}

const isRotation = (r: Pick<RawRow, 'action' | 'source'>) => r.action === KEY_ROTATED && r.source === 'system';

export class AuditLog {
  private readonly insert;
  private readonly lastRow;
  private readonly lastHead;
  private readonly rowById;
  private readonly key: AuditKey;
  /** The keys this process holds: the current one first, then the old ones. */
  private readonly keys: Map<string, AuditKey>;
  /** The head this process last wrote or checked, and the key that signs the row after it. */
  private headKey?: { id: number; hash: string; keyId: string };
  private prepared = false;
  private readonly listeners = new Set<(r: AppendedRow) => void>();

  /**
   * `key`: the audit key (see audit-key.ts); without one, a key that lives as long as this object.
   * `oldKeys`: the earlier keys (AUDIT_OLD_KEYS), to sign the rotation away from them.
   */
  constructor(
    private readonly db: Db,
    key?: AuditKey,
    o: { oldKeys?: Iterable<AuditKey> } = {},
  ) {
    this.key = key ?? keyFromHex(randomBytes(32).toString('hex'));
    this.keys = new Map([[this.key.id, this.key]]);
    for (const k of o.oldKeys ?? []) if (!this.keys.has(k.id)) this.keys.set(k.id, k);
    this.insert = db.prepare(`INSERT INTO audit_log
      (at, op_id, actor_id, actor_name, team_id, channel_id, source, action, target, task_name, params, outcome, error, studio_request_id, idempotency_key, prev_hash, hash)
      VALUES (@at, @op_id, @actor_id, @actor_name, @team_id, @channel_id, @source, @action, @target, @task_name, @params, @outcome, @error, @studio_request_id, @idempotency_key, @prev_hash, @hash) RETURNING id`);
    this.lastRow = db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT 1');
    this.lastHead = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
    this.rowById = db.prepare('SELECT * FROM audit_log WHERE id = ?');
  }

  /** Called after each append (the anchorer); returns how to stop. */
  onAppended(fn: (r: AppendedRow) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The chain head, for an anchor kept outside the database. */
  head(now: number): Anchor {
    const last = this.lastHead.get() as { id: number; hash: string } | undefined;
    return { at: now, rows: this.count(), lastId: last?.id ?? 0, hash: last?.hash ?? GENESIS };
  }

  /** The chain head signed with the current key, as an anchor of `chain` (the workspace's name). */
  signedHead(now: number, chain: string): Anchor {
    return signAnchor(this.head(now), chain, this.key);
  }

  /** The key that signs the row after `r`: its signer's, or the one a rotation row names; 'sha256' for an unkeyed row; undefined when no key held verifies it. */
  private keyAfter(r: RawRow): string | undefined {
    for (const k of this.keys.values()) {
      if (rowHash(r.prev_hash, r, k.key) !== r.hash) continue;
      if (isRotation(r)) {
        const p = paramsOf(r);
        if (p.from === k.id && typeof p.to === 'string') return p.to;
      }
      return k.id;
    }
    return rowHash(r.prev_hash, r) === r.hash ? UNKEYED : undefined;
  }

  private segmentsCached(): KeySegment[] {
    return (this.db.prepare('SELECT from_id, key_id FROM audit_segments ORDER BY from_id').all() as { from_id: number; key_id: string }[]).map((s) => ({
      fromId: Number(s.from_id),
      keyId: s.key_id,
    }));
  }

  private cacheSegment(fromId: number, keyId: string): void {
    const last = this.db.prepare('SELECT key_id FROM audit_segments ORDER BY from_id DESC LIMIT 1').get() as { key_id: string } | undefined;
    if (last?.key_id !== keyId) this.db.prepare('INSERT INTO audit_segments(from_id, key_id) VALUES (?, ?) ON CONFLICT (from_id) DO NOTHING').run(fromId, keyId);
  }

  private hasRowWithAction(action: string): boolean {
    return this.db.prepare('SELECT 1 AS x FROM audit_log WHERE action = ? LIMIT 1').get(action) !== undefined;
  }

  private insertRow(row: Omit<RawRow, 'id' | 'prev_hash' | 'hash'>, prev: string, key: AuditKey): { id: number; hash: string } {
    const hash = rowHash(prev, row, key.key);
    const id = Number((this.insert.get({ ...row, prev_hash: prev, hash }) as { id: number }).id);
    return { id, hash };
  }

  private systemRow(at: number, action: string, target: string, params: Record<string, unknown>): Omit<RawRow, 'id' | 'prev_hash' | 'hash'> {
    return {
      at,
      op_id: randomUUID(),
      actor_id: 'system',
      actor_name: null,
      team_id: null,
      channel_id: null,
      source: 'system',
      action,
      target,
      task_name: null,
      params: JSON.stringify(params),
      outcome: 'succeeded',
      error: null,
      studio_request_id: null,
      idempotency_key: null,
    };
  }

  /**
   * Seal a legacy prefix (rows written before keys, or keys changed without a rotation row, as
   * versions before this one did) with a row signed by the current key. Only when no seal or
   * rotation row exists yet, the prefix verifies as the segment table describes it, and no signed
   * anchor of this chain exists (an anchored chain was keyed: an unkeyed prefix now is a rewrite).
   */
  private sealLegacy(now: number, anchors: Anchor[], chain: string | undefined): Pick<ChainPreparation, 'sealed' | 'problem'> {
    const segments = this.segmentsCached();
    const legacy = segments.some((s) => s.keyId === UNKEYED) || new Set(segments.map((s) => s.keyId)).size > 1;
    if (!legacy || this.hasRowWithAction(LEGACY_SEALED) || this.hasRowWithAction(KEY_ROTATED)) return {};
    const last = this.lastRow.get() as RawRow | undefined;
    if (!last) return {};
    const signed = anchors.filter((a) => (chain === undefined || a.chain === chain) && checkAnchor(a, this.keys) === 'valid');
    if (signed.length > 0)
      return {
        problem: `the audit chain looks like one written before keys (unkeyed or re-keyed rows, no seal), but ${signed.length} signed anchor(s) of it exist: it was keyed, so it was rewritten; not sealed — run studio-ops audit verify`,
      };
    const walk = this.walk({ keys: this.keys, legacy: { segments, sealId: last.id + 1 } });
    if (!walk.ok) return { problem: `the legacy audit rows do not verify (row ${walk.brokenAt}: ${walk.reason}); not sealed — run studio-ops audit verify` };
    const sealed = this.insertRow(this.systemRow(now, LEGACY_SEALED, 'audit_chain', { segments, upTo: last.id, head: last.hash, key: this.key.id }), last.hash, this.key);
    this.cacheSegment(sealed.id, this.key.id);
    this.headKey = { ...sealed, keyId: this.key.id };
    return { sealed: { upTo: last.id, segments } };
  }

  /**
   * Make the chain this process's to extend (at start, in one transaction): seal a legacy prefix,
   * and when the chain's key is an old key this process holds, write the rotation to the current
   * key. `anchors`: those kept outside the database (see sealLegacy); `chain`: their chain name.
   */
  prepare(now: number, o: { anchors?: Anchor[]; chain?: string } = {}): ChainPreparation {
    return this.db.transaction(() => {
      this.prepared = true;
      const out: ChainPreparation = this.sealLegacy(now, o.anchors ?? [], o.chain);
      const { rotated } = this.chainOnto(now);
      if (rotated) out.rotated = rotated;
      return out;
    }, 'audit')();
  }

  /**
   * The hash to chain the next row onto. When the key of the row after the head is an old key held
   * here, first a row signed by it names the current key. A head under a key not held here:
   * refused (another replica rotated ahead). An unkeyed or altered head: the chain goes on under
   * the current key and verification names the row. `startsSegment`: the next row is the first of
   * the current key here (for the segment cache).
   */
  private chainOnto(at: number): { prev: string; startsSegment: boolean; rotated?: { from: string; to: string; row: number } } {
    const top = this.lastHead.get() as { id: number; hash: string } | undefined;
    if (!top) return { prev: GENESIS, startsSegment: true };
    const id = Number(top.id);
    if (this.headKey?.id === id && this.headKey.hash === top.hash && this.headKey.keyId === this.key.id) return { prev: top.hash, startsSegment: false };
    const last = this.rowById.get(id) as RawRow;
    const keyId = this.keyAfter(last);
    if (keyId === this.key.id) {
      this.headKey = { id, hash: top.hash, keyId };
      return { prev: top.hash, startsSegment: false };
    }
    const old = keyId === undefined ? undefined : this.keys.get(keyId);
    if (!old) {
      const hinted = this.segmentsCached().at(-1)?.keyId;
      const ahead = keyId !== undefined && keyId !== UNKEYED ? keyId : hinted !== undefined && hinted !== UNKEYED && !this.keys.has(hinted) ? hinted : undefined;
      if (ahead) throw new AuditKeyMissingError(ahead, id);
      return { prev: top.hash, startsSegment: true };
    }
    const r = this.insertRow(this.systemRow(at, KEY_ROTATED, `audit_key:${this.key.id}`, { from: old.id, to: this.key.id }), top.hash, old);
    this.headKey = { ...r, keyId: this.key.id };
    return { prev: r.hash, startsSegment: true, rotated: { from: old.id, to: this.key.id, row: r.id } };
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
    const id = this.db.transaction(() => {
      if (!this.prepared) {
        this.prepared = true;
        this.sealLegacy(e.at, [], undefined);
      }
      const onto = this.chainOnto(e.at);
      const r = this.insertRow(row, onto.prev, this.key);
      if (onto.startsSegment) this.cacheSegment(r.id, this.key.id);
      this.headKey = { ...r, keyId: this.key.id };
      return r.id;
    }, 'audit')();
    for (const fn of this.listeners) fn({ id, action: e.action, outcome: e.outcome });
    return id;
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

  /** The first seal row, if any (the walk checks it is genuine). */
  private sealRow(): RawRow | undefined {
    return this.db.prepare('SELECT * FROM audit_log WHERE action = ? ORDER BY id LIMIT 1').get(LEGACY_SEALED) as RawRow | undefined;
  }

  /**
   * Walk the chain from the first row; report the first row that does not hold. Rows before the
   * seal (`legacy`) are checked with the layout it records; from it on, each row with the key the
   * chain names (the first row's: a key held; then each rotation's).
   */
  private walk(o: { keys: ReadonlyMap<string, AuditKey>; legacy?: { segments: KeySegment[]; sealId: number }; wanted?: Set<number> }): VerifyResult & {
    lastId: number;
    hashes: Map<number, string>;
  } {
    const { keys, legacy } = o;
    const hashes = new Map<number, string>();
    const cached = this.segmentsCached();
    const notAvailable = (fromId: number, keyId: string, why = 'were signed') =>
      `rows from ${fromId} ${why} with key ${keyId}, which is not available (set AUDIT_KEY or AUDIT_OLD_KEYS)`;
    let prev = GENESIS;
    let rows = 0;
    let lastId = 0;
    let segKey: AuditKey | undefined;
    let pending: { keyId: string; from: number } | undefined;
    const fail = (id: number, reason: string) => ({ ok: false, rows, brokenAt: id, reason, lastId, hashes });
    const unkeyed = (id: number) =>
      `row ${id} is not keyed (plain SHA-256): unkeyed rows are accepted only as the legacy prefix sealed by a signed ${LEGACY_SEALED} row (rows were rewritten without the key)`;
    for (const r of this.rowsInOrder()) {
      rows++;
      const id = Number(r.id);
      if (r.prev_hash !== prev) return fail(id, 'prev_hash does not match the previous row (a row was removed or inserted)');
      const plain = () => rowHash(prev, r) === r.hash;
      if (legacy && id < legacy.sealId) {
        const seg = [...legacy.segments].reverse().find((s) => s.fromId <= id);
        if (!seg) return fail(id, 'no segment of the seal covers this row (the seal was changed)');
        let key: Buffer | undefined;
        if (seg.keyId !== UNKEYED) {
          key = keys.get(seg.keyId)?.key;
          if (!key) return fail(id, notAvailable(seg.fromId, seg.keyId));
        }
        if (rowHash(prev, r, key) !== r.hash) return fail(id, 'hash does not match the row (the row was changed)');
      } else if (legacy && id === legacy.sealId) {
        const layout = sealLayout(r);
        if (!layout || r.source !== 'system') return fail(id, 'the seal of the legacy rows is not one (the row was changed)');
        const k = keys.get(layout.key);
        if (!k) return fail(id, notAvailable(id, layout.key, 'are signed'));
        if (rowHash(prev, r, k.key) !== r.hash) return fail(id, plain() ? unkeyed(id) : 'the seal of the legacy rows does not verify under its key (the row was changed)');
        if (layout.head !== prev || layout.upTo !== lastId) return fail(id, 'the seal does not name the row before it (rows were removed or inserted)');
        segKey = k;
      } else {
        if (!segKey) {
          if (pending) return fail(id, notAvailable(pending.from, pending.keyId, `are signed (named by the rotation at row ${pending.from - 1})`));
          // The chain's first key: the one its first row verifies under (a key the verifier holds).
          segKey = [...keys.values()].find((k) => rowHash(prev, r, k.key) === r.hash);
          if (!segKey) {
            if (plain()) return fail(id, unkeyed(id));
            const hinted = [...cached].reverse().find((s) => s.fromId <= id)?.keyId;
            if (hinted && hinted !== UNKEYED && !keys.has(hinted)) return fail(id, notAvailable(id, hinted));
            return fail(id, 'hash does not match the row (the row was changed)');
          }
        } else if (rowHash(prev, r, segKey.key) !== r.hash) {
          if (plain()) return fail(id, unkeyed(id));
          const other = [...keys.values()].find((k) => rowHash(prev, r, k.key) === r.hash);
          if (other) return fail(id, `row ${id} is signed with key ${other.id}, but the chain's key here is ${segKey.id} and no ${KEY_ROTATED} row signed by it names ${other.id}`);
          return fail(id, 'hash does not match the row (the row was changed)');
        }
        if (isRotation(r)) {
          const p = paramsOf(r);
          if (p.from !== segKey.id || typeof p.to !== 'string') return fail(id, `the key rotation at row ${id} does not name the key that signs it`);
          segKey = keys.get(p.to);
          pending = segKey ? undefined : { keyId: p.to, from: id + 1 };
        }
      }
      if (o.wanted?.has(id)) hashes.set(id, r.hash);
      prev = r.hash;
      lastId = id;
    }
    return { ok: true, rows, lastId, hashes, keyId: segKey?.id ?? pending?.keyId };
  }

  /**
   * Verify the chain (see walk), then each anchor kept outside the database: it must be genuine
   * (signed with a key held), and the row it names must still be there with the hash it names — a
   * truncated tail or a chain rewritten even with the key no longer matches. `chain`: only anchors
   * of this chain (the workspace's name) are checked; unsigned anchors of earlier versions are
   * checked too (they can only find more).
   */
  verify(o: { keys?: Map<string, AuditKey>; anchors?: Anchor[]; chain?: string } = {}): VerifyResult {
    const keys = o.keys ?? this.keys;
    const anchors = (o.anchors ?? []).filter((a) => o.chain === undefined || a.chain === undefined || a.chain === o.chain);
    const seal = this.sealRow();
    const walk = this.walk({
      keys,
      legacy: seal ? { segments: sealLayout(seal)?.segments ?? [], sealId: Number(seal.id) } : undefined,
      wanted: new Set(anchors.map((a) => a.lastId)),
    });
    const { rows, lastId, hashes } = walk;
    if (!walk.ok) return { ok: false, rows, brokenAt: walk.brokenAt, reason: walk.reason };
    const when = (a: Anchor) => `the anchor of ${new Date(a.at).toISOString()}${a.source ? ` in ${a.source}` : ''}${a.keyId ? '' : ' (unsigned, from an earlier version)'}`;
    for (const a of anchors) {
      const sig = checkAnchor(a, keys);
      if (sig === 'forged') return { ok: false, rows, reason: `${when(a)} does not carry a valid signature (it was altered or forged)` };
      if (typeof sig === 'object') return { ok: false, rows, reason: `${when(a)} is signed with key ${sig.missingKey}, which is not available (set AUDIT_KEY or AUDIT_OLD_KEYS)` };
      if (a.lastId === 0) continue;
      if (a.lastId > lastId)
        return { ok: false, rows, brokenAt: lastId + 1, reason: `${when(a)} names row ${a.lastId}, but the log ends at row ${lastId} (rows were removed from the end)` };
      if (hashes.get(a.lastId) !== a.hash)
        return {
          ok: false,
          rows,
          brokenAt: a.lastId,
          reason: hashes.has(a.lastId)
            ? `row ${a.lastId} no longer has the hash named by ${when(a)} (the chain was rewritten)`
            : `row ${a.lastId}, named by ${when(a)}, is no longer in the log (rows were removed)`,
        };
    }
    return { ok: true, rows, anchors: anchors.length, keyId: walk.keyId };
  }
}
