/**
 * Changing a pipeline that exists (issue 34) in Slack: seed 000's question with its four options,
 * the pipeline (folder) picked from Studio's folders, the flow's inputs in a modal, the plan (the
 * lineage impact and the diff of every task content, Confirm / Cancel), the checkpoints as they
 * pass, and Undo.
 */
import type { ModalView, StaticSelect } from '@slack/types';
import { type ChangePlan, type DefineAnswer, type PlanAnswer, changeTitle, plannedCheckpoints } from '../iterate/change-requests.js';
import { ADD_FIELD_TYPES } from '../iterate/add-field.js';
import type { Comparison, ResultsSnapshot } from '../iterate/modify-etl.js';
import { type Checkpoint, contentDiff } from '../iterate/steps.js';
import { type Block, type Message, actions, button, codeBlocks, context, esc, fields, finishMessage, header, section } from './kit.js';
import { LIMITS, clip } from './limits.js';

export const CHANGE = {
  flow: 'pc_flow',
  folder: 'pc_folder',
  modal: 'pc_modal',
  confirm: 'pc_confirm',
  cancel: 'pc_cancel',
  undo: 'pc_undo',
  /** Modify ETL logic: the SQL task to change (a select of the pipeline's SQL tasks). */
  etlTask: 'pc_etl_task',
  /** Add a metric: the definition is right (value: the definition's operation) / not right. */
  defineOk: 'pc_define_ok',
  defineCancel: 'pc_define_cancel',
  /** "Change this pipeline…" on `/cz task`'s answer (the value: the task's folder). */
  fromTask: 'pc_from_task',
} as const;

/** The button `/cz task` shows for a task in a folder. */
export function changeThisPipelineButton(folder: string) {
  return button({ text: 'Change this pipeline…', actionId: CHANGE.fromTask, value: folder.slice(0, 200) });
}

export type FlowKey = 'add_field' | 'modify_etl' | 'add_metric' | 'add_sync_table';
export const FLOWS: { key: FlowKey; label: string; description: string }[] = [
  { key: 'add_sync_table', label: 'Add a sync table', description: 'a new source table synced into ODS' },
  { key: 'add_field', label: 'Add a field', description: 'a column the source gained, carried ODS → DWD → DWS/ADS' },
  { key: 'add_metric', label: 'Add a metric / DWS', description: 'a new Dynamic Table, checked against your baseline' },
  { key: 'modify_etl', label: 'Modify ETL logic', description: 'new SQL run beside the current results first' },
];
export const isFlowKey = (v: string): v is FlowKey => FLOWS.some((f) => f.key === v);

export const QUESTION = 'What modification do you want to make to the existing pipeline?';

