/**
 * The audit chain anchored while it grows (issue 27): the bot runs with AUDIT_ANCHOR_SECONDS=1, an
 * operator's rerun is audited, and a second later someone with write access to the database (not
 * to the key, not to the bot's files) removes or rewrites what was just written.
 * `studio-ops audit verify` must say so — from the anchors file, or, once that file is deleted,
 * from a second copy (the log, the mirror file).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { rowHash } from '../../src/store/audit.js';
import { anchorsFilePath, loadAuditKeys } from '../../src/store/audit-key.js';
import type { Db } from '../../src/store/database.js';
import { type BotHarness, startBotHarness, USERS } from '../helpers/bot.js';

function buttonValue(msg: Record<string, unknown>, actionId: string): string {
  const el = (msg.blocks as { elements?: { action_id: string; value?: string }[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === actionId);
  if (!el?.value) throw new Error(`no ${actionId} button`);
  return el.value;
}

function dropAuditTriggers(db: Db) {
  db.exec(
    db.engine === 'postgres'
      ? 'DROP TRIGGER audit_no_update ON audit_log; DROP TRIGGER audit_no_truncate ON audit_log;'
      : 'DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;',
  );
}

const open: BotHarness[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

/** A bot anchoring every second, logging to a file, with a mirror file in another folder (and an audit channel when asked). */
async function start(channel?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'anchors-'));
  const logFile = join(dir, 'bot.log');
  const mirror = join(mkdtempSync(join(tmpdir(), 'mirror-')), 'audit.anchors');
  // LOG_LEVEL warn: the anchors (info) still reach the log.
  const logger = createLogger('warn', pino.destination({ dest: logFile, sync: true }));
  const b = await startBotHarness({ audit: { channel, anchorMinutes: 60, anchorSeconds: 1, mirror }, logger });
  open.push(b);
  return { b, logFile, mirror, anchorsFile: anchorsFilePath(b.dbPath)! };
}

/** An operator's rerun, confirmed and sent: its `requested` and `succeeded` rows. Returns the last row's id. */
async function rerun(b: BotHarness): Promise<number> {
  const runId = (
    b.sb.store.db.prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = '04_transform_ods_to_dwd' AND r.status = 3 ORDER BY r.plan_time DESC").get() as {
      id: number;
    }
  ).id;
  const asked = await b.command(`rerun ${runId}`, USERS.operator);
  const opId = buttonValue(await b.answer(asked.responseId), 'op_confirm');
  const done = await b.click('op_confirm', opId, USERS.operator);
  await b.answer(done.responseId);
  const rows = await b.bot.services.audit.byOp(opId);
  expect(rows.map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
  return rows.at(-1)!.id;
}

/** Give the bot its anchor cadence (one second) and a little more; the anchors file is only looked at, never written here. */
async function aSecondLater(anchorsFile: string, lastId: number) {
  const until = Date.now() + 5000;
  while (Date.now() < until && !(existsSync(anchorsFile) && readFileSync(anchorsFile, 'utf8').includes(`last=${lastId} `))) await new Promise((r) => setTimeout(r, 50));
}

