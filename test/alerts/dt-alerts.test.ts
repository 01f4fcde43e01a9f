/**
 * Dynamic Table alerts: refresh failures and suspensions read from Lakehouse's refresh history
 * (one statement per poll) become triage cards; Refresh now goes through the operations path
 * (policy at click time, confirmation, one write however often it is clicked, audit); the card
 * closes itself when a later refresh succeeds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertService } from '../../src/alerts/service.js';
import { type BotHarness, USERS, startBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';
import { until } from '../helpers/wait.js';

let b: BotHarness;
afterEach(async () => {
  expect(b.slack.violations).toEqual([]);
  await b.close();
});

const alerts = (): AlertService => b.bot.services.alerts!;
async function settle() {
  await alerts().poll();
  await alerts().flush();
}
const historyReads = () => b.sb.lakehouse.statements.filter((s) => s.startsWith('SHOW DYNAMIC TABLE REFRESH HISTORY WHERE start_time >=')).length;
const refreshes = () => b.sb.lakehouse.statements.filter((s) => s.startsWith('REFRESH DYNAMIC TABLE'));
const dtCard = async (table: string) => (await alerts().store.openCards()).find((c) => c.subject === `dt:${table}`);
const elements = (msg: Record<string, unknown>) => (msg.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((x) => x.elements ?? []);
const click = (action: string, value: string, user: string, ts: string) => b.click(action, value, user, { channel: 'CDT', messageTs: ts, ephemeral: false });

describe('Dynamic Table alerts', () => {
  it('a failing and a suspended Dynamic Table make one card each, from one SQL statement per poll', async () => {
    b = await startBotHarness({ alertChannels: 'ecommerce_dws=CDT,ecommerce_ads=CDT' });
    await settle();
    expect(historyReads()).toBe(1);
    const failing = (await dtCard('ecommerce_dws.user_retention'))!;
    expect(failing).toMatchObject({ causeId: 'engine.queue_full', count: 3, channel: 'CDT', taskType: 'Dynamic Table' });
    const suspended = (await dtCard('ecommerce_ads.top_products'))!;
    expect(suspended.causeId).toBe('dt.suspended');
    expect(await dtCard('ecommerce_dws.sales_daily')).toBeUndefined();
    const posted = b.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CDT' && !c.args.thread_ts);
    expect(posted).toHaveLength(2);
    const text = posted.map((p) => visibleText(p.args)).join('\n');
    expect(text).toContain('Dynamic Table ecommerce_dws.user_retention refresh failed');
    expect(text).toContain('*Likely cause:* VCluster queue full `engine.queue_full`');
    expect(text).toContain('Dynamic Table ecommerce_ads.top_products suspended');
    expect(text).toContain('auto-suspended after 5 consecutive refresh failures');

    // A second poll: one more statement, nothing posted again.
    b.clock.advance(60_000);
    await settle();
    expect(historyReads()).toBe(2);
    expect(b.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CDT' && !c.args.thread_ts)).toHaveLength(2);
    // A new failed refresh of the same table, same cause: the same card counts it.
    b.clock.advance(3_600_000);
    await settle();
    expect((await dtCard('ecommerce_dws.user_retention'))!.count).toBe(4);
    expect((await alerts().store.openCards()).filter((c) => c.subject?.startsWith('dt:'))).toHaveLength(2);
  });

  it('Refresh now: refused without rights; confirmed by an admin it is sent once, however often it is clicked; the card closes', async () => {
    b = await startBotHarness({ alertChannels: 'ecommerce_dws=CDT,ecommerce_ads=CDT' });
    await settle();
    const card = (await dtCard('ecommerce_dws.user_retention'))!;
    const value = JSON.stringify({ c: card.id, r: 0 });

    // The operator's scope is ecommerce_dw/*: not this schema.
    const refused = visibleText(await b.answer((await click('triage_dt_refresh', value, USERS.operator, card.ts!)).responseId));
    expect(refused).toMatch(/operator/);
    expect(refreshes()).toHaveLength(0);
    expect((await b.bot.services.audit.query({ actorId: USERS.operator, since: 0, limit: 5 }))[0]).toMatchObject({ action: 'refresh_dt', outcome: 'refused' });

    const ask = await b.answer((await click('triage_dt_refresh', value, USERS.admin, card.ts!)).responseId);
    expect(visibleText(ask)).toContain('Refresh Dynamic Table ecommerce_dws.user_retention now?');
    expect(visibleText(ask)).toContain("Its latest refresh: failed — CZLH-60015: virtual cluster 'default' queue is full");
    expect(visibleText(ask)).toContain('Nothing is sent to Lakehouse until you confirm.');
    expect(refreshes()).toHaveLength(0); // nothing before the confirmation
    const opId = elements(ask).find((e) => e.action_id === 'op_confirm')!.value;
    const [first, second] = await Promise.all([b.click('op_confirm', opId, USERS.admin), b.click('op_confirm', opId, USERS.admin)]);
    const answers = [visibleText(await b.answer(first.responseId)), visibleText(await b.answer(second.responseId))].join('\n');
    expect(answers).toContain('Dynamic Table ecommerce_dws.user_retention refreshed (job ');
    expect(refreshes()).toEqual(['REFRESH DYNAMIC TABLE `ecommerce_dws`.`user_retention`']);
    const audit = (await b.bot.services.audit.query({ actorId: USERS.admin, since: 0, limit: 10 })).filter((r) => r.action === 'refresh_dt');
    expect(audit.map((r) => r.outcome)).toEqual(expect.arrayContaining(['requested', 'succeeded']));

    // The next poll sees the successful refresh: the card closes and says who fixed it.
    b.clock.advance(60_000);
    await settle();
    const closed = (await alerts().store.card(card.id))!;
    expect(closed).toMatchObject({ status: 'resolved', resolvedBy: `<@${USERS.admin}>`, resolvedHow: 'Refresh now from this card' });
    const thread = b.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === card.ts)
      .map((c) => visibleText(c.args));
    expect(thread.join('\n')).toMatch(/Resolved by @uadmin1 \(Refresh now from this card\): refresh job \d+ succeeded \(\d+ rows inserted\)/);
    const update = b.slack
      .callsOf('chat.update')
      .filter((c) => c.args.ts === card.ts)
      .at(-1)!;
    expect(visibleText(update.args)).toContain('ecommerce_dws.user_retention — refreshing again');
  });

  it("a Refresh now that fails says so in the card's thread, with why (issue 33, item 3)", async () => {
    b = await startBotHarness({ alertChannels: 'ecommerce_dws=CDT,ecommerce_ads=CDT' });
    await settle();
    const card = (await dtCard('ecommerce_ads.top_products'))!;
    const ask = await b.answer((await click('triage_dt_refresh', JSON.stringify({ c: card.id, r: 0 }), USERS.admin, card.ts!)).responseId);
    const opId = elements(ask).find((e) => e.action_id === 'op_confirm')!.value;
    expect(visibleText(await b.answer((await b.click('op_confirm', opId, USERS.admin)).responseId))).toMatch(/Table or view not found/);
    await new Promise((r) => setTimeout(r, 150));
    await alerts().flush();
    const thread = b.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === card.ts)
      .map((c) => visibleText(c.args))
      .join('\n');
    expect(thread).toMatch(/@uadmin1 pressed Refresh now: it failed — .*Table or view not found: ecommerce_dwd\.refunds_detail/);
    expect((await alerts().store.card(card.id))!.status).toBe('open');
  });

  it('a refresh that fails again says why and leaves the card open; Logs shows the refresh history', async () => {
    b = await startBotHarness({ alertChannels: 'ecommerce_dws=CDT,ecommerce_ads=CDT' });
    await settle();
    const card = (await dtCard('ecommerce_ads.top_products'))!;
    const value = JSON.stringify({ c: card.id, r: 0 });
    const ask = await b.answer((await click('triage_dt_refresh', value, USERS.admin, card.ts!)).responseId);
    const done = visibleText(await b.answer((await b.click('op_confirm', elements(ask).find((e) => e.action_id === 'op_confirm')!.value, USERS.admin)).responseId));
    expect(done).toContain('Lakehouse ran the refresh and it failed: CZLH-42000: Table or view not found: ecommerce_dwd.refunds_detail');
    b.clock.advance(60_000);
    await settle();
    expect((await alerts().store.card(card.id))!.status).toBe('open');

    await click('triage_logs', value, USERS.viewer, card.ts!);
    const thread = await until(() => {
      const t = b.slack
        .callsOf('chat.postMessage')
        .filter((c) => c.args.thread_ts === card.ts)
        .map((c) => visibleText(c.args))
        .join('\n');
      return t.includes('Refresh history') ? t : undefined;
    });
    expect(thread).toContain('Refresh history of ecommerce_ads.top_products');
    expect(thread).toContain('Table or view not found: ecommerce_dwd.refunds_detail');
  });

  it('Refresh now whose answer is lost after Lakehouse ran it: verified in the refresh history, reported as done, never sent twice', async () => {
    b = await startBotHarness({ alertChannels: 'ecommerce_dws=CDT,ecommerce_ads=CDT' });
    await settle();
    const card = (await dtCard('ecommerce_dws.user_retention'))!;
    const ask = await b.answer((await click('triage_dt_refresh', JSON.stringify({ c: card.id, r: 0 }), USERS.admin, card.ts!)).responseId);
    // Lakehouse runs the REFRESH, then the connection drops before the answer arrives.
    b.sb.faults.add({ path: '/lh/submitJob', kind: 'drop', afterHandling: true, times: 1 });
    const done = visibleText(await b.answer((await b.click('op_confirm', elements(ask).find((e) => e.action_id === 'op_confirm')!.value, USERS.admin)).responseId));
    expect(done).toMatch(/re-reading shows it took effect\. Refresh job \d+ succeeded\./);
    expect(refreshes()).toEqual(['REFRESH DYNAMIC TABLE `ecommerce_dws`.`user_retention`']);
    const audit = (await b.bot.services.audit.query({ actorId: USERS.admin, since: 0, limit: 10 })).filter((r) => r.action === 'refresh_dt');
    expect(audit[0]).toMatchObject({ outcome: 'succeeded' });
  });
});