/** The seed's question with its four options (`folder`: the pipeline is known already, from `/cz task`). */
export function buildChangeMenu(folder?: string): Message {
  return finishMessage(QUESTION, [
    section(
      `:wrench: *${QUESTION}*${folder ? ` (pipeline \`${esc(folder)}\`)` : ''}\nI follow the incremental process (seed 000): lineage first, each layer checked before the next, nothing rebuilt from scratch.`,
    ),
    context(FLOWS.map((f) => `*${esc(f.label)}* — ${esc(f.description)}`).join('\n')),
    actions(
      FLOWS.map((f) => button({ text: f.label, actionId: `${CHANGE.flow}_${f.key}`, value: folder ? `${f.key}:${folder.slice(0, 200)}` : f.key })),
      'pc_menu',
    ),
  ]);
}

/** Which pipeline: a select of Studio's folders (Slack allows 100 options: past that, a note). `table`: what was typed ("add a field to …"). */
export function buildFolderPick(flow: FlowKey, folders: string[], table?: string): Message {
  const label = FLOWS.find((f) => f.key === flow)!.label;
  const sorted = [...new Set(folders)].sort();
  const shown = sorted.slice(0, LIMITS.staticSelectOptions);
  const select: StaticSelect = {
    type: 'static_select',
    action_id: CHANGE.folder,
    placeholder: { type: 'plain_text', text: 'Choose a pipeline (folder)' },
    options: shown.map((f) => ({ text: { type: 'plain_text', text: clip(f, LIMITS.optionText) }, value: f.slice(0, LIMITS.optionValue) })),
  };
  const blocks: Block[] = [
    section(`*${esc(label)}*${table ? ` to \`${esc(table)}\`` : ''} — which pipeline (Studio folder)?`),
    { type: 'actions', block_id: clip(`pc_pick:${flow}:${table ?? ''}`, LIMITS.blockId), elements: [select] },
  ];
  if (sorted.length > shown.length)
    blocks.push(context(`The first ${shown.length} of ${sorted.length} folders (by name) are listed; for another, type "add a field to <schema.table>" and pick its folder.`));
  if (sorted.length === 0) return finishMessage('No pipelines', [section('Studio has no folders in this workspace: there is no pipeline to change. `/cz setup` builds one.')]);
  return finishMessage(`${label}: which pipeline?`, blocks);
}

export const ADD_FIELD_FIELDS = {
  table: { block: 'af_table', action: 'af_table_input' },
  column: { block: 'af_column', action: 'af_column_input' },
  type: { block: 'af_type', action: 'af_type_input' },
  bizDate: { block: 'af_bizdate', action: 'af_bizdate_pick' },
} as const;

/** The add-field inputs. */
export function buildAddFieldModal(meta: { folder: string; channelId: string; table?: string }): ModalView {
  const input = (f: { block: string; action: string }, label: string, hint: string, initial?: string): Block =>
    ({
      type: 'input',
      block_id: f.block,
      label: { type: 'plain_text', text: label },
      hint: { type: 'plain_text', text: hint },
      element: { type: 'plain_text_input', action_id: f.action, ...(initial ? { initial_value: clip(initial, 150) } : {}) },
    }) as Block;
  return {
    type: 'modal',
    callback_id: CHANGE.modal,
    private_metadata: JSON.stringify({ flow: 'add_field', ...meta }),
    title: { type: 'plain_text', text: 'Add a field' },
    submit: { type: 'plain_text', text: 'Show the plan' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(`Pipeline \`${esc(meta.folder)}\`. Nothing is written before you confirm the plan.`),
      input(ADD_FIELD_FIELDS.table, 'ODS table', 'schema.table, e.g. ecommerce_ods.orders', meta.table),
      input(ADD_FIELD_FIELDS.column, 'New column', 'letters, digits and _, e.g. coupon_code'),
      input(ADD_FIELD_FIELDS.type, 'Type', ADD_FIELD_TYPES, 'STRING'),
      {
        type: 'input',
        block_id: ADD_FIELD_FIELDS.bizDate.block,
        label: { type: 'plain_text', text: 'Business date to verify on' },
        element: { type: 'datepicker', action_id: ADD_FIELD_FIELDS.bizDate.action },
      } as Block,
    ],
  };
}

const MARK: Record<Checkpoint['status'], string> = { pending: ':white_circle:', passed: ':white_check_mark:', failed: ':x:', skipped: ':heavy_minus_sign:' };

export function checkpointLines(cs: Checkpoint[]): string {
  return cs.map((c) => `${MARK[c.status]} ${esc(c.label)}${c.detail ? `\n      ${esc(clip(c.detail, 300))}` : ''}`).join('\n');
}

export const ADD_SYNC_TABLE_FIELDS = {
  syncTask: { block: 'ast_sync', action: 'ast_sync_input' },
  sourceTable: { block: 'ast_source', action: 'ast_source_input' },
} as const;

/** The add-sync-table inputs. */
export function buildAddSyncTableModal(meta: { folder: string; channelId: string }): ModalView {
  const input = (f: { block: string; action: string }, label: string, hint: string): Block =>
    ({
      type: 'input',
      block_id: f.block,
      label: { type: 'plain_text', text: label },
      hint: { type: 'plain_text', text: hint },
      element: { type: 'plain_text_input', action_id: f.action },
    }) as Block;
  return {
    type: 'modal',
    callback_id: CHANGE.modal,
    private_metadata: JSON.stringify({ flow: 'add_sync_table', ...meta }),
    title: { type: 'plain_text', text: 'Add a sync table' },
    submit: { type: 'plain_text', text: 'Show the plan' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `Pipeline \`${esc(meta.folder)}\`. A new single-table sync beside an existing one (its source, ODS schema, VCluster and schedule copied). Nothing is written before you confirm the plan.`,
      ),
      input(ADD_SYNC_TABLE_FIELDS.syncTask, 'Existing single-table sync to copy', 'a task name, e.g. 00_sync_mysql_to_ods'),
      input(ADD_SYNC_TABLE_FIELDS.sourceTable, 'Source table', 'in the same source database, without the database: e.g. order_items'),
    ],
  };
}

