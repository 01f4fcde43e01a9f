/**
 * Issue 33, item 5: nothing silently lost, and it shows. Studio unreachable for three poll
 * intervals: one "alerts may be missing" notice in the alert channel, /readyz and /metrics say so;
 * when Studio answers again the notice is edited, and the failures of the gap get their cards,
 * marked late.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertService } from '../../src/alerts/service.js';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { type BotHarness, USERS, startBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

let b: BotHarness;
afterEach(async () => {
  expect(b.slack.violations).toEqual([]);
  await b.close();
});

const alerts = (): AlertService => b.bot.services.alerts!;
const MINUTE = 60_000;

describe('heartbeat', () => {
  it('Studio unreachable for 3 intervals: one "alerts may be missing" notice, edited when it recovers; the gap’s failures are posted afterwards, marked late', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await alerts().poll();
    await alerts().flush();
    const posts = () => b.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CALERTS' && !c.args.thread_ts);
    const notices = () => posts().filter((c) => visibleText(c.args).includes('Alerts may be missing since'));

    b.sb.faults.add({ path: '*', kind: 'drop', times: Number.POSITIVE_INFINITY });
    const outageStart = b.clock.now() + MINUTE;
    // A failure while the bot cannot see Studio.
    const t = b.sb.store.taskByName('etl_orders_daily')!;
    for (let i = 1; i <= 4; i++) {
      b.clock.advance(MINUTE);
      if (i === 2) {
        const end = b.clock.now() - 10_000;
        b.sb.store.insertRun({
          task_id: t.id,
          instance_type: 1,
          status: RUN_STATUS.FAILED,
          plan_time: end - 120_000,
          ready_at: end - 120_000,
          trigger_time: end - 120_000,
          start_time: end - 100_000,
          end_time: end,
          fail_type: 'SQL_ERROR',
          fail_msg: "CZLH-42000: Syntax error at or near 'FORM' [12,8]",
          executor: 'scheduler',
          vc_code: t.vc_code,
          biz_date: '2026-11-22',
          duration_ms: 60_000,
          attempts: 1,
        });
      }
      await expect(alerts().poll()).rejects.toThrow();
      expect(notices()).toHaveLength(i < 3 ? 0 : 1); // one notice, on the third failed poll, never another
    }
    const notice = notices()[0]!;
    const hhmm = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: b.sb.sim.opts.timeZone }).format(outageStart);
    expect(visibleText(notice.args)).toContain(`Alerts may be missing since ${hhmm}`);
    expect(visibleText(notice.args)).toContain('Studio unreachable');
    const ready = await fetch(`${b.botUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.alerts).toContain('alerts may be missing since');
    expect(await (await fetch(`${b.botUrl}/metrics`)).text()).toMatch(/studio_ops_alerts_may_be_missing\{workspace="[^"]+"\} 1/);
    // And on Home.
    const published = b.slack.callsOf('views.publish').length;
    await b.event({ type: 'app_home_opened', user: USERS.viewer, channel: `D${USERS.viewer}`, tab: 'home' });
    const home = await b.slack.waitForCall('views.publish', published);
    expect(JSON.stringify(home.args.view)).toMatch(new RegExp(`Alerts may be missing since ${hhmm} \\([^)]+\\): Studio unreachable\\.`));

    // Studio answers again: the notice is edited, the gap's failure gets its card, marked late.
    b.sb.faults.clear();
    b.clock.advance(MINUTE);
    await alerts().poll();
    await alerts().flush();
    expect(notices()).toHaveLength(1);
    const edited = b.slack.callsOf('chat.update').filter((c) => c.args.channel === 'CALERTS' && visibleText(c.args).includes('Alerts were delayed'));
    expect(edited).toHaveLength(1);
    expect(visibleText(edited[0]!.args)).toContain(`Alerts were delayed from ${hhmm}`);
    const card = (await alerts().store.cards()).find((c) => c.taskName === 'etl_orders_daily' && c.failMsg?.includes('FORM'))!;
    expect(card).toBeDefined();
    const thread = b.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === card.ts)
      .map((c) => visibleText(c.args))
      .join('\n');
    expect(thread).toContain('Posted late');
    // The messages sent, by outcome.
    const metrics = await (await fetch(`${b.botUrl}/metrics`)).text();
    expect(metrics).toMatch(/studio_ops_alert_messages\{workspace="[^"]+",outcome="posted"\} [1-9]/);
    expect(metrics).toMatch(/studio_ops_alert_messages\{workspace="[^"]+",outcome="edited"\} [1-9]/);
    expect(metrics).toMatch(/studio_ops_alert_messages\{workspace="[^"]+",outcome="dropped"\} 0/);
    const readyAgain = await fetch(`${b.botUrl}/readyz`);
    expect(((await readyAgain.json()) as { checks: Record<string, string> }).checks.alerts).toBe('ok');
  }, 120_000);
});
