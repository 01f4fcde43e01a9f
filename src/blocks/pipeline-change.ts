/**
 * Changing a pipeline that exists (issue 34) in Slack: seed 000's question with its four options,
 * the pipeline (folder) picked from Studio's folders, the flow's inputs in a modal, the plan (the
 * lineage impact and the diff of every task content, Confirm / Cancel), the checkpoints as they
 * pass, and Undo.
 */
import type { ModalView, StaticSelect } from '@slack/types';
import { type ChangePlan, plannedCheckpoints } from '../iterate/change-requests.js';
import { type Checkpoint, contentDiff } from '../iterate/steps.js';
import { type Block, type Message, actions, button, codeBlocks, context, esc, finishMessage, header, section } from './kit.js';
import { LIMITS, clip } from './limits.js';

export const CHANGE = {
  flow: 'pc_flow',
  folder: 'pc_folder',
  modal: 'pc_modal',
  confirm: 'pc_confirm',
  cancel: 'pc_cancel',
  undo: 'pc_undo',
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
      input(ADD_FIELD_FIELDS.type, 'Type', 'STRING, BIGINT, INT, BOOLEAN, DOUBLE, DATE, TIMESTAMP or DECIMAL(p,s)', 'STRING'),
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

/** What a change is called in its messages. */
export function changeTitle(plan: ChangePlan): string {
  return plan.flow === 'add_field' ? `Add ${plan.request.column} to ${plan.ods.table}` : `Sync ${plan.request.sourceTable} into ${plan.target}`;
}

/** The plan: the impact, the diff of each task content, the checks to come, Confirm / Cancel. */
export function buildChangePlan(plan: ChangePlan, opId: string, note?: string): Message {
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

/** The checkpoints as they pass; at the end, what went wrong and what to fix, or Undo. */
export function buildChangeProgress(title: string, checkpoints: Checkpoint[], end?: { ok: boolean; error?: string; undoOpId?: string }): Message {
  const state = !end ? ':hourglass_flowing_sand: In progress…' : end.ok ? ':white_check_mark: Done.' : `:x: Stopped: ${esc(end.error ?? 'a check failed')}`;
  return finishMessage(`${title}: ${!end ? 'in progress' : end.ok ? 'done' : 'stopped'}`, [
    header(clip(title, LIMITS.headerText)),
    section(clip(checkpointLines(checkpoints), LIMITS.sectionText)),
    section(clip(state, LIMITS.sectionText)),
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