export { changeTitle };

type Field = { block: string; action: string };
function textInput(f: Field, label: string, hint: string, o: { initial?: string; multiline?: boolean; optional?: boolean; max?: number } = {}): Block {
  return {
    type: 'input',
    block_id: f.block,
    label: { type: 'plain_text', text: label },
    hint: { type: 'plain_text', text: hint },
    ...(o.optional ? { optional: true } : {}),
    element: {
      type: 'plain_text_input',
      action_id: f.action,
      ...(o.multiline ? { multiline: true } : {}),
      ...(o.max ? { max_length: o.max } : {}),
      ...(o.initial ? { initial_value: o.initial } : {}),
    },
  } as Block;
}
const staticOptions = (values: string[]) =>
  values.slice(0, LIMITS.staticSelectOptions).map((v) => ({ text: { type: 'plain_text' as const, text: clip(v, LIMITS.optionText) }, value: v.slice(0, LIMITS.optionValue) }));

export const ADD_METRIC_FIELDS = {
  metric: { block: 'am_metric', action: 'am_metric_input' },
  expression: { block: 'am_expression', action: 'am_expression_input' },
  dimensions: { block: 'am_dimensions', action: 'am_dimensions_input' },
  source: { block: 'am_source', action: 'am_source_pick' },
  filter: { block: 'am_filter', action: 'am_filter_input' },
  table: { block: 'am_table', action: 'am_table_input' },
  baseline: { block: 'am_baseline', action: 'am_baseline_input' },
  tolerancePct: { block: 'am_tolerance', action: 'am_tolerance_input' },
} as const;

/** The metric's definition (seed 000: name, expression, grain, the DWD table it reads), its Dynamic Table and the person's baseline. */
export function buildAddMetricModal(meta: { folder: string; channelId: string }, tables: string[]): ModalView {
  const F = ADD_METRIC_FIELDS;
  const sorted = [...new Set(tables)].sort((a, b) => Number(!/dwd/i.test(a)) - Number(!/dwd/i.test(b)) || a.localeCompare(b));
  return {
    type: 'modal',
    callback_id: CHANGE.modal,
    private_metadata: JSON.stringify({ flow: 'add_metric', ...meta }),
    title: { type: 'plain_text', text: 'Add a metric / DWS' },
    submit: { type: 'plain_text', text: 'Show the definition' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(`Pipeline \`${esc(meta.folder)}\`. The definition is shown back to you to confirm first; nothing is written before you confirm the plan.`),
      textInput(F.metric, 'Metric name', 'its column in the new table, e.g. paid_gmv'),
      textInput(F.expression, 'Expression', 'one aggregate over the DWD table, e.g. SUM(amount) or COUNT(DISTINCT user_id)'),
      textInput(F.dimensions, 'Grain (dimensions)', 'the columns it is grouped by, separated by commas, e.g. dt', { optional: true }),
      {
        type: 'input',
        block_id: F.source.block,
        label: { type: 'plain_text', text: 'Source DWD table' },
        element: {
          type: 'static_select',
          action_id: F.source.action,
          placeholder: { type: 'plain_text', text: 'A table of this pipeline' },
          options: staticOptions(sorted.length ? sorted : ['(no table found)']),
        },
      } as Block,
      textInput(F.filter, 'Filter', "an optional condition, e.g. status = 'paid'", { optional: true }),
      textInput(F.table, 'New DWS Dynamic Table', 'schema.table, e.g. ecommerce_dws.paid_gmv_daily'),
      textInput(F.baseline, 'Baseline value', 'the value you expect SUM of the metric to be, from your own report'),
      textInput(F.tolerancePct, 'Tolerance, %', 'how far from the baseline is still right (default 1)', { optional: true }),
    ],
  };
}

