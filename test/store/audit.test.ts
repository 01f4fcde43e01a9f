import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog, rowHash } from '../../src/store/audit.js';
import { type Anchor, type AuditKey, anchorLine, anchorsFilePath, appendAnchor, keyFromHex, loadAuditKeys, parseAnchors } from '../../src/store/audit-key.js';
import { type Db, GENESIS, openDatabase } from '../../src/store/database.js';
import { OperationStore, idempotencyKey } from '../../src/store/operations.js';
import { fillAudit } from '../helpers/engines.js';

const fill = (log: AuditLog, n: number) => fillAudit(log, n);

describe('audit log', () => {
  it('is append-only: UPDATE and DELETE are refused by the database', () => {
    const db = openDatabase(':memory:');
    const log = new AuditLog(db);
    fill(log, 3);
    expect(() => db.prepare("UPDATE audit_log SET outcome = 'succeeded' WHERE id = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/);
    expect(log.verify()).toMatchObject({ ok: true, rows: 3 });
  });

  it('detects a changed, removed or inserted row even when the triggers were dropped', () => {
    for (const tamper of [
      "UPDATE audit_log SET actor_id = 'UEVIL' WHERE id = 5",
      'DELETE FROM audit_log WHERE id = 5',
      "INSERT INTO audit_log (at, op_id, actor_id, source, action, target, params, outcome, prev_hash, hash) SELECT at, 'x', 'U', source, action, target, params, outcome, prev_hash, hash FROM audit_log WHERE id = 5",
    ]) {
      const db = openDatabase(':memory:');
      const log = new AuditLog(db);
      fill(log, 10);
      db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
      db.exec(tamper);
      const r = log.verify();
      expect(r.ok).toBe(false);
      expect(r.brokenAt).toBeGreaterThanOrEqual(5);
    }
  });

  it('filters by user, task and time, newest first, and finds unfinished operations', () => {
    const log = new AuditLog(openDatabase(':memory:'));
    fill(log, 9);
    log.append({ at: 2000, opId: 'op1', actorId: 'U1', source: 'system', action: 'rerun', target: 'run:1', params: {}, outcome: 'succeeded' });
    expect(log.query({ actorId: 'U0' }).map((r) => r.target)).toEqual(['run:6', 'run:3', 'run:0']);
    expect(log.query({ taskName: 'a', since: 1005 }).map((r) => r.target)).toEqual(['run:7', 'run:5']);
    expect(log.unfinished().map((r) => r.opId)).not.toContain('op1');
    expect(log.unfinished()).toHaveLength(8);
  });

  it('`npx studio-ops audit verify` exits 0 on an intact chain and 1 on a broken one', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'audit-')), 'a.db');
    const db = openDatabase(path);
    fill(new AuditLog(db, loadAuditKeys(path).current), 20); // the key file is created beside the database
    const run = () => spawnSync(process.execPath, ['bin/studio-ops.mjs', 'audit', 'verify', '--db', path], { encoding: 'utf8' });
    const ok = run();
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/audit log intact.*: 20 rows/);
    db.exec('DROP TRIGGER audit_no_update; UPDATE audit_log SET params = \'{"i":999}\' WHERE id = 7;');
    db.close();
    const broken = run();
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('BROKEN at row 7');
  }, 30_000);
});

