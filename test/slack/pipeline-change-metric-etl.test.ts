/**
 * "Add a metric / DWS" and "Modify ETL logic" from Slack (issue 34): the metric's definition shown
 * back and confirmed before the plan (seed 000), its DWD fields checked (a missing one sends the
 * person to "Add a field", with the button), then the plan → Confirm → checkpoints → COUNT(*) and
 * SUM beside the baseline → Undo; the ETL task chosen from the pipeline's SQL tasks, its SQL
 * prefilled, the plan's diff and impact, the new SQL's results beside the current ones before
 * anything is saved, then Save and deploy (affected DTs fully refreshed) → Undo.
 */
import { describe, expect, it } from 'vitest';
import { ADD_FIELD_FIELDS, ADD_METRIC_FIELDS, CHANGE, MODIFY_ETL_FIELDS, buildModifyEtlModal } from '../../src/blocks/pipeline-change.js';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { type ApiCall, visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();
const DM = `D${USERS.operator}`;
const BIZ = '2026-11-19';
type El = { action_id: string; value?: string; options?: { value: string; text: { text: string } }[] };
const elements = (c: ApiCall) => (c.args.blocks as { elements?: El[]; block_id?: string }[]).flatMap((x) => (x.elements ?? []).map((e) => ({ ...e, block_id: x.block_id })));
const posted = () => b.slack.callsOf('chat.postMessage').length;
const WRITE = /saveDataFileConfiguration|adhoc\/execute|dataFile\/submit|addAndReturnId/;
const writes = (from: number) => b.sb.journal.slice(from).filter((e) => WRITE.test(e.path));
const task = (name: string) => b.sb.store.taskByName(name)!;

/** The flow's button → the pipeline select → ecommerce_dw. */
async function choosePipeline(flow: 'add_metric' | 'modify_etl'): Promise<void> {
  const n = posted();
  await b.click(`${CHANGE.flow}_${flow}`, flow, USERS.operator, { channel: DM, ephemeral: false });
  const pick = await b.slack.waitForCall('chat.postMessage', n);
  const select = elements(pick).find((e) => e.action_id === CHANGE.folder)!;
  await b.click(CHANGE.folder, '', USERS.operator, {
    channel: DM,
    ephemeral: false,
    action: { type: 'static_select', block_id: select.block_id, selected_option: { value: 'ecommerce_dw', text: { type: 'plain_text', text: 'ecommerce_dw' } } },
  });
}

async function lastUpdate(from: number, done: RegExp, timeoutMs = 20_000): Promise<ApiCall> {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    const last = b.slack.callsOf('chat.update').slice(from).at(-1);
    if (last && done.test(visibleText(last.args))) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `no update matching ${done}: ${b.slack
      .callsOf('chat.update')
      .slice(from)
      .map((c) => visibleText(c.args))
      .join('\n---\n')}`,
  );
}

type MetricForm = { metric: string; expression: string; dimensions: string; source: string | null; filter: string; table: string; baseline: string };
function metricSubmission(view: Record<string, unknown>, v: MetricForm) {
  const F = ADD_METRIC_FIELDS;
  const text = (f: { block: string; action: string }, value: string) => ({ [f.block]: { [f.action]: { type: 'plain_text_input', value } } });
  return {
    ...view,
    id: 'VM',
    hash: 'h',
    state: {
      values: {
        ...text(F.metric, v.metric),
        ...text(F.expression, v.expression),
        ...text(F.dimensions, v.dimensions),
        [F.source.block]: { [F.source.action]: { type: 'static_select', selected_option: v.source ? { value: v.source } : null } },
        ...text(F.filter, v.filter),
        ...text(F.table, v.table),
        ...text(F.baseline, v.baseline),
        ...text(F.tolerancePct, '25'),
      },
    },
  };
}

const PAID_GMV = { metric: 'paid_gmv', expression: 'SUM(amount)', dimensions: 'dt', source: 'ecommerce_dwd.orders_detail', filter: "status = 'paid'" };

/** The metric's form sent, its definition confirmed: the plan. */
async function defineAndPlan(view: Record<string, unknown>, table: string, baseline: number, ts: string): Promise<ApiCall> {
  const n = posted();
  await b.submitView(metricSubmission(view, { ...PAID_GMV, table, baseline: String(baseline) }), USERS.operator);
  const definition = await b.slack.waitForCall('chat.postMessage', n, 15_000);
  const u = b.slack.callsOf('chat.update').length;
  await b.click(CHANGE.defineOk, elements(definition).find((e) => e.action_id === CHANGE.defineOk)!.value!, USERS.operator, { channel: DM, ephemeral: false, messageTs: ts });
  return b.slack.waitForCall('chat.update', u, 15_000);
}

