/**
 * /cz through the real HTTP receiver: signed requests in, what the user saw out (response_url
 * posts), what Studio received (sandbox journal) and what the audit log says.
 */
import { taskKindByKey } from '../../src/studio/enums.js';
import { describe, expect, it } from 'vitest';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { SIGNING_SECRET, USERS, backfillSubmission, sign, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness(); // closed after the file, with no Block Kit limit broken

const WRITES = ['/ide-admin/v1/taskInst/reRunTaskInstance', '/ide-admin/v1/taskInst/killTaskInstance', '/ide-admin/v1/complementTask/createComplementJob'];
const writesSoFar = () => b.sb.journal.filter((e) => WRITES.includes(e.path)).length;

async function ask(text: string, user: string = USERS.viewer) {
  const r = await b.command(text, user);
  expect(r.status).toBe(200);
  const msg = await b.answer(r.responseId);
  return { msg, text: visibleText(msg) };
}

describe('request verification', () => {
  it('refuses a forged signature with 401 and does nothing', async () => {
    const before = b.slack.responses.length;
    const r = await b.post('command=%2Fcz&text=help&response_url=x', 'application/x-www-form-urlencoded', {
      'x-slack-signature': sign('something else', Math.floor(Date.now() / 1000)),
    });
    expect(r.status).toBe(401);
    const wrongSecret = 'command=%2Fcz&text=help';
    const ts = Math.floor(Date.now() / 1000);
    const r2 = await b.post(wrongSecret, 'application/x-www-form-urlencoded', {
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': sign(wrongSecret, ts, `${SIGNING_SECRET}x`),
    });
    expect(r2.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(b.slack.responses.length).toBe(before);
  });

  it('refuses a stale (replayed) request with 401, even with a valid signature', async () => {
    const before = b.sb.journal.length;
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: USERS.admin }, actions: [{ action_id: 'run_rerun', value: '7000022' }] }))}`;
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const r = await b.post(body, 'application/x-www-form-urlencoded', { 'x-slack-request-timestamp': String(old), 'x-slack-signature': sign(body, old) });
    expect(r.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(b.sb.journal.length).toBe(before); // not even a read reached Studio
  });

  it('answers GET /healthz', async () => {
    const res = await fetch(`${b.botUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});

