/**
 * A real process kill (SIGKILL) between two steps of a write, and a restart on the same database
 * (issue 13, cases 1 and 2). The bot runs in a child process; Studio (the sandbox) and Slack (the
 * fake) run here and outlive it. Studio's journal must hold exactly one write per intended
 * operation, the audit log must end each operation with its true outcome, and
 * `studio-ops audit verify` must pass.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/server.js';
import { systemClock } from '../../src/sandbox/sim.js';
import { USERS } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';
import { until } from '../helpers/wait.js';
import { sandboxStudioEnv, useChildBot } from '../helpers/bot-process.js';
import { insertFailedRuns, letters } from '../helpers/sandbox.js';

const RERUN = '/ide-admin/v1/taskInst/reRunTaskInstance';
const DETAIL = '/ide-admin/v1/taskInst/getDetail';

let sb: RunningSandbox;
const bot = useChildBot({
  prefix: 'kill-',
  studio: async () => {
    sb = await startSandbox({ clock: systemClock, seed: 'demo', runDurationMs: [60_000, 60_000], failureRate: 0 });
    return () => sb.close();
  },
  env: () => ({ ...process.env, ...sandboxStudioEnv(sb) }),
});

type Blocks = { elements?: { action_id: string; value: string }[] }[];
const confirmValue = (msg: Record<string, unknown>) => (msg.blocks as Blocks).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;
const failedRun = (task: string) =>
  (sb.store.db.prepare('SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = ? AND r.status = 3 ORDER BY r.id DESC LIMIT 1').get(task) as { id: number }).id;
const reruns = (runId: number) => sb.journal.filter((e) => e.path === RERUN && Number((e.body as { taskInstanceId: number }).taskInstanceId) === runId);

function auditOf(opId: string): { outcome: string; error: string | null }[] {
  const db = new Database(join(bot.dir, 'bot.db'), { readonly: true });
  try {
    return db.prepare('SELECT outcome, error FROM audit_log WHERE op_id = ? ORDER BY id').all(opId) as { outcome: string; error: string | null }[];
  } finally {
    db.close();
  }
}

async function auditVerify(): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/studio-ops.mjs', 'audit', 'verify'], { env: { ...process.env, DATABASE_PATH: join(bot.dir, 'bot.db') } });
    return { code: 0, out: stdout };
  } catch (e) {
    return { code: (e as { code: number }).code, out: String((e as { stdout?: string }).stdout) };
  }
}

/** Resolves once the bot's database holds at least `minCards` cards, all posted, and nothing is left in the outbox. */
async function outboxDrained(minCards: number, timeoutMs: number): Promise<void> {
  await until(() => {
    const d = new Database(join(bot.dir, 'bot.db'), { readonly: true });
    try {
      const count = (sql: string) => (d.prepare(sql).get() as { n: number }).n;
      const done =
        count('SELECT COUNT(*) n FROM alert_cards') >= minCards &&
        count('SELECT COUNT(*) n FROM outbox WHERE done IN (0, 3)') === 0 &&
        count('SELECT COUNT(*) n FROM alert_cards WHERE ts IS NULL') === 0;
      return done ? true : undefined;
    } finally {
      d.close();
    }
  }, timeoutMs);
}

async function askRerun(runId: number, user: string): Promise<string> {
  const c = bot.client();
  const r = await c.command(`rerun ${runId}`, user);
  return confirmValue(await bot.slack.waitForResponse(r.responseId));
}

