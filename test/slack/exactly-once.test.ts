/**
 * Writes that happen exactly once under timeouts, restarts and concurrency (issue 13), through the
 * real HTTP receiver and the sandbox's fault injection. Each case was reproduced against the bot
 * before the fix; Studio's journal must hold exactly one write per intended operation and the audit
 * log must end each operation with its true outcome.
 */
import { describe, expect, it } from 'vitest';
import { RUN_TYPE } from '../../src/studio/enums.js';
import { USERS, backfillSubmission, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';
import { until } from '../helpers/wait.js';

const b = useBotHarness();
const RERUN = '/ide-admin/v1/taskInst/reRunTaskInstance';
const BACKFILL = '/ide-admin/v1/complementTask/createComplementJob';

type Blocks = { type: string; elements?: { action_id: string; value: string }[] }[];
const confirmValue = (msg: Record<string, unknown>) => (msg.blocks as Blocks).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;
const failedRun = (task: string) =>
  (b.sb.store.db.prepare('SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = ? AND r.status = 3 ORDER BY r.id DESC LIMIT 1').get(task) as { id: number }).id;
const lastOutcome = async (opId: string) => (await b.bot.services.audit.byOp(opId)).at(-1)!.outcome;

const backfillView = (task: string, from: string, to: string) =>
  backfillSubmission({ id: 'V1', callback_id: 'backfill_modal', private_metadata: JSON.stringify({ channelId: 'C0OPS' }) }, from, to, task);

describe('1. a write that lands after the client timeout', () => {
  it('is unknown, not "safe to try again"; an identical request is held; verification finds the one job', async () => {
    b.sb.faults.add({ path: BACKFILL, kind: 'latency', ms: 2_600, times: 1 }); // the client gives up at 2 s; Studio applies it at 2.6 s
    const shown = b.slack.callsOf('views.update').length;
    const first = await b.submitView(backfillView('04_transform_ods_to_dwd', '2026-11-16', '2026-11-17'), USERS.operator);
    expect(first.status).toBe(200);
    const told = visibleText((await b.slack.waitForCall('views.update', shown)).args.view as Record<string, unknown>);
    expect(told).not.toContain('safe to try again.');
    expect(told).toContain('*not* safe to try again yet');
    const op = await until(async () => (await b.bot.services.ops.withStatus('unknown')).find((o) => o.action === 'backfill'));
    // Doing it again at once: held, nothing sent.
    const updates = b.slack.callsOf('views.update').length;
    await b.submitView(backfillView('04_transform_ods_to_dwd', '2026-11-16', '2026-11-17'), USERS.operator);
    const again = await b.slack.waitForCall('views.update', updates);
    expect(visibleText(again.args.view as Record<string, unknown>)).toMatch(/not confirmed yet|not \*safe|still checking|held/i);
    await new Promise((r) => setTimeout(r, 1_000)); // Studio applies the first one meanwhile
    expect(b.requests(BACKFILL)).toHaveLength(1);
    await b.bot.services.operations.verifyPending();
    expect((await b.bot.services.ops.get(op.id))!.status).toBe('succeeded');
    expect(await lastOutcome(op.id)).toBe('succeeded');
    const refills = b.sb.store.db
      .prepare(
        "SELECT COUNT(*) n FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = '04_transform_ods_to_dwd' AND r.instance_type = ? AND r.biz_date IN ('2026-11-16','2026-11-17')",
      )
      .get(RUN_TYPE.REFILL) as { n: number };
    expect(refills.n).toBe(2);
    expect((await b.bot.services.audit.verify()).ok).toBe(true);
  });
});

describe("3. start-up reconciliation of the wizard's writes", () => {
  it('checks the folder or task the write was about, not backfill jobs', async () => {
    const s = b.bot.services;
    const folder = b.sb.store.folders().find((f) => f.name === 'ecommerce_dw')!;
    // Killed after Studio created the task, before the outcome was written.
    await s.audit.append({
      at: b.clock.now(),
      opId: 'wiz-create-1',
      actorId: USERS.admin,
      source: 'wizard',
      action: 'create_task',
      target: `folder:${folder.name}`,
      taskName: '05_dqc_check',
      params: { kind: 'SQL' },
      outcome: 'requested',
    });
    // And one that never reached Studio.
    await s.audit.append({
      at: b.clock.now(),
      opId: 'wiz-create-2',
      actorId: USERS.admin,
      source: 'wizard',
      action: 'create_folder',
      target: 'folder:never_made_dw',
      params: { name: 'never_made_dw' },
      outcome: 'requested',
    });
    await b.restart();
    const first = await b.bot.services.audit.byOp('wiz-create-1');
    expect(first.map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
    expect(first[1]!.error).toContain('Task 05_dqc_check exists in ecommerce_dw');
    expect((await b.bot.services.audit.byOp('wiz-create-2')).map((r) => r.outcome)).toEqual(['requested', 'unknown']);
    b.clock.advance(70_000);
    await b.bot.services.operations.verifyPending();
    expect((await b.bot.services.audit.byOp('wiz-create-2')).map((r) => r.outcome)).toEqual(['requested', 'unknown', 'failed']);
    expect((await b.bot.services.audit.byOp('wiz-create-2')).at(-1)!.error).toContain('There is no folder never_made_dw');
  });
});

describe('4. a wizard build interrupted by a stop', () => {
  it('is not left `executing`: after a restart it can be confirmed again', async () => {
    const w = b.bot.services.wizard;
    const view = await w.start(USERS.admin, 'DUADMIN1');
    b.bot.services.db.prepare("UPDATE wizard_sessions SET status = 'executing' WHERE id = ?").run(view.session.id);
    await b.restart();
    expect((await b.bot.services.wizard.get(view.session.id))!.status).toBe('confirming');
  });
});

describe('5. two operators confirming the same run at once', () => {
  it("send one rerun; the second sees the first's result", async () => {
    const runId = failedRun('github_clean');
    const ask = async (user: string) => confirmValue(await b.answer((await b.command(`rerun ${runId}`, user)).responseId));
    const [a, c] = [await ask(USERS.admin), await ask(USERS.admin2)];
    const before = b.requests(RERUN).length;
    b.sb.faults.add({ path: RERUN, kind: 'latency', ms: 300, times: 1 }); // a little overlap
    const [r1, r2] = await Promise.all([b.click('op_confirm', a, USERS.admin), b.click('op_confirm', c, USERS.admin2)]);
    const texts = [visibleText(await b.answer(r1.responseId)), visibleText(await b.answer(r2.responseId))];
    expect(b.requests(RERUN).length).toBe(before + 1);
    expect(texts.filter((t) => t.includes(`Rerun of run ${runId} started in Studio`))).toHaveLength(2);
    expect(texts.some((t) => /Already done by <@UADMIN[12]>|already done by @/i.test(t) || t.includes('Already done by'))).toBe(true);
    expect((await b.bot.services.audit.verify()).ok).toBe(true);
  });
});

describe('5b. two operators asking to rerun one run; the first rerun already over when the second confirms', () => {
  it('the second sends nothing and is told who reran it (the run failing again at once is no reason to send it twice)', async () => {
    const runId = failedRun('github_clean');
    const ask = async (user: string) => confirmValue(await b.answer((await b.command(`rerun ${runId}`, user)).responseId));
    const [a, c] = [await ask(USERS.admin), await ask(USERS.admin2)];
    const before = b.requests(RERUN).length;
    expect(visibleText(await b.answer((await b.click('op_confirm', a, USERS.admin)).responseId))).toContain(`Rerun of run ${runId} started in Studio`);
    // The rerun failed again at once (as a persistent failure can): the run is FAILED again, the first operation over.
    b.sb.store.updateRun(runId, { status: 3, end_time: b.clock.now() });
    const second = visibleText(await b.answer((await b.click('op_confirm', c, USERS.admin2)).responseId));
    expect(b.requests(RERUN).length).toBe(before + 1);
    expect(second).toMatch(/Already done by <@UADMIN1>: Rerun of run \d+ started in Studio\. You will see/);
    expect(second).toContain('Nothing was sent to Studio again');
    expect(await lastOutcome(c)).toBe('refused');
    // Asked afresh (after the first rerun), it is sent.
    b.clock.advance(1_000);
    const d = await ask(USERS.admin2);
    await b.answer((await b.click('op_confirm', d, USERS.admin2)).responseId);
    expect(b.requests(RERUN).length).toBe(before + 2);
  });
});

describe('5c. two people confirming their own reruns of one run while the first is slow to start', () => {
  it('the second does not take the target over from the first between its lock and its sending: one rerun', async () => {
    b.clock.advance(11 * 60_000);
    const runId = failedRun('05_dqc_check');
    const ask = async (user: string) => confirmValue(await b.answer((await b.command(`rerun ${runId}`, user)).responseId));
    const [a, c] = [await ask(USERS.admin), await ask(USERS.admin2)];
    // Every store call about the first person's operation is answered 300 ms late (a database far away, for that replica).
    const service = b.bot.services.operations as unknown as { d: { ops: Record<string, (...args: unknown[]) => Promise<unknown>> } };
    const ops = service.d.ops;
    service.d.ops = new Proxy(ops, {
      get: (t, name: string) => {
        const m = t[name]!;
        return async (...args: unknown[]) => {
          const answer = await m(...args);
          if (args.includes(a)) await new Promise((r) => setTimeout(r, 300));
          return answer;
        };
      },
    });
    try {
      const before = b.requests(RERUN).length;
      const first = b.click('op_confirm', a, USERS.admin);
      // The moment the first holds the run's write lock, the second confirms.
      await until(() => b.bot.services.db.prepare('SELECT 1 AS held FROM target_locks WHERE op_id = ?').get(a));
      const second = b.click('op_confirm', c, USERS.admin2);
      const texts = [visibleText(await b.answer((await first).responseId)), visibleText(await b.answer((await second).responseId))];
      expect(b.requests(RERUN).length).toBe(before + 1);
      expect(texts[0]).toContain(`Rerun of run ${runId} started in Studio`);
      expect(texts[1]).toContain('Already done by <@UADMIN1>');
    } finally {
      service.d.ops = ops;
    }
  });
});

describe('one write per target, not one intent per target', () => {
  it('two people backfilling different dates of one task at once: both are sent, one after the other', async () => {
    const before = b.requests(BACKFILL).length;
    b.sb.faults.add({ path: BACKFILL, kind: 'latency', ms: 300, times: 1 });
    const updates = b.slack.callsOf('views.update').length;
    await Promise.all([
      b.submitView(backfillView('05_dqc_check', '2026-11-10', '2026-11-10'), USERS.operator),
      b.submitView(backfillView('05_dqc_check', '2026-11-12', '2026-11-12'), USERS.admin),
    ]);
    await until(() => (b.slack.callsOf('views.update').length >= updates + 2 && b.requests(BACKFILL).length >= before + 2 ? true : undefined));
    const sent = b
      .requests(BACKFILL)
      .slice(before)
      .map((e) => (e.body as { dateList: { bizStartDate: number }[] }).dateList[0]!.bizStartDate);
    expect(sent).toHaveLength(2);
    expect(new Set(sent).size).toBe(2);
  });
});