describe('read commands', () => {
  it('--ws with the one workspace works; a name that is not configured is answered with the one there is', async () => {
    expect((await ask('runs 04_transform_ods_to_dwd --ws demo_ws')).text).toContain('Runs of 04_transform_ods_to_dwd');
    const before = b.sb.journal.length;
    const { text } = await ask('runs 04_transform_ods_to_dwd --ws prod');
    expect(text).toContain('There is no workspace prod');
    expect(text).toContain('`demo_ws`');
    expect(b.sb.journal.length).toBe(before);
  });

  it('help lists every subcommand with an example, ephemerally', async () => {
    const { msg, text } = await ask('help');
    expect(msg.response_type).toBe('ephemeral');
    for (const sub of ['tasks', 'task', 'runs', 'run', 'logs', 'deps', 'rerun', 'backfill', 'stop', 'audit', 'whoami']) expect(text).toContain(`/cz ${sub}`);
    expect(text).toContain('/cz backfill 04_transform_ods_to_dwd 2026-11-01 2026-11-03');
    expect(text).toContain('e.g. `/cz cron 30 2 * * *`'); // whole, in code: Slack shows the asterisks as typed
    expect(text).toContain('Any command takes `--ws <name>` to pick the Studio workspace');
  });

  it('tasks in a folder, with links to Studio', async () => {
    const { text } = await ask('tasks ecommerce_dw');
    for (const t of ['00_sync_mysql_to_ods', '01_ddl_ods', '05_dqc_check']) expect(text).toContain(t);
    expect(text).not.toContain('github_clean');
    expect(text).toContain(`${b.sb.url}/ide?workspace_name=demo_ws&fileId=`);
    const bad = await ask('tasks ecommerce');
    expect(bad.text).toContain('No folder named "ecommerce". Did you mean: ecommerce_dw');
  });

  it('task shows type, status, owner, Studio cron with next runs, dependencies and the latest run', async () => {
    const { text } = await ask('task 04_transform_ods_to_dwd');
    expect(text).toContain('SQL');
    expect(text).toContain('online · published');
    expect(text).not.toMatch(/\(100\)|\(20\)/);
    expect(text).toContain('alice');
    expect(text).toContain('`0 30 2 * * ? *`');
    expect(text).toContain('Next runs: <!date^1795314600'); // 2026-11-22 02:30 UTC
    expect(text).toMatch(/Upstream\* <[^|]+\|00_sync_mysql_to_ods>/);
    expect(text).toMatch(/Downstream\* <[^|]+\|05_dqc_check>/);
    expect(text).toContain('Latest run');
  });

  it('runs of a task, filtered by status, newest first', async () => {
    const { text } = await ask('runs 04_transform_ods_to_dwd --status failed --since 14d');
    const failedIds = (
      b.sb.store.db
        .prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = '04_transform_ods_to_dwd' AND r.status IN (3, 8) ORDER BY r.plan_time DESC")
        .all() as { id: number }[]
    ).map((r) => r.id);
    expect(failedIds.length).toBeGreaterThan(1);
    const shown = [...text.matchAll(/taskInst\/(\d+)\|/g)].map((m) => Number(m[1]));
    expect(shown).toEqual(failedIds);
  });

  it('run shows detail, attempts and the end of the log, redacted', async () => {
    const run = b.sb.store.db
      .prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = '04_transform_ods_to_dwd' AND r.status = 3 ORDER BY r.plan_time DESC")
      .get() as { id: number };
    const { text } = await ask(`run ${run.id}`);
    expect(text).toContain(`Run ${run.id}`);
    expect(text).toContain('CZLH-57015');
    expect(text).toContain('End of the log');
    expect(b.sb.store.lastAttempt(run.id)!.log).toContain('magic_token=mt_SandboxMagic12345');
    expect(text).not.toContain('mt_SandboxMagic12345');
    expect(text).toContain('magic_token=[redacted]');
  });

  it('logs never show the JDBC password, and page through a long log with Previous/Next without losing a character', async () => {
    const di = b.sb.store.db.prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = '00_sync_mysql_to_ods' AND r.status = 3").get() as { id: number };
    const { text } = await ask(`logs ${di.id}`);
    expect(text).toContain('jdbc:mysql://etl_reader:[redacted]@10.12.3.45');
    expect(text).not.toContain('Etl#Reader2024');

    // A 5 MB log: read it page by page backwards from the tail and forwards again.
    const lines = Array.from({ length: 60_000 }, (_, i) => `2026-11-20 02:00:00 [INFO] row batch ${String(i).padStart(6, '0')} ${'x'.repeat(40)}`);
    const big = `${lines.join('\n')}\n`;
    b.sb.sim.setAttemptLog(di.id, big);
    const first = await b.command(`logs ${di.id} --tail 1000`, USERS.viewer);
    const page = await b.answer(first.responseId);
    const pageText = visibleText(page);
    expect(pageText).toContain('row batch 059999');
    expect(pageText).toContain('did not fit: press *Previous*');
    const prevButton = (page.blocks as { type: string; elements?: { action_id: string; value: string }[] }[])
      .flatMap((x) => x.elements ?? [])
      .find((e) => e.action_id === 'logs_page_prev')!;
    expect(prevButton).toBeDefined();
    const prev = await b.click('logs_page_prev', prevButton.value, USERS.viewer);
    const prevPage = visibleText(await b.answer(prev.responseId));
    const shownFirst = Number(/row batch (\d+)/.exec(pageText)![1]);
    const prevLast = Number([...prevPage.matchAll(/row batch (\d+)/g)].at(-1)![1]);
    expect(prevLast).toBe(shownFirst - 1); // contiguous: nothing skipped between pages
    expect(big.length).toBeGreaterThan(5_000_000);
    expect(prevPage).toContain(`of ${big.length}`);
  });

  it('deps shows upstream and downstream trees', async () => {
    const { text } = await ask('deps 05_dqc_check');
    expect(text).toMatch(/↑ <[^|]+\|04_transform_ods_to_dwd>/);
    expect(text).toMatch(/\u2003\u2003└ ↑ <[^|]+\|00_sync_mysql_to_ods>/);
  });

  it('whoami shows roles from the policy', async () => {
    expect((await ask('whoami', USERS.operator)).text).toContain('*operator* on `ecommerce_dw/*`, `doc_connector_demo`');
    expect((await ask('whoami', USERS.viewer)).text).toContain('*viewer* everywhere');
  });

  it('Share in channel posts the same reply for everyone', async () => {
    const r = await b.click('share_reply', '/cz task 05_dqc_check', USERS.viewer);
    const shared = await b.answer(r.responseId);
    expect(shared.response_type).toBe('in_channel');
    expect(visibleText(shared)).toContain('Task 05_dqc_check');
    // Everyone sees who shared it and what was asked; the shared copy has no Share button of its own.
    expect(visibleText(shared)).toContain(`Shared by <@${USERS.viewer}> · \`/cz task 05_dqc_check\``);
    expect(JSON.stringify(shared.blocks)).not.toContain('share_reply');
    expect(JSON.stringify(shared.blocks)).toContain('Open in Studio');
  });
});

