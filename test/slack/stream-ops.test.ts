/**
 * Operating streams through the same path as every write: confirmation, click-time policy,
 * idempotency (two people clicking Resync → one request), audit, and verification of an unclear answer.
 */
import { describe, expect, it } from 'vitest';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();
const T = '/ide-admin/v1/timelyTask';
const id = (name: string) => b.sb.store.taskByName(name)!.id;
type Blocks = { type: string; elements?: { action_id: string; value?: string }[]; accessory?: { action_id: string; value?: string } }[];
const buttons = (msg: Record<string, unknown>) => (msg.blocks as Blocks).flatMap((x) => [...(x.elements ?? []), ...(x.accessory ? [x.accessory] : [])]);
const confirmOf = (msg: Record<string, unknown>) => buttons(msg).find((e) => e.action_id === 'op_confirm')!.value!;
const writes = () => b.sb.journal.filter((e) => e.path.startsWith(T) && !/\/(list|getDetail|micro\/schedule\/list|pipeline\/slotList)$/.test(e.path));

describe('operating streams', () => {
  it('a viewer is refused and audited; starting a running stream is refused by its state; nothing is sent', async () => {
    const viewer = visibleText(await b.answer((await b.command('stream stop rt_sync_kafka_orders', USERS.viewer)).responseId));
    expect(viewer).toContain('*stop* needs *operator*');
    const running = visibleText(await b.answer((await b.command('stream start rt_sync_kafka_orders', USERS.admin)).responseId));
    expect(running).toContain('is already running; nothing to start');
    const single = visibleText(await b.answer((await b.command('stream resync rt_sync_kafka_orders orders', USERS.admin)).responseId));
    expect(single).toContain('single-table stream');
    const batch = visibleText(await b.answer((await b.command('stream restart 04_transform_ods_to_dwd', USERS.admin)).responseId));
    expect(batch).toContain('not a stream');
    const usage = visibleText(await b.answer((await b.command('stream resync cdc_mysql_shop', USERS.admin)).responseId));
    expect(usage).toContain('acts on one table of a CDC pipeline');
    expect(writes()).toHaveLength(0);
    const refused = (await b.bot.services.audit.query({ limit: 50 })).filter((r) => r.outcome === 'refused' && r.action.startsWith('stream_'));
    expect(refused.map((r) => r.action)).toEqual(expect.arrayContaining(['stream_stop', 'stream_start']));
  });

  it('a restart of a running stream asks first (it will stop it), then stops and starts it once, audited with Studio’s request id', async () => {
    const ask = await b.answer((await b.command('stream restart rt_sync_kafka_orders', USERS.admin)).responseId);
    const text = visibleText(ask);
    expect(text).toContain('Restart the stream rt_sync_kafka_orders?');
    expect(text).toContain('The stream is running: Studio stops it, then starts it again from its last saved position');
    expect(writes()).toHaveLength(0);
    const opId = confirmOf(ask);
    const [c1, c2] = await Promise.all([b.click('op_confirm', opId, USERS.admin), b.click('op_confirm', opId, USERS.admin)]);
    const answers = [visibleText(await b.answer(c1.responseId)), visibleText(await b.answer(c2.responseId))];
    expect(answers.join('\n')).toContain('was restarted in Studio from its last position');
    expect(b.requests(`${T}/stopTimelyTask`)).toHaveLength(1);
    expect(b.requests(`${T}/startTimelyTask`)).toHaveLength(1);
    expect(b.requests(`${T}/startTimelyTask`)[0]!.body).toMatchObject({ timelyId: id('rt_sync_kafka_orders'), startupMode: 1, env: 'prod', updateBy: 'slack:uadmin1' });
    const rows = await b.bot.services.audit.byOp(opId);
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
    expect(rows[1]!.studioRequestId).toBe(b.requests(`${T}/startTimelyTask`)[0]!.headers['x-request-id']);
    expect(b.sb.streams.find(id('rt_sync_kafka_orders'))!.state).toBe('STARTING');
  });

  it('a failed CDC table: /cz task offers Resync table; two people clicking it → one request to Studio, both audited', async () => {
    b.sb.streams.failTable(id('cdc_mysql_shop'), 'order_items', "Data truncation: Data too long for column 'note' at row 1");
    const view = await b.answer((await b.command('task cdc_mysql_shop', USERS.admin)).responseId);
    const resync = buttons(view).find((e) => e.action_id === 'stream_table_resync')!;
    expect(resync).toBeDefined();
    const [a1, a2] = await Promise.all([b.click('stream_table_resync', resync.value!, USERS.admin), b.click('stream_table_resync', resync.value!, USERS.admin2)]);
    const [m1, m2] = [await b.answer(a1.responseId), await b.answer(a2.responseId)];
    expect(visibleText(m1)).toContain('Resync table shop.order_items of cdc_mysql_shop?');
    expect(visibleText(m1)).toContain("Data too long for column 'note'");
    const [o1, o2] = [confirmOf(m1), confirmOf(m2)];
    const [k1, k2] = await Promise.all([b.click('op_confirm', o1, USERS.admin), b.click('op_confirm', o2, USERS.admin2)]);
    const texts = [visibleText(await b.answer(k1.responseId)), visibleText(await b.answer(k2.responseId))];
    expect(b.requests(`${T}/resync/table`), texts.join('\n----\n')).toHaveLength(1);
    const sent = b.requests(`${T}/resync/table`)[0]!.body as Record<string, unknown>;
    expect(sent).toMatchObject({ pipelineId: id('cdc_mysql_shop'), tables: [JSON.parse(resync.value!).tb] });
    expect(texts.filter((t) => t.includes('sent to Studio') && !t.includes('Already done'))).toHaveLength(1);
    expect(texts.some((t) => t.includes('Already done by') || t.includes('already in its full sync'))).toBe(true);
    const audit = [...(await b.bot.services.audit.byOp(o1)), ...(await b.bot.services.audit.byOp(o2))].map((r) => `${r.action}:${r.outcome}`);
    expect(audit.sort()).toEqual(['table_resync:refused', 'table_resync:requested', 'table_resync:succeeded']);
    // A third click later is refused by the table's state: it is already resyncing.
    const later = await b.answer((await b.click('stream_table_resync', resync.value!, USERS.admin)).responseId);
    expect(visibleText(later)).toContain('already in its full sync');
    expect(b.requests(`${T}/resync/table`)).toHaveLength(1);
  });

  it('stop of a CDC pipeline sends cz-cli’s micro/stop; an unclear answer that took effect is verified as done', async () => {
    b.sb.faults.add({ path: `${T}/micro/stop`, kind: 'status', status: 500, afterHandling: true });
    const ask = await b.answer((await b.command('stream stop cdc_mysql_shop', USERS.admin)).responseId);
    const opId = confirmOf(ask);
    const text = visibleText(await b.answer((await b.click('op_confirm', opId, USERS.admin)).responseId));
    expect(text).toContain('re-reading shows it took effect');
    expect(b.requests(`${T}/micro/stop`)).toHaveLength(1);
    expect(b.requests(`${T}/micro/stop`)[0]!.body).toMatchObject({ fileId: String(id('cdc_mysql_shop')), updateBy: 'slack:uadmin1' });
    expect((await b.bot.services.audit.byOp(opId)).map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
    expect(b.sb.streams.find(id('cdc_mysql_shop'))!.state).toBe('STOPPED');
    // Stopped, its card offers the restart.
    const view = await b.answer((await b.command('task cdc_mysql_shop', USERS.admin)).responseId);
    expect(buttons(view).map((e) => e.action_id)).toContain('stream_restart');
  });

  it('a CDC pipeline restarts from a chosen time (cz-cli’s startupMode 4); a single-table stream or a future time is refused', async () => {
    const single = visibleText(await b.answer((await b.command('stream restart rt_sync_kafka_orders --from 2026-11-21T08:00:00Z', USERS.admin)).responseId));
    expect(single).toContain('not from a chosen time');
    const future = visibleText(await b.answer((await b.command('stream restart cdc_mysql_shop --from 2027-01-01', USERS.admin)).responseId));
    expect(future).toContain('in the future');
    const bad = visibleText(await b.answer((await b.command('stream restart cdc_mysql_shop --from yesterday', USERS.admin)).responseId));
    expect(bad).toContain('is not a time');
    const before = b.requests(`${T}/micro/start`).length;
    const ask = await b.answer((await b.command('stream restart cdc_mysql_shop --from 2026-11-21T08:00:00Z', USERS.admin)).responseId);
    expect(visibleText(ask)).toContain('reading the source from 2026-11-21 08:00:00 UTC');
    await b.answer((await b.click('op_confirm', confirmOf(ask), USERS.admin)).responseId);
    const sent = b.requests(`${T}/micro/start`).slice(before);
    expect(sent).toHaveLength(1);
    const mysql = b.sb.store.dataSources().find((d) => d.name === 'mysql_shop')!.id;
    expect(sent[0]!.body).toMatchObject({
      fileId: String(id('cdc_mysql_shop')),
      startupMode: 4,
      startupParams: { startupMode: 4, config: [{ datasourceId: mysql, startupMode: 2, startTimestamp: String(Date.parse('2026-11-21T08:00:00Z')) }] },
    });
    expect(b.sb.streams.find(id('cdc_mysql_shop'))!.lagMs).toBeGreaterThan(100 * 60_000);
  });
});