function verify(b: BotHarness, args: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['bin/studio-ops.mjs', 'audit', 'verify', '--db', b.dbTarget, ...args], {
    encoding: 'utf8',
    // DATABASE_PATH: where the anchors file is when --db is PostgreSQL's URL (TEST_ENGINE=postgres).
    env: { ...process.env, AUDIT_ANCHORS_MIRROR: '', DATABASE_PATH: b.dbPath, ...env },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('audit anchors while the log grows (AUDIT_ANCHOR_SECONDS=1)', () => {
  it('tail truncation: the one row written a second ago, deleted, is reported', async () => {
    const { b, anchorsFile } = await start();
    const last = await rerun(b);
    await aSecondLater(anchorsFile, last);
    const db = b.bot.services.db;
    dropAuditTriggers(db);
    db.prepare('DELETE FROM audit_log WHERE id = ?').run(last);
    const v = verify(b);
    expect(v.out).toContain(`names row ${last}, but the log ends at row ${last - 1} (rows were removed from the end)`);
    expect(v.code).toBe(1);
  }, 60_000);

  it('a keyed rewrite of a row written a second ago (the hash recomputed with the key) is reported', async () => {
    const { b, anchorsFile } = await start();
    const last = await rerun(b);
    await aSecondLater(anchorsFile, last);
    const db = b.bot.services.db;
    dropAuditTriggers(db);
    const key = loadAuditKeys(b.dbPath).current;
    db.prepare("UPDATE audit_log SET actor_id = 'UEVIL' WHERE id = ?").run(last);
    const row = db.prepare('SELECT * FROM audit_log WHERE id = ?').get(last) as Parameters<typeof rowHash>[1] & { prev_hash: string };
    db.prepare('UPDATE audit_log SET hash = ? WHERE id = ?').run(rowHash(row.prev_hash, row, key.key), last);
    const v = verify(b);
    expect(v.out).toContain(`row ${last} no longer has the hash named by the anchor`);
    expect(v.code).toBe(1);
  }, 60_000);

  it('the anchors file deleted, the second copies intact: verify reads the log or the mirror and reports the truncation', async () => {
    const { b, anchorsFile, logFile, mirror } = await start();
    const last = await rerun(b);
    await aSecondLater(anchorsFile, last);
    const db = b.bot.services.db;
    dropAuditTriggers(db);
    db.prepare('DELETE FROM audit_log WHERE id = ?').run(last);
    rmSync(anchorsFile);
    const fromLog = verify(b, ['--anchors-from', logFile]);
    expect(fromLog.out).toMatch(new RegExp(`WARNING: the anchors file .* is missing, but ${logFile} holds [1-9]\\d* anchor\\(s\\)`));
    expect(fromLog.out).toContain('(rows were removed from the end)');
    expect(fromLog.code).toBe(1);
    const fromMirror = verify(b, [], { AUDIT_ANCHORS_MIRROR: mirror });
    expect(fromMirror.out).toContain('(rows were removed from the end)');
    expect(fromMirror.code).toBe(1);
  }, 60_000);

  it('an intact chain whose anchors file is missing is intact with a warning, not silently', async () => {
    const { b, anchorsFile, logFile } = await start();
    const last = await rerun(b);
    await aSecondLater(anchorsFile, last);
    rmSync(anchorsFile);
    const alone = verify(b);
    expect(alone.out).toContain('WARNING: no anchors of this chain were found');
    expect(alone.out).toContain('audit log intact (see the warnings above)');
    expect(alone.code).toBe(0);
    const withLog = verify(b, ['--anchors-from', logFile]);
    expect(withLog.out).toContain('is missing, but');
    expect(withLog.out).toMatch(/audit log intact \(see the warnings above\): \d+ rows, hash chain verified against [1-9]\d* anchor/);
    expect(withLog.code).toBe(0);
  }, 60_000);

  it('AUDIT_CHANNEL: the anchors posted there (at most one a minute) are read back from a channel export, and catch rows removed from the end', async () => {
    const { b, anchorsFile } = await start('CAUDIT');
    const last = await rerun(b);
    await aSecondLater(anchorsFile, last);
    const posts = b.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CAUDIT');
    expect(posts).toHaveLength(1); // the first anchor at once; the next waits for its minute
    expect(String(posts[0]!.args.text)).toMatch(
      /^Audit anchor: 1 rows, last row \d+\n`audit-anchor v2 chain=\S+ at=\d+ rows=1 last=\d+ head=[0-9a-f]{64} signer=[0-9a-f]{16} mac=[0-9a-f]{64}`$/,
    );
    // A Slack export: a folder per channel, a JSON file per day of messages.
    const exported = join(mkdtempSync(join(tmpdir(), 'export-')), 'audit');
    mkdirSync(exported);
    writeFileSync(
      join(exported, '2026-12-05.json'),
      JSON.stringify(
        posts.map((p) => ({ type: 'message', ts: '1.1', text: p.args.text })),
        null,
        2,
      ),
    );
    const db = b.bot.services.db;
    dropAuditTriggers(db);
    db.prepare('DELETE FROM audit_log').run();
    rmSync(anchorsFile);
    const v = verify(b, ['--anchors-from', exported]);
    expect(v.out).toContain(`${exported} holds 1 anchor(s)`);
    expect(v.out).toContain('but the log ends at row 0 (rows were removed from the end)');
    expect(v.code).toBe(1);
  }, 60_000);
});