describe('two tasks of one name (as after a wizard run)', () => {
  it('the name alone lists both with their folders and ids; folder/task and the id pick one; /cz tasks shows ids', async () => {
    const folder = await b.client.createFolder('shop_dw');
    const copy = await b.client.createTask({ name: '04_transform_ods_to_dwd', kind: taskKindByKey('SQL')!, folderId: folder });
    const amb = visibleText(await b.answer((await b.command('task 04_transform_ods_to_dwd', USERS.viewer)).responseId));
    expect(amb).toContain('matches 2 tasks');
    expect(amb).toContain(`(id ${copy}, folder shop_dw)`);
    expect(amb).toMatch(/Name the folder \(e\.g\. (shop_dw|ecommerce_dw)\/04_transform_ods_to_dwd\) or use the task id/);
    const picked = visibleText(await b.answer((await b.command('task shop_dw/04_transform_ods_to_dwd', USERS.viewer)).responseId));
    expect(picked).toContain('Task 04_transform_ods_to_dwd');
    expect(picked).toContain('shop_dw');
    expect(visibleText(await b.answer((await b.command(`task ${copy}`, USERS.viewer)).responseId))).toContain('shop_dw');
    const runs = visibleText(await b.answer((await b.command('runs ecommerce_dw/04_transform_ods_to_dwd', USERS.viewer)).responseId));
    expect(runs).toContain('Runs of 04_transform_ods_to_dwd');
    expect(visibleText(await b.answer((await b.command('tasks shop_dw', USERS.viewer)).responseId))).toContain(`\`${copy}\``);
  });
});

describe('Backfill… from a reply', () => {
  it('shows the task by name and backfills that very task, though another task has the same name', async () => {
    const original = b.sb.store.taskByName('04_transform_ods_to_dwd')!.id;
    const folder = await b.client.createFolder('shop_dw2');
    await b.client.createTask({ name: '04_transform_ods_to_dwd', kind: taskKindByKey('SQL')!, folderId: folder });
    const opens = b.slack.callsOf('views.open').length;
    const previews = b.slack.callsOf('views.update').length;
    await b.click('run_backfill', JSON.stringify({ taskId: original, task: '04_transform_ods_to_dwd', date: '2026-11-20' }), USERS.operator, { channel: 'C0OPS' });
    const opened = (await b.slack.waitForCall('views.open', opens)).args.view as {
      blocks: { block_id?: string; element?: { initial_value?: string } }[];
      private_metadata: string;
    };
    expect(opened.blocks.find((x) => x.block_id === 'bf_task')!.element!.initial_value).toBe('04_transform_ods_to_dwd');
    await b.slack.waitForCall('views.update', previews); // the dry run filled in
    const updates = b.slack.callsOf('views.update').length;
    await b.submitView(backfillSubmission({ id: 'V9', callback_id: 'backfill_modal', private_metadata: opened.private_metadata }, '2026-11-20', '2026-11-20'), USERS.operator);
    const result = visibleText((await b.slack.waitForCall('views.update', updates)).args.view as Record<string, unknown>);
    expect(result).toContain('created in Studio as job');
    expect(b.requests('/ide-admin/v1/complementTask/createComplementJob').at(-1)!.body).toMatchObject({ scheduleTaskId: original });
  });
});

