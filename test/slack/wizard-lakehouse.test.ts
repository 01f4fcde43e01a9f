/**
 * The wizard's use of Lakehouse SQL: Step 1's data exploration shown before technical selection,
 * and seed 000's launch checkpoints after building (✅/❌ with what to do), checked again after a
 * DDL draft has run once.
 */
import { describe, expect, it } from 'vitest';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { type ApiCall, visibleText } from '../helpers/fake-slack.js';
import { until } from '../helpers/wait.js';

const b = useBotHarness();
const DM = `D${USERS.admin}`;
type El = { action_id: string; value?: string; text?: { text: string } };
const elements = (c: ApiCall) => (c.args.blocks as { elements?: El[] }[]).flatMap((x) => x.elements ?? []);
const posted = () => b.slack.callsOf('chat.postMessage').length;

async function current(after: number) {
  // 15 s: the first technical question comes after Step 1's exploration (several Lakehouse jobs), slow on a loaded CI machine.
  const call = await b.slack.waitForCall('chat.postMessage', after, 15_000);
  return { call, text: visibleText(call.args), button: (prefix: string) => elements(call).find((e) => e.action_id?.startsWith(prefix))! };
}
async function choose(option: string) {
  const before = posted();
  const q = await current(before - 1);
  const el = q.button(`wizard_answer_${option}`);
  await b.click(el.action_id, el.value!, USERS.admin, { channel: DM, messageTs: String(q.call.args.ts ?? '1'), ephemeral: false });
  return current(before);
}
/** Pick from the newest question's select (the data source, a table), as Slack sends it. */
async function select(value: string) {
  const before = posted();
  const q = await current(before - 1);
  const blk = (q.call.args.blocks as { block_id?: string; elements?: (El & { type: string })[] }[]).find((x) => x.elements?.some((e) => e.action_id === 'wizard_choose'))!;
  const el = blk.elements!.find((e) => e.action_id === 'wizard_choose')!;
  await b.click(el.action_id, '', USERS.admin, {
    channel: DM,
    messageTs: String(q.call.args.ts ?? '1'),
    ephemeral: false,
    action: { type: el.type, block_id: blk.block_id, selected_option: { value, text: { type: 'plain_text', text: value } } },
  });
  return current(before);
}
async function typeAnswer(value: string) {
  const q = await current(posted() - 1);
  const el = q.button('wizard_text');
  const opens = b.slack.callsOf('views.open').length;
  await b.click(el.action_id, el.value!, USERS.admin, { channel: DM, ephemeral: false });
  const modal = (await b.slack.waitForCall('views.open', opens)).args.view as Record<string, unknown>;
  return b.submitView({ ...modal, id: 'VWIZ', state: { values: { wizard_input: { wizard_input_value: { type: 'plain_text_input', value } } } } }, USERS.admin);
}

