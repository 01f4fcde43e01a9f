/**
 * Issue 33, item 3: every fix reports how it ended. A backfill started from a card is followed
 * until each of its dates has ended; the card's thread then says how each date ended, with a
 * link to its run and a Rerun button per failed date (the card's own rerun: confirmation,
 * policy, audit), and the card says the tally.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertService } from '../../src/alerts/service.js';
import { addDays, formatDate } from '../../src/studio/dates.js';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { type BotHarness, USERS, startBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

let b: BotHarness;
afterEach(async () => {
  expect(b.slack.violations).toEqual([]);
  await b.close();
});

const alerts = (): AlertService => b.bot.services.alerts!;
const TASK = '04_transform_ods_to_dwd';

async function settle() {
  await alerts().poll();
  await alerts().flush();
}

type Blocks = { type: string; text?: { text: string }; accessory?: { action_id: string; value: string; text: { text: string } } }[];

describe('how a backfill ended', () => {
  it('an approved 10-day backfill with one failed date: its outcome per date in the thread and on the card, and a one-click rerun of that date', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === TASK && c.subject === null)!;
    const today = formatDate(b.clock.now(), b.sb.sim.opts.timeZone);
    const from = addDays(today, -10);
    const to = addDays(today, -1);
    const ops = b.bot.services.operations;

    // An operator asks for 10 days (over their limit of 3): an admin approves.
    const asked = await ops.submitBackfill({ userId: USERS.operator, source: 'alert' }, { task: TASK, from, to, cardId: card.id });
    expect(asked.kind).toBe('approval');
    const done = await ops.approve({ userId: USERS.admin, source: 'alert' }, (asked as { op: { id: string } }).op.id);
    expect(done).toMatchObject({ kind: 'done', status: 'succeeded' });
    const jobId = (done as { jobId: number }).jobId;
    const runs = b.sb.store.runsOfJob(jobId);
    expect(runs).toHaveLength(10);
    // Every date succeeds but one (upstream checks aside: the dates before the seeded history have no upstream runs).
    const failed = runs[6]!;
    for (const r of runs) b.sb.store.updateRun(r.id, { failure_id: r.id === failed.id ? 'sql_syntax' : null, transient: 0, skip_upstream: 1 });
    expect(await b.bot.watcher.tick()).toBe(0); // dates still to run: nothing said yet

    for (let i = 0; i < 40 && b.sb.store.runsOfJob(jobId).some((r) => ![RUN_STATUS.SUCCESS, RUN_STATUS.FAILED, RUN_STATUS.UPSTREAM_FAILED].includes(r.status as 1)); i++) {
      b.clock.advance(5 * 60_000);
      b.sb.sim.advance();
    }
    expect(await b.bot.watcher.tick()).toBe(1);
    expect(await b.bot.watcher.tick()).toBe(0); // said once
    await alerts().flush();

    // The thread: the tally, every date with its run, the failed one with its error and a Rerun button.
    const notes = b.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === card.ts);
    const report = notes.find((c) => visibleText(c.args).includes(`(job ${jobId})`))!;
    const text = visibleText(report.args);
    // A thread reply names people without pinging them (src/alerts/mentions.ts).
    expect(text).toContain(`Backfill of \`${TASK}\` ${from} → ${to} (job ${jobId}) asked for by @${USERS.operator.toLowerCase()} ended: 9 succeeded, 1 failed.`);
    for (const r of runs.filter((x) => x.id !== failed.id)) expect(text).toContain(`|${r.biz_date}>`);
    expect(text).toContain(`failed: *${failed.biz_date}* — run <`);
    expect(text).toContain("Syntax error at or near 'FORM'");
    const buttons = (report.args.blocks as Blocks).flatMap((x) => (x.accessory ? [x.accessory] : []));
    expect(buttons.map((x) => x.text.text)).toEqual([`Rerun ${failed.biz_date}`]);

    // The card says it too.
    const redrawn = b.slack
      .callsOf('chat.update')
      .filter((c) => c.args.ts === card.ts)
      .at(-1)!;
    expect(visibleText(redrawn.args)).toContain(`Backfill ${from} → ${to} (job ${jobId}) ended: 9 succeeded, 1 failed (each date in the thread)`);

    // One click (and the usual confirmation) reruns that date's run.
    const click = await b.click(buttons[0]!.action_id, buttons[0]!.value, USERS.operator, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! });
    const confirm = await b.answer(click.responseId);
    const opId = (confirm.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;
    expect(visibleText(await b.answer((await b.click('op_confirm', opId, USERS.operator)).responseId))).toContain(`Rerun of run ${failed.id}`);
    expect(b.sb.store.run(failed.id)!.rerun_status).toBe(1); // what Studio received
    expect((await b.bot.services.audit.byOp(opId)).map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
  }, 120_000);
});
