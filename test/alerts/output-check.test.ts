/**
 * "Succeeded but wrote nothing": a scheduled SQL run whose output partition is empty (or far
 * below the business dates before it) raises a card with the empty-result knowledge entry; the
 * card closes when the partition holds rows again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { outputOf } from '../../src/studio/task-sql.js';
import type { AlertService } from '../../src/alerts/service.js';
import { type BotHarness, startBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

describe('outputOf: the table a task writes, from its SQL', () => {
  it('reads INSERT OVERWRITE … PARTITION (dt = ${bizdate}) and INSERT INTO', () => {
    expect(outputOf("INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail PARTITION (dt = '${bizdate}')\nSELECT …")).toEqual({
      table: 'ecommerce_dwd.orders_detail',
      partition: { column: 'dt', param: 'bizdate' },
    });
    expect(outputOf('-- INSERT INTO x.y\ninsert into legacy_dwd.hourly select * from legacy_ods.orders')).toEqual({ table: 'legacy_dwd.hourly', partition: undefined });
    expect(outputOf('SELECT COUNT(*) FROM ecommerce_dwd.orders_detail')).toBeUndefined();
    expect(outputOf("INSERT OVERWRITE TABLE orders PARTITION (dt='${bizdate}') SELECT 1")).toBeUndefined(); // no schema: not known for sure
  });
});

let b: BotHarness;
const alerts = (): AlertService => b.bot.services.alerts!;
async function settle() {
  await alerts().poll();
  await alerts().flush();
}
const emptyCards = async () => (await alerts().store.cards()).filter((c) => c.subject?.startsWith('empty:'));

describe('the output check after scheduled runs', () => {
  afterEach(async () => {
    expect(b.slack.violations).toEqual([]);
    await b.close();
  });

  it('an empty business-date partition after a successful run makes one card, which closes when the partition holds rows', async () => {
    b = await startBotHarness({ alertChannels: 'ecommerce_dw=COUT' });
    await settle();
    const [card, ...others] = await emptyCards();
    expect(others).toEqual([]);
    expect(card).toMatchObject({
      taskName: '04_transform_ods_to_dwd',
      latestRunId: 7000023,
      bizDate: '2026-11-20',
      causeId: 'data.empty_result_left_join',
      status: 'open',
      subject: 'empty:ecommerce_dwd.orders_detail',
    });
    expect(card!.failMsg).toMatch(
      /^Run 7000023 succeeded but wrote 0 rows to ecommerce_dwd\.orders_detail \(partition dt=2026-11-20\); the 3 business dates before averaged 1\d,\d{3} rows\.$/,
    );
    const posted = b.slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'COUT' && !c.args.thread_ts && String(c.args.text).startsWith('Wrote nothing'))!;
    const text = visibleText(posted.args);
    expect(text).toContain('04_transform_ods_to_dwd succeeded but wrote nothing');
    expect(text).toContain('*Likely cause:* The run succeeded but wrote no rows `data.empty_result_left_join`');
    expect(text).toContain('*Finished at*');
    // The COUNT(*)s went through the read-only client: the date, and the three before it.
    expect(b.sb.lakehouse.statements).toContain("SELECT COUNT(*) AS n FROM `ecommerce_dwd`.`orders_detail` WHERE `dt` = '2026-11-20'");
    expect(b.sb.lakehouse.statements).toContain("SELECT COUNT(*) AS n FROM `ecommerce_dwd`.`orders_detail` WHERE `dt` = '2026-11-17'");

    // The next poll counts nothing again for that run, and raises nothing new.
    const counts = b.sb.lakehouse.statements.filter((s) => s.includes("`dt` = '2026-11-20'")).length;
    b.clock.advance(60_000);
    await settle();
    expect(await emptyCards()).toHaveLength(1);
    expect(b.sb.lakehouse.statements.filter((s) => s.includes("`dt` = '2026-11-20'")).length).toBe(counts + 1); // only the open card's re-count

    // Someone reran it and the partition has rows: the card closes, saying so.
    b.sb.lakehouse.table('ecommerce_dwd.orders_detail')!.rows['2026-11-20'] = 12_345;
    b.clock.advance(60_000);
    await settle();
    expect((await alerts().store.card(card!.id))!.status).toBe('resolved');
    const thread = b.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === card!.ts)
      .map((c) => visibleText(c.args))
      .join('\n');
    expect(thread).toContain('ecommerce_dwd.orders_detail (partition dt=2026-11-20) now holds 12,345 rows.');
  });

  it("the card, the run's log and Diagnose tell the same story (issue 33, defect 3)", async () => {
    b = await startBotHarness({ alertChannels: 'ecommerce_dw=COUT' });
    await settle();
    const [card] = await emptyCards();
    expect(card).toMatchObject({ latestRunId: 7000023, causeId: 'data.empty_result_left_join' });
    // The run's own log says what the card says: nothing written.
    const attempts = await b.client.listAttempts(7000023);
    const log = (await b.client.readLog(7000023, attempts.at(-1)!.id, 100_000)).text;
    expect(log).toMatch(/Rows written: 0\b/);
    // Diagnose on the card names the card's cause first, and no cause of a manual run (this run was scheduled).
    await b.click('triage_diagnose', JSON.stringify({ c: card!.id, r: card!.latestRunId }), 'UOPS1', { channel: 'COUT', messageTs: card!.ts!, ephemeral: false });
    const reply = await b.slack.waitForCall('chat.postMessage', b.slack.callsOf('chat.postMessage').length);
    const text = visibleText(reply.args);
    expect(text).toContain('Diagnosis of run 7000023');
    expect(text).toContain('data.empty_result_left_join');
    expect(text).not.toContain('manual run');
  });

  it('a partition far below the dates before it raises a card; one within the ratio does not', async () => {
    b = await startBotHarness({ alertChannels: 'ecommerce_dw=COUT' });
    b.sb.lakehouse.table('ecommerce_dwd.orders_detail')!.rows['2026-11-20'] = 3_000;
    await settle();
    const [card] = await emptyCards();
    expect(card!.failMsg).toMatch(/^Run 7000023 succeeded but wrote 3,000 rows to ecommerce_dwd\.orders_detail \(partition dt=2026-11-20\), 7\d % below the average/);
    expect(visibleText(b.slack.callsOf('chat.postMessage').find((c) => String(c.args.text).startsWith('Wrote nothing'))!.args)).toContain('succeeded but wrote far fewer rows');
    // 9,000 is within 50 % of ~12,000: the card closes at the next poll.
    b.sb.lakehouse.table('ecommerce_dwd.orders_detail')!.rows['2026-11-20'] = 9_000;
    b.clock.advance(60_000);
    await settle();
    expect((await alerts().store.card(card!.id))!.status).toBe('resolved');
  });
});