/** The definition shown back before anything is planned: the parts, the query they make, the DWD columns it reads. */
export function buildMetricDefinition(folder: string, d: DefineAnswer): Message {
  const m = d.definition;
  return finishMessage(`Is this the definition of ${m.metric}?`, [
    header(clip(`Is this the definition of ${m.metric}?`, LIMITS.headerText)),
    section(`Pipeline \`${esc(folder)}\`. Nothing is checked or written before you say it is right.`),
    fields([
      `*Metric*\n\`${esc(m.metric)}\` = \`${esc(m.expression)}\``,
      `*Grain*\n${m.dimensions.length ? m.dimensions.map((x) => `\`${esc(x)}\``).join(', ') : 'one row (no dimensions)'}`,
      `*Source*\n\`${esc(m.source)}\`${m.filter ? ` where \`${esc(m.filter)}\`` : ''}`,
      `*New Dynamic Table*\n\`${esc(m.table)}\``,
      `*Baseline*\nSUM(${esc(m.metric)}) ≈ ${m.baseline} (± ${m.tolerancePct ?? 1} %)`,
      `*DWD columns it reads*\n${d.requiredColumns.map((c) => `\`${esc(c)}\``).join(', ') || 'none'}`,
    ]),
    ...codeBlocks(d.query, 1),
    actions(
      [
        button({ text: 'Yes — check the fields and plan', actionId: CHANGE.defineOk, value: d.opId, style: 'primary' }),
        button({ text: 'Not right', actionId: CHANGE.defineCancel, value: d.opId }),
      ],
      'pc_define',
    ),
  ]);
}

/** A metric whose DWD fields are not there yet: "Add a field" first. */
export function buildMissingFields(answer: Extract<PlanAnswer, { kind: 'problem' }> & { missing: { folder: string; table: string; columns: string[] } }): Message {
  return finishMessage('Add the fields first', [
    section(`:x: ${esc(answer.message)}\nNothing was written.`),
    actions([button({ text: 'Add a field', actionId: `${CHANGE.flow}_add_field`, value: `add_field:${answer.missing.folder.slice(0, 200)}`, style: 'primary' })], 'pc_missing'),
  ]);
}

/** Modify ETL logic: which of the pipeline's SQL tasks. */
export function buildEtlTaskPick(folder: string, tasks: { id: number; name: string }[]): Message {
  if (tasks.length === 0) return finishMessage('No SQL tasks', [section(`\`${esc(folder)}\` has no SQL task to change.`)]);
  const sorted = [...tasks].sort((a, b) => a.name.localeCompare(b.name));
  return finishMessage('Modify ETL logic: which task?', [
    section(`*Modify ETL logic* in \`${esc(folder)}\` — which SQL task?`),
    {
      type: 'actions',
      block_id: clip(`pc_etl:${folder}`, LIMITS.blockId),
      elements: [
        {
          type: 'static_select',
          action_id: CHANGE.etlTask,
          placeholder: { type: 'plain_text', text: 'Choose a SQL task' },
          options: sorted.slice(0, LIMITS.staticSelectOptions).map((t) => ({ text: { type: 'plain_text', text: clip(t.name, LIMITS.optionText) }, value: String(t.id) })),
        },
      ],
    } as Block,
    ...(sorted.length > LIMITS.staticSelectOptions ? [context(`The first ${LIMITS.staticSelectOptions} of ${sorted.length} SQL tasks (by name) are listed.`)] : []),
  ]);
}

export const MODIFY_ETL_FIELDS = {
  newSql: { block: 'me_sql', action: 'me_sql_input' },
  bizDate: { block: 'me_bizdate', action: 'me_bizdate_pick' },
  keyColumns: { block: 'me_keys', action: 'me_keys_input' },
} as const;
/** Slack's limit on a text input. */
export const SQL_INPUT_MAX = 3000;