describe('SIGKILL between two steps of a write', () => {
  it('killed while the rerun was in flight: after the restart the rerun is found applied, once, and audited so', async () => {
    const runId = failedRun('github_clean');
    const opId = await askRerun(runId, USERS.admin);
    // Studio holds the write until the test lets it through (after the restarted bot has looked), then applies it.
    let letThrough = () => {};
    const gate = new Promise<void>((r) => {
      letThrough = r;
    });
    sb.faults.add({ path: RERUN, kind: 'latency', gate, times: 1 });
    void bot
      .client()
      .click('op_confirm', opId, USERS.admin)
      .catch(() => undefined);
    await until(() => reruns(runId).length === 1);
    await bot.kill(); // the bot dies with the write in flight
    expect(auditOf(opId).map((r) => r.outcome)).toEqual(['requested']);
    await bot.start(); // back before Studio has applied it (it holds the write until let through)
    const first = await until(() => (auditOf(opId).length >= 2 ? auditOf(opId) : undefined));
    expect(sb.store.run(runId)!.status).toBe(3); // not applied yet when the bot looked
    expect(first.map((r) => r.outcome)).toEqual(['requested', 'unknown']); // …which proves nothing
    letThrough();
    await until(() => sb.store.run(runId)!.status !== 3, 8_000); // Studio applies it now
    const rows = await until(() => (auditOf(opId).length >= 3 ? auditOf(opId) : undefined));
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'unknown', 'succeeded']);
    expect(rows[2]!.error).toContain('Studio shows it took effect');
    expect(reruns(runId)).toHaveLength(1);
    const v = await auditVerify();
    expect(v.code).toBe(0);
  }, 60_000);

  it('killed during the re-read before the write: nothing was sent, the operation is not left executing, and asking again works', async () => {
    const runId = failedRun('05_dqc_check');
    const opId = await askRerun(runId, USERS.admin);
    const since = sb.journal.length;
    sb.faults.add({ path: DETAIL, kind: 'latency', ms: 5_000, times: 1 });
    void bot
      .client()
      .click('op_confirm', opId, USERS.admin)
      .catch(() => undefined);
    await until(() => sb.journal.slice(since).some((e) => e.path === DETAIL));
    await bot.kill();
    await bot.start();
    const rows = await until(() => (auditOf(opId).length >= 1 ? auditOf(opId) : undefined));
    expect(rows.map((r) => r.outcome)).toEqual(['failed']);
    expect(rows[0]!.error).toContain('Interrupted before it was sent to Studio');
    expect(reruns(runId)).toHaveLength(0);
    // The same person asks again at once (inside the idempotency window): it is sent, once.
    const again = await askRerun(runId, USERS.admin);
    const c = bot.client();
    const done = await c.click('op_confirm', again, USERS.admin);
    expect(visibleText(await bot.slack.waitForResponse(done.responseId))).toContain(`Rerun of run ${runId} started in Studio`);
    expect(reruns(runId)).toHaveLength(1);
    expect((await auditVerify()).code).toBe(0);
  }, 60_000);
});

const ADD_TASK = '/ide-admin/v1/dataFile/addAndReturnId';
type El = { action_id: string; value?: string; type?: string };

function sessionStatus(): string | undefined {
  const db = new Database(join(bot.dir, 'bot.db'), { readonly: true });
  try {
    return (db.prepare('SELECT status FROM wizard_sessions WHERE user_id = ? ORDER BY created_at DESC LIMIT 1').get(USERS.admin) as { status: string } | undefined)?.status;
  } finally {
    db.close();
  }
}

function auditRows(action: string): { op_id: string; outcome: string; task_name: string | null; error: string | null }[] {
  const db = new Database(join(bot.dir, 'bot.db'), { readonly: true });
  try {
    return db.prepare('SELECT op_id, outcome, task_name, error FROM audit_log WHERE action = ? ORDER BY id').all(action) as {
      op_id: string;
      outcome: string;
      task_name: string | null;
      error: string | null;
    }[];
  } finally {
    db.close();
  }
}