describe('keyed audit chain and anchors (tamper tests)', () => {
  const KEY = keyFromHex('a'.repeat(64));
  const OTHER = keyFromHex('b'.repeat(64));
  type Raw = Record<string, unknown> & { id: number; hash: string; prev_hash: string };
  function setup(n = 20): { db: ReturnType<typeof openDatabase>; log: AuditLog; anchors: Anchor[] } {
    const db = openDatabase(':memory:');
    const log = new AuditLog(db, KEY);
    fill(log, n);
    const anchors = [log.head(5000)];
    db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    return { db, log, anchors };
  }
  /** Recompute every hash from `fromId` on, as an attacker would, with `key` (undefined: plain SHA-256). */
  function rechain(db: ReturnType<typeof openDatabase>, key: Buffer | undefined) {
    let prev = '0'.repeat(64);
    for (const r of db.prepare('SELECT * FROM audit_log ORDER BY id').all() as Raw[]) {
      const hash = rowHash(prev, r as never, key);
      db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?').run(prev, hash, r.id);
      prev = hash;
    }
  }
  const keys = new Map([[KEY.id, KEY]]);

  it('an intact chain verifies with its key and anchors; another key does not', () => {
    const { log, anchors } = setup();
    expect(log.verify({ keys, anchors })).toMatchObject({ ok: true, rows: 20, anchors: 1 });
    expect(log.verify({ keys: new Map([[OTHER.id, OTHER]]), anchors }).reason).toContain('not available');
  });

  it('truncation of the last rows is caught by the anchor', () => {
    const { db, log, anchors } = setup();
    db.exec('DELETE FROM audit_log WHERE id > 17');
    const r = log.verify({ keys, anchors });
    expect(r.ok).toBe(false);
    expect(r.reason).toContain('the log ends at row 17 (rows were removed from the end)');
  });

  it('a rewritten row with the hashes recomputed without the key is caught', () => {
    const { db, log, anchors } = setup();
    db.exec("UPDATE audit_log SET actor_id = 'UEVIL' WHERE id = 5");
    rechain(db, undefined);
    const r = log.verify({ keys, anchors });
    expect(r).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('a rewritten row with the hashes recomputed *with* the key is caught by the anchor', () => {
    const { db, log, anchors } = setup();
    db.exec("UPDATE audit_log SET actor_id = 'UEVIL' WHERE id = 5");
    rechain(db, KEY.key);
    const r = log.verify({ keys, anchors });
    expect(r.ok).toBe(false);
    expect(r.reason).toContain('no longer has the hash named by the anchor');
  });

  it('a deleted middle row is caught', () => {
    const { db, log, anchors } = setup();
    db.exec('DELETE FROM audit_log WHERE id = 9');
    expect(log.verify({ keys, anchors })).toMatchObject({ ok: false, brokenAt: 10 });
  });

  it('the CLI checks the anchors file beside the database', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'audit-')), 'a.db');
    const db = openDatabase(path);
    const log = new AuditLog(db, loadAuditKeys(path).current);
    fill(log, 10);
    appendAnchor(anchorsFilePath(path)!, log.signedHead(1, 'demo_ws'));
    db.exec('DROP TRIGGER audit_no_delete; DELETE FROM audit_log WHERE id = 10;');
    db.close();
    const r = spawnSync(process.execPath, ['bin/studio-ops.mjs', 'audit', 'verify', '--db', path], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('rows were removed from the end');
  }, 30_000);
});

