/**
 * The store contract, on both engines: every store (audit chain, operations and idempotency keys,
 * alert cards and outbox, wizard sessions, events seen, the team's memory, leases) behaves the same
 * on the embedded SQLite and on a real PostgreSQL (a throw-away cluster started by the test setup).
 */
import { expect, it } from 'vitest';
import { databaseState, databaseWritable } from '../../src/observability/state.js';
import { AlertStore } from '../../src/store/alerts.js';
import { AuditLog, rowHash } from '../../src/store/audit.js';
import { keyFromHex } from '../../src/store/audit-key.js';
import { type Db, GENESIS, migrate } from '../../src/store/database.js';
import { LeaseStore } from '../../src/store/leases.js';
import { CauseMemory } from '../../src/store/memory.js';
import { OperationStore } from '../../src/store/operations.js';
import { SeenEvents } from '../../src/store/seen-events.js';
import { WizardStore } from '../../src/store/wizard.js';
import { fillAudit, forEachEngine } from '../helpers/engines.js';

const KEY = keyFromHex('c'.repeat(64));

const fill = (log: AuditLog, n: number, from = 0) => fillAudit(log, n, { from, at0: 1_700_000_000_000 });

function dropAuditTriggers(db: Db) {
  db.exec(
    db.engine === 'postgres'
      ? 'DROP TRIGGER audit_no_update ON audit_log; DROP TRIGGER audit_no_truncate ON audit_log;'
      : 'DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;',
  );
}

const card = (over: Record<string, unknown> = {}) => ({
  channel: 'C1',
  groupKey: 'g1',
  taskId: 3_000_000_001, // beyond 32 bits: ids and times are 64-bit on both engines
  taskName: 'ods_orders',
  folder: 'f',
  taskType: 'SQL',
  owner: null,
  causeId: 'sql.syntax',
  causeTitle: 'SQL syntax',
  causeFix: 'fix it',
  failMsg: 'boom',
  firstRunId: 9_000_000_001,
  latestRunId: 9_000_000_001,
  bizDate: '2026-12-01',
  attempts: 1,
  count: 1,
  failedAt: 1_764_000_000_000,
  lastFailedAt: null,
  firstSeen: 1_764_000_000_000,
  lastSeen: 1_764_000_000_000,
  blocked: [{ taskId: 2, taskName: 'dws', runId: 5 }],
  ...over,
});

