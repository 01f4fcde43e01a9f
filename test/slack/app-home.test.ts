/** The App Home tab: what needs someone now (open alerts, backfills waiting for approval), then roles, history, help. */
import { afterEach, describe, expect, it } from 'vitest';
import { type BotHarness, USERS, startBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

let b: BotHarness;
afterEach(async () => {
  expect(b.slack.violations).toEqual([]);
  await b.close();
});

async function home(user: string): Promise<{ text: string; blocks: { type: string; elements?: { action_id?: string; value?: string }[] }[] }> {
  const before = b.slack.callsOf('views.publish').length;
  await b.event({ type: 'app_home_opened', user, channel: `D${user}`, tab: 'home' });
  const call = await b.slack.waitForCall('views.publish', before);
  expect(call.args.user_id).toBe(user);
  const view = call.args.view as { blocks: never[] };
  return { text: visibleText(view as never), blocks: view.blocks };
}

describe('App Home', () => {
  it('shows the open alerts (who has each) and the backfills waiting for approval, saying who can approve', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    const alerts = b.bot.services.alerts!;
    await alerts.poll();
    await alerts.flush();
    const open = await alerts.store.openCards();
    expect(open.length).toBeGreaterThan(2);
    const etl = open.find((c) => c.taskName === '04_transform_ods_to_dwd')!;
    await alerts.acknowledge(etl.id, USERS.operator);
    const waiting = await b.bot.services.operations.submitBackfill({ userId: USERS.operator, channelId: 'C0OPS', source: 'modal' }, {
      taskId: 0,
      task: '04_transform_ods_to_dwd',
      from: '2026-11-10',
      to: '2026-11-16',
    } as never);
    expect(waiting.kind).toBe('approval');

    const admin = await home(USERS.admin);
    expect(admin.text).toContain(`Open alerts (${open.length})`);
    for (const c of open) expect(admin.text).toContain(c.taskName);
    expect(admin.text).toMatch(/04_transform_ods_to_dwd>? in <#CALERTS> · failed <!date\^\d+\^[^>]+> · :eyes: <@UOPS1>/);
    expect(admin.text).toContain('Waiting for approval (1)');
    expect(admin.text).toContain(`<@${USERS.operator}> asks to backfill \`04_transform_ods_to_dwd\` 2026-11-10 … 2026-11-16 (7 business dates)`);
    expect(admin.text).toContain('You can approve it');
    // A bulk rerun over the limit waits there too, named for what it reruns.
    const t = b.sb.store.taskByName('05_dqc_check')!;
    const end = b.clock.now() - 60_000;
    const runIds = Array.from({ length: 21 }, (_, i) =>
      b.sb.store.insertRun({
        task_id: t.id,
        instance_type: 1,
        status: 3,
        plan_time: end - 120_000 - i,
        ready_at: end - 120_000,
        trigger_time: end - 120_000,
        start_time: end - 100_000,
        end_time: end,
        fail_type: 'RUNTIME_ERROR',
        fail_msg: 'x',
        executor: 'scheduler',
        vc_code: t.vc_code,
        biz_date: '2026-11-21',
        duration_ms: 60_000,
        attempts: 1,
      }),
    );
    const bulk = await b.bot.services.operations.requestBulkRerun({ userId: USERS.admin, channelId: 'C0OPS', source: 'alert' }, runIds, { label: 'the 21 test runs' });
    expect(bulk.kind).toBe('bulk_approval');
    const admin2 = await home(USERS.admin2);
    expect(admin2.text).toContain('Waiting for approval (2)');
    expect(admin2.text).toMatch(/<@UADMIN1> asks to rerun the 21 test runs \(21 runs\) · \*You can approve it\*/);
    // The requester sees it waiting for someone else.
    const requester = await home(USERS.operator);
    expect(requester.text).toContain('Waiting for another admin');
    expect(requester.text).not.toContain('You can approve it');
    // What needs someone comes before roles and history.
    expect(admin.text.indexOf('Open alerts')).toBeLessThan(admin.text.indexOf('your roles'));
  });

  it('says so when nothing needs anyone', async () => {
    b = await startBotHarness();
    const viewer = await home(USERS.viewer);
    expect(viewer.text).toContain('No open alerts');
    expect(viewer.text).toContain('No backfill or rerun is waiting for approval');
  });
});