describe('only the key extends the chain (issue 27)', () => {
  const KEY = keyFromHex('a'.repeat(64));
  const NEXT = keyFromHex('b'.repeat(64));
  type Raw = Record<string, unknown> & { id: number; hash: string; prev_hash: string; action: string; params: string };
  const both = new Map([
    [KEY.id, KEY],
    [NEXT.id, NEXT],
  ]);
  const only = (k: AuditKey) => new Map([[k.id, k]]);
  const rows = (db: Db) => db.prepare('SELECT * FROM audit_log ORDER BY id').all() as Raw[];
  /** What an attacker with write access to the database does: rehash rows from `fromId` on, with `key` (undefined: plain SHA-256). */
  function rechain(db: Db, fromId: number, key: Buffer | undefined) {
    let prev = fromId === 1 ? GENESIS : (db.prepare('SELECT hash FROM audit_log WHERE id = ?').get(fromId - 1) as { hash: string }).hash;
    for (const r of rows(db).filter((x) => x.id >= fromId)) {
      const hash = rowHash(prev, r as never, key);
      db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?').run(prev, hash, r.id);
      prev = hash;
    }
  }
  function keyed(n = 20) {
    const db = openDatabase(':memory:');
    const log = new AuditLog(db, KEY);
    fill(log, n);
    return { db, log };
  }
  const tamper = (db: Db) => db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');

  it('an unkeyed segment is refused: rows after the last anchor rewritten, a sha256 segment row inserted, plain hashes recomputed', () => {
    const { db, log } = keyed(10);
    const anchors = [log.head(1)]; // the hourly anchor, at row 10
    fillAudit(log, 10, { from: 10 });
    tamper(db);
    db.exec("UPDATE audit_log SET actor_id = 'UEVIL' WHERE id = 15");
    db.exec("INSERT INTO audit_segments(from_id, key_id) VALUES (11, 'sha256')");
    rechain(db, 11, undefined);
    const r = log.verify({ keys: only(KEY), anchors });
    expect(r).toMatchObject({ ok: false, brokenAt: 11 });
    expect(r.reason).toContain('row 11 is not keyed (plain SHA-256)');
  });

  it('a rewrite of the whole chain with recomputed plain hashes (the segment table saying sha256 from row 1, no anchors) is refused', () => {
    const { db, log } = keyed();
    tamper(db);
    db.exec("UPDATE audit_log SET actor_id = 'UEVIL' WHERE id = 5; DELETE FROM audit_segments; INSERT INTO audit_segments(from_id, key_id) VALUES (1, 'sha256');");
    rechain(db, 1, undefined);
    const r = log.verify({ keys: only(KEY) });
    expect(r).toMatchObject({ ok: false, brokenAt: 1 });
    expect(r.reason).toContain('not keyed');
  });

  it('a key rotation is a row signed by the old key naming the new one; the chain verifies with both keys, and says which key it misses', () => {
    const db = openDatabase(':memory:');
    fill(new AuditLog(db, KEY), 5);
    const next = new AuditLog(db, NEXT, { oldKeys: [KEY] });
    fillAudit(next, 5, { from: 5 });
    const all = rows(db);
    const rotation = all[5]!;
    expect(rotation).toMatchObject({ id: 6, action: 'audit_key_rotated', source: 'system', actor_id: 'system', target: `audit_key:${NEXT.id}` });
    expect(JSON.parse(rotation.params)).toEqual({ from: KEY.id, to: NEXT.id });
    expect(rowHash(rotation.prev_hash, rotation as never, KEY.key)).toBe(rotation.hash); // signed by the old key
    expect(rowHash(all[6]!.prev_hash, all[6] as never, NEXT.key)).toBe(all[6]!.hash);
    expect(next.verify({ keys: both })).toMatchObject({ ok: true, rows: 11, keyId: NEXT.id });
    expect(next.verify({ keys: only(NEXT) }).reason).toBe(`rows from 1 were signed with key ${KEY.id}, which is not available (set AUDIT_KEY or AUDIT_OLD_KEYS)`);
    expect(next.verify({ keys: only(KEY) }).reason).toContain(`rows from 7 are signed (named by the rotation at row 6) with key ${NEXT.id}, which is not available`);
    // A process without the old key cannot write the rotation: it refuses to append rather than fork the keys.
    expect(() => fill(new AuditLog(db, keyFromHex('e'.repeat(64))), 1)).toThrow(/signed with key .* which this process does not hold/);
  });

  it('a forged rotation (a retired key that leaked, used to name itself after the chain moved on) is refused; so is a new segment with no rotation row', () => {
    for (const withRow of [true, false]) {
      const db = openDatabase(':memory:');
      fill(new AuditLog(db, KEY), 3);
      const log = new AuditLog(db, NEXT, { oldKeys: [KEY] });
      fillAudit(log, 3, { from: 3 }); // rows 1–3 under KEY, the rotation (4), rows 5–7 under NEXT
      // The attacker holds the retired KEY only: rows signed with it, after a rotation row signed with it too.
      let prev = rows(db).at(-1)!.hash;
      const forge = (action: string, params: Record<string, unknown>) => {
        const r = {
          at: 9,
          op_id: 'x',
          actor_id: 'system',
          actor_name: null,
          team_id: null,
          channel_id: null,
          source: 'system',
          action,
          target: 't',
          task_name: null,
          params: JSON.stringify(params),
          outcome: 'succeeded',
          error: null,
          studio_request_id: null,
          idempotency_key: null,
        };
        const hash = rowHash(prev, r as never, KEY.key);
        db.prepare(`INSERT INTO audit_log (at, op_id, actor_id, source, action, target, params, outcome, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
          r.at,
          r.op_id,
          r.actor_id,
          r.source,
          r.action,
          r.target,
          r.params,
          r.outcome,
          prev,
          hash,
        );
        prev = hash;
      };
      const firstForged = rows(db).at(-1)!.id + 1;
      db.exec(`INSERT INTO audit_segments(from_id, key_id) VALUES (${firstForged}, '${KEY.id}')`); // "KEY signs from here"
      if (withRow) forge('audit_key_rotated', { from: NEXT.id, to: KEY.id });
      forge('rerun', { forged: true });
      const r = log.verify({ keys: both });
      expect(r).toMatchObject({ ok: false, brokenAt: firstForged });
      expect(r.reason).toContain(
        `row ${firstForged} is signed with key ${KEY.id}, but the chain's key here is ${NEXT.id} and no audit_key_rotated row signed by it names ${KEY.id}`,
      );
    }
  });

  it('a legacy chain (rows from before keys) is sealed at the first start with a key: verified up to the seal, and not one row further unkeyed', () => {
    const db = openDatabase(':memory:');
    let prev = GENESIS;
    for (let i = 1; i <= 5; i++) {
      const r = {
        at: i,
        op_id: `op${i}`,
        actor_id: 'U1',
        actor_name: null,
        team_id: null,
        channel_id: null,
        source: 'slash',
        action: 'rerun',
        target: `run:${i}`,
        task_name: null,
        params: '{}',
        outcome: 'requested',
        error: null,
        studio_request_id: null,
        idempotency_key: null,
      };
      const hash = rowHash(prev, r as never);
      db.prepare(`INSERT INTO audit_log (at, op_id, actor_id, source, action, target, params, outcome, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        r.at,
        r.op_id,
        r.actor_id,
        r.source,
        r.action,
        r.target,
        r.params,
        r.outcome,
        prev,
        hash,
      );
      prev = hash;
    }
    db.exec("INSERT INTO audit_segments(from_id, key_id) VALUES (1, 'sha256')"); // as migration 7 left it
    expect(new AuditLog(db, KEY).verify({ keys: only(KEY) }).reason).toContain('row 1 is not keyed');
    const log = new AuditLog(db, KEY);
    expect(log.prepare(100)).toEqual({ sealed: { upTo: 5, segments: [{ fromId: 1, keyId: 'sha256' }] } });
    expect(log.prepare(100)).toEqual({}); // once
    fill(log, 3);
    expect(rows(db)[5]).toMatchObject({ id: 6, action: 'audit_legacy_sealed', prev_hash: prev });
    expect(log.verify({ keys: only(KEY) })).toMatchObject({ ok: true, rows: 9 });
    tamper(db);
    // A legacy row rewritten, its plain hashes recomputed: the seal no longer names its head.
    db.exec("UPDATE audit_log SET actor_id = 'UEVIL' WHERE id = 2");
    rechain(db, 2, undefined);
    expect(log.verify({ keys: only(KEY) })).toMatchObject({ ok: false, brokenAt: 6 });
  });

  it('a legacy-looking chain is not sealed when signed anchors of it exist (it was keyed, so it was rewritten)', () => {
    const { db, log } = keyed(5);
    const anchors = [log.signedHead(1, 'demo_ws')];
    tamper(db);
    db.exec("DELETE FROM audit_segments; INSERT INTO audit_segments(from_id, key_id) VALUES (1, 'sha256');");
    rechain(db, 1, undefined);
    const restarted = new AuditLog(db, KEY);
    expect(restarted.prepare(100, { anchors, chain: 'demo_ws' }).problem).toContain('1 signed anchor(s) of it exist');
    expect(rows(db).some((r) => r.action === 'audit_legacy_sealed')).toBe(false);
    expect(restarted.verify({ keys: only(KEY), anchors }).ok).toBe(false);
  });

  it('anchors are signed: an altered or forged one is refused, one of another chain is not this chain’s', () => {
    const { log } = keyed(5);
    const a = log.signedHead(1, 'demo_ws');
    expect(log.verify({ keys: only(KEY), anchors: [a], chain: 'demo_ws' })).toMatchObject({ ok: true, anchors: 1 });
    const line = anchorLine(a);
    expect(parseAnchors(`{"level":30,"auditAnchor":"${line}","msg":"audit chain anchored"}`)).toEqual([a]);
    expect(log.verify({ keys: only(KEY), anchors: [{ ...a, lastId: 4 }] }).reason).toContain('does not carry a valid signature (it was altered or forged)');
    expect(log.verify({ keys: only(KEY), anchors: [{ ...a, lastId: 9 }], chain: 'other_ws' })).toMatchObject({ ok: true, anchors: 0 });
  });
});

describe('idempotency keys', () => {
  it('the same actor, action, target and parameters make the same key, whatever the key order', () => {
    expect(idempotencyKey('U1', 'backfill', 'task:1', { from: 'a', to: 'b' })).toBe(idempotencyKey('U1', 'backfill', 'task:1', { to: 'b', from: 'a' }));
    expect(idempotencyKey('U1', 'backfill', 'task:1', { from: 'a', to: 'b' })).not.toBe(idempotencyKey('U2', 'backfill', 'task:1', { from: 'a', to: 'b' }));
  });

  it('answers a repeat within the window with the first result; a definite failure may be tried again; the window ends', () => {
    let now = 0;
    const ops = new OperationStore(openDatabase(':memory:'), () => now);
    expect(ops.claim('k', 'op1', 1000)).toEqual({ kind: 'new' });
    expect(ops.claim('k', 'op2', 1000)).toEqual({ kind: 'in_progress', opId: 'op1' });
    ops.settle('k', 'succeeded', { message: 'done' });
    expect(ops.claim('k', 'op3', 1000)).toEqual({ kind: 'duplicate', opId: 'op1', status: 'succeeded', result: { message: 'done' } });
    now = 1500;
    expect(ops.claim('k', 'op4', 1000)).toEqual({ kind: 'new' });
    ops.settle('k', 'failed', { message: 'refused' });
    expect(ops.claim('k', 'op5', 1000)).toEqual({ kind: 'new' });
  });
});