describe('SIGKILL in the middle of a wizard build', () => {
  it('the task Studio created after the kill is verified, the session can be confirmed again, and nothing is created twice', async () => {
    const dm = `D${USERS.admin}`;
    const c = () => bot.client();
    const lastButtons = (): El[] => {
      const call = bot.slack
        .callsOf('chat.postMessage')
        .filter((x) => x.args.channel === dm)
        .at(-1)!;
      return (call.args.blocks as { elements?: El[] }[]).flatMap((x) => x.elements ?? []);
    };
    const choose = async (option: string) => {
      const before = bot.slack.callsOf('chat.postMessage').length;
      const el = await until(() => lastButtons().find((e) => e.action_id === `wizard_answer_${option}`));
      await c().click(el.action_id, el.value!, USERS.admin, { channel: dm, ephemeral: false });
      await until(() => bot.slack.callsOf('chat.postMessage').length > before);
    };
    // The data source and the table, from Studio's lists (a select: its block id names the session and question).
    const select = async (value: string) => {
      const before = bot.slack.callsOf('chat.postMessage').length;
      const call = await until(() =>
        bot.slack
          .callsOf('chat.postMessage')
          .filter((x) => x.args.channel === dm)
          .at(-1),
      );
      const blk = await until(() => (call.args.blocks as { block_id?: string; elements?: El[] }[]).find((x) => x.elements?.some((e) => e.action_id === 'wizard_choose')));
      const el = blk.elements!.find((e) => e.action_id === 'wizard_choose')!;
      await c().click(el.action_id, '', USERS.admin, {
        channel: dm,
        ephemeral: false,
        action: { type: el.type, block_id: blk.block_id, selected_option: { value, text: { type: 'plain_text', text: value } } },
      });
      await until(() => bot.slack.callsOf('chat.postMessage').length > before);
    };
    const r = await c().command('setup', USERS.admin);
    await bot.slack.waitForResponse(r.responseId);
    for (const a of ['no', 'bi', 'analysts', 't1', 'database', 'mysql', 'batch', 'single', 'overwrite']) await choose(a);
    await select('mysql_shop');
    await select('shop.orders');
    const text = await until(() => lastButtons().find((e) => e.action_id === 'wizard_text'));
    const opens = bot.slack.callsOf('views.open').length;
    await c().click(text.action_id, text.value!, USERS.admin, { channel: dm, ephemeral: false });
    const modal = (await bot.slack.waitForCall('views.open', opens)).args.view as Record<string, unknown>;
    const before = bot.slack.callsOf('chat.postMessage').length;
    await c().submitView({ ...modal, id: 'VWIZ', state: { values: { wizard_input: { wizard_input_value: { type: 'plain_text_input', value: 'killshop' } } } } }, USERS.admin);
    await until(() => bot.slack.callsOf('chat.postMessage').length > before);
    await choose('ods_dwd_dws');
    await choose('02');
    const confirm = await until(() => lastButtons().find((e) => e.action_id === 'wizard_confirm'));

    const since = sb.journal.length;
    // The first task: Studio gets to it only after the kill and the restart's reconciliation.
    let letStudioCreate = () => {};
    sb.faults.add({ path: ADD_TASK, kind: 'latency', gate: new Promise<void>((r) => (letStudioCreate = r)), times: 1 });
    void c()
      .click(confirm.action_id, confirm.value!, USERS.admin, { channel: dm, messageTs: '1700000777.000100', ephemeral: false })
      .catch(() => undefined);
    await until(() => sb.journal.slice(since).some((e) => e.path === ADD_TASK));
    await bot.kill();
    expect(sessionStatus()).toBe('executing');
    await bot.start();
    expect(sessionStatus()).toBe('confirming'); // not left executing
    // The in-flight create_task: unknown at start-up (Studio had not created it yet), then found.
    await until(() => auditRows('create_task').some((x) => x.task_name === '00_sync_mysql_to_ods' && x.outcome === 'unknown'), 15_000);
    letStudioCreate();
    const created = await until(() => {
      const rows = auditRows('create_task').filter((x) => x.task_name === '00_sync_mysql_to_ods');
      return rows.at(-1)?.outcome === 'succeeded' ? rows : undefined;
    }, 15_000);
    expect(created.map((x) => x.outcome)).toEqual(['requested', 'unknown', 'succeeded']);
    expect(created.at(-1)!.error).toContain('Task 00_sync_mysql_to_ods exists in killshop_dw');

    // Confirm again: it resumes; every task is created exactly once.
    const updates = bot.slack.callsOf('chat.update').length;
    await c().click(confirm.action_id, confirm.value!, USERS.admin, { channel: dm, messageTs: '1700000777.000100', ephemeral: false });
    await until(
      () =>
        bot.slack
          .callsOf('chat.update')
          .slice(updates)
          .some((x) => JSON.stringify(x.args).includes('killshop_dw* is ready')),
      20_000,
    );
    const adds = sb.journal
      .slice(since)
      .filter((e) => e.path === ADD_TASK)
      .map((e) => String((e.body as { dataFileName: string }).dataFileName));
    expect(adds.sort()).toEqual(['00_sync_mysql_to_ods', '01_ddl_ods', '02_ddl_dwd', '03_ddl_dws_ads', '04_transform_ods_to_dwd', '05_dqc_check']);
    const folder = sb.store.folders().find((f) => f.name === 'killshop_dw')!;
    expect(sb.store.tasks().filter((t) => t.folder_id === folder.id)).toHaveLength(6);
    expect((await auditVerify()).code).toBe(0);
  }, 90_000);
});

