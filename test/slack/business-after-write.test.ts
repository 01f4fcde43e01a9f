/**
 * A business error that Studio sends *after* applying a write (issue 27, part 4): `SYSTEM_ERROR`
 * ("internal") on a rerun or a backfill does not prove the write was refused. The outcome is
 * unknown and is verified; the person reads what Studio shows, and a second click sends nothing.
 * A code that proves refusal (a precondition Studio checks before writing) stays a refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillSubmission, type BotHarness, startBotHarness, USERS } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';
import { RUN_STATUS } from '../../src/studio/enums.js';

const RERUN = '/ide-admin/v1/taskInst/reRunTaskInstance';
const BACKFILL = '/ide-admin/v1/complementTask/createComplementJob';

type Blocks = { type: string; elements?: { action_id: string; value?: string }[] }[];
const confirmOf = (msg: Record<string, unknown>) => (msg.blocks as Blocks).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value!;

let b: BotHarness;
beforeAll(async () => {
  b = await startBotHarness();
});
afterAll(async () => {
  expect(b.slack.violations).toEqual([]);
  await b.close();
});

function failedRun(task: string): number {
  return (b.sb.store.db.prepare('SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = ? AND r.status = 3 ORDER BY r.plan_time DESC').get(task) as { id: number })
    .id;
}

describe('a business error after the write', () => {
  it('rerun answered SYSTEM_ERROR after Studio applied it: one write, reported as started, and a second Confirm sends nothing', async () => {
    const runId = failedRun('04_transform_ods_to_dwd');
    const ask = await b.answer((await b.command(`rerun ${runId}`, USERS.operator)).responseId);
    const opId = confirmOf(ask);
    b.sb.faults.add({ path: RERUN, kind: 'business', code: 'SYSTEM_ERROR', message: '系统内部错误 (internal error)', afterHandling: true });
    const click = await b.click('op_confirm', opId, USERS.operator);
    const text = visibleText(await b.answer(click.responseId));
    expect(b.requests(RERUN)).toHaveLength(1);
    expect(text).not.toContain('refused');
    expect(text).toContain('Studio answered SYSTEM_ERROR, but re-reading shows it took effect');
    expect(b.sb.store.run(runId)!.status).toBe(RUN_STATUS.RUNNING);
    expect((await b.bot.services.audit.byOp(opId)).map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
    // The person (or a colleague) asks again: nothing more reaches Studio.
    const again = visibleText(await b.answer((await b.command(`rerun ${runId}`, USERS.admin)).responseId));
    expect(again).toContain('RUNNING');
    expect(b.requests(RERUN)).toHaveLength(1);
  });

  it('rerun answered with an unknown code before anything was applied: unknown, verified, then "did not take effect"', async () => {
    const runId = failedRun('github_clean');
    const ask = await b.answer((await b.command(`rerun ${runId}`, USERS.admin)).responseId);
    const opId = confirmOf(ask);
    const before = b.requests(RERUN).length;
    b.sb.faults.add({ path: RERUN, kind: 'business', code: 'CZ-IDE-59999', message: 'unexpected' });
    const text = visibleText(await b.answer((await b.click('op_confirm', opId, USERS.admin)).responseId));
    expect(b.requests(RERUN).length).toBe(before + 1);
    expect(text).toContain('*not* safe to try again yet');
    expect((await b.bot.services.audit.byOp(opId)).map((r) => r.outcome)).toEqual(['requested', 'unknown']);
    b.clock.advance(65_000);
    await b.bot.services.operations.verifyPending();
    expect((await b.bot.services.audit.byOp(opId)).map((r) => r.outcome)).toEqual(['requested', 'unknown', 'failed']);
    expect(b.requests(RERUN).length).toBe(before + 1);
  });

  it('a code that proves refusal stays a refusal (RERUN_NOT_ALLOWED): failed at once, nothing to verify', async () => {
    const runId = failedRun('04_transform_ods_to_dwd');
    const ask = await b.answer((await b.command(`rerun ${runId}`, USERS.admin)).responseId);
    const opId = confirmOf(ask);
    b.sb.faults.add({ path: RERUN, kind: 'business', code: 'RERUN_NOT_ALLOWED', message: '任务不允许重跑' });
    const text = visibleText(await b.answer((await b.click('op_confirm', opId, USERS.admin)).responseId));
    expect(text).toContain('Studio refused it');
    expect((await b.bot.services.audit.byOp(opId)).map((r) => r.outcome)).toEqual(['requested', 'failed']);
  });

  it('backfill answered SYSTEM_ERROR after the job was created: one job, and the modal says it was created', async () => {
    const opens = b.slack.callsOf('views.open').length;
    const updates = b.slack.callsOf('views.update').length;
    await b.command('backfill 04_transform_ods_to_dwd 2026-11-18 2026-11-19', USERS.operator);
    await b.slack.waitForCall('views.open', opens);
    const update = await b.slack.waitForCall('views.update', updates);
    const view = { ...(update.args.view as Record<string, unknown>), id: update.args.view_id as string };
    const jobsBefore = b.sb.store.jobs().length;
    b.sb.faults.add({ path: BACKFILL, kind: 'business', code: 'SYSTEM_ERROR', message: 'internal', afterHandling: true });
    const n = b.slack.callsOf('views.update').length;
    await b.submitView(backfillSubmission(view, '2026-11-18', '2026-11-19'), USERS.operator);
    const result = visibleText((await b.slack.waitForCall('views.update', n)).args.view as Record<string, unknown>);
    expect(b.requests(BACKFILL)).toHaveLength(1);
    expect(b.sb.store.jobs().length).toBe(jobsBefore + 1);
    expect(result).not.toContain('refused');
    expect(result).toMatch(/Studio answered SYSTEM_ERROR, but re-reading shows it took effect\. Backfill job \d+ exists/);
    const rows = (await b.bot.services.audit.query({ action: 'backfill', actorId: USERS.operator, limit: 2 })).reverse();
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
  });
});
