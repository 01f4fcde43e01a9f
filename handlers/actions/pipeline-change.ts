/**
 * Changing a pipeline that exists, in Slack (issue 34, item 1): the menu's four options → the
 * pipeline (folder) select → the flow's modal → the plan message (Confirm / Cancel) → the
 * checkpoints edited in place → Undo. "add a field to …" typed in the DM starts the add-field flow.
 * The logic is in src/iterate/change-requests.ts; this file only listens and shows.
 */
import { z } from 'zod';
import type { BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { messageForError } from '../../src/blocks/errors.js';
import type { Message } from '../../src/blocks/kit.js';
import { esc, finishMessage, section } from '../../src/blocks/kit.js';
import {
  ADD_FIELD_FIELDS,
  ADD_METRIC_FIELDS,
  CHANGE,
  MODIFY_ETL_FIELDS,
  SQL_INPUT_MAX,
  buildAddMetricModal,
  buildEtlTaskPick,
  buildMetricDefinition,
  buildMissingFields,
  buildModifyEtlModal,
  FLOWS,
  type FlowKey,
  ADD_SYNC_TABLE_FIELDS,
  buildAddFieldModal,
  buildAddSyncTableModal,
  changeTitle,
  buildChangeMenu,
  buildChangePlan,
  buildChangeProgress,
  buildFolderPick,
  isFlowKey,
} from '../../src/blocks/pipeline-change.js';
import { type ChangeRequest, type InterruptedChange, type PlanAnswer, requestProblems } from '../../src/iterate/change-requests.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { actorFromAction } from '../context.js';

type Client = BoltApp['client'];

/** What the modal carries: the flow, the pipeline, the DM the plan goes to. */
const WIRED = ['add_field', 'add_sync_table', 'add_metric', 'modify_etl'] as const;
const MODAL_META = z.object({
  flow: z.enum(WIRED),
  folder: z.string().min(1).max(200),
  channelId: z.string().min(1).max(40),
  table: z.string().max(300).optional(),
  task: z.string().max(200).optional(),
});
const safeJson = (raw: string | undefined): unknown => {
  try {
    return JSON.parse(raw || 'null');
  } catch {
    return null;
  }
};
type Click = BlockAction<ButtonAction>;
type StateValues = Record<string, Record<string, { value?: string | null; selected_date?: string | null; selected_option?: { value: string } | null }>>;

const show = async (client: Client, channel: string, m: Message, ts?: string) => {
  if (ts) await client.chat.update({ channel, ts, text: m.text, blocks: m.blocks });
  else await client.chat.postMessage({ channel, text: m.text, blocks: m.blocks });
};

/**
 * The DM with the person: where the menu was clicked when that is the DM; otherwise the DM is
 * opened and the channel told so (ephemerally: the flow is not posted in a shared channel).
 */
async function dmOf(client: Client, userId: string, channelId: string | undefined): Promise<string> {
  if (channelId?.startsWith('D')) return channelId;
  const dm = String((await client.conversations.open({ users: userId })).channel?.id ?? userId);
  if (channelId && channelId !== userId)
    await client.chat.postEphemeral({ channel: channelId, user: userId, text: 'I asked in our DM: changing a pipeline goes on there.' }).catch(() => undefined);
  return dm;
}

/** The entry menu's "Change an existing pipeline": the seed's question, in the DM. */
export async function openChangeExisting(client: Client, _s: Services, userId: string, channelId: string): Promise<void> {
  await show(client, await dmOf(client, userId, channelId), buildChangeMenu());
}

async function folderPick(client: Client, s: Services, channel: string, flow: FlowKey, table?: string): Promise<void> {
  const folders = await s.studio.listAllFolders();
  await show(
    client,
    channel,
    buildFolderPick(
      flow,
      folders.map((f) => f.name),
      table,
    ),
  );
}

/** The modal's answers as a request, and what is wrong with each field (by its block; the rules: src/iterate/change-requests.ts). */
function readForm(flow: (typeof WIRED)[number], values: StateValues, meta: { task?: string }): { req: ChangeRequest; errors: Record<string, string> } {
  const v = (f: { block: string; action: string }) => values[f.block]?.[f.action];
  const byBlock = (fields: Record<string, { block: string }>, problems: Record<string, string>, fallback: string) =>
    Object.fromEntries(Object.entries(problems).map(([field, why]) => [fields[field]?.block ?? fallback, why]));
  const list = (text: string | null | undefined) =>
    (text ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  if (flow === 'add_metric') {
    const F = ADD_METRIC_FIELDS;
    const number = (text: string | null | undefined) => (text?.trim() ? Number(text.trim().replace(/[,_\s]/g, '')) : Number.NaN);
    const filter = v(F.filter)?.value?.trim();
    const tolerance = v(F.tolerancePct)?.value?.trim();
    const req: ChangeRequest = {
      flow,
      metric: v(F.metric)?.value?.trim() ?? '',
      expression: v(F.expression)?.value?.trim() ?? '',
      dimensions: list(v(F.dimensions)?.value),
      source: v(F.source)?.selected_option?.value ?? '',
      ...(filter ? { filter } : {}),
      table: v(F.table)?.value?.trim().toLowerCase() ?? '',
      baseline: number(v(F.baseline)?.value),
      ...(tolerance ? { tolerancePct: number(tolerance) } : {}),
    };
    return { req, errors: byBlock(F, requestProblems(req), F.expression.block) };
  }
  if (flow === 'modify_etl') {
    const F = MODIFY_ETL_FIELDS;
    const keys = list(v(F.keyColumns)?.value);
    const req: ChangeRequest = {
      flow,
      task: meta.task ?? '',
      newSql: v(F.newSql)?.value ?? '',
      bizDate: v(F.bizDate)?.selected_date ?? '',
      ...(keys.length ? { keyColumns: keys } : {}),
    };
    return { req, errors: byBlock(F, requestProblems(req), F.newSql.block) };
  }
  if (flow === 'add_sync_table') {
    const F = ADD_SYNC_TABLE_FIELDS;
    const req: ChangeRequest = { flow, syncTask: v(F.syncTask)?.value?.trim() ?? '', sourceTable: v(F.sourceTable)?.value?.trim() ?? '' };
    return { req, errors: byBlock(F, requestProblems(req), F.syncTask.block) };
  }
  const F = ADD_FIELD_FIELDS;
  const req: ChangeRequest = {
    flow,
    table: v(F.table)?.value?.trim() ?? '',
    column: v(F.column)?.value?.trim() ?? '',
    type: v(F.type)?.value?.trim() ?? '',
    bizDate: v(F.bizDate)?.selected_date ?? '',
  };
  return { req, errors: byBlock(F, requestProblems(req), F.table.block) };
}

/**
 * The flow's form for a pipeline: a modal (add field, add sync table; add metric with the
 * pipeline's tables to choose from), or for Modify ETL logic first the pick of its SQL task.
 */
async function openFlow(client: Client, s: Services, flow: FlowKey, triggerId: string, meta: { folder: string; channelId: string; table?: string }): Promise<void> {
  if (flow === 'modify_etl') {
    const { sqlTasks } = await s.changes.folderObjects(meta.folder);
    return void (await show(client, meta.channelId, buildEtlTaskPick(meta.folder, sqlTasks)));
  }
  if (flow === 'add_metric') {
    const { tables } = await s.changes.folderObjects(meta.folder);
    return void (await client.views.open({ trigger_id: triggerId, view: buildAddMetricModal({ folder: meta.folder, channelId: meta.channelId }, tables) }));
  }
  await client.views.open({ trigger_id: triggerId, view: flow === 'add_field' ? buildAddFieldModal(meta) : buildAddSyncTableModal(meta) });
}

/** A refusal, to the clicking person only. */
async function tell(client: Client, channel: string, user: string, text: string): Promise<void> {
  const m = finishMessage(text, [section(`:no_entry: ${esc(text)}`)]);
  await client.chat.postEphemeral({ channel, user, text: m.text, blocks: m.blocks });
}

function planMessage(answer: PlanAnswer, note?: string): Message {
  if (answer.kind === 'plan') return buildChangePlan(answer.plan, answer.opId, note);
  if (answer.missing) return buildMissingFields({ ...answer, missing: answer.missing });
  return finishMessage('No plan', [section(`:x: ${answer.message}\nNothing was written.`)]);
}

/** At start-up: each change a stopped process left part-way, its message edited to say what was written (and Undo). */
export async function showInterruptedChanges(client: Client, changes: InterruptedChange[]): Promise<void> {
  for (const c of changes) {
    const m = buildChangeProgress(c.title, c.checkpoints, { ok: false, interrupted: c.message, ...(c.undoOpId ? { undoOpId: c.undoOpId } : {}) });
    if (!c.reply) continue;
    await client.chat.update({ channel: c.reply.channelId, ts: c.reply.messageTs, text: m.text, blocks: m.blocks }).catch(() => undefined);
  }
}

export function registerPipelineChange(app: BoltApp, s: Services): void {
  const channelOf = (body: { channel?: { id: string }; user: { id: string } }) => body.channel?.id ?? body.user.id;

  for (const f of FLOWS) {
    app.action<Click>(`${CHANGE.flow}_${f.key}`, async ({ ack, body, client }) => {
      await ack();
      const channel = await dmOf(client, body.user.id, body.channel?.id);
      const folder = body.actions[0]?.value?.split(':').slice(1).join(':');
      try {
        if (folder) await openFlow(client, s, f.key, body.trigger_id, { folder, channelId: channel });
        else await folderPick(client, s, channel, f.key);
      } catch (e) {
        await show(client, channel, messageForError(e));
      }
    });
  }

  // "Change this pipeline…" from `/cz task`: the question in the DM, the pipeline already chosen.
  app.action<Click>(CHANGE.fromTask, async ({ ack, body, client }) => {
    await ack();
    const folder = body.actions[0]?.value;
    const dm = await dmOf(client, body.user.id, body.channel?.id);
    if (!folder) return void (await tell(client, dm, body.user.id, 'This button names no pipeline; nothing was done.'));
    await show(client, dm, buildChangeMenu(folder));
  });

  app.action<BlockAction<StaticSelectAction>>(CHANGE.folder, async ({ ack, body, client }) => {
    await ack();
    const a = body.actions[0]!;
    const [, flow, table] = (a.block_id ?? '').split(':');
    const folder = a.selected_option?.value;
    if (!folder || !flow || !isFlowKey(flow)) return void (await tell(client, channelOf(body), body.user.id, 'Choose a pipeline from the list the bot offered; nothing was done.'));
    try {
      await openFlow(client, s, flow, body.trigger_id, { folder, channelId: channelOf(body), ...(table ? { table } : {}) });
    } catch (e) {
      await show(client, channelOf(body), messageForError(e));
    }
  });

  // Modify ETL logic: the task chosen → the modal, its SQL prefilled with the task's content now.
  app.action<BlockAction<StaticSelectAction>>(CHANGE.etlTask, async ({ ack, body, client }) => {
    await ack();
    const a = body.actions[0]!;
    const folder = (a.block_id ?? '').split(':').slice(1).join(':');
    const id = Number(a.selected_option?.value);
    const channel = channelOf(body);
    if (!folder || !Number.isInteger(id)) return void (await tell(client, channel, body.user.id, 'Choose a task from the list the bot offered; nothing was done.'));
    const task = await s.studio.getTask(id);
    if (task.content.length > SQL_INPUT_MAX)
      return void (await tell(
        client,
        channel,
        body.user.id,
        `\`${task.name}\` is ${task.content.length} characters long: a Slack form holds ${SQL_INPUT_MAX}. Change it in Studio's editor; nothing was done.`,
      ));
    await client.views.open({ trigger_id: body.trigger_id, view: buildModifyEtlModal({ folder, channelId: channel, task: task.name }, task.content) });
  });

  // Add a metric: the definition is right → the DWD fields checked, the plan.
  app.action<Click>(CHANGE.defineOk, async ({ ack, body, client }) => {
    await ack();
    const channel = channelOf(body);
    try {
      const r = await s.changes.confirmDefinition(actorFromAction(body), body.actions[0]!.value!);
      if (r.kind === 'refused') return void (await tell(client, channel, body.user.id, r.message));
      await show(client, channel, planMessage(r), body.message?.ts);
    } catch (e) {
      await show(client, channel, messageForError(e));
    }
  });

  app.action<Click>(CHANGE.defineCancel, async ({ ack, body, client }) => {
    await ack();
    const r = await s.changes.cancel(actorFromAction(body), body.actions[0]!.value!);
    const channel = channelOf(body);
    if (r.kind === 'refused') return void (await tell(client, channel, body.user.id, r.message));
    await show(
      client,
      channel,
      finishMessage('Not right', [section('The definition was put aside: nothing was checked or written. Define it again from *Add a metric / DWS*.')]),
      body.message?.ts,
    );
  });

  app.view(CHANGE.modal, async ({ ack, body, view, client }) => {
    const meta = MODAL_META.safeParse(safeJson(view.private_metadata)).data;
    if (!meta) return void (await ack({ response_action: 'errors', errors: { [ADD_FIELD_FIELDS.table.block]: 'This form was not opened by the bot; nothing was done.' } }));
    const { req, errors } = readForm(meta.flow, (view.state?.values ?? {}) as StateValues, meta);
    if (Object.keys(errors).length > 0) return void (await ack({ response_action: 'errors', errors }));
    await ack();
    const actor = actorFromAction({ user: body.user, team: body.team ?? null, channel: { id: meta.channelId } }, 'modal');
    try {
      if (req.flow === 'add_metric') {
        const { flow: _flow, ...definition } = req;
        return void (await show(client, meta.channelId, buildMetricDefinition(meta.folder, await s.changes.define(actor, meta.folder, definition))));
      }
      await show(client, meta.channelId, planMessage(await s.changes.plan(actor, meta.folder, req)));
    } catch (e) {
      await show(client, meta.channelId, messageForError(e));
    }
  });

  app.action<Click>(CHANGE.confirm, async ({ ack, body, client }) => {
    await ack();
    const channel = channelOf(body);
    const ts = body.message?.ts;
    const actor = actorFromAction(body);
    try {
      const r = await s.changes.confirm(
        actor,
        body.actions[0]!.value!,
        async (cs, plan) => show(client, channel, buildChangeProgress(changeTitle(plan), cs), ts),
        ts ? { channelId: channel, messageTs: ts } : undefined,
      );
      if (r.kind === 'refused') return void (await tell(client, channel, body.user.id, r.message));
      if (r.kind === 'replanned') return void (await show(client, channel, planMessage(r.next, `${r.message} Here is the new plan.`), ts));
      const { ok, error, comparison } = r.result;
      await show(
        client,
        channel,
        buildChangeProgress(changeTitle(r.plan), r.result.checkpoints, {
          ok,
          ...(error ? { error } : {}),
          ...(comparison ? { comparison } : {}),
          ...(r.undoOpId ? { undoOpId: r.undoOpId } : {}),
          ...(r.applyOpId ? { applyOpId: r.applyOpId } : {}),
        }),
        ts,
      );
    } catch (e) {
      await show(client, channel, messageForError(e));
    }
  });

  app.action<Click>(CHANGE.cancel, async ({ ack, body, client }) => {
    await ack();
    const r = await s.changes.cancel(actorFromAction(body), body.actions[0]!.value!);
    const channel = channelOf(body);
    if (r.kind === 'refused') return void (await tell(client, channel, body.user.id, r.message));
    await show(client, channel, finishMessage('Cancelled', [section(esc(r.message))]), body.message?.ts);
  });

  app.action<Click>(CHANGE.undo, async ({ ack, body, client }) => {
    await ack();
    const channel = channelOf(body);
    const r = await s.changes.undo(actorFromAction(body), body.actions[0]!.value!);
    if (r.kind === 'refused') return void (await tell(client, channel, body.user.id, r.message));
    const text = r.deleted
      ? `:leftwards_arrow_with_hook: Undone: the new task \`${r.deleted}\` taken offline and deleted. The ODS table it filled stays (a DROP TABLE is yours to run).`
      : r.ok
        ? `:leftwards_arrow_with_hook: Undone: ${r.restored.map((t) => `\`${t}\``).join(', ')} back as they were${r.redeployed ? '; the ETL redeployed' : ''}. Added columns stay in the tables (an ALTER … DROP COLUMN is yours to run).`
        : `:warning: Undo put back ${r.restored.join(', ') || 'nothing'}; it could not restore ${r.failed.join(', ')}: restore those from Studio's versions.`;
    const m = finishMessage(text, [section(text)]);
    await client.chat.postMessage({ channel, text: m.text, blocks: m.blocks, ...(body.message?.ts ? { thread_ts: body.message.ts } : {}) });
  });

  // "add a field to <schema.table>" (or "add a column …") in the DM with the bot.
  app.message(/\badd (?:a |an |the )?(?:new )?(?:field|column)\b/i, async ({ message, client }) => {
    const m = message as { channel_type?: string; user?: string; bot_id?: string; channel: string; text?: string };
    if (m.channel_type !== 'im' || !m.user || m.bot_id) return;
    const table = /\bto\s+`?([A-Za-z_]\w*\.[A-Za-z_]\w*)`?/i.exec(m.text ?? '')?.[1]?.toLowerCase();
    await folderPick(client, s, m.channel, 'add_field', table);
  });
}
