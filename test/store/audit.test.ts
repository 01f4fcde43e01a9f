import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog, rowHash } from '../../src/store/audit.js';
import { type Anchor, anchorsFilePath, appendAnchor, keyFromHex, loadAuditKeys } from '../../src/store/audit-key.js';
import { openDatabase } from '../../src/store/database.js';
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
    expect(log.verify()).toEqual({ ok: true, rows: 3 });
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
    expect(ok.stdout).toContain('audit log intact: 20 rows');
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
    expect(log.verify({ keys, anchors })).toEqual({ ok: true, rows: 20 });
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
    expect(r.reason).toContain('no longer has the hash anchored');
  });

  it('a deleted middle row is caught', () => {
    const { db, log, anchors } = setup();
    db.exec('DELETE FROM audit_log WHERE id = 9');
    expect(log.verify({ keys, anchors })).toMatchObject({ ok: false, brokenAt: 10 });
  });

  it('after a key rotation, each segment verifies with its own key', () => {
    const db = openDatabase(':memory:');
    fill(new AuditLog(db, KEY), 5);
    fill(new AuditLog(db, OTHER), 5);
    const both = new Map([
      [KEY.id, KEY],
      [OTHER.id, OTHER],
    ]);
    expect(new AuditLog(db, OTHER).verify({ keys: both })).toEqual({ ok: true, rows: 10 });
    expect(new AuditLog(db, OTHER).verify({ keys: new Map([[OTHER.id, OTHER]]) }).reason).toContain('rows from 1 were signed with key');
  });

  it('the CLI checks the anchors file beside the database', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'audit-')), 'a.db');
    const db = openDatabase(path);
    const log = new AuditLog(db, loadAuditKeys(path).current);
    fill(log, 10);
    appendAnchor(anchorsFilePath(path)!, log.head(1));
    db.exec('DROP TRIGGER audit_no_delete; DELETE FROM audit_log WHERE id = 10;');
    db.close();
    const r = spawnSync(process.execPath, ['bin/studio-ops.mjs', 'audit', 'verify', '--db', path], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('rows were removed from the end');
  }, 30_000);
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