/** The new SQL (prefilled with the task's content now), the business date to run it on, the key fields to compare. */
export function buildModifyEtlModal(meta: { folder: string; channelId: string; task: string }, content: string): ModalView {
  const F = MODIFY_ETL_FIELDS;
  return {
    type: 'modal',
    callback_id: CHANGE.modal,
    private_metadata: JSON.stringify({ flow: 'modify_etl', ...meta }),
    title: { type: 'plain_text', text: 'Modify ETL logic' },
    submit: { type: 'plain_text', text: 'Show the plan' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `\`${esc(meta.task)}\` in \`${esc(meta.folder)}\`. The new SQL is run once beside the current results before anything is saved; nothing is written before you confirm the plan.`,
      ),
      textInput(F.newSql, 'New SQL', 'the whole content of the task, as it should be', { initial: content, multiline: true, max: SQL_INPUT_MAX }),
      {
        type: 'input',
        block_id: F.bizDate.block,
        label: { type: 'plain_text', text: 'Business date to run it on' },
        element: { type: 'datepicker', action_id: F.bizDate.action },
      } as Block,
      textInput(F.keyColumns, 'Key fields to compare', 'columns of the target sampled before and after, separated by commas, e.g. status', { optional: true }),
    ],
  };
}

function snapshotLines(s: ResultsSnapshot): string {
  return [`rows: *${s.rows}*`, ...Object.entries(s.samples).map(([c, list]) => `${esc(c)}: ${list.map((x) => `${esc(x.value)} × ${x.n}`).join(', ') || '(none)'}`)].join('\n');
}

/** The new SQL's results beside the current ones. */
function comparisonBlocks(c: Comparison): Block[] {
  return [
    fields([`*Current results*\n${snapshotLines(c.before)}`, `*New SQL's results* (run ${c.runId})\n${snapshotLines(c.after)}`]),
    section(clip(`*Differences:*\n${c.differences.map((d) => `• ${esc(d)}`).join('\n')}`, LIMITS.sectionText)),
  ];
}

