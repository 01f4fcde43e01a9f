/**
 * Changing a pipeline that exists, from Slack (issue 34, item 1): the entry menu's "Change an
 * existing pipeline" → seed 000's question → the pipeline select → the add-field modal (validated)
 * → the plan (impact, diffs, Confirm) → Confirm authorised at click time and carried out once →
 * the checkpoints in place → Undo; "add a field to …" typed in the DM; a plan made stale by a
 * change in Studio is refused with the new plan.
 */
import { describe, expect, it } from 'vitest';
import { ENTRY_MENU } from '../../src/blocks/entry-menu.js';
import { ADD_FIELD_FIELDS, ADD_SYNC_TABLE_FIELDS, CHANGE, QUESTION } from '../../src/blocks/pipeline-change.js';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { type ApiCall, visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();
const DM = `D${USERS.operator}`;
const BIZ = '2026-11-19';
type El = { action_id: string; value?: string; options?: { value: string }[] };
const elements = (c: ApiCall) => (c.args.blocks as { elements?: El[]; block_id?: string }[]).flatMap((x) => (x.elements ?? []).map((e) => ({ ...e, block_id: x.block_id })));
const posted = () => b.slack.callsOf('chat.postMessage').length;
const WRITE = /saveDataFileConfiguration|adhoc\/execute|dataFile\/submit|addAndReturnId/;
const writes = (from: number) => b.sb.journal.slice(from).filter((e) => WRITE.test(e.path));
const content = (name: string) => b.sb.store.taskByName(name)!;

function submission(view: Record<string, unknown>, v: { table: string; column: string; type: string; date: string | null }) {
  const F = ADD_FIELD_FIELDS;
  return {
    ...view,
    id: 'V1',
    hash: 'h',
    state: {
      values: {
        [F.table.block]: { [F.table.action]: { type: 'plain_text_input', value: v.table } },
        [F.column.block]: { [F.column.action]: { type: 'plain_text_input', value: v.column } },
        [F.type.block]: { [F.type.action]: { type: 'plain_text_input', value: v.type } },
        [F.bizDate.block]: { [F.bizDate.action]: { type: 'datepicker', selected_date: v.date } },
      },
    },
  };
}

/** The menu → add field → pipeline → modal; returns the modal as opened. */
async function openModal(user: string = USERS.operator): Promise<Record<string, unknown>> {
  let n = posted();
  await b.click(ENTRY_MENU.change, 'menu', user, { channel: DM, ephemeral: false });
  const menu = await b.slack.waitForCall('chat.postMessage', n);
  expect(visibleText(menu.args)).toContain(QUESTION);
  expect(visibleText(menu.args)).toMatch(/Add a sync table[\s\S]*Add a field[\s\S]*Add a metric \/ DWS[\s\S]*Modify ETL logic/);
  n = posted();
  await b.click(`${CHANGE.flow}_add_field`, 'add_field', user, { channel: DM, ephemeral: false });
  const pick = await b.slack.waitForCall('chat.postMessage', n);
  const select = elements(pick).find((e) => e.action_id === CHANGE.folder)!;
  expect(select.options!.map((o) => o.value)).toEqual(expect.arrayContaining(['ecommerce_dw', 'legacy_dw']));
  const opens = b.slack.callsOf('views.open').length;
  await b.click(CHANGE.folder, '', user, {
    channel: DM,
    ephemeral: false,
    action: { type: 'static_select', block_id: select.block_id, selected_option: { text: { type: 'plain_text', text: 'ecommerce_dw' }, value: 'ecommerce_dw' } },
  });
  return (await b.slack.waitForCall('views.open', opens)).args.view as Record<string, unknown>;
}

async function planFor(view: Record<string, unknown>, user: string = USERS.operator, column = 'coupon_code'): Promise<{ call: ApiCall; confirm: string; cancel: string }> {
  const n = posted();
  const r = await b.submitView(submission(view, { table: 'ecommerce_ods.orders', column, type: 'string', date: BIZ }), user);
  expect(r.status).toBe(200);
  const call = await b.slack.waitForCall('chat.postMessage', n, 15_000);
  const els = elements(call);
  return { call, confirm: els.find((e) => e.action_id === CHANGE.confirm)?.value ?? '', cancel: els.find((e) => e.action_id === CHANGE.cancel)?.value ?? '' };
}

describe('changing a pipeline from Slack: add a field', () => {
  it('menu → pipeline → modal (validated) → plan → Confirm once → checkpoints → Undo', async () => {
    const view = await openModal();
    expect(visibleText(view as never)).toContain('ecommerce_dw');

    // Bad input: the modal says what is wrong; nothing is posted, nothing written.
    const n0 = posted();
    const j0 = b.sb.journal.length;
    const bad = await b.submitView(submission(view, { table: 'orders', column: '1x', type: 'varchar2', date: null }), USERS.operator);
    const errors = JSON.parse(bad.body) as { response_action: string; errors: Record<string, string> };
    expect(errors.response_action).toBe('errors');
    expect(Object.keys(errors.errors).sort()).toEqual(
      Object.values(ADD_FIELD_FIELDS)
        .map((f) => f.block)
        .sort(),
    );
    expect(errors.errors[ADD_FIELD_FIELDS.table.block]).toContain('schema.table');
    expect(posted()).toBe(n0);
    expect(writes(j0)).toEqual([]);

    // The plan: impact and diffs, read-only.
    const before = { ods: content('01_ddl_ods').content, dwd: content('02_ddl_dwd').content, etl: content('04_transform_ods_to_dwd').content };
    const plan = await planFor(view);
    const shown = visibleText(plan.call.args);
    expect(shown).toContain('Impact:');
    expect(shown).toContain('touches 04_transform_ods_to_dwd → ecommerce_dwd.orders_detail');
    expect(shown).toContain('+ALTER TABLE ecommerce_ods.orders ADD COLUMN coupon_code STRING;');
    expect(shown).toContain('+o.coupon_code AS coupon_code');
    expect(plan.confirm).not.toBe('');
    expect(writes(j0)).toEqual([]);

    // A viewer's Confirm is refused at click time, audited; nothing written.
    const e0 = b.slack.callsOf('chat.postEphemeral').length;
    await b.click(CHANGE.confirm, plan.confirm, USERS.viewer, { channel: DM, ephemeral: false, messageTs: '1700000100.000100' });
    expect(visibleText((await b.slack.waitForCall('chat.postEphemeral', e0)).args)).toContain('needs *operator*');
    expect((await b.bot.services.audit.query({ actorId: USERS.viewer, action: 'change_pipeline', limit: 1 }))[0]!.outcome).toBe('refused');
    expect(writes(j0)).toEqual([]);

    // Two Confirm clicks: one execution.
    const u0 = b.slack.callsOf('chat.update').length;
    const j1 = b.sb.journal.length;
    await Promise.all([
      b.click(CHANGE.confirm, plan.confirm, USERS.operator, { channel: DM, ephemeral: false, messageTs: '1700000100.000100' }),
      b.click(CHANGE.confirm, plan.confirm, USERS.operator, { channel: DM, ephemeral: false, messageTs: '1700000100.000100' }),
    ]);
    let last: ApiCall | undefined;
    for (let i = 0; i < 200; i++) {
      const ups = b.slack.callsOf('chat.update').slice(u0);
      last = ups.at(-1);
      if (last && /Done\.|Stopped/.test(visibleText(last.args))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const progress = b.slack
      .callsOf('chat.update')
      .slice(u0)
      .map((c) => visibleText(c.args));
    // Checkpoints shown as they pass, in place (the plan's message).
    expect(progress.some((t) => t.includes(':white_check_mark: ODS: ALTER') && t.includes(':white_circle: DWD'))).toBe(true);
    const final = visibleText(last!.args);
    expect(final).toContain(':white_check_mark: Done.');
    expect(final).toContain(':white_check_mark: ETL script saved and redeployed');
    expect(last!.args.ts).toBe('1700000100.000100');
    // Studio received the flow once: one save of each draft, one deploy.
    const saves = writes(j1).filter((e) => e.path.endsWith('saveDataFileConfiguration')).length;
    expect(saves).toBe(3);
    expect(writes(j1).filter((e) => e.path.endsWith('dataFile/submit')).length).toBe(1);
    expect(content('04_transform_ods_to_dwd').content).toContain('o.coupon_code AS coupon_code');
    expect(content('01_ddl_ods').content).toContain('ADD COLUMN coupon_code STRING');
    const rows = await b.bot.services.audit.query({ actorId: USERS.operator, limit: 100 });
    expect(rows.some((r) => r.action === 'change_pipeline_done')).toBe(true);
    expect(rows.filter((r) => r.action === 'save_content' && r.outcome === 'succeeded').length).toBe(3);

    // Undo: every content back as it was; a second Undo does nothing.
    const undo = elements(last!).find((e) => e.action_id === CHANGE.undo)!.value!;
    const p0 = posted();
    await b.click(CHANGE.undo, undo, USERS.operator, { channel: DM, ephemeral: false, messageTs: '1700000100.000100' });
    expect(visibleText((await b.slack.waitForCall('chat.postMessage', p0, 15_000)).args)).toContain('Undone');
    expect(content('01_ddl_ods').content).toBe(before.ods);
    expect(content('02_ddl_dwd').content).toBe(before.dwd);
    expect(content('04_transform_ods_to_dwd').content).toBe(before.etl);
    const j2 = b.sb.journal.length;
    const e1 = b.slack.callsOf('chat.postEphemeral').length;
    await b.click(CHANGE.undo, undo, USERS.operator, { channel: DM, ephemeral: false });
    expect(visibleText((await b.slack.waitForCall('chat.postEphemeral', e1)).args)).toContain('already undone');
    expect(writes(j2)).toEqual([]);
  }, 60_000);

  it('"add a field to ecommerce_ods.orders" typed in the DM starts the flow with the table filled in', async () => {
    const n = posted();
    await b.event({ type: 'message', channel_type: 'im', channel: DM, user: USERS.operator, text: 'please add a field to ecommerce_ods.orders', ts: '1700000201.000100' });
    const pick = await b.slack.waitForCall('chat.postMessage', n);
    expect(visibleText(pick.args)).toContain('Add a field* to `ecommerce_ods.orders`');
    const select = elements(pick).find((e) => e.action_id === CHANGE.folder)!;
    const opens = b.slack.callsOf('views.open').length;
    await b.click(CHANGE.folder, '', USERS.operator, {
      channel: DM,
      ephemeral: false,
      action: { type: 'static_select', block_id: select.block_id, selected_option: { value: 'ecommerce_dw', text: { type: 'plain_text', text: 'x' } } },
    });
    const view = (await b.slack.waitForCall('views.open', opens)).args.view as { blocks: { block_id?: string; element?: { initial_value?: string } }[] };
    expect(view.blocks.find((x) => x.block_id === ADD_FIELD_FIELDS.table.block)?.element?.initial_value).toBe('ecommerce_ods.orders');
  });

  it('a plan made stale by a change in Studio is refused at Confirm with the new plan; nothing is written', async () => {
    // (the first test's coupon_code stays in the tables: an Undo does not drop columns)
    const plan = await planFor(await openModal(), USERS.operator, 'promo_tag');
    const etl = content('04_transform_ods_to_dwd');
    await b.client.saveTaskContent(etl.id, `${etl.content}\n-- edited by a colleague`);
    const j0 = b.sb.journal.length;
    const u0 = b.slack.callsOf('chat.update').length;
    await b.click(CHANGE.confirm, plan.confirm, USERS.operator, { channel: DM, ephemeral: false, messageTs: '1700000300.000100' });
    const p0 = posted();
    const shown = visibleText(
      (
        await b.slack.waitForCall('chat.update', u0, 15_000).catch(() => {
          throw new Error(
            b.slack
              .callsOf('chat.postMessage')
              .slice(p0 - 1)
              .map((c) => visibleText(c.args))
              .join('\n---\n'),
          );
        })
      ).args,
    );
    expect(shown).toContain('The pipeline changed since the plan was made: nothing was written. Here is the new plan.');
    expect(shown).toContain('+o.promo_tag AS promo_tag');
    expect(writes(j0)).toEqual([]);
    // The old plan's Confirm is spent.
    const e0 = b.slack.callsOf('chat.postEphemeral').length;
    await b.click(CHANGE.confirm, plan.confirm, USERS.operator, { channel: DM, ephemeral: false });
    expect(visibleText((await b.slack.waitForCall('chat.postEphemeral', e0)).args)).toContain('nothing was started again');
  }, 30_000);

  it('a failed check stops with what to fix, shows no Undo, and leaves the task contents as they were', async () => {
    const before = { ods: content('01_ddl_ods').content, dwd: content('02_ddl_dwd').content, etl: content('04_transform_ods_to_dwd').content };
    // The sandbox's source does not send promo_channel: NULL on every ODS row after the sync.
    const plan = await planFor(await openModal(), USERS.operator, 'promo_channel');
    const j0 = b.sb.journal.length;
    const u0 = b.slack.callsOf('chat.update').length;
    await b.click(CHANGE.confirm, plan.confirm, USERS.operator, { channel: DM, ephemeral: false, messageTs: '1700000400.000100' });
    let last: ApiCall | undefined;
    for (let i = 0; i < 200 && !(last && /Stopped|Done\./.test(visibleText(last.args))); i++) {
      await new Promise((r) => setTimeout(r, 50));
      last = b.slack.callsOf('chat.update').slice(u0).at(-1);
    }
    const shown = visibleText(last!.args);
    expect(shown).toContain(':x: Stopped:');
    expect(shown).toContain('the source does not send it');
    expect(shown).toContain(':x: ODS: the sync run once');
    expect(shown).toContain(':white_circle: DWD: ALTER');
    expect(elements(last!).some((e) => e.action_id === CHANGE.undo)).toBe(false);
    // Nothing written to DWD or the ETL; the ODS draft put back.
    const names = new Map(b.sb.store.tasks().map((t) => [t.id, t.name]));
    const touched = writes(j0).map((e) => names.get(Number((e.body as { dataFileId?: number }).dataFileId)));
    expect(touched.filter((n) => n === '02_ddl_dwd' || n === '04_transform_ods_to_dwd')).toEqual([]);
    expect(content('01_ddl_ods').content).toBe(before.ods);
    expect(content('02_ddl_dwd').content).toBe(before.dwd);
    expect(content('04_transform_ods_to_dwd').content).toBe(before.etl);
    const rows = await b.bot.services.audit.query({ actorId: USERS.operator, limit: 50 });
    expect(rows.some((r) => r.action === 'change_pipeline_stopped')).toBe(true);
  }, 30_000);

  it('"Change this pipeline…" on `/cz task` asks the question in the DM with the pipeline chosen, then opens the modal', async () => {
    const answer = await b.answer((await b.command('task 04_transform_ods_to_dwd', USERS.operator)).responseId);
    const btn = (answer.blocks as { elements?: El[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === CHANGE.fromTask)!;
    expect(btn.value).toBe('ecommerce_dw');
    const n = posted();
    await b.click(CHANGE.fromTask, btn.value!, USERS.operator);
    const menu = await b.slack.waitForCall('chat.postMessage', n);
    expect(visibleText(menu.args)).toContain(`${QUESTION}* (pipeline \`ecommerce_dw\`)`);
    const add = elements(menu).find((e) => e.action_id === `${CHANGE.flow}_add_field`)!;
    const opens = b.slack.callsOf('views.open').length;
    await b.click(add.action_id, add.value!, USERS.operator, { channel: String(menu.args.channel), ephemeral: false });
    const view = (await b.slack.waitForCall('views.open', opens)).args.view as { private_metadata: string };
    expect(JSON.parse(view.private_metadata)).toMatchObject({ flow: 'add_field', folder: 'ecommerce_dw', channelId: String(menu.args.channel) });
  });

  it('a change form the bot never opened is answered with an error; nothing planned or written', async () => {
    const n = posted();
    const j0 = b.sb.journal.length;
    const forged = submission(
      { type: 'modal', callback_id: CHANGE.modal, private_metadata: '{"flow":"add_field","folder":"ecommerce_dw"' },
      { table: 'ecommerce_ods.orders', column: 'x1', type: 'string', date: BIZ },
    );
    const r = await b.submitView(forged, USERS.operator);
    expect(JSON.parse(r.body)).toMatchObject({ response_action: 'errors', errors: { [ADD_FIELD_FIELDS.table.block]: 'This form was not opened by the bot; nothing was done.' } });
    await new Promise((res) => setTimeout(res, 200));
    expect(posted()).toBe(n);
    expect(writes(j0)).toEqual([]);
  });

  it('add a sync table: menu → pipeline → modal (validated) → plan (the new task’s content) → Confirm → checkpoints → Undo deletes the task', async () => {
    let n = posted();
    await b.click(`${CHANGE.flow}_add_sync_table`, 'add_sync_table', USERS.operator, { channel: DM, ephemeral: false });
    const pick = await b.slack.waitForCall('chat.postMessage', n);
    const select = elements(pick).find((e) => e.action_id === CHANGE.folder)!;
    const opens = b.slack.callsOf('views.open').length;
    await b.click(CHANGE.folder, '', USERS.operator, {
      channel: DM,
      ephemeral: false,
      action: { type: 'static_select', block_id: select.block_id, selected_option: { value: 'ecommerce_dw', text: { type: 'plain_text', text: 'x' } } },
    });
    const view = (await b.slack.waitForCall('views.open', opens)).args.view as Record<string, unknown>;
    const F = ADD_SYNC_TABLE_FIELDS;
    const form = (sync: string, table: string) => ({
      ...view,
      id: 'V2',
      hash: 'h',
      state: {
        values: {
          [F.syncTask.block]: { [F.syncTask.action]: { type: 'plain_text_input', value: sync } },
          [F.sourceTable.block]: { [F.sourceTable.action]: { type: 'plain_text_input', value: table } },
        },
      },
    });
    const bad = JSON.parse((await b.submitView(form('', 'order items'), USERS.operator)).body) as { errors: Record<string, string> };
    expect(Object.keys(bad.errors).sort()).toEqual([F.sourceTable.block, F.syncTask.block].sort());
    n = posted();
    await b.submitView(form('00_sync_mysql_to_ods', 'order_items'), USERS.operator);
    const plan = await b.slack.waitForCall('chat.postMessage', n, 15_000);
    const shown = visibleText(plan.args);
    expect(shown).toContain('Plan: Sync order_items into ecommerce_ods.order_items');
    expect(shown).toContain('00_sync_mysql_to_ods_order_items');
    expect(shown).toContain('"table": "order_items"');
    const confirm = elements(plan).find((e) => e.action_id === CHANGE.confirm)!.value!;
    const j0 = b.sb.journal.length;
    const u0 = b.slack.callsOf('chat.update').length;
    await b.click(CHANGE.confirm, confirm, USERS.operator, { channel: DM, ephemeral: false, messageTs: '1700000500.000100' });
    let last: ApiCall | undefined;
    for (let i = 0; i < 200 && !(last && /Stopped|Done\./.test(visibleText(last.args))); i++) {
      await new Promise((r) => setTimeout(r, 50));
      last = b.slack.callsOf('chat.update').slice(u0).at(-1);
    }
    const done = visibleText(last!.args);
    expect(done).toContain(':white_check_mark: Done.');
    expect(done).toContain(':white_check_mark: Run once — COUNT(*) of the new ODS table');
    expect(writes(j0).filter((e) => e.path.endsWith('addAndReturnId')).length).toBe(1);
    expect(b.sb.store.taskByName('00_sync_mysql_to_ods_order_items')).toBeDefined();
    const undo = elements(last!).find((e) => e.action_id === CHANGE.undo)!.value!;
    const p0 = posted();
    await b.click(CHANGE.undo, undo, USERS.operator, { channel: DM, ephemeral: false });
    expect(visibleText((await b.slack.waitForCall('chat.postMessage', p0, 15_000)).args)).toContain('`00_sync_mysql_to_ods_order_items` taken offline and deleted');
    expect(b.sb.store.taskByName('00_sync_mysql_to_ods_order_items')).toBeUndefined();
  }, 30_000);
});
