/**
 * Rerun, stop and backfill through signed interactions: authorisation of the clicking user,
 * confirmation, idempotency, audit, Studio failures, run-finished updates, approvals, reconciliation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { backfillSubmission, startBotHarness, type BotHarness, USERS } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const RERUN = '/ide-admin/v1/taskInst/reRunTaskInstance';
const KILL = '/ide-admin/v1/taskInst/killTaskInstance';
const BACKFILL = '/ide-admin/v1/complementTask/createComplementJob';

type Blocks = { type: string; elements?: { action_id: string; value?: string }[] }[];
function buttonValue(msg: Record<string, unknown>, actionId: string): string {
  const el = (msg.blocks as Blocks).flatMap((x) => x.elements ?? []).find((e) => e.action_id === actionId);
  if (!el?.value) throw new Error(`no ${actionId} button in ${JSON.stringify(msg).slice(0, 300)}`);
  return el.value;
}

function failedRun(b: BotHarness, task: string): number {
  return (b.sb.store.db.prepare('SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = ? AND r.status = 3 ORDER BY r.plan_time DESC').get(task) as { id: number })
    .id;
}

/** Ask for a rerun as `user` and return the confirmation message. */
async function askRerun(b: BotHarness, runId: number, user: string) {
  const r = await b.command(`rerun ${runId}`, user);
  return { responseId: r.responseId, msg: await b.answer(r.responseId) };
}

let b: BotHarness;