async function openMetricModal(): Promise<Record<string, unknown>> {
  const opens = b.slack.callsOf('views.open').length;
  await choosePipeline('add_metric');
  return (await b.slack.waitForCall('views.open', opens, 15_000)).args.view as Record<string, unknown>;
}

describe('changing a pipeline from Slack: add a metric / DWS', () => {
  it('the definition is confirmed first, then the plan → Confirm → COUNT(*) and SUM beside the baseline → Undo restores the draft', async () => {
    const view = await openMetricModal();
    const source = (view.blocks as { block_id?: string; element?: El }[]).find((x) => x.block_id === ADD_METRIC_FIELDS.source.block)!.element!;
    expect(source.options!.map((o) => o.value)).toContain('ecommerce_dwd.orders_detail');

    // Bad input: each wrong field says what is expected; nothing posted or written.
    const n0 = posted();
    const j0 = b.sb.journal.length;
    const bad = JSON.parse(
      (
        await b.submitView(
          metricSubmission(view, { metric: '1x', expression: 'SUM(amount); DROP TABLE x', dimensions: 'dt, two words', source: null, filter: '', table: 'gmv', baseline: 'lots' }),
          USERS.operator,
        )
      ).body,
    ) as { response_action: string; errors: Record<string, string> };
    const F = ADD_METRIC_FIELDS;
    expect(bad.response_action).toBe('errors');
    expect(Object.keys(bad.errors).sort()).toEqual([F.metric, F.expression, F.dimensions, F.source, F.table, F.baseline].map((f) => f.block).sort());
    expect(bad.errors[F.expression.block]).toContain('no ; or comments');
    expect(bad.errors[F.baseline.block]).toContain('A number');
    expect(posted()).toBe(n0);

    // A baseline far off (the person's own report disagrees): stopped at that check, the draft untouched, no Undo.
    const far = await defineAndPlan(view, 'ecommerce_dws.paid_gmv_check', 1, '1700000590.000100');
    const u9 = b.slack.callsOf('chat.update').length;
    await b.click(CHANGE.confirm, elements(far).find((e) => e.action_id === CHANGE.confirm)!.value!, USERS.operator, {
      channel: DM,
      ephemeral: false,
      messageTs: '1700000590.000100',
    });
    const stopped = await lastUpdate(u9, /Done\.|Stopped/);
    expect(visibleText(stopped.args)).toMatch(/:x: COUNT\(\*\) and SUM\(metric\) beside the baseline\n\s+COUNT\(\*\) = \d+, SUM\(paid_gmv\) = [\d.]+ beside the baseline 1: /);
    expect(elements(stopped).some((e) => e.action_id === CHANGE.undo)).toBe(false);
    expect(writes(j0).filter((e) => e.path.endsWith('saveDataFileConfiguration'))).toEqual([]);
    // The person's baseline, from their own report; here the engine's own sum of the first table, read past the bot
    // (the sandbox's refreshes insert rows by the refresh time: a second table's sum is near the first's — 25 %).
    const baseline = Number(b.sb.lakehouse.execute('SELECT SUM(paid_gmv) FROM ecommerce_dws.paid_gmv_check').rows[0]![0]);
    const j1 = b.sb.journal.length;

    // The definition shown back: nothing planned, nothing written yet.
    const n1 = posted();
    await b.submitView(metricSubmission(view, { ...PAID_GMV, table: 'ecommerce_dws.paid_gmv_daily', baseline: String(baseline) }), USERS.operator);
    const definition = await b.slack.waitForCall('chat.postMessage', n1, 15_000);
    const shown = visibleText(definition.args);
    expect(shown).toContain('Is this the definition of paid_gmv?');
    expect(shown).toContain("SELECT dt, SUM(amount) AS paid_gmv FROM ecommerce_dwd.orders_detail WHERE status = 'paid' GROUP BY dt");
    expect(shown).toContain('`dt`, `amount`, `status`');
    expect(shown).toContain(`SUM(paid_gmv) ≈ ${baseline}`);
    expect(writes(j1)).toEqual([]);
    const ok = elements(definition).find((e) => e.action_id === CHANGE.defineOk)!.value!;

    // Confirmed: the fields checked, the plan in its place.
    const draft = task('03_ddl_dws_ads');
    const before = draft.content;
    const u0 = b.slack.callsOf('chat.update').length;
    await b.click(CHANGE.defineOk, ok, USERS.operator, { channel: DM, ephemeral: false, messageTs: '1700000600.000100' });
    const plan = await b.slack.waitForCall('chat.update', u0, 15_000);
    const planText = visibleText(plan.args);
    expect(planText).toContain('Plan: Add the metric paid_gmv as ecommerce_dws.paid_gmv_daily');
    expect(planText).toContain('+CREATE OR REPLACE DYNAMIC TABLE ecommerce_dws.paid_gmv_daily');
    expect(planText).toContain('the new ecommerce_dws.paid_gmv_daily reads ecommerce_dwd.orders_detail');
    expect(writes(j1)).toEqual([]);
    // The definition's button is spent.
    const e0 = b.slack.callsOf('chat.postEphemeral').length;
    await b.click(CHANGE.defineOk, ok, USERS.operator, { channel: DM, ephemeral: false });
    expect(visibleText((await b.slack.waitForCall('chat.postEphemeral', e0)).args)).toContain('already succeeded');

    // Confirm → the checkpoints → the sums beside the baseline → Undo.
    const confirm = elements(plan).find((e) => e.action_id === CHANGE.confirm)!.value!;
    const u1 = b.slack.callsOf('chat.update').length;
    await b.click(CHANGE.confirm, confirm, USERS.operator, { channel: DM, ephemeral: false, messageTs: '1700000600.000100' });
    const done = await lastUpdate(u1, /Done\.|Stopped/);
    const doneText = visibleText(done.args);
    expect(doneText).toContain(':white_check_mark: Done.');
    expect(doneText).toMatch(new RegExp(`COUNT\\(\\*\\) = [1-9]\\d*, SUM\\(paid_gmv\\) = [\\d.]+ beside the baseline ${baseline}`));
    expect(doneText).toContain(':white_check_mark: DDL saved into the DWS/ADS draft');
    expect(task('03_ddl_dws_ads').content).toContain('CREATE OR REPLACE DYNAMIC TABLE ecommerce_dws.paid_gmv_daily');
    const undo = elements(done).find((e) => e.action_id === CHANGE.undo)!.value!;
    const p0 = posted();
    await b.click(CHANGE.undo, undo, USERS.operator, { channel: DM, ephemeral: false, messageTs: '1700000600.000100' });
    expect(visibleText((await b.slack.waitForCall('chat.postMessage', p0, 15_000)).args)).toContain('`03_ddl_dws_ads` back as they were');
    expect(task('03_ddl_dws_ads').content).toBe(before);
  }, 60_000);

  it('a metric reading a field DWD lacks: said, with an "Add a field" button that opens its form; nothing written', async () => {
    const view = await openMetricModal();
    const n = posted();
    const j0 = b.sb.journal.length;
    await b.submitView(
      metricSubmission(view, {
        metric: 'discounts',
        expression: 'SUM(discount_amount)',
        dimensions: 'dt',
        source: 'ecommerce_dwd.orders_detail',
        filter: '',
        table: 'ecommerce_dws.discounts_daily',
        baseline: '100',
      }),
      USERS.operator,
    );
    const definition = await b.slack.waitForCall('chat.postMessage', n, 15_000);
    const u0 = b.slack.callsOf('chat.update').length;
    await b.click(CHANGE.defineOk, elements(definition).find((e) => e.action_id === CHANGE.defineOk)!.value!, USERS.operator, {
      channel: DM,
      ephemeral: false,
      messageTs: '1700000700.000100',
    });
    const answer = await b.slack.waitForCall('chat.update', u0, 15_000);
    expect(visibleText(answer.args)).toContain('`ecommerce_dwd.orders_detail` has no `discount_amount`: follow "Add field" first');
    const addField = elements(answer).find((e) => e.action_id === `${CHANGE.flow}_add_field`)!;
    expect(addField.value).toBe('add_field:ecommerce_dw');
    const opens = b.slack.callsOf('views.open').length;
    await b.click(addField.action_id, addField.value!, USERS.operator, { channel: DM, ephemeral: false });
    const form = (await b.slack.waitForCall('views.open', opens)).args.view as { private_metadata: string; blocks: { block_id?: string }[] };
    expect(JSON.parse(form.private_metadata)).toMatchObject({ flow: 'add_field', folder: 'ecommerce_dw' });
    expect(form.blocks.some((x) => x.block_id === ADD_FIELD_FIELDS.column.block)).toBe(true);
    expect(writes(j0)).toEqual([]);
    const rows = await b.bot.services.audit.query({ actorId: USERS.operator, action: 'change_pipeline', limit: 1 });
    expect(rows[0]!.outcome).toBe('refused');
  }, 30_000);
});