describe('SIGKILL with a card in flight', () => {
  it('the card Slack received before the kill is found by its metadata after the restart and not posted again', async () => {
    await bot.kill();
    bot.moveTo('kill-alerts-');
    const alertsEnv = { ALERT_CHANNELS: '*=CALERTS', ALERT_POLL_SECONDS: '5', BOT_AUTOPOLL: '1' };
    const firstPost = bot.slack.callsOf('chat.postMessage').length;
    bot.slack.delay('chat.postMessage', 1, 5_000); // Slack has the first card; its answer is late
    await bot.start(alertsEnv);
    await until(() =>
      bot.slack
        .callsOf('chat.postMessage')
        .slice(firstPost)
        .some((x) => x.args.channel === 'CALERTS'),
    );
    await bot.kill(); // the bot dies before it learns the card's ts
    const inFlight = bot.slack
      .callsOf('chat.postMessage')
      .slice(firstPost)
      .find((x) => x.args.channel === 'CALERTS')!;
    const marker = JSON.stringify(inFlight.args.metadata);
    expect(marker).toContain('outbox:');
    await bot.start(alertsEnv);
    await outboxDrained(1, 40_000);
    const withMarker = bot.slack.callsOf('chat.postMessage').filter((x) => JSON.stringify(x.args.metadata) === marker);
    expect(withMarker).toHaveLength(1);
    expect(bot.slack.callsOf('conversations.history').length).toBeGreaterThan(0);
    const markers = bot.slack
      .callsOf('chat.postMessage')
      .slice(firstPost)
      .filter((x) => x.args.channel === 'CALERTS' && !x.args.thread_ts)
      .map((x) => JSON.stringify(x.args.metadata));
    expect(new Set(markers).size).toBe(markers.length); // every card once
  }, 90_000);

  it('killed while a storm digest was being posted: after the restart one digest, and every card once in its thread', async () => {
    await bot.kill();
    bot.moveTo('kill-storm-');
    insertFailedRuns(sb.store, 'etl_orders_daily', 25, (i) => `custom exporter stage z${letters(i)} crashed`); // letters only: digits are ignored when grouping
    const alertsEnv = { ALERT_CHANNELS: '*=CSTORMK', ALERT_POLL_SECONDS: '5', BOT_AUTOPOLL: '1' };
    const first = bot.slack.calls.length;
    const inChannel = () => bot.slack.calls.slice(first).filter((x) => x.method === 'chat.postMessage' && x.args.channel === 'CSTORMK');
    bot.slack.delay('chat.postMessage', 1, 5_000); // Slack has the digest; its answer is late
    await bot.start(alertsEnv);
    await until(() => inChannel().length > 0 || undefined, 30_000);
    await bot.kill(); // the bot dies before it learns the digest's ts
    expect(visibleText(inChannel()[0]!.args)).toContain('Alert storm');
    await bot.start(alertsEnv);
    await outboxDrained(25, 90_000);
    const posts = inChannel();
    const digests = posts.filter((x) => !x.args.thread_ts);
    expect(digests.map((x) => visibleText(x.args).split('\n')[0])).toEqual([expect.stringContaining('Alert storm')]);
    const d = new Database(join(bot.dir, 'bot.db'), { readonly: true });
    const digestTs = (d.prepare('SELECT ts FROM alert_digests').all() as { ts: string }[]).map((r) => r.ts);
    const cards = d.prepare('SELECT id, ts, digest_id FROM alert_cards').all() as { id: number; ts: string; digest_id: number }[];
    d.close();
    expect(digestTs).toHaveLength(1);
    expect(new Set(cards.map((c) => c.digest_id))).toEqual(new Set([1]));
    const cardPosts = posts.filter((x) => x.args.thread_ts === digestTs[0] && /^(Failed|Resolved|Refresh failed|Suspended|Wrote nothing):/.test(String(x.args.text)));
    expect(cardPosts).toHaveLength(cards.length); // every card once, in the digest's thread
    expect(new Set(cardPosts.map((x) => String(x.args.text))).size).toBe(cards.length);
  }, 150_000);

  it('killed part-way through an approved bulk rerun: each rerun sent once and settled, the request ends failed, asking again skips what was rerun', async () => {
    // Follows the storm above: its digest holds 25 roots of one cause (over the limit of 20).
    const d = new Database(join(bot.dir, 'bot.db'), { readonly: true });
    const digest = d.prepare('SELECT id, ts FROM alert_digests').get() as { id: number; ts: string };
    const roots = (
      d.prepare("SELECT latest_run_id FROM alert_cards WHERE digest_id = ? AND cause_id IS NULL AND status = 'open' ORDER BY id").all(digest.id) as { latest_run_id: number }[]
    ).map((r) => r.latest_run_id);
    d.close();
    expect(roots.length).toBeGreaterThan(20);
    const c = bot.client();
    const select = async (user: string) => {
      const r = bot.slack.responseUrl();
      const payload = {
        type: 'block_actions',
        team: { id: 'T1' },
        user: { id: user, username: user.toLowerCase() },
        api_app_id: 'A1',
        token: 'legacy',
        trigger_id: 't',
        response_url: r.url,
        channel: { id: 'CSTORMK' },
        container: { type: 'message', message_ts: digest.ts, channel_id: 'CSTORMK' },
        message: { ts: digest.ts, text: 'x', blocks: [] },
        actions: [
          {
            type: 'static_select',
            action_id: 'storm_rerun_cause',
            block_id: 'b1',
            selected_option: { text: { type: 'plain_text', text: 'x' }, value: `${digest.id}|` },
            action_ts: '1',
          },
        ],
      };
      await c.post(`payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded');
      return bot.slack.waitForResponse(r.id);
    };
    const posts = bot.slack.callsOf('chat.postMessage').length;
    expect(visibleText(await select(USERS.admin))).toContain('over your limit');
    const request = await until(() =>
      bot.slack
        .callsOf('chat.postMessage')
        .slice(posts)
        .find((x) => JSON.stringify(x.args.blocks).includes('op_approve')),
    );
    const approveId = (request.args.blocks as Blocks).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_approve')!.value;
    // Its first rerun is slow in Studio; the bot is killed while it is in flight, the rest not yet sent.
    const before = sb.journal.length;
    sb.faults.add({ path: RERUN, kind: 'latency', ms: 4_000, times: 1 });
    void c.click('op_approve', approveId, USERS.admin2, { ephemeral: false }).catch(() => undefined);
    await until(() => sb.journal.slice(before).some((e) => e.path === RERUN) || undefined);
    await bot.kill();
    const sent = sb.journal
      .slice(before)
      .filter((e) => e.path === RERUN)
      .map((e) => Number((e.body as { taskInstanceId: number }).taskInstanceId));
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.length).toBeLessThan(roots.length);
    await bot.start({ ALERT_CHANNELS: '*=CSTORMK' });
    // The request ends failed, saying what to do; every rerun it sent is settled by verification, none sent again.
    const rows = await until(() => {
      const r = auditOf(approveId);
      return r.at(-1)?.outcome === 'failed' ? r : undefined;
    }, 20_000);
    expect(rows.map((r) => r.outcome)).toEqual(['awaiting_approval', 'approved', 'failed']);
    expect(rows.at(-1)!.error).toContain('Interrupted by a restart part-way');
    const db = new Database(join(bot.dir, 'bot.db'), { readonly: true });
    const lastOutcome = () =>
      db
        .prepare(
          "SELECT a.outcome FROM audit_log a JOIN operations o ON o.id = a.op_id WHERE o.action = 'rerun' AND json_extract(o.params, '$.bulkOf') = ? AND a.id = (SELECT MAX(id) FROM audit_log WHERE op_id = a.op_id)",
        )
        .all(approveId) as { outcome: string }[];
    await until(() => (lastOutcome().every((r) => r.outcome === 'succeeded') ? true : undefined), 30_000);
    expect(lastOutcome()).toHaveLength(sent.length);
    db.close();
    for (const runId of sent) expect(reruns(runId)).toHaveLength(1);
    // Asked again, the runs already rerun are skipped: only the rest are listed.
    const again = await select(USERS.admin);
    expect(visibleText(again)).toContain('over your limit');
    const second = await until(
      () =>
        bot.slack
          .callsOf('chat.postMessage')
          .slice(posts)
          .filter((x) => JSON.stringify(x.args.blocks).includes('op_approve'))[1],
    );
    expect(visibleText(second.args)).toContain(`Rerun ${roots.length - sent.length} runs`);
    expect(visibleText(second.args)).toContain(`Skipped ${sent.length} run`);
    expect((await auditVerify()).code).toBe(0);
  }, 120_000);

  it('killed while Refresh now was in flight: after the restart the refresh is found in the history, sent once, audited so', async () => {
    // Follows the storm above: its bot polls with ALERT_CHANNELS *=CSTORMK, so the failing Dynamic Table has a card.
    const card = await until(() => {
      const d = new Database(join(bot.dir, 'bot.db'), { readonly: true });
      try {
        return d.prepare("SELECT id, ts, channel FROM alert_cards WHERE subject = 'dt:ecommerce_dws.user_retention' AND ts IS NOT NULL").get() as
          | { id: number; ts: string; channel: string }
          | undefined;
      } finally {
        d.close();
      }
    }, 30_000);
    const c = bot.client();
    const ask = await c.click('triage_dt_refresh', JSON.stringify({ c: card.id, r: 0 }), USERS.admin, { channel: card.channel, messageTs: card.ts, ephemeral: false });
    const opId = confirmValue(await bot.slack.waitForResponse(ask.responseId));
    const refreshes = () => sb.lakehouse.statements.filter((x) => x === 'REFRESH DYNAMIC TABLE `ecommerce_dws`.`user_retention`').length;
    const submits = () => sb.journal.filter((e) => e.path === '/lh/submitJob' && JSON.stringify(e.body).includes('REFRESH DYNAMIC TABLE')).length;
    sb.faults.add({ path: '/lh/submitJob', kind: 'latency', ms: 4_000, times: 1 }); // Lakehouse takes its time, then runs it
    void c.click('op_confirm', opId, USERS.admin).catch(() => undefined);
    await until(() => submits() === 1 || undefined);
    await bot.kill();
    expect(auditOf(opId).map((r) => r.outcome)).toEqual(['requested']);
    await bot.start({ ALERT_CHANNELS: '*=CSTORMK' });
    const rows = await until(() => (auditOf(opId).at(-1)?.outcome === 'succeeded' ? auditOf(opId) : undefined), 30_000);
    expect(rows[0]!.outcome).toBe('requested');
    expect(rows.at(-1)!.error).toContain('took effect');
    expect(refreshes()).toBe(1);
    expect(submits()).toBe(1);
    expect((await auditVerify()).code).toBe(0);
  }, 90_000);
});