describe('bad input: a clear error with an example, nothing reaches Studio', () => {
  it('characters a copy brings along unseen (zero-width, no-break space) do not make a known task unknown', async () => {
    const { text } = await ask('task\u00A0github_\u200Bclean\uFEFF');
    expect(text).not.toContain('No task named');
    expect(text).toContain('github_clean');
    expect(text).toMatch(/schedule|Schedule/);
  });

  it.each([
    ['frobnicate', 'Unknown subcommand `frobnicate`'],
    ['rerun', 'Missing <run-id>'],
    ['rerun abc', '"abc" is not a run id'],
    ['rerun 04_transform_ods_to_dwd', 'If it is a task, find its run with `/cz runs 04_transform_ods_to_dwd --status failed`'],
    ['stop ecommerce_dw/04_transform_ods_to_dwd', 'find its run with `/cz runs ecommerce_dw/04_transform_ods_to_dwd --status running`'],
    ['stop 99999999999999999999999', '"99999999999999999999999" is too long for a run id'],
    ['rerun 1 2', 'Unexpected extra argument: 2'],
    ['backfill 04_transform_ods_to_dwd 2026-13-01 2026-11-02', '<from> 2026-13-01 is not a calendar date'],
    ['backfill 04_transform_ods_to_dwd 2026-11-05 2026-11-02', '<from> 2026-11-05 is after <to> 2026-11-02'],
    ['backfill 04_transform_ods_to_dwd 11/01/2026 2026-11-02', 'write it as YYYY-MM-DD'],
    ['runs 04_transform_ods_to_dwd --status broken', '--status "broken" must be one of'],
    ['runs 04_transform_ods_to_dwd --since forever', '--since "forever" is not a duration'],
    ['logs 7000001 --tail 0', '--tail must be a whole number from 1 to 1000'],
  ])('/cz %s', async (text, expected) => {
    const writes = writesSoFar();
    const { msg, text: shown } = await ask(text, USERS.admin);
    expect(msg.response_type).toBe('ephemeral');
    expect(shown).toContain(expected);
    if (!text.startsWith('frobnicate')) expect(shown).toMatch(/Example: `\/cz /);
    expect(writesSoFar()).toBe(writes);
  });

  it('audits refused operation input', async () => {
    await ask('backfill 04_transform_ods_to_dwd 2026-11-05 2026-11-02', USERS.admin);
    const row = (await b.bot.services.audit.query({ actorId: USERS.admin, outcome: 'refused', limit: 1 }))[0]!;
    expect(row).toMatchObject({ action: 'backfill', outcome: 'refused', source: 'slash' });
    expect(row.error).toContain('is after');
  });

  it('an unknown task answers with close matches', async () => {
    const { text } = await ask('task 04_transfrom_ods_to_dwd');
    expect(text).toContain('Did you mean: 04_transform_ods_to_dwd');
  });

  it('an unknown run id is refused and audited, nothing written', async () => {
    const writes = writesSoFar();
    const { text } = await ask('rerun 999999', USERS.admin);
    expect(text).toContain('Studio has no run 999999');
    expect(writesSoFar()).toBe(writes);
    expect((await b.bot.services.audit.query({ actorId: USERS.admin, limit: 1 }))[0]).toMatchObject({ action: 'rerun', target: 'run:999999', outcome: 'refused' });
  });

  it('a run that cannot be rerun in its state is refused', async () => {
    // A batch task's running run (a stream's run is refused as a stream's: test/slack/stream-refusals.test.ts).
    const t = b.sb.store.taskByName('04_transform_ods_to_dwd')!;
    const at = b.clock.now() - 60_000;
    const running = {
      id: b.sb.store.insertRun({
        task_id: t.id,
        instance_type: 1,
        status: RUN_STATUS.RUNNING,
        plan_time: at,
        ready_at: at,
        trigger_time: at,
        start_time: at,
        end_time: null,
        fail_type: null,
        fail_msg: null,
        executor: 'scheduler',
        vc_code: t.vc_code,
        biz_date: '2026-11-20',
        duration_ms: null,
        attempts: 1,
      }),
    };
    const { text } = await ask(`rerun ${running.id}`, USERS.admin);
    expect(text).toContain('only a finished run');
    expect(text).toContain(`/cz stop ${running.id}`);
  });
});