const NEW_SQL = `INSERT OVERWRITE TABLE ecommerce_dwd.orders_detail PARTITION (dt = '\${bizdate}')
SELECT o.order_id, o.user_id, CAST(o.is_paid AS BOOLEAN) AS is_paid, o.amount, o.status, o.created_at
FROM ecommerce_ods.orders o
WHERE DATE(o.created_at) = '\${bizdate}' AND o.status <> 'cancelled';`;

describe('changing a pipeline from Slack: modify ETL logic', () => {
  it('task → SQL prefilled → plan (diff, impact) → the new results beside the current ones, nothing saved → Save and deploy (DTs fully refreshed) → Undo', async () => {
    const n = posted();
    await choosePipeline('modify_etl');
    await b.slack.waitForCall('chat.postMessage', n + 1, 15_000);
    const select = elements(b.slack.callsOf('chat.postMessage').at(-1)!).find((e) => e.action_id === CHANGE.etlTask)!;
    const etl = task('04_transform_ods_to_dwd');
    expect(select.options!.map((o) => o.text.text)).toContain('04_transform_ods_to_dwd');
    expect(select.options!.map((o) => o.text.text)).not.toContain('00_sync_mysql_to_ods');
    const opens = b.slack.callsOf('views.open').length;
    await b.click(CHANGE.etlTask, '', USERS.operator, {
      channel: DM,
      ephemeral: false,
      action: { type: 'static_select', block_id: select.block_id, selected_option: { value: String(etl.id), text: { type: 'plain_text', text: etl.name } } },
    });
    const view = (await b.slack.waitForCall('views.open', opens)).args.view as Record<string, unknown> & { blocks: { block_id?: string; element?: { initial_value?: string } }[] };
    const before = etl.content;
    expect(view.blocks.find((x) => x.block_id === MODIFY_ETL_FIELDS.newSql.block)?.element?.initial_value).toBe(before);

    const F = MODIFY_ETL_FIELDS;
    const form = (sql: string, date: string | null, keys: string) => ({
      ...view,
      id: 'VE',
      hash: 'h',
      state: {
        values: {
          [F.newSql.block]: { [F.newSql.action]: { type: 'plain_text_input', value: sql } },
          [F.bizDate.block]: { [F.bizDate.action]: { type: 'datepicker', selected_date: date } },
          [F.keyColumns.block]: { [F.keyColumns.action]: { type: 'plain_text_input', value: keys } },
        },
      },
    });
    const bad = JSON.parse((await b.submitView(form('  ', null, 'status, not a column'), USERS.operator)).body) as { errors: Record<string, string> };
    expect(Object.keys(bad.errors).sort()).toEqual([F.newSql.block, F.bizDate.block, F.keyColumns.block].sort());

    const j0 = b.sb.journal.length;
    const n1 = posted();
    await b.submitView(form(NEW_SQL, BIZ, 'status'), USERS.operator);
    const plan = await b.slack.waitForCall('chat.postMessage', n1, 15_000);
    const planText = visibleText(plan.args);
    expect(planText).toContain('Plan: Modify the ETL logic of 04_transform_ods_to_dwd');
    expect(planText).toContain("+WHERE DATE(o.created_at) = '${bizdate}' AND o.status <> 'cancelled';");
    expect(planText).toContain('Impact:* changing `04_transform_ods_to_dwd`');
    expect(planText).toContain('ecommerce_dws.sales_daily');
    expect(writes(j0)).toEqual([]);

    // Confirm: the new SQL run once beside the current results; nothing saved; Save and deploy offered.
    const u0 = b.slack.callsOf('chat.update').length;
    await b.click(CHANGE.confirm, elements(plan).find((e) => e.action_id === CHANGE.confirm)!.value!, USERS.operator, {
      channel: DM,
      ephemeral: false,
      messageTs: '1700000800.000100',
    });
    const compared = await lastUpdate(u0, /nothing is saved yet|Stopped/);
    const cmp = visibleText(compared.args);
    expect(cmp).toContain(':white_check_mark: The new SQL run once on 2026-11-19 beside the current results');
    expect(cmp).toMatch(/\*Current results\*\nrows: \*\d+\*\nstatus: /);
    expect(cmp).toMatch(/\*New SQL's results\* \(run \d+\)\nrows: \*\d+\*/);
    expect(cmp).toMatch(/\*Differences:\*\n• rows \d+ → \d+/);
    expect(cmp).toContain(':white_circle: New SQL saved and redeployed');
    const saveDeploy = elements(compared).find((e) => e.action_id === CHANGE.confirm)!;
    expect(task('04_transform_ods_to_dwd').content).toBe(before);
    expect(writes(j0).map((e) => e.path.split('/').pop())).toEqual(['execute']);

    // Save and deploy: saved, deployed, DTs fully refreshed; then Undo.
    const u1 = b.slack.callsOf('chat.update').length;
    const j1 = b.sb.journal.length;
    await b.click(CHANGE.confirm, saveDeploy.value!, USERS.operator, { channel: DM, ephemeral: false, messageTs: '1700000800.000100' });
    const done = await lastUpdate(u1, /Done\.|Stopped/);
    const doneText = visibleText(done.args);
    expect(doneText).toContain(':white_check_mark: Done.');
    expect(doneText).toContain('ecommerce_dws.sales_daily: FULL refresh SUCCEED');
    expect(doneText).toContain('*Current results*');
    expect(task('04_transform_ods_to_dwd').content).toBe(NEW_SQL);
    expect(writes(j1).map((e) => e.path.split('/').pop())).toEqual(['saveDataFileConfiguration', 'submit']);
    const refresh = b.sb.journal.slice(j1).find((e) => e.path === '/lh/submitJob' && JSON.stringify(e.body).includes('REFRESH DYNAMIC TABLE'))!;
    expect(JSON.stringify(refresh.body)).toContain('SET cz.optimizer.incremental.force.full.refresh = true');
    const undo = elements(done).find((e) => e.action_id === CHANGE.undo)!.value!;
    const p0 = posted();
    await b.click(CHANGE.undo, undo, USERS.operator, { channel: DM, ephemeral: false });
    expect(visibleText((await b.slack.waitForCall('chat.postMessage', p0, 15_000)).args)).toContain('`04_transform_ods_to_dwd` back as they were; the ETL redeployed');
    expect(task('04_transform_ods_to_dwd').content).toBe(before);
  }, 60_000);

  it('Cancel after the comparison saves and deploys nothing, and says the comparison run rewrote that date', async () => {
    const etl = task('04_transform_ods_to_dwd');
    const view = buildModifyEtlModal({ folder: 'ecommerce_dw', channelId: DM, task: etl.name }, etl.content);
    const F = MODIFY_ETL_FIELDS;
    const n = posted();
    await b.submitView(
      {
        ...view,
        id: 'VC',
        hash: 'h',
        state: {
          values: {
            [F.newSql.block]: { [F.newSql.action]: { type: 'plain_text_input', value: NEW_SQL } },
            [F.bizDate.block]: { [F.bizDate.action]: { type: 'datepicker', selected_date: BIZ } },
            [F.keyColumns.block]: { [F.keyColumns.action]: { type: 'plain_text_input', value: '' } },
          },
        },
      },
      USERS.operator,
    );
    const plan = await b.slack.waitForCall('chat.postMessage', n, 15_000);
    const u0 = b.slack.callsOf('chat.update').length;
    const j0 = b.sb.journal.length;
    await b.click(CHANGE.confirm, elements(plan).find((e) => e.action_id === CHANGE.confirm)!.value!, USERS.operator, {
      channel: DM,
      ephemeral: false,
      messageTs: '1700000850.000100',
    });
    const compared = await lastUpdate(u0, /nothing is saved yet|Stopped/);
    const u1 = b.slack.callsOf('chat.update').length;
    await b.click(CHANGE.cancel, elements(compared).find((e) => e.action_id === CHANGE.cancel)!.value!, USERS.operator, {
      channel: DM,
      ephemeral: false,
      messageTs: '1700000850.000100',
    });
    expect(visibleText((await b.slack.waitForCall('chat.update', u1)).args)).toContain(
      `the new SQL was not saved or deployed. Its one run for the comparison rewrote the target's data for ${BIZ}`,
    );
    expect(writes(j0).map((e) => e.path.split('/').pop())).toEqual(['execute']);
    expect(task('04_transform_ods_to_dwd').content).toBe(etl.content);
  }, 30_000);
});
