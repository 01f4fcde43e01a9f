/**
 * Real-time and CDC tasks are streams: backfill, rerun and execute are refused for them from every
 * entry point (slash commands, a run's buttons, the backfill modal, alert-card buttons, the
 * wizard's "Run … once"), with the reason said, audited as a refusal, and nothing reaching Studio.
 * Their run views and cards never offer those buttons.
 */
import { describe, expect, it } from 'vitest';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { USERS, backfillSubmission, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness({ alertChannels: '*=CALERTS' });
const WRITES = [
  '/ide-admin/v1/taskInst/reRunTaskInstance',
  '/ide-admin/v1/complementTask/createComplementJob',
  '/ide-admin/v1/adhoc/execute',
  '/ide-admin/v1/taskInst/batchReRunTaskInstance',
];
const STREAMS = [
  { task: 'rt_sync_kafka_orders', kind: 'Real-time sync (single table)' },
  { task: 'cdc_mysql_shop', kind: 'Multi-table real-time sync (CDC)' },
];

type Blocks = { type: string; elements?: { action_id: string; value?: string }[] }[];
const actionIds = (msg: Record<string, unknown>) => ((msg.blocks as Blocks | undefined) ?? []).flatMap((x) => x.elements ?? []).map((e) => e.action_id);

function failedRunOf(task: string): number {
  const row = b.sb.store.db
    .prepare('SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = ? AND r.status = ? ORDER BY r.plan_time DESC')
    .get(task, RUN_STATUS.FAILED) as { id: number } | undefined;
  if (!row) throw new Error(`no failed run of ${task}`);
  return row.id;
}

function nothingReachedStudio() {
  for (const path of WRITES) expect(b.requests(path), path).toHaveLength(0);
}

async function refusalsOf(action: string, task: string) {
  const rows = await b.bot.services.audit.query({ action, limit: 200 });
  return rows.filter((r) => r.outcome === 'refused' && r.taskName === task);
}

async function modalAfter(run: () => Promise<unknown>) {
  const updates = b.slack.callsOf('views.update').length;
  await run();
  const update = await b.slack.waitForCall('views.update', updates);
  return { ...(update.args.view as Record<string, unknown>), id: update.args.view_id as string };
}

describe.each(STREAMS)('$task ($kind) is a stream', ({ task, kind }) => {
  it('`/cz backfill` opens a modal that says why not; submitting it is refused and audited; nothing is sent', async () => {
    const view = await modalAfter(() => b.command(`backfill ${task} 2026-11-18 2026-11-19`, USERS.admin));
    const text = visibleText(view);
    expect(text).toContain(`is a ${kind} task: it runs continuously`);
    expect(text).toContain('cannot be backfilled');
    const updates = b.slack.callsOf('views.update').length;
    await b.submitView(backfillSubmission(view, '2026-11-18', '2026-11-19', task), USERS.admin);
    const result = await b.slack.waitForCall('views.update', updates);
    expect(visibleText(result.args.view as Record<string, unknown>)).toContain('cannot be backfilled');
    expect((await refusalsOf('backfill', task)).length).toBeGreaterThanOrEqual(2);
    nothingReachedStudio();
  });

  it("a run's Backfill… button (an old message) opens the modal refused", async () => {
    const taskId = b.sb.store.taskByName(task)!.id;
    const view = await modalAfter(() => b.click('run_backfill', JSON.stringify({ taskId, task, date: '2026-11-18' }), USERS.admin));
    expect(visibleText(view)).toContain('cannot be backfilled');
    nothingReachedStudio();
  });

  it('`/cz rerun` and the Rerun button are refused with the reason, audited', async () => {
    const runId = failedRunOf(task);
    const cmd = visibleText(await b.answer((await b.command(`rerun ${runId}`, USERS.admin)).responseId));
    expect(cmd).toContain(`is a ${kind} task: it runs continuously`);
    expect(cmd).toContain('A run of a stream is not rerun');
    const click = visibleText(await b.answer((await b.click('run_rerun', String(runId), USERS.admin)).responseId));
    expect(click).toContain('A run of a stream is not rerun');
    const rows = (await refusalsOf('rerun', task)).filter((r) => r.target === `run:${runId}`);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.map((r) => r.source)).toEqual(expect.arrayContaining(['slash', 'button']));
    nothingReachedStudio();
  });

  it('`/cz execute` is refused with the reason, audited', async () => {
    const text = visibleText(await b.answer((await b.command(`execute ${task}`, USERS.admin)).responseId));
    expect(text).toContain('runs continuously');
    expect((await refusalsOf('execute', task)).length).toBeGreaterThanOrEqual(1);
    nothingReachedStudio();
  });

  it('its run view offers neither Rerun nor Backfill…', async () => {
    const runId = failedRunOf(task);
    const msg = await b.answer((await b.command(`run ${runId}`, USERS.admin)).responseId);
    expect(visibleText(msg)).toContain(`Run ${runId}`);
    const ids = actionIds(msg);
    expect(ids).toContain('run_logs');
    expect(ids).not.toContain('run_rerun');
    expect(ids).not.toContain('run_backfill');
    const runs = await b.answer((await b.command(`runs ${task} --since 14d`, USERS.admin)).responseId);
    expect(actionIds(runs)).not.toContain('run_rerun');
  });
});