describe('rerun', () => {
  beforeAll(async () => {
    b = await startBotHarness();
  });
  afterAll(async () => {
    expect(b.slack.violations).toEqual([]);
    await b.close();
  });

  it("a viewer's click on Rerun is refused, audited, and nothing reaches Studio", async () => {
    const runId = failedRun(b, '04_transform_ods_to_dwd');
    const click = await b.click('run_rerun', String(runId), USERS.viewer);
    const text = visibleText(await b.answer(click.responseId));
    expect(text).toContain('You are a *viewer* for `ecommerce_dw/04_transform_ods_to_dwd`; *rerun* needs *operator*');
    expect(text).toContain('users: [UVIEW1]');
    expect(text).toContain('Nothing was sent to Studio');
    expect(b.requests(RERUN)).toHaveLength(0);
    expect((await b.bot.services.audit.query({ actorId: USERS.viewer, limit: 1 }))[0]).toMatchObject({
      action: 'rerun',
      target: `run:${runId}`,
      outcome: 'refused',
      source: 'button',
    });
  });

  it('the clicking user is authorised at click time: a viewer pressing Confirm on an operator’s request is refused', async () => {
    const runId = failedRun(b, '04_transform_ods_to_dwd');
    const { msg } = await askRerun(b, runId, USERS.operator);
    expect(visibleText(msg)).toContain(`Rerun run ${runId} of 04_transform_ods_to_dwd?`);
    const opId = buttonValue(msg, 'op_confirm');
    const click = await b.click('op_confirm', opId, USERS.viewer);
    expect(visibleText(await b.answer(click.responseId))).toContain('*rerun* needs *operator*');
    expect(b.requests(RERUN)).toHaveLength(0);
  });

  it('two identical Confirm clicks make one Studio write; both see the result; the audit shows requested then succeeded', async () => {
    const runId = failedRun(b, '04_transform_ods_to_dwd');
    const { msg } = await askRerun(b, runId, USERS.operator);
    const opId = buttonValue(msg, 'op_confirm');
    const [c1, c2] = await Promise.all([b.click('op_confirm', opId, USERS.operator), b.click('op_confirm', opId, USERS.operator)]);
    const [a1, a2] = [visibleText(await b.answer(c1.responseId)), visibleText(await b.answer(c2.responseId))];
    const c3 = await b.click('op_confirm', opId, USERS.operator);
    const a3 = visibleText(await b.answer(c3.responseId));
    expect(b.requests(RERUN)).toHaveLength(1);
    expect(b.requests(RERUN)[0]!.body).toMatchObject({ taskInstanceId: runId, updateBy: 'slack:uops1' });
    for (const a of [a1, a2, a3].filter((x) => !x.includes('already being'))) expect(a).toContain(`Rerun of run ${runId} started in Studio`);
    expect(a3).toContain('nothing was sent to Studio again');
    const rows = await b.bot.services.audit.byOp(opId);
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
    expect(rows[1]!.studioRequestId).toBe(b.requests(RERUN)[0]!.headers['x-request-id']);
    expect(rows[0]!.idempotencyKey).toMatch(/^[0-9a-f]{64}$/);
    expect(b.sb.store.run(runId)!.status).toBe(RUN_STATUS.RUNNING);
  });

  it('tells the person when the rerun finishes, by editing the reply', async () => {
    const runId = failedRun(b, '04_transform_ods_to_dwd');
    void runId;
    const watches = await b.bot.services.ops.activeWatches();
    expect(watches.length).toBeGreaterThan(0);
    const w = watches[0]!;
    b.clock.advance(2 * 60_000); // the simulated run takes a minute
    expect(await b.bot.watcher.tick()).toBe(1);
    const responseId = w.responseUrl!.split('/response/')[1]!;
    const updates = b.slack.responses.filter((r) => r.id === responseId);
    const last = updates.at(-1)!.body;
    expect(last.replace_original).toBe(true);
    expect(visibleText(last)).toContain(`the rerun of run`);
    expect(visibleText(last)).toContain('finished: *SUCCESS*');
    expect(await b.bot.services.ops.activeWatches()).toHaveLength(0);
  });

  it('a Studio 500 on rerun: unknown (not "safe to try again") until Studio shows it did not land; then the person is told', async () => {
    const runId = failedRun(b, 'github_clean');
    const admin = await askRerun(b, runId, USERS.admin);
    const opId = buttonValue(admin.msg, 'op_confirm');
    const before = b.requests(RERUN).length;
    b.sb.faults.add({ path: RERUN, kind: 'status', status: 500 });
    const click = await b.click('op_confirm', opId, USERS.admin);
    const text = visibleText(await b.answer(click.responseId));
    expect(text).toContain('Studio did not answer clearly (Studio HTTP_500 (HTTP 500)');
    expect(text).toContain('*not* safe to try again yet');
    expect(b.requests(RERUN).length).toBe(before + 1); // sent once, never retried
    expect((await b.bot.services.audit.byOp(opId)).map((r) => r.outcome)).toEqual(['requested', 'unknown']);
    expect((await b.bot.services.audit.byOp(opId))[1]!.studioRequestId).toMatch(/^sob-/);
    // A second person asking for the same run meanwhile is held: nothing is sent.
    const other = await askRerun(b, runId, USERS.admin2);
    const held = visibleText(await b.answer((await b.click('op_confirm', buttonValue(other.msg, 'op_confirm'), USERS.admin2)).responseId));
    expect(held).toContain('has an outcome Studio has not confirmed yet');
    expect(b.requests(RERUN).length).toBe(before + 1);
    // Within the settle window, "not there yet" proves nothing.
    await b.bot.services.operations.verifyPending();
    expect((await b.bot.services.ops.get(opId))!.status).toBe('unknown');
    // Past it, Studio still shows the run untouched: proven not applied.
    b.clock.advance(65_000);
    await b.bot.services.operations.verifyPending();
    expect((await b.bot.services.audit.byOp(opId)).map((r) => r.outcome)).toEqual(['requested', 'unknown', 'failed']);
    expect((await b.bot.services.ops.get(opId))!.status).toBe('failed');
    const told = visibleText(b.slack.responses.filter((r) => r.id === click.responseId).at(-1)!.body);
    expect(told).toContain('did not take effect');
    expect(told).toContain('It is safe to try again');
    expect(b.sb.store.run(runId)!.status).toBe(RUN_STATUS.FAILED);
  });

  it("an operation's end is one record: when its outcome reaches the audit log, the operation, its key and its target's lock already say so", async () => {
    // What a reader (another replica, a person reading /cz audit) sees the moment each outcome row is appended.
    const db = b.bot.services.host.db;
    const seen: { outcome: string; status: string; key: string | null; locked: number }[] = [];
    const stop = b.bot.services.host.onAudited((r) => {
      const row = db.prepare('SELECT op_id FROM audit_log WHERE id = ?').get(r.id) as { op_id: string };
      if (r.outcome === 'requested' || r.action !== 'rerun') return;
      const op = db.prepare('SELECT status FROM operations WHERE id = ?').get(row.op_id) as { status: string };
      const key = db.prepare('SELECT status FROM idempotency WHERE op_id = ?').get(row.op_id) as { status: string } | undefined;
      const locked = (db.prepare('SELECT COUNT(*) n FROM target_locks WHERE op_id = ?').get(row.op_id) as { n: number }).n;
      seen.push({ outcome: r.outcome, status: op.status, key: key?.status ?? null, locked });
    });
    try {
      // Sent and answered: succeeded.
      const ok = buttonValue((await askRerun(b, failedRun(b, '04_transform_ods_to_dwd'), USERS.admin)).msg, 'op_confirm');
      await b.answer((await b.click('op_confirm', ok, USERS.admin)).responseId);
      // Studio's answer unclear: unknown (the lock kept); then settled by verification past the window: failed.
      const runId = failedRun(b, 'github_clean');
      const unclear = buttonValue((await askRerun(b, runId, USERS.admin)).msg, 'op_confirm');
      b.sb.faults.add({ path: RERUN, kind: 'status', status: 500 });
      await b.answer((await b.click('op_confirm', unclear, USERS.admin)).responseId);
      b.clock.advance(65_000);
      await b.bot.services.operations.verifyPending();
    } finally {
      stop();
    }
    expect(seen).toEqual([
      { outcome: 'succeeded', status: 'succeeded', key: 'succeeded', locked: 0 },
      { outcome: 'unknown', status: 'unknown', key: 'unknown', locked: 1 },
      { outcome: 'failed', status: 'failed', key: 'failed', locked: 0 },
    ]);
  });

  it('a second person confirming a rerun a colleague has just started is told who started it, not to stop the run; nothing is sent', async () => {
    b.clock.advance(11 * 60_000); // past the idempotency window of the reruns earlier tests asked for
    const runId = failedRun(b, '04_transform_ods_to_dwd');
    const first = buttonValue((await askRerun(b, runId, USERS.admin)).msg, 'op_confirm');
    const second = buttonValue((await askRerun(b, runId, USERS.admin2)).msg, 'op_confirm');
    const before = b.requests(RERUN).length;
    await b.answer((await b.click('op_confirm', first, USERS.admin)).responseId);
    const sent = b.requests(RERUN).length;
    expect(sent).toBe(before + 1); // the colleague's rerun was sent
    b.clock.advance(1_000); // a moment later: the new attempt is under way in Studio
    const text = visibleText(await b.answer((await b.click('op_confirm', second, USERS.admin2)).responseId));
    expect(text).toContain(`Already done by <@${USERS.admin}>: Rerun of run`);
    expect(text).toContain('Nothing was sent to Studio again');
    expect(text).not.toContain('Stop it first');
    expect(b.requests(RERUN)).toHaveLength(sent);
    expect((await b.bot.services.audit.byOp(second)).map((r) => r.outcome)).toEqual(['refused']);
  });

  it('a forged Confirm, Cancel, Approve or Reject naming an operation that does not exist is answered and audited; nothing reaches Studio', async () => {
    const sent = b.requests(RERUN).length;
    for (const [action, value] of [
      ['op_confirm', 'forged-op-0001'],
      ['op_cancel', '00000000-0000-4000-8000-000000000000'],
      ['op_approve', 'forged-op-0002'],
      ['op_reject', 'forged-op-0003'],
    ] as const) {
      const text = visibleText(await b.answer((await b.click(action, value, USERS.admin)).responseId));
      expect(text).toMatch(/no longer known|not known|nothing was done/i);
      const rows = await b.bot.services.audit.query({ actorId: USERS.admin, limit: 1 });
      expect(rows[0]).toMatchObject({ outcome: 'refused', source: 'button' });
      expect(rows[0]!.target).toContain(value.slice(0, 8));
    }
    expect(b.requests(RERUN)).toHaveLength(sent);
  });

  it('an operator outside their scope is refused', async () => {
    const runId = failedRun(b, 'sync_legacy_mysql');
    const r = await b.command(`rerun ${runId}`, USERS.operator);
    expect(visibleText(await b.answer(r.responseId))).toContain('You are a *viewer* for `legacy_dw/sync_legacy_mysql`');
  });

  it("Cancel sends nothing and is audited; a viewer cannot cancel someone else's request", async () => {
    const runId = failedRun(b, 'sync_legacy_mysql');
    const { msg } = await askRerun(b, runId, USERS.admin);
    const opId = buttonValue(msg, 'op_cancel');
    const denied = await b.click('op_cancel', opId, USERS.viewer);
    expect(visibleText(await b.answer(denied.responseId))).toContain('*cancel this rerun* needs *operator*');
    expect((await b.bot.services.ops.get(opId))!.status).toBe('awaiting_confirmation');
    expect((await b.bot.services.audit.byOp(opId)).map((r) => [r.actorId, r.outcome])).toEqual([[USERS.viewer, 'refused']]);
    const c = await b.click('op_cancel', opId, USERS.admin);
    expect(visibleText(await b.answer(c.responseId))).toContain('cancelled by <@UADMIN1>');
    const again = await b.click('op_confirm', opId, USERS.admin);
    expect(visibleText(await b.answer(again.responseId))).toContain('was cancelled');
    expect((await b.bot.services.audit.byOp(opId)).map((r) => r.outcome)).toEqual(['refused', 'cancelled']);
  });

  it('stop: confirm, then Studio kills the run', async () => {
    const running = b.sb.store.db.prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = 'rt_sync_kafka_orders' AND r.status = 4").get() as {
      id: number;
    };
    const r = await b.command(`stop ${running.id}`, USERS.admin);
    const msg = await b.answer(r.responseId);
    const c = await b.click('op_confirm', buttonValue(msg, 'op_confirm'), USERS.admin);
    expect(visibleText(await b.answer(c.responseId))).toContain(`Run ${running.id} was stopped.`);
    expect(b.requests(KILL)).toHaveLength(1);
    expect(b.sb.store.run(running.id)).toMatchObject({ status: RUN_STATUS.FAILED, fail_type: 'KILLED' });
  });
});