describe('the wizard reads Lakehouse', () => {
  it('explores the workspace before technical selection, and reports the launch checkpoints after building', async () => {
    await b.answer((await b.command('setup', USERS.admin)).responseId);
    let q = await current(posted() - 1);
    expect(q.text).not.toContain('Data exploration');
    q = await choose('no');
    q = await choose('bi');
    q = await choose('bi_tools');
    expect(q.text).not.toContain('Data exploration'); // still the requirements
    q = await choose('t1');
    // Step 1, before the first technical question.
    expect(q.text).toContain('Where does the data come from?');
    expect(q.text).toContain('Step 1 · Data exploration');
    expect(q.text).toMatch(/\*Schemas:\* .*`ecommerce_dwd` \(1\)/);
    expect(q.text).toContain('*Largest tables:* `legacy_ods.orders` 1,204,337 rows');
    // Seed 000 step 1: the largest 20 tables (the demo has fewer) and samples of the first three, redacted.
    const largest = /\*Largest tables:\* (.*)/.exec(q.text)![1]!.split(' · ');
    expect(largest.length).toBe(Math.min(20, b.sb.lakehouse.tables.filter((t) => t.kind === 'MANAGED_TABLE').length));
    expect(q.text).toContain('*Sample of legacy_ods.orders*');
    expect(b.sb.lakehouse.statements.filter((s) => /^SELECT .* FROM .* LIMIT \d+$/i.test(s.trim())).length).toBeGreaterThanOrEqual(3);
    expect(q.text).toContain('`mysql_shop`');
    expect(q.text).toContain('`sync_vc` INTEGRATION');
    expect(b.sb.lakehouse.statements).toEqual(expect.arrayContaining(['SHOW SCHEMAS', 'SHOW VCLUSTERS']));
    const explorations = b.sb.lakehouse.statements.filter((s) => s === 'SHOW SCHEMAS').length;

    q = await choose('database');
    expect(q.text).toContain('What is the data source type?');
    expect(q.text).not.toContain('Data exploration'); // shown once, where technical selection begins
    q = await choose('mysql');
    q = await choose('batch');
    q = await choose('single');
    q = await choose('overwrite');
    q = await select('mysql_shop');
    q = await select('shop.orders');
    const beforeName = posted();
    await typeAnswer('shop');
    q = await current(beforeName);
    q = await choose('ods_dwd_dws');
    q = await choose('02');
    expect(b.sb.lakehouse.statements.filter((s) => s === 'SHOW SCHEMAS').length).toBe(explorations); // read once per session

    const confirm = q.button('wizard_confirm');
    const updates = b.slack.callsOf('chat.update').length;
    await b.click(confirm.action_id, confirm.value!, USERS.admin, { channel: DM, messageTs: '1700000999.000100', ephemeral: false });
    const ready = await until(() =>
      b.slack
        .callsOf('chat.update')
        .slice(updates)
        .find((c) => visibleText(c.args).includes('is ready')),
    );
    const text = visibleText(ready.args);
    expect(text).toContain('*Data checkpoints* (Lakehouse, now) — ');
    expect(text).toMatch(/:x: \*Tables of 01_ddl_ods\*: not created yet: shop_ods\.\w+\n {6}→ Run 01_ddl_ods once/);
    expect(text).toMatch(
      /:x: \*First run of 00_sync_mysql_to_ods\*: it has not run yet\n {6}→ Finish its set-up in the Studio UI \(.*\), then run it once: `\/cz execute shop_dw\/00_sync_mysql_to_ods`/,
    );
    expect(text).toMatch(
      /:x: \*First refresh of shop_dws\.sales_daily\*: it does not exist yet\n {6}→ Run 03_ddl_dws_ads once, then `REFRESH DYNAMIC TABLE shop_dws\.sales_daily`/,
    );

    // Run the ODS DDL once, then Check again: that checkpoint passes now.
    const runOnce = elements(ready).find((e) => e.action_id?.startsWith('wizard_run_once_') && e.text?.text === 'Run 01_ddl_ods once')!;
    const ask = await b.answer((await b.click(runOnce.action_id, runOnce.value!, USERS.admin, { channel: DM, ephemeral: false })).responseId);
    const opConfirm = (ask.blocks as { elements?: El[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!;
    await b.answer((await b.click('op_confirm', opConfirm.value!, USERS.admin, { channel: DM })).responseId);
    const again = elements(ready).find((e) => e.action_id === 'wizard_check_again')!;
    const before = posted();
    await b.click(again.action_id, again.value!, USERS.admin, { channel: DM, ephemeral: false });
    const checked = (await current(before)).text;
    expect(checked).toContain('Checkpoints of shop_dw');
    expect(checked).toMatch(/:white_check_mark: \*Tables of 01_ddl_ods\*: \d+ tables? exist \(shop_ods\./);
    expect(checked).toMatch(/:x: \*Tables of 02_ddl_dwd\*: not created yet/);
  });

  it('launches step by step from the DM: stops at the UI-only sync with a link to Studio, and Check again goes on to schedule + deploy', async () => {
    await b.answer((await b.command('setup', USERS.admin)).responseId);
    for (const a of ['no', 'bi', 'bi_tools', 't1', 'database', 'mysql', 'batch', 'single', 'overwrite']) await choose(a);
    await select('mysql_shop');
    await select('shop.orders');
    const beforeName = posted();
    await typeAnswer('lnch');
    await current(beforeName);
    await choose('ods_dwd_dws');
    const q = await choose('02');
    const confirm = q.button('wizard_confirm');
    const updates = b.slack.callsOf('chat.update').length;
    await b.click(confirm.action_id, confirm.value!, USERS.admin, { channel: DM, messageTs: '1700000777.000100', ephemeral: false });
    const ready = await until(() =>
      b.slack
        .callsOf('chat.update')
        .slice(updates)
        .find((c) => visibleText(c.args).includes('is ready')),
    );
    const launch = elements(ready).find((e) => e.action_id === 'wizard_launch')!;
    expect(launch.text?.text).toBe('Launch step by step');
    const before = b.slack.callsOf('chat.update').length;
    await b.click(launch.action_id, launch.value!, USERS.admin, { channel: DM, ephemeral: false });
    const stopped = await until(() =>
      b.slack
        .callsOf('chat.update')
        .slice(before)
        .find((c) => visibleText(c.args).includes('Launch of lnch_dw')),
    );
    const text = visibleText(stopped.args);
    expect(text).toContain('Stopped at a failed check');
    expect(text).toMatch(/:white_check_mark: Run 01_ddl_ods once; check its tables exist — run \d+ succeeded; 1 table exist/);
    expect(text).toMatch(/:x: \*Configure 00_sync_mysql_to_ods in the Studio UI\* — 00_sync_mysql_to_ods is still the frame/);
    expect(text).toContain('Open it in Studio');
    expect(text).toContain(':double_vertical_bar: Schedule and deploy 00_sync_mysql_to_ods, 04_transform_ods_to_dwd, 05_dqc_check — _not yet_');
    const sync = b.sb.store.tasks().find((t) => t.name === '00_sync_mysql_to_ods' && b.sb.store.folders().find((f) => f.id === t.folder_id)?.name === 'lnch_dw')!;
    expect(sync.task_status).toBeNull();

    // Configured in Studio's UI; Check again runs the rest, deploys last.
    await b.bot.services.studio.saveTaskContent(
      sync.id,
      JSON.stringify({ reader: { datasource: 'mysql_shop', database: 'shop', table: 'orders' }, writer: { datasource: 'lakehouse', schema: 'lnch_ods', table: 'orders' } }),
    );
    const again = elements(stopped).find((e) => e.action_id === 'wizard_launch')!;
    expect(again.text?.text).toBe('Check again');
    const before2 = b.slack.callsOf('chat.update').length;
    await b.click(again.action_id, again.value!, USERS.admin, { channel: DM, ephemeral: false });
    const done = await until(() =>
      b.slack
        .callsOf('chat.update')
        .slice(before2)
        .find((c) => visibleText(c.args).includes('Launch of lnch_dw')),
    );
    expect(visibleText(done.args)).toContain('Every step passed');
    expect(b.sb.store.task(sync.id)!.task_status).toBe(1);
    const deploys = (await b.bot.services.audit.query({ actorId: USERS.admin, action: 'deploy', limit: 20 })).filter((r) => r.outcome === 'succeeded');
    expect(deploys.map((r) => r.taskName).sort()).toEqual(['00_sync_mysql_to_ods', '04_transform_ods_to_dwd', '05_dqc_check']);
  }, 60_000);
});