describe('alert cards of a stream', () => {
  it('offer no Rerun or Backfill…; old cards’ buttons and the storm’s bulk rerun are refused; nothing is sent', async () => {
    const alerts = b.bot.services.alerts!;
    const cdc = b.sb.store.taskByName('cdc_mysql_shop')!;
    const end = b.clock.now() - 60_000;
    b.sb.store.insertRun({
      task_id: cdc.id,
      instance_type: 1,
      status: RUN_STATUS.FAILED,
      plan_time: end - 120_000,
      ready_at: end - 120_000,
      trigger_time: end - 120_000,
      start_time: end - 100_000,
      end_time: end,
      fail_type: 'RUNTIME_ERROR',
      fail_msg: 'The connector is trying to read binlog starting at mysql-bin.000123, but this is no longer available on the server.',
      executor: 'scheduler',
      vc_code: cdc.vc_code,
      biz_date: '2026-11-21',
      duration_ms: 60_000,
      attempts: 1,
    });
    await alerts.poll();
    await alerts.flush();
    const card = (await alerts.store.cards()).find((c) => c.taskName === 'cdc_mysql_shop' && c.status === 'open')!;
    expect(card).toBeDefined();
    const cardValue = JSON.stringify({ c: card.id, r: card.latestRunId });
    const posted = b.slack.calls.filter(
      (c) =>
        (c.method === 'chat.postMessage' || c.method === 'chat.update') &&
        ((c.args.blocks as Blocks | undefined) ?? []).some((x) => x.elements?.some((e) => e.value === cardValue)),
    );
    expect(posted.length).toBeGreaterThan(0);
    const ids = actionIds(posted.at(-1)!.args);
    expect(ids).toContain('triage_logs');
    expect(ids).not.toContain('triage_rerun');
    expect(ids).not.toContain('triage_backfill');

    const value = JSON.stringify({ c: card.id, r: card.latestRunId });
    const rr = await b.click('triage_rerun', value, USERS.admin, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! });
    expect(visibleText(await b.answer(rr.responseId))).toContain('A run of a stream is not rerun');
    const view = await modalAfter(() => b.click('triage_backfill', value, USERS.admin, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! }));
    expect(visibleText(view)).toContain('cannot be backfilled');
    const refusals = (await b.bot.services.audit.query({ limit: 300 })).filter((r) => r.outcome === 'refused' && r.taskName === 'cdc_mysql_shop');
    expect(refusals.find((r) => r.action === 'rerun' && r.source === 'alert')).toBeDefined();
    expect(refusals.find((r) => r.action === 'backfill' && r.params.cardId === card.id)).toBeDefined();

    // A bulk rerun (a storm's roots) that names the stream's run skips it and says why.
    const bulk = await b.bot.services.operations.requestBulkRerun({ userId: USERS.admin, source: 'alert' }, [card.latestRunId], { label: 'a test storm' });
    expect(bulk.kind).toBe('refused');
    expect(bulk.kind === 'refused' && bulk.message).toContain('stream');
    nothingReachedStudio();
  });
});
