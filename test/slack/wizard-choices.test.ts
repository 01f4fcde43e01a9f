/**
 * Issue 30, item 8 (last items): the data source and the source tables are chosen from Studio's
 * lists — a static select for a short list, an external select (Slack's block_suggestion, searched
 * as the person types, at most 100 options) for a long one — and flow into the plan (the sync
 * frame names them, the ODS DDL has their columns). No sync VCluster is guessed: with none in the
 * workspace the wizard says how to create one and builds nothing; with several it asks.
 */
import { describe, expect, it } from 'vitest';
import { type BotHarness, USERS, useBotHarness } from '../helpers/bot.js';
import { type ApiCall, visibleText } from '../helpers/fake-slack.js';
import { until } from '../helpers/wait.js';

type El = {
  type: string;
  action_id: string;
  value?: string;
  text?: { text: string };
  options?: { value: string; text: { text: string } }[];
  min_query_length?: number;
  placeholder?: { text: string };
};
type Blk = { type: string; block_id?: string; elements?: El[] };

function wizardDriver(b: BotHarness) {
  const DM = `D${USERS.admin}`;
  const posted = () => b.slack.callsOf('chat.postMessage').length;
  const blocksOf = (c: ApiCall) => c.args.blocks as Blk[];
  const elementOf = (c: ApiCall, prefix: string) => {
    for (const blk of blocksOf(c)) for (const e of blk.elements ?? []) if (e.action_id?.startsWith(prefix)) return { blk, e };
    throw new Error(`no ${prefix} in ${visibleText(c.args).slice(0, 300)}`);
  };
  // Generous: the first technical question carries Step 1's exploration (samples read from Lakehouse).
  const latest = async (after: number) => b.slack.waitForCall('chat.postMessage', after, 20_000);
  return {
    DM,
    posted,
    elementOf,
    latest,
    /** Click an option button of the newest question. */
    async choose(option: string): Promise<ApiCall> {
      const before = posted();
      const q = await latest(before - 1);
      const { e } = elementOf(q, `wizard_answer_${option}`);
      await b.click(e.action_id, e.value!, USERS.admin, { channel: DM, messageTs: String(q.args.ts ?? '1'), ephemeral: false });
      return latest(before);
    },
    /** Pick from the newest question's select, as Slack sends it (block_actions with the selected option). */
    async select(call: ApiCall, value: string) {
      const { blk, e } = elementOf(call, 'wizard_choose');
      return b.click(e.action_id, '', USERS.admin, {
        channel: DM,
        messageTs: String(call.args.ts ?? '1'),
        ephemeral: false,
        action: { type: e.type, block_id: blk.block_id, selected_option: { value, text: { type: 'plain_text', text: value } } },
      });
    },
    /** What Slack asks the bot when a person types in an external select (block_suggestion), and the options it answers. */
    async suggest(call: ApiCall, typed: string): Promise<{ status: number; options: { value: string; text: { text: string } }[] }> {
      const { blk, e } = elementOf(call, 'wizard_choose');
      const payload = {
        type: 'block_suggestion',
        user: { id: USERS.admin, username: 'admin', name: 'admin', team_id: 'T1' },
        team: { id: 'T1', domain: 'test' },
        api_app_id: 'A1',
        token: 'legacy',
        action_id: e.action_id,
        block_id: blk.block_id,
        value: typed,
        container: { type: 'message', message_ts: String(call.args.ts ?? '1'), channel_id: DM, is_ephemeral: false },
        channel: { id: DM, name: 'directmessage' },
      };
      const r = await b.post(`payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded');
      return { status: r.status, options: r.body ? ((JSON.parse(r.body) as { options?: { value: string; text: { text: string } }[] }).options ?? []) : [] };
    },
    async typeAnswer(value: string): Promise<ApiCall> {
      const before = posted();
      const q = await latest(before - 1);
      const { e } = elementOf(q, 'wizard_text');
      const opens = b.slack.callsOf('views.open').length;
      await b.click(e.action_id, e.value!, USERS.admin, { channel: DM, ephemeral: false });
      const modal = (await b.slack.waitForCall('views.open', opens)).args.view as Record<string, unknown>;
      await b.submitView({ ...modal, id: 'VWIZ', state: { values: { wizard_input: { wizard_input_value: { type: 'plain_text_input', value } } } } }, USERS.admin);
      return latest(before);
    },
  };
}

describe('data source and tables chosen from Studio', () => {
  const b = useBotHarness();

  it('offers the MySQL data sources in a select, searches 165 tables as typed, refuses one not listed, and plans the two picked', async () => {
    const d = wizardDriver(b);
    const r0 = await b.command('setup', USERS.admin);
    await b.answer(r0.responseId);
    await b.slack.waitForCall('chat.postMessage', 1); // the greeting, then the first question
    let q = await d.latest(d.posted() - 1);
    for (const a of ['no', 'bi', 'analysts', 't1', 'database', 'mysql', 'batch', 'mirror']) q = await d.choose(a);
    q = await d.choose('overwrite');

    // The data source: a static select of Studio's MySQL data sources (a short list).
    expect(visibleText(q.args)).toContain('Which data source?');
    const ds = d.elementOf(q, 'wizard_choose').e;
    expect(ds.type).toBe('static_select');
    expect(ds.options!.map((o) => o.value)).toEqual(['mysql_shop']);
    let before = d.posted();
    await d.select(q, 'mysql_shop');
    q = await d.latest(before);

    // The tables: 165 in Studio, more than a select holds: an external select searched as the person types.
    expect(visibleText(q.args)).toContain('Which source tables?');
    const tables = d.elementOf(q, 'wizard_choose').e;
    expect(tables.type).toBe('external_select');
    expect(tables.min_query_length).toBe(1);
    expect(tables.placeholder!.text).toContain('165 tables');
    const ord = await d.suggest(q, 'ord');
    expect(ord.status).toBe(200);
    expect(ord.options.map((o) => o.value)).toEqual(['shop.order_items', 'shop.orders']);
    const wide = await d.suggest(q, 'shop');
    expect(wide.options.length).toBe(100); // 165 match; Slack's limit: never more than 100
    const a = await d.suggest(q, 'a');
    expect(a.options.length).toBeGreaterThan(20);
    expect(a.options.every((o) => o.value.includes('a'))).toBe(true);
    expect((await d.suggest(q, 'cust')).options.map((o) => o.value)).toEqual(['shop.customers']);

    // A table Studio does not list: refused with what Studio holds, audited, nothing picked.
    const refused = await d.select(q, 'shop.not_a_table');
    const answer = visibleText(await b.answer(refused.responseId));
    expect(answer).toContain('`shop.not_a_table` is not a table of `mysql_shop`: Studio lists 165 tables');
    expect((await b.bot.services.audit.query({ actorId: USERS.admin, outcome: 'refused', limit: 1 }))[0]).toMatchObject({ outcome: 'refused' });

    // Two picks (the question redrawn in place with what is picked), then Done.
    const updates = b.slack.callsOf('chat.update').length;
    await d.select(q, 'shop.orders');
    const redrawn = await b.slack.waitForCall('chat.update', updates);
    expect(visibleText(redrawn.args)).toContain('Picked so far (1):');
    expect((await d.suggest(q, 'orders')).options.map((o) => o.value)).toEqual([]); // already picked
    await d.select(q, 'shop.customers');
    const twice = await b.slack.waitForCall('chat.update', updates + 1);
    expect(visibleText(twice.args)).toContain('`shop.orders`, `shop.customers`');
    before = d.posted();
    const done = d.elementOf(twice, 'wizard_pick_done').e;
    expect(done.text?.text ?? '').toBe('Done — use 2 tables');
    await b.click(done.action_id, done.value!, USERS.admin, { channel: d.DM, messageTs: String(q.args.ts ?? '1'), ephemeral: false });
    q = await d.latest(before);

    // The workspace has one INTEGRATION VCluster: used (Studio says so), not asked; the project questions follow.
    expect(visibleText(q.args)).toContain('Project / business domain name?');
    q = await d.typeAnswer('picked');
    q = await d.choose('ods_dwd_dws');
    q = await d.choose('02');
    const plan = visibleText(q.args);
    expect(plan).toContain('mysql_shop');
    expect(plan).toContain('shop.orders');
    expect(plan).toContain('shop.customers');

    // Confirm: the frame Studio receives names the source and the tables; the ODS DDL has their columns.
    const dqcBefore = b.sb.store.tasks().filter((t) => t.name === '05_dqc_check').length;
    const syncBefore = b.sb.store.tasks().filter((t) => t.name === '00_sync_mysql_to_ods').length;
    before = b.slack.callsOf('chat.update').length;
    const confirm = d.elementOf(q, 'wizard_confirm').e;
    await b.click(confirm.action_id, confirm.value!, USERS.admin, { channel: d.DM, messageTs: String(q.args.ts ?? '1'), ephemeral: false });
    await b.slack.waitForCall('chat.update', before);
    // The newest tasks of those names: the build's (the demo workspace has its own 00_sync_mysql_to_ods).
    const built = (name: string) =>
      b.sb.store
        .tasks()
        .filter((t) => t.name === name)
        .at(-1);
    const count = (name: string) => b.sb.store.tasks().filter((t) => t.name === name).length;
    for (let i = 0; i < 100 && count('05_dqc_check') < dqcBefore + 1; i++) await new Promise((r) => setTimeout(r, 100));
    expect(count('00_sync_mysql_to_ods')).toBe(syncBefore + 1);
    const sync = built('00_sync_mysql_to_ods')!;
    const frame = JSON.parse(sync.content ?? '{}') as { reader: { datasource: string; tables: { database: string; table: string }[] }; mapping: string };
    expect(frame.reader).toEqual({
      datasource: 'mysql_shop',
      tables: [
        { database: 'shop', table: 'orders' },
        { database: 'shop', table: 'customers' },
      ],
    });
    expect(frame.mapping).toBe('<field mapping>'); // still the person's to configure: never deployed as is
    expect(sync.vc_code).toBe('sync_vc');
    expect(sync.task_status).toBeNull();
    const ddl = built('01_ddl_ods')!.content ?? '';
    expect(ddl).toContain('CREATE TABLE IF NOT EXISTS picked_ods.orders (');
    expect(ddl).toMatch(
      /CREATE TABLE IF NOT EXISTS picked_ods\.customers \(\n {2}customer_id BIGINT,\n {2}name STRING,\n {2}email STRING,\n {2}is_vip TINYINT,\n {2}created_at TIMESTAMP\n\);/,
    );

    // Check again after the build: the same two tables (the build's record of the session once
    // dropped the picked tables, and the check then named a table no one picked).
    const ready = await until(() =>
      b.slack
        .callsOf('chat.update')
        .slice(before)
        .find((c) => visibleText(c.args).includes('is ready')),
    );
    expect(visibleText(ready.args)).toMatch(/Tables of 01_ddl_ods\*: not created yet: picked_ods\.orders, picked_ods\.customers/);
    const again = d.elementOf(ready, 'wizard_check_again').e;
    const p0 = d.posted();
    await b.click(again.action_id, again.value!, USERS.admin, { channel: d.DM, ephemeral: false });
    const checked = visibleText((await d.latest(p0)).args);
    expect(checked).toMatch(/Tables of 01_ddl_ods\*: not created yet: picked_ods\.orders, picked_ods\.customers/);
    // What it says to do is there to click: Run 01_ddl_ods once (its tables are missing), Launch, Check again.
    const buttons = (await d.latest(p0)).args.blocks as { elements?: { text?: { text: string } }[] }[];
    expect(buttons.flatMap((x) => x.elements ?? []).map((e) => e.text?.text)).toEqual(expect.arrayContaining(['Launch step by step', 'Run 01_ddl_ods once', 'Check again']));
  });
});

describe('no guessed sync VCluster', () => {
  const b = useBotHarness({ sandbox: { vclusters: { default: 'GENERAL', etl_vc: 'GENERAL', default_ap: 'ANALYTICS' } } });

  it('says plainly that an INTEGRATION VCluster must be created, and how, and goes no further', async () => {
    const d = wizardDriver(b);
    const r0 = await b.command('setup', USERS.admin);
    await b.answer(r0.responseId);
    await b.slack.waitForCall('chat.postMessage', 1); // the greeting, then the first question
    let q = await d.latest(d.posted() - 1);
    for (const a of ['no', 'bi', 'analysts', 't1', 'database', 'mysql', 'batch', 'single']) q = await d.choose(a);
    q = await d.choose('overwrite');
    let before = d.posted();
    await d.select(q, 'mysql_shop');
    q = await d.latest(before);
    before = d.posted();
    await d.select(q, 'shop.orders'); // a single-table sync: one pick answers
    q = await d.latest(before);
    const text = visibleText(q.args);
    expect(text).toContain('Which INTEGRATION VCluster runs the sync task?');
    expect(text).toContain('This workspace has no INTEGRATION VCluster');
    expect(text).toContain('CREATE VCLUSTER IF NOT EXISTS sync_vc VCLUSTER_SIZE = 1 VCLUSTER_TYPE = INTEGRATION;');
    expect(() => d.elementOf(q, 'wizard_choose')).toThrow(); // nothing to choose from
    const session = (await b.bot.services.wizard.get(JSON.parse(d.elementOf(q, 'wizard_recheck').e.value!).s as string))!;
    expect(session.answers.sync_vc).toBeUndefined();
    expect(session.currentQuestion).toBe('sync_vc');
    // Answering it anyway (a crafted click) is refused: the name is not one Studio lists.
    const r = await b.bot.services.wizard.answer(session.id, USERS.admin, 'sync_vc', 'sync_vc');
    expect(r).toMatchObject({ kind: 'invalid' });
    expect(b.sb.journal.filter((e) => e.path === '/ide-admin/v1/dataFile/addAndReturnId' || e.path === '/ide-admin/v1/dataFolder/add')).toEqual([]);
  });
});