forEachEngine('store contract', (open, engine) => {
  it('migrations: applied once; running them again changes nothing', async () => {
    const db = await open();
    expect(migrate(db)).toBe(0);
    const versions = (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
    expect(versions.at(-1)).toBe(12);
    db.close();
  });

  it('audit: append-only, chained, verified page by page; tampering is found', async () => {
    const db = await open();
    const log = new AuditLog(db, KEY);
    fill(log, 2100); // more than one page of verify
    expect(() => db.prepare("UPDATE audit_log SET outcome = 'succeeded' WHERE id = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/);
    const keys = new Map([[KEY.id, KEY]]);
    const anchors = [log.head(1)];
    expect(anchors[0]).toMatchObject({ rows: 2100, lastId: 2100 });
    expect(log.verify({ keys, anchors })).toMatchObject({ ok: true, rows: 2100, anchors: 1 });
    expect(log.query({ actorId: 'U0', since: 1_700_000_000_000 + 2090 }).map((r) => r.target)).toEqual(['run:2097', 'run:2094', 'run:2091']);
    expect(log.byOp('op7')[0]).toMatchObject({ opId: 'op7', params: { i: 7 }, at: 1_700_000_000_007 });
    log.append({ at: 1_800_000_000_000, opId: 'op5', actorId: 'U2', source: 'system', action: 'rerun', target: 'run:5', params: {}, outcome: 'unknown' });
    expect(log.lastRowIn(['unknown']).map((r) => r.opId)).toEqual(['op5']);
    expect(log.unfinished()).toHaveLength(2099);
    dropAuditTriggers(db);
    db.exec("UPDATE audit_log SET actor_id = 'UEVIL' WHERE id = 2050");
    expect(log.verify({ keys })).toMatchObject({ ok: false, brokenAt: 2050 });
    db.close();
  });

  it('audit: a key rotation is a row signed by the old key; an unkeyed tail, a forged key change and a legacy prefix are judged the same on both engines', async () => {
    const db = await open();
    const other = keyFromHex('d'.repeat(64));
    fill(new AuditLog(db, KEY), 3);
    const log = new AuditLog(db, other, { oldKeys: [KEY] });
    fillAudit(log, 3, { from: 3, at0: 1_700_000_000_000 });
    const both = new Map([
      [KEY.id, KEY],
      [other.id, other],
    ]);
    const rotation = db.prepare("SELECT id, params FROM audit_log WHERE action = 'audit_key_rotated'").get() as { id: number; params: string };
    expect([Number(rotation.id), JSON.parse(rotation.params)]).toEqual([4, { from: KEY.id, to: other.id }]);
    expect(log.verify({ keys: both })).toMatchObject({ ok: true, rows: 7, keyId: other.id });
    expect(log.verify({ keys: new Map([[other.id, other]]) }).reason).toContain('rows from 1 were signed with key');
    // Row 7 rewritten and rehashed without the key, a sha256 segment claimed for it: refused.
    dropAuditTriggers(db);
    const r7 = db.prepare('SELECT * FROM audit_log WHERE id = 7').get() as Parameters<typeof rowHash>[1] & { prev_hash: string };
    db.prepare("INSERT INTO audit_segments(from_id, key_id) VALUES (7, 'sha256')").run();
    db.prepare('UPDATE audit_log SET hash = ? WHERE id = 7').run(rowHash(r7.prev_hash, r7));
    expect(log.verify({ keys: both })).toMatchObject({ ok: false, brokenAt: 7, reason: expect.stringContaining('row 7 is not keyed') });
    // Signed with the retired key instead: no rotation row signed by the current one names it.
    db.prepare('UPDATE audit_log SET hash = ? WHERE id = 7').run(rowHash(r7.prev_hash, r7, KEY.key));
    expect(log.verify({ keys: both }).reason).toContain(`row 7 is signed with key ${KEY.id}, but the chain's key here is ${other.id}`);
    db.close();
  });

  it('audit: a legacy prefix (before keys) is sealed once by a signed row, and verifies up to it', async () => {
    const db = await open();
    const plain = new AuditLog(db, KEY);
    fill(plain, 3);
    // As a database from before keys: the same rows, plain SHA-256, the segment migration 7 wrote.
    dropAuditTriggers(db);
    let prev = GENESIS;
    for (const r of db.prepare('SELECT * FROM audit_log ORDER BY id').all() as (Parameters<typeof rowHash>[1] & { id: number })[]) {
      const hash = rowHash(prev, r);
      db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?').run(prev, hash, r.id);
      prev = hash;
    }
    db.prepare('DELETE FROM audit_segments').run();
    db.prepare("INSERT INTO audit_segments(from_id, key_id) VALUES (1, 'sha256')").run();
    const log = new AuditLog(db, KEY);
    expect(log.verify().reason).toContain('row 1 is not keyed');
    expect(log.prepare(1_700_000_001_000, { chain: 'demo_ws', anchors: [] })).toEqual({ sealed: { upTo: 3, segments: [{ fromId: 1, keyId: 'sha256' }] } });
    expect(log.prepare(1_700_000_001_000)).toEqual({});
    fill(log, 2, 3);
    expect(log.verify({ anchors: [log.signedHead(1, 'demo_ws')], chain: 'demo_ws' })).toMatchObject({ ok: true, rows: 6, anchors: 1 });
    db.close();
  });

  it('operations: one transition wins; idempotency keys; one write per target; watches', async () => {
    const db = await open();
    let now = 1_764_000_000_000;
    const ops = new OperationStore(db, () => now);
    const op = ops.create({
      action: 'rerun',
      target: 'run:1',
      taskName: 't',
      params: { runId: 1 },
      requestedBy: 'U1',
      requestedByName: null,
      teamId: null,
      channelId: 'C1',
      source: 'button',
      status: 'awaiting_confirmation',
      expiresAt: now + 1000,
    });
    expect(ops.get(op.id)).toMatchObject({ status: 'awaiting_confirmation', params: { runId: 1 }, createdAt: now });
    expect(ops.transition(op.id, ['awaiting_confirmation'], 'executing', { a: 1 })).toBe(true);
    expect(ops.transition(op.id, ['awaiting_confirmation'], 'executing')).toBe(false);
    expect(ops.get(op.id)?.result).toEqual({ a: 1 });
    expect(ops.withStatus('executing', 'unknown').map((o) => o.id)).toEqual([op.id]);
    expect(ops.claim('k', 'op1', 1000)).toEqual({ kind: 'new' });
    expect(ops.claim('k', 'op2', 1000)).toEqual({ kind: 'in_progress', opId: 'op1' });
    ops.settle('k', 'succeeded', { message: 'done' });
    expect(ops.claim('k', 'op3', 1000)).toEqual({ kind: 'duplicate', opId: 'op1', status: 'succeeded', result: { message: 'done' } });
    now += 1500;
    expect(ops.claim('k', 'op4', 1000)).toEqual({ kind: 'new' });
    ops.settleByOp('op4', 'failed', { message: 'no' });
    expect(ops.claim('k', 'op5', 1000)).toEqual({ kind: 'new' });
    expect(ops.lockTarget('run:1', 'a')).toEqual({ kind: 'acquired' });
    expect(ops.lockTarget('run:1', 'b')).toEqual({ kind: 'held', opId: 'a' });
    ops.unlockTarget('run:1', 'b');
    expect(ops.lockTarget('run:1', 'b')).toEqual({ kind: 'held', opId: 'a' });
    ops.unlockTarget('run:1', 'a');
    expect(ops.lockTarget('run:1', 'b')).toEqual({ kind: 'acquired' });
    ops.watch({ runId: 9_000_000_001, opId: op.id, userId: 'U1', channelId: 'C1', messageTs: '1.1', responseUrl: null });
    ops.watch({ runId: 9_000_000_001, opId: op.id, userId: 'U1', channelId: 'C1', messageTs: '2.2', responseUrl: null });
    expect(ops.activeWatches()).toEqual([{ runId: 9_000_000_001, opId: op.id, userId: 'U1', channelId: 'C1', messageTs: '2.2', responseUrl: null, createdAt: now }]);
    ops.finishWatch(9_000_000_001, op.id);
    expect(ops.activeWatches()).toEqual([]);
    db.close();
  });

  it('a transaction that throws leaves nothing; nested ones roll back alone', async () => {
    const db = await open();
    const put = db.prepare('INSERT INTO alert_state(key, value) VALUES (?, ?)');
    expect(() =>
      db.transaction(() => {
        put.run('a', '1');
        throw new Error('stop');
      })(),
    ).toThrow('stop');
    db.transaction(() => {
      put.run('b', '1');
      try {
        db.transaction(() => {
          put.run('c', '1');
          throw new Error('inner');
        })();
      } catch {
        // the inner one only
      }
    })();
    expect((db.prepare('SELECT key FROM alert_state ORDER BY key').all() as { key: string }[]).map((r) => r.key)).toEqual(['b']);
    db.close();
  });

  it('alerts: cards, failures seen, actions, mutes, digests; the outbox coalesces, claims and requeues', async () => {
    const db = await open();
    const s = new AlertStore(db);
    const c = s.insertCard(card());
    expect(c).toMatchObject({ taskId: 3_000_000_001, firstRunId: 9_000_000_001, blocked: [{ taskId: 2, taskName: 'dws', runId: 5 }], status: 'open', ts: null, subject: null });
    expect(s.updateCard(c.id, { ts: '111.1', count: 2, blocked: [] })).toMatchObject({ ts: '111.1', count: 2, blocked: [] });
    expect(s.openCardOfGroup('g1', 0)?.id).toBe(c.id);
    s.markSeen(9_000_000_001, 5, c.id, 1);
    s.markSeen(9_000_000_001, 5, c.id, 2);
    expect(s.seen(9_000_000_001, 5)).toBe(true);
    expect(s.cardOfRun(9_000_000_001)?.id).toBe(c.id);
    s.markChecked('dt:1', null, 1);
    s.markChecked('dt:1', null, 2);
    expect(s.checked('dt:1')).toBe(true);
    s.addAction({ cardId: c.id, at: 5, userId: 'U1', action: 'ack', runId: null, detail: 'x' });
    expect(s.actions(c.id)).toEqual([{ cardId: c.id, at: 5, userId: 'U1', action: 'ack', runId: null, detail: 'x' }]);
    s.mute(7, 100, 'U1');
    s.mute(7, 200, 'U2');
    expect(s.muteOf(7, 150)).toEqual({ until: 200, by: 'U2' });
    expect(s.unmute(7, 150)).toBe(true);
    expect(s.unmute(7, 150)).toBe(false);
    const d = s.insertDigest('C1', 9);
    expect(s.digest(d.id)).toEqual({ id: d.id, channel: 'C1', ts: null, createdAt: 9 });
    s.setState('k', 'v1');
    s.setState('k', 'v2');
    expect(s.getState('k')).toBe('v2');
    // baselines added from Slack: one per task, a change replaces it in place
    const bl = (task: string, marginMin = 30) => ({ task, cycle: 'daily' as const, hour: 9, minute: 0, marginMin, by: 'U1' });
    expect(s.putBaseline(bl('a'))).toEqual({ replaced: false });
    expect(s.putBaseline(bl('b'))).toEqual({ replaced: false });
    expect(s.putBaseline(bl('a', 45))).toEqual({ replaced: true });
    expect(s.addedBaselines()).toEqual([bl('a', 45), bl('b')]);
    // outbox: one pending own message per card, keeping the more urgent priority
    const c2 = s.insertCard(card({ groupKey: 'g2' }));
    s.enqueue({ channel: 'C1', kind: 'post', cardId: c2.id, at: 1, priority: 2 });
    s.enqueue({ channel: 'C1', kind: 'update', cardId: c2.id, at: 2, priority: 0 });
    s.enqueue({ channel: 'C1', kind: 'thread', threadCardId: c2.id, payload: { text: 'note', blocks: [] }, at: 3 });
    expect(s.pendingIn('C1').map((e) => [e.kind, e.priority])).toEqual([
      ['post', 0],
      ['thread', 1],
    ]);
    expect(s.unqueuedCards().map((x) => x.id)).toEqual([]);
    const first = s.pendingIn('C1')[0]!;
    s.markSending(first.id);
    expect(s.pendingOwn({ cardId: c2.id })).toBe(true);
    expect(s.requeueInterrupted()).toEqual([first.id]);
    s.markFailed(first.id, 'ratelimited', false);
    expect(s.item(first.id)).toMatchObject({ attempts: 1, payload: { text: '', blocks: [] } });
    s.markSent(first.id);
    expect(s.pendingCount()).toBe(1);
    expect(s.pendingChannels()).toEqual(['C1']);
    // the team's memory
    s.updateCard(c.id, { status: 'resolved', resolvedAt: 1_764_000_060_000, resolvedHow: 'rerun from the card' });
    const memory = new CauseMemory(db);
    expect(memory.of('sql.syntax')).toEqual({ seen: 3, resolved: 1, last: { how: 'rerun from the card', ms: 60_000, at: 1_764_000_060_000 } });
    expect(memory.confirmed()).toEqual(new Map([['sql.syntax', 1]]));
    const state = databaseState(db, () => 10);
    expect(state.cardsOpen()).toBe(1);
    expect(state.outbox()).toEqual({ depth: 1, oldestAgeSeconds: 0.007 });
    expect(state.databaseBytes()).toBeGreaterThan(0);
    db.close();
  });

  it('alerts in bulk: a poll reads and writes many failures in a few statements; a batch is applied whole or not at all', async () => {
    const db = await open();
    const s = new AlertStore(db);
    const at = 1_764_000_000_000;
    // 1,300 failures in one batch (beyond one statement's 1,024 rows): new cards by temporary id, failures seen, a mute.
    const created = s.write({
      at,
      create: [
        { ...card({ groupKey: 'a', blocked: [] }), id: -1, openSince: 0 },
        { ...card({ groupKey: 'b', taskId: 7, count: 3 }), id: -2, openSince: 0 },
      ],
      seen: Array.from({ length: 1300 }, (_, i) => ({ runId: 9_000_000_000 + i, endTime: 5, cardId: i % 2 ? -1 : -2 })),
      checked: [{ key: 'dt:1', cardId: -1 }],
      actions: [{ cardId: -2, at, userId: 'U1', action: 'mute', runId: null, detail: '1 h' }],
      mute: { taskId: 7, until: at + 10, by: 'U1' },
      state: [{ key: 'k', value: 'v' }],
      queue: [{ channel: 'C1', kind: 'thread', threadCardId: -1, payload: { text: 'note', blocks: [] }, at }],
    });
    expect(created.applied).toBe(true);
    const ids = new Map(created.applied ? created.created.map((c) => [c.id, c.cardId]) : []);
    const [a, b] = [ids.get(-1)!, ids.get(-2)!];
    expect(s.cardsByIds([b, a]).map((c) => [c.id, c.groupKey, c.count, c.blocked])).toEqual([
      [a, 'a', 1, []],
      [b, 'b', 3, [{ taskId: 2, taskName: 'dws', runId: 5 }]],
    ]);
    const keys = Array.from({ length: 1400 }, (_, i) => ({ runId: 9_000_000_000 + i, endTime: 5 }));
    expect(s.seenOf([...keys, { runId: 9_000_000_001, endTime: 6 }])).toHaveLength(1300);
    const ofRuns = s.cardsOfRuns([9_000_000_001, 9_000_000_002, 1]);
    expect(ofRuns.cards.map((c) => c.id)).toEqual([a, b]);
    expect(ofRuns.runs.sort((x, y) => x.runId - y.runId).map((r) => [r.runId, r.cardId])).toEqual([
      [9_000_000_001, a],
      [9_000_000_002, b],
    ]);
    expect(s.checkedOf(['dt:1', 'dt:2'])).toEqual(['dt:1']);
    expect(s.mutesAt(at)).toEqual([{ taskId: 7, until: at + 10, by: 'U1' }]);
    expect(s.actionsOf([a, b]).map((x) => [x.cardId, x.action])).toEqual([[b, 'mute']]);
    expect(s.getState('k')).toBe('v');
    expect(s.openCardsOfGroups(['a', 'b', 'c'], at).map((c) => c.id)).toEqual([a, b]);
    // A card changed since it was read: nothing of the batch is written.
    const stale = s.write({
      at: at + 1,
      update: [
        { id: a, expect: { count: 1 }, patch: { count: 2, lastSeen: at + 1 } },
        { id: b, expect: { count: 2 }, patch: { count: 4 } },
      ],
      seen: [{ runId: 1, endTime: 1, cardId: a }],
    });
    expect(stale).toEqual({ applied: false, why: `card ${b} changed (count)` });
    expect(s.seenOf([{ runId: 1, endTime: 1 }])).toEqual([]);
    expect(s.card(a)!.count).toBe(1);
    // A new card whose group has an open card, or a mute to end that is not in force: refused too.
    expect(s.write({ at, create: [{ ...card({ groupKey: 'a' }), id: -1, openSince: at }] })).toMatchObject({ applied: false });
    expect(s.write({ at: at + 20, unmute: { taskId: 7 } })).toMatchObject({ applied: false });
    // Many cards changed in one statement per set of fields, text and integers alike.
    expect(
      s.write({
        at: at + 1,
        update: [
          { id: a, expect: { count: 1, status: 'open' }, patch: { count: 2, lastSeen: at + 1, blocked: [{ taskId: 3, taskName: 'x', runId: 4 }], rootFixedBy: null } },
          { id: b, patch: { count: 4, lastSeen: at + 1, blocked: [], rootFixedBy: 'U2' } },
          { id: b, patch: { status: 'resolved' } },
        ],
        unmute: { taskId: 7 },
      }),
    ).toMatchObject({ applied: true });
    expect(s.cardsByIds([a, b]).map((c) => [c.count, c.lastSeen, c.blocked.length, c.rootFixedBy, c.status])).toEqual([
      [2, at + 1, 1, null, 'open'],
      [4, at + 1, 0, 'U2', 'resolved'],
    ]);
    expect(s.mutesAt(at)).toEqual([]);
    // The outbox in bulk: redraws of cards never released are dropped; one own message per card, the most urgent priority kept.
    s.enqueueAll([
      { channel: 'C1', kind: 'update', cardId: a, at, priority: 2, ifReleased: a },
      { channel: 'C1', kind: 'update', digestId: 8, at, priority: 2, ifReleased: a },
      { channel: 'C1', kind: 'post', cardId: b, at, priority: 2 },
      { channel: 'C1', kind: 'update', cardId: b, at, priority: 1, ifReleased: b },
      { channel: 'C1', kind: 'post', digestId: 9, at, priority: 1 },
    ]);
    s.enqueueAll([
      { channel: 'C1', kind: 'update', cardId: b, at, priority: 0 },
      { channel: 'C2', kind: 'thread', threadCardId: b, payload: { text: 'n', blocks: [] }, at },
    ]);
    expect(s.pendingIn('C1').map((e) => [e.kind, e.cardId ?? e.threadCardId ?? e.digestId, e.priority])).toEqual([
      ['post', b, 0],
      ['thread', a, 1],
      ['post', 9, 1],
    ]);
    const plan = s.sendingPlan({ perChannel: 1 });
    expect(plan.entries.map((e) => [e.channel, e.kind])).toEqual([
      ['C1', 'post'],
      ['C2', 'thread'],
    ]);
    expect(plan.cards).toEqual([{ id: b, ts: null, digestId: null, pendingOwn: true, queued: true }]);
    expect(s.sendingPlan({ channel: 'C1' }).entries).toHaveLength(3);
    // Claimed with its content; a claimed message takes no more changes: a new one is queued.
    const first = s.claim(plan.entries[0]!.id)!;
    expect(first).toMatchObject({ kind: 'post', cardId: b, payload: { text: '', blocks: [] } });
    expect(s.claim(first.id)).toBeUndefined();
    s.enqueueAll([{ channel: 'C1', kind: 'update', cardId: b, at, priority: 2 }]);
    s.recordSent(first.id, { cardId: b, ts: '9.1' });
    expect(s.card(b)!.ts).toBe('9.1');
    expect(s.pendingIn('C1').map((e) => [e.kind, e.cardId ?? e.threadCardId ?? e.digestId])).toEqual([
      ['thread', a],
      ['post', 9],
      ['update', b],
    ]);
    const digest = s.openDigest('C1', [a, b], at);
    expect(s.cardsOfDigest(digest.id).map((c) => c.id)).toEqual([a, b]);
    expect(s.pendingIn('C1')[0]).toMatchObject({ kind: 'post', digestId: digest.id, priority: 0 });
    expect(s.cardWithMute(a, at)).toEqual({ card: s.card(a), mute: undefined });
    db.close();
  });

  it('leases: one holder until it lapses or is given up; a restarted replica takes its own at once; heartbeats tell the dead', async () => {
    const db = await open();
    const l = new LeaseStore(db);
    const t = 1_764_000_000_000;
    expect(l.acquire('leader', 'a', 'a1', t, 15_000)).toEqual({ held: true, term: 1, expiresAt: t + 15_000, fresh: true });
    expect(l.acquire('leader', 'b', 'b1', t + 5_000, 15_000)).toEqual({ held: false, holder: 'a', expiresAt: t + 15_000 });
    expect(l.acquire('leader', 'a', 'a1', t + 5_000, 15_000)).toEqual({ held: true, term: 1, expiresAt: t + 20_000, fresh: false }); // renewed
    expect(l.acquire('leader', 'a', 'a2', t + 6_000, 15_000)).toMatchObject({ held: true, term: 2, fresh: true }); // a restarted: no wait
    expect(l.acquire('leader', 'b', 'b1', t + 20_999, 15_000)).toMatchObject({ held: false }); // a2's lease runs until t + 21 000
    expect(l.acquire('leader', 'b', 'b1', t + 21_000, 15_000)).toMatchObject({ held: true, term: 3 }); // lapsed
    l.release('leader', 'a2'); // not a2's any more: nothing happens
    expect(l.get('leader')).toMatchObject({ holder: 'b', incarnation: 'b1', term: 3 });
    l.release('leader', 'b1');
    expect(l.get('leader')).toBeUndefined();
    l.heartbeat('a', 'a2', t);
    l.heartbeat('b', 'b1', t + 20_000);
    expect(l.replicas(t + 25_000, 15_000)).toEqual([
      { id: 'a', alive: false, heartbeatAt: t },
      { id: 'b', alive: true, heartbeatAt: t + 20_000 },
    ]);
    l.forget('a', t);
    l.leave('b', 'b1');
    expect(l.replicas(t + 25_000, 15_000)).toEqual([]);
    db.close();
  });

  it('wizard sessions, events seen, and a read-only database refused by readiness', async () => {
    const db = await open();
    let now = 1_764_000_000_000;
    const w = new WizardStore(db, () => now, 1000);
    const s1 = w.start('U1', 'D1');
    const s2 = w.start('U1', 'D1');
    expect(w.get(s1.id)?.status).toBe('cancelled');
    expect(w.active('U1')?.id).toBe(s2.id);
    expect(w.update(s2.id, { answers: { q: 'a' }, history: ['q'], currentQuestion: 'q2' })).toMatchObject({ answers: { q: 'a' }, history: ['q'], currentQuestion: 'q2' });
    expect(w.transition(s2.id, ['asking'], 'confirming')).toBe(true);
    expect(w.transition(s2.id, ['asking'], 'confirming')).toBe(false);
    now += 5000;
    expect(w.get(s2.id)?.status).toBe('expired');
    const seen = new SeenEvents(db, () => now);
    expect(seen.firstSeen('Ev1')).toBe(true);
    expect(seen.firstSeen('Ev1')).toBe(false);
    const writable = databaseWritable(db, () => now);
    expect(await writable()).toBeUndefined();
    db.setReadOnly(true);
    expect(await writable()).toMatch(/does not take writes/);
    db.setReadOnly(false);
    expect(engine).toBe(db.engine);
    db.close();
  });
});