describe('backfill', () => {
  beforeAll(async () => {
    b = await startBotHarness();
  });
  afterAll(async () => {
    expect(b.slack.violations).toEqual([]);
    await b.close();
  });

  async function openModal(text: string, user: string) {
    const opens = b.slack.callsOf('views.open').length;
    const updates = b.slack.callsOf('views.update').length;
    await b.command(text, user);
    const open = await b.slack.waitForCall('views.open', opens);
    const update = await b.slack.waitForCall('views.update', updates);
    return { open, view: { ...(update.args.view as Record<string, unknown>), id: update.args.view_id as string } };
  }

  const submission = backfillSubmission;

  it('opens a modal with a dry-run preview: dates, downstream tasks, conflicts; nothing is sent', async () => {
    const { open, view } = await openModal('backfill 04_transform_ods_to_dwd 2026-11-18 2026-11-19', USERS.operator);
    expect((open.args.view as { callback_id: string }).callback_id).toBe('backfill_modal');
    const text = visibleText(view);
    expect(text).toContain('*2 business dates* of');
    expect(text).toContain('2026-11-18, 2026-11-19');
    expect(text).toContain('`05_dqc_check`');
    expect(text).toContain('Within your limit as operator (3 days)');
    expect(b.requests(BACKFILL)).toHaveLength(0);
  });

  it('a viewer sees the whole refusal (the grant to add, as code) and is offered no button that can only refuse', async () => {
    const { view } = await openModal('backfill 04_transform_ods_to_dwd 2026-11-18 2026-11-19', USERS.viewer);
    const text = visibleText(view);
    expect(text).toContain('An admin can grant it in the policy file');
    expect(text).toMatch(/```grants:\n {2}- role: operator\n {4}users: \[UVIEW1\]/);
    expect((view as { submit?: unknown }).submit).toBeUndefined();
    expect((view as { close?: unknown }).close).toMatchObject({ text: 'Close' });
    expect(b.requests(BACKFILL)).toHaveLength(0);
  });

  it('submitting runs it: one REFILL run per date, audited, and the modal shows the result', async () => {
    const { view } = await openModal('backfill 04_transform_ods_to_dwd 2026-11-18 2026-11-19', USERS.operator);
    const updates = b.slack.callsOf('views.update').length;
    const res = await b.submitView(submission(view, '2026-11-18', '2026-11-19'), USERS.operator);
    expect(res.status).toBe(200);
    const result = await b.slack.waitForCall('views.update', updates);
    expect(visibleText(result.args.view as Record<string, unknown>)).toMatch(
      /Backfill of 04_transform_ods_to_dwd for 2026-11-18 … 2026-11-19 \(2 business dates\) created in Studio as job \d+/,
    );
    expect(b.requests(BACKFILL)).toHaveLength(1);
    const jobId = b.sb.store.jobs()[0]!.id;
    expect(b.sb.store.runsOfJob(jobId).map((r) => [r.biz_date, r.instance_type])).toEqual([
      ['2026-11-18', 4],
      ['2026-11-19', 4],
    ]);
    const rows = (await b.bot.services.audit.query({ action: 'backfill', actorId: USERS.operator, limit: 2 })).reverse();
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
    expect(rows[0]!.source).toBe('modal');
  });

  it('keeps the modal open with a field error for a reversed or future range; nothing is sent', async () => {
    const { view } = await openModal('backfill 04_transform_ods_to_dwd 2026-11-18 2026-11-19', USERS.operator);
    const reversed = await b.submitView(submission(view, '2026-11-19', '2026-11-10'), USERS.operator);
    expect(JSON.parse(reversed.body)).toMatchObject({ response_action: 'errors', errors: { bf_from: expect.stringContaining('is after') } });
    const future = await b.submitView(submission(view, '2026-11-20', '2026-12-25'), USERS.operator);
    expect(JSON.parse(future.body).errors.bf_to).toContain('in the future');
    expect(b.requests(BACKFILL)).toHaveLength(1);
  });

  it("over the role's limit it waits for a different admin: the requester and the same admin cannot approve", async () => {
    const { view } = await openModal('backfill 04_transform_ods_to_dwd 2026-11-10 2026-11-16', USERS.operator);
    expect(visibleText(view)).toContain('7 days is over your limit as operator (3). Submitting posts it for approval by an admin;');
    const posts = b.slack.callsOf('chat.postMessage').length;
    await b.submitView(submission(view, '2026-11-10', '2026-11-16'), USERS.operator);
    const request = await b.slack.waitForCall('chat.postMessage', posts);
    expect(request.args.channel).toBe('CDATAENG');
    // The request names who can approve it: the admins for this task, not the requester.
    expect(visibleText(request.args)).toContain(`<@${USERS.admin}> <@${USERS.admin2}>: <@${USERS.operator}> asks to backfill`);
    const opId = buttonValue(request.args, 'op_approve');
    expect(b.requests(BACKFILL)).toHaveLength(1);

    const self = await b.click('op_approve', opId, USERS.operator, { ephemeral: false });
    expect(visibleText(await b.answer(self.responseId))).toContain('a different admin must approve it (two-person rule)');
    const approve = await b.click('op_approve', opId, USERS.admin, { ephemeral: false });
    const resolved = visibleText(await b.answer(approve.responseId));
    expect(resolved).toContain('was *approved* by <@UADMIN1>');
    expect(resolved).toContain('(7 business dates) created in Studio');
    expect(b.requests(BACKFILL)).toHaveLength(2);
    const approveAgain = await b.click('op_approve', opId, USERS.admin2, { ephemeral: false });
    await b.answer(approveAgain.responseId);
    expect(b.requests(BACKFILL)).toHaveLength(2); // approved once, run once

    const trail = (await b.bot.services.audit.byOp(opId)).map((r) => `${r.actorId}:${r.action}:${r.outcome}`);
    expect(trail).toEqual(['UOPS1:backfill:awaiting_approval', 'UOPS1:approve:refused', 'UADMIN1:approve:approved', 'UOPS1:backfill:requested', 'UOPS1:backfill:succeeded']);
  });

  it('an admin over the admin limit needs another admin', async () => {
    const { view } = await openModal('backfill 04_transform_ods_to_dwd 2026-11-01 2026-11-12', USERS.admin);
    const posts = b.slack.callsOf('chat.postMessage').length;
    await b.submitView(submission(view, '2026-11-01', '2026-11-12'), USERS.admin);
    const adminRequest = (await b.slack.waitForCall('chat.postMessage', posts)).args;
    expect(visibleText(adminRequest)).toMatch(new RegExp(`^<@${USERS.admin2}>: <@${USERS.admin}> asks`, 'm'));
    const opId = buttonValue(adminRequest, 'op_approve');
    const self = await b.click('op_approve', opId, USERS.admin, { ephemeral: false });
    expect(visibleText(await b.answer(self.responseId))).toContain('two-person rule');
    const reject = await b.click('op_reject', opId, USERS.admin2, { ephemeral: false });
    expect(visibleText(await b.answer(reject.responseId))).toContain('was *rejected* by <@UADMIN2>');
    expect(b.requests(BACKFILL)).toHaveLength(2);
  });
});

describe('without a policy file', () => {
  afterEach(async () => {
    await b.close();
  });

  it('everyone is a viewer, and the refusal says how to grant rights', async () => {
    b = await startBotHarness({ policy: null });
    const r = await b.command(`rerun ${failedRun(b, '04_transform_ods_to_dwd')}`, USERS.admin);
    const text = visibleText(await b.answer(r.responseId));
    expect(text).toContain('No policy file is configured (POLICY_FILE), so everyone is a viewer');
    expect(text).toContain('role: operator');
  });
});

describe('start-up reconciliation', () => {
  afterEach(async () => {
    await b.close();
  });

  it('settles an operation a crash left `requested`, by reading Studio', async () => {
    b = await startBotHarness();
    const runId = failedRun(b, '04_transform_ods_to_dwd');
    const s = b.bot.services;
    // The crash: the audit row is written, Studio got the rerun, the outcome never was recorded.
    const op = await s.ops.create({
      action: 'rerun',
      target: `run:${runId}`,
      taskName: '04_transform_ods_to_dwd',
      params: { runId, folder: 'ecommerce_dw' },
      requestedBy: USERS.operator,
      requestedByName: 'uops1',
      teamId: 'T1',
      channelId: 'C1',
      source: 'button',
      status: 'executing',
      expiresAt: b.clock.now() + 60_000,
    });
    await s.audit.append({
      at: b.clock.now(),
      opId: op.id,
      actorId: USERS.operator,
      source: 'button',
      action: 'rerun',
      target: `run:${runId}`,
      taskName: '04_transform_ods_to_dwd',
      params: op.params,
      outcome: 'requested',
    });
    b.clock.advance(1000);
    await b.client.rerunRun(runId, { actor: 'slack:uops1' });
    // And one that never reached Studio.
    const other = failedRun(b, 'github_clean');
    const op2 = await s.ops.create({
      action: 'rerun',
      target: `run:${other}`,
      taskName: 'github_clean',
      params: { runId: other },
      requestedBy: USERS.admin,
      requestedByName: 'uadmin1',
      teamId: 'T1',
      channelId: 'C1',
      source: 'button',
      status: 'executing',
      expiresAt: b.clock.now() + 60_000,
    });
    await s.audit.append({
      at: b.clock.now() + 5000,
      opId: op2.id,
      actorId: USERS.admin,
      source: 'button',
      action: 'rerun',
      target: `run:${other}`,
      taskName: 'github_clean',
      params: op2.params,
      outcome: 'requested',
    });

    await b.restart();
    const rows = await b.bot.services.audit.byOp(op.id);
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
    expect(rows[1]!.error).toContain('At start-up: Verified: Studio shows it took effect');
    // The one Studio does not show: unknown until the settle window has passed, then failed.
    expect((await b.bot.services.audit.byOp(op2.id)).map((r) => r.outcome)).toEqual(['requested', 'unknown']);
    expect((await b.bot.services.ops.get(op.id))!.status).toBe('succeeded');
    b.clock.advance(70_000);
    await b.bot.services.operations.verifyPending();
    expect((await b.bot.services.audit.byOp(op2.id)).map((r) => r.outcome)).toEqual(['requested', 'unknown', 'failed']);
    expect((await b.bot.services.ops.get(op2.id))!.status).toBe('failed');
    expect(await b.bot.services.audit.unfinished()).toHaveLength(0);
    expect((await b.bot.services.audit.verify()).ok).toBe(true);
  });
});
