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
  CHANGE,
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
import { type ChangeRequest, type PlanAnswer, requestProblems } from '../../src/iterate/change-requests.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { actorFromAction } from '../context.js';

type Client = BoltApp['client'];

/** What the modal carries: the flow, the pipeline, the DM the plan goes to. */
const WIRED = ['add_field', 'add_sync_table'] as const;
const isWired = (f: string): f is (typeof WIRED)[number] => (WIRED as readonly string[]).includes(f);
const MODAL_META = z.object({ flow: z.enum(WIRED), folder: z.string().min(1).max(200), channelId: z.string().min(1).max(40), table: z.string().max(300).optional() });
const safeJson = (raw: string | undefined): unknown => {
  try {
    return JSON.parse(raw || 'null');
  } catch {
    return null;
  }
};
type Click = BlockAction<ButtonAction>;
type StateValues = Record<string, Record<string, { value?: string | null; selected_date?: string | null }>>;

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
function readForm(flow: (typeof WIRED)[number], values: StateValues): { req: ChangeRequest; errors: Record<string, string> } {
  const v = (f: { block: string; action: string }) => values[f.block]?.[f.action];
  const byBlock = (fields: Record<string, { block: string }>, problems: Record<string, string>) =>
    Object.fromEntries(Object.entries(problems).map(([field, why]) => [fields[field]!.block, why]));
  if (flow === 'add_sync_table') {
    const F = ADD_SYNC_TABLE_FIELDS;
    const req: ChangeRequest = { flow, syncTask: v(F.syncTask)?.value?.trim() ?? '', sourceTable: v(F.sourceTable)?.value?.trim() ?? '' };
    return { req, errors: byBlock(F, requestProblems(req)) };
  }
  const F = ADD_FIELD_FIELDS;
  const req: ChangeRequest = {
    flow,
    table: v(F.table)?.value?.trim() ?? '',
    column: v(F.column)?.value?.trim() ?? '',
    type: v(F.type)?.value?.trim() ?? '',
    bizDate: v(F.bizDate)?.selected_date ?? '',
  };
  return { req, errors: byBlock(F, requestProblems(req)) };
}

function modalFor(flow: 'add_field' | 'add_sync_table', meta: { folder: string; channelId: string; table?: string }) {
  return flow === 'add_field' ? buildAddFieldModal(meta) : buildAddSyncTableModal(meta);
}

/** A refusal, to the clicking person only. */
async function tell(client: Client, channel: string, user: string, text: string): Promise<void> {
  const m = finishMessage(text, [section(`:no_entry: ${esc(text)}`)]);
  await client.chat.postEphemeral({ channel, user, text: m.text, blocks: m.blocks });
}

function planMessage(answer: PlanAnswer, note?: string): Message {
  return answer.kind === 'plan' ? buildChangePlan(answer.plan, answer.opId, note) : finishMessage('No plan', [section(`:x: ${answer.message}\nNothing was written.`)]);
}

export function registerPipelineChange(app: BoltApp, s: Services): void {
  const channelOf = (body: { channel?: { id: string }; user: { id: string } }) => body.channel?.id ?? body.user.id;

  for (const f of FLOWS) {
    app.action<Click>(`${CHANGE.flow}_${f.key}`, async ({ ack, body, client }) => {
      await ack();
      const channel = await dmOf(client, body.user.id, body.channel?.id);
      const folder = body.actions[0]?.value?.split(':').slice(1).join(':');
      if (!isWired(f.key)) {
        // The flow exists (src/iterate/); its Slack form does not yet.
        await show(
          client,
          channel,
          finishMessage(f.label, [section(`*${f.label}* is not yet available from Slack (*Add a field* and *Add a sync table* are). Nothing was done.`)]),
        );
        return;
      }
      if (folder) await client.views.open({ trigger_id: body.trigger_id, view: modalFor(f.key, { folder, channelId: channel }) });
      else await folderPick(client, s, channel, f.key);
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
    if (!folder || !flow || !isFlowKey(flow) || !isWired(flow))
      return void (await tell(client, channelOf(body), body.user.id, 'Choose a pipeline from the list the bot offered; nothing was done.'));
    await client.views.open({ trigger_id: body.trigger_id, view: modalFor(flow, { folder, channelId: channelOf(body), ...(table ? { table } : {}) }) });
  });

  app.view(CHANGE.modal, async ({ ack, body, view, client }) => {
    const meta = MODAL_META.safeParse(safeJson(view.private_metadata)).data;
    if (!meta) return void (await ack({ response_action: 'errors', errors: { [ADD_FIELD_FIELDS.table.block]: 'This form was not opened by the bot; nothing was done.' } }));
    const { req, errors } = readForm(meta.flow, (view.state?.values ?? {}) as StateValues);
    if (Object.keys(errors).length > 0) return void (await ack({ response_action: 'errors', errors }));
    await ack();
    const actor = actorFromAction({ user: body.user, team: body.team ?? null, channel: { id: meta.channelId } }, 'modal');
    try {
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
      const r = await s.changes.confirm(actor, body.actions[0]!.value!, async (cs, plan) => show(client, channel, buildChangeProgress(changeTitle(plan), cs), ts));
      if (r.kind === 'refused') return void (await tell(client, channel, body.user.id, r.message));
      if (r.kind === 'replanned') return void (await show(client, channel, planMessage(r.next, `${r.message} Here is the new plan.`), ts));
      await show(client, channel, buildChangeProgress(changeTitle(r.plan), r.result.checkpoints, { ok: r.result.ok, error: r.result.error, undoOpId: r.undoOpId }), ts);
    } catch (e) {
      await show(client, channel, messageForError(e));
    }
  });

  app.action<Click>(CHANGE.cancel, async ({ ack, body, client }) => {
    await ack();
    const r = await s.changes.cancel(actorFromAction(body), body.actions[0]!.value!);
    const channel = channelOf(body);
    if (r.kind === 'refused') return void (await tell(client, channel, body.user.id, r.message));
    await show(client, channel, finishMessage('Cancelled', [section('Cancelled: nothing was written.')]), body.message?.ts);
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