/** The plan: the impact, the diff of each task content, the checks to come, Confirm / Cancel. */
export function buildChangePlan(plan: ChangePlan, opId: string, note?: string): Message {
  const buttons = actions(
    [button({ text: 'Confirm', actionId: CHANGE.confirm, value: opId, style: 'primary' }), button({ text: 'Cancel', actionId: CHANGE.cancel, value: opId })],
    'pc_plan',
  );
  if (plan.flow === 'add_metric' || plan.flow === 'modify_etl') {
    const title = `Plan: ${changeTitle(plan)}`;
    const unread = plan.flow === 'modify_etl' && plan.unread.length ? [context(`Not read by the SQL parser (said, not guessed): ${plan.unread.map(esc).join('; ')}`)] : [];
    return finishMessage(
      title,
      [
        header(clip(title, LIMITS.headerText)),
        ...(note ? [section(`:warning: ${esc(note)}`)] : []),
        section(clip(`*Impact:* ${esc(plan.impactText)}`, LIMITS.sectionText)),
        ...unread,
        section(`*${esc(plan.edit.taskName)}* — ${esc(plan.edit.why)}`),
        ...codeBlocks(contentDiff(plan.edit), 3),
        section(clip(`*Checks, in this order* (each write only after the check before it passed):\n${checkpointLines(plannedCheckpoints(plan))}`, LIMITS.sectionText)),
        buttons,
      ],
      'the diff is in Studio’s versions of the task',
    );
  }
  if (plan.flow === 'add_sync_table') {
    return finishMessage(`Plan: ${changeTitle(plan)}`, [
      header(clip(`Plan: ${changeTitle(plan)}`, LIMITS.headerText)),
      ...(note ? [section(`:warning: ${esc(note)}`)] : []),
      section(clip(`*Impact:* \`${esc(plan.target)}\` is a new table: no task or Dynamic Table reads it yet. ${esc(plan.edit.why)}.`, LIMITS.sectionText)),
      section(`*${esc(plan.newTask.name)}* (new task; schedule \`${esc(plan.newTask.cron ?? 'none')}\`, VCluster \`${esc(plan.newTask.vcCode ?? 'default')}\`)`),
      ...codeBlocks(contentDiff(plan.edit), 2),
      section(clip(`*Checks, in this order:*\n${checkpointLines(plannedCheckpoints(plan))}`, LIMITS.sectionText)),
      actions([button({ text: 'Confirm', actionId: CHANGE.confirm, value: opId, style: 'primary' }), button({ text: 'Cancel', actionId: CHANGE.cancel, value: opId })], 'pc_plan'),
    ]);
  }
  const diffs: Block[] = [];
  const edits = [plan.ods.ddl, plan.dwd.ddl, ...plan.dynamicTables.map((d) => d.edit), plan.etl].filter((e, i, all) => all.findIndex((x) => x.taskId === e.taskId) === i);
  for (const e of edits) {
    diffs.push(section(`*${esc(e.taskName)}* — ${esc(e.why)}`));
    diffs.push(...codeBlocks(contentDiff(e), 2));
  }
  return finishMessage(
    `Plan: add ${plan.request.column} to ${plan.ods.table}`,
    [
      header(clip(`Plan: add ${plan.request.column} to ${plan.ods.table}`, LIMITS.headerText)),
      ...(note ? [section(`:warning: ${esc(note)}`)] : []),
      section(clip(`*Impact:* ${esc(plan.impactText)}`, LIMITS.sectionText)),
      ...(plan.untouchedDynamicTables.length ? [context(`Dynamic Tables over DWD left as they are: ${plan.untouchedDynamicTables.map((t) => `\`${esc(t)}\``).join(', ')}`)] : []),
      ...diffs,
      section(clip(`*Checks, in this order* (each write only after the check before it passed):\n${checkpointLines(plan.checkpoints)}`, LIMITS.sectionText)),
      actions([button({ text: 'Confirm', actionId: CHANGE.confirm, value: opId, style: 'primary' }), button({ text: 'Cancel', actionId: CHANGE.cancel, value: opId })], 'pc_plan'),
    ],
    'the diff is in Studio’s versions of each task',
  );
}

/**
 * The checkpoints as they pass; at the end, what went wrong and what to fix, or Undo. Modify ETL
 * logic's comparison is shown side by side; once verified (`applyOpId`), Save and deploy waits for the person.
 * `interrupted`: a restart found the change part-way (what was written, said).
 */
export function buildChangeProgress(
  title: string,
  checkpoints: Checkpoint[],
  end?: { ok: boolean; error?: string; undoOpId?: string; applyOpId?: string; comparison?: Comparison; interrupted?: string },
): Message {
  const state = !end
    ? ':hourglass_flowing_sand: In progress…'
    : end.interrupted
      ? `:warning: ${esc(end.interrupted)}`
      : end.applyOpId
        ? ':eyes: The new SQL ran once beside the current results; nothing is saved yet. Save and deploy it?'
        : end.ok
          ? ':white_check_mark: Done.'
          : `:x: Stopped: ${esc(end.error ?? 'a check failed')}`;
  const summary = !end ? 'in progress' : end.interrupted ? 'interrupted' : end.applyOpId ? 'compared' : end.ok ? 'done' : 'stopped';
  return finishMessage(`${title}: ${summary}`, [
    header(clip(title, LIMITS.headerText)),
    section(clip(checkpointLines(checkpoints), LIMITS.sectionText)),
    ...(end?.comparison ? comparisonBlocks(end.comparison) : []),
    section(clip(state, LIMITS.sectionText)),
    ...(end?.applyOpId
      ? [
          actions(
            [
              button({ text: 'Save and deploy', actionId: CHANGE.confirm, value: end.applyOpId, style: 'primary' }),
              button({ text: 'Cancel', actionId: CHANGE.cancel, value: end.applyOpId }),
            ],
            'pc_apply',
          ),
        ]
      : []),
    ...(end?.undoOpId
      ? [
          actions(
            [
              button({
                text: 'Undo',
                actionId: CHANGE.undo,
                value: end.undoOpId,
                style: 'danger',
                confirm: {
                  title: 'Undo this change?',
                  text: 'Every task content goes back to what it was before; the ETL is redeployed. Added columns stay in the tables.',
                  confirm: 'Undo',
                },
              }),
            ],
            'pc_undo',
          ),
        ]
      : []),
  ]);
}
