/**
 * The entry menu's buttons (DM greeting and Home): build → the setup wizard; change an existing
 * pipeline → `openChangeExisting` (the hook issue 34's flow plugs into); troubleshoot and standards
 * check → how to; "Which task type?" → the explainer. A greeting in the DM posts the menu.
 */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ENTRY_MENU, buildEntryMenu, buildTaskTypes } from '../../src/blocks/entry-menu.js';
import { finishMessage, section } from '../../src/blocks/kit.js';
import type { Message } from '../../src/blocks/kit.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { startWizard } from './wizard.js';

type Client = BoltApp['client'];
type Click = BlockAction<ButtonAction>;

/**
 * "Change an existing pipeline": the hook for issue 34's flow. For now it answers that the guided
 * change is coming and what works today; replace the body to open the flow (it gets the clicking
 * user and the channel the menu was in).
 */
export async function openChangeExisting(client: Client, _s: Services, userId: string, channelId: string): Promise<void> {
  const m = finishMessage('Changing an existing pipeline', [
    section(
      ':construction: *Changing an existing pipeline* step by step (add a table, a field or a metric; change ETL logic) is coming. Today: `/cz tasks <folder>` and `/cz deps <task>` show what is there, `/cz check <folder>` reviews it.',
    ),
  ]);
  await client.chat.postEphemeral({ channel: channelId, user: userId, text: m.text, blocks: m.blocks });
}

const TROUBLESHOOT: Message = finishMessage('Troubleshooting', [
  section(
    '*Troubleshooting*: `/cz runs <task> --status failed` lists failed runs, `/cz run <run-id>` shows one with the end of its log and a diagnosis, `/cz logs <run-id>` the whole log, `/cz deps <task>` its upstreams and downstreams, `/cz explain <error text>` what an error means.',
  ),
]);
const CHECK: Message = finishMessage('Standards check', [
  section('*Standards check*: `/cz check <folder>` reviews a folder against the separation of DDL and pipeline (P0/P1/P2, with fixes); `/cz check` reviews every folder.'),
]);

export function registerEntryMenu(app: BoltApp, s: Services): void {
  const channelOf = (body: Click) => body.channel?.id ?? body.user.id;
  const post = async (client: Client, body: Click, m: Message) => client.chat.postEphemeral({ channel: channelOf(body), user: body.user.id, text: m.text, blocks: m.blocks });

  app.action<Click>(ENTRY_MENU.build, async ({ ack, body, client }) => {
    await ack();
    const r = await startWizard(client, s, body.user.id);
    if (!r.ok) await client.chat.postEphemeral({ channel: channelOf(body), user: body.user.id, text: r.message }).catch(() => undefined);
  });
  app.action<Click>(ENTRY_MENU.change, async ({ ack, body, client }) => {
    await ack();
    await openChangeExisting(client, s, body.user.id, channelOf(body));
  });
  app.action<Click>(ENTRY_MENU.troubleshoot, async ({ ack, body, client }) => {
    await ack();
    await post(client, body, TROUBLESHOOT);
  });
  app.action<Click>(ENTRY_MENU.check, async ({ ack, body, client }) => {
    await ack();
    await post(client, body, CHECK);
  });
  app.action<Click>(ENTRY_MENU.types, async ({ ack, body, client }) => {
    await ack();
    await post(client, body, buildTaskTypes(s.knowledge.taskTypes));
  });

  // A greeting in the DM with the bot: the entry menu.
  app.message(/^\s*(?:hi|hello|hey|help|menu|start|你好)\b/i, async ({ message, client }) => {
    const m = message as { channel_type?: string; user?: string; bot_id?: string; channel: string };
    if (m.channel_type !== 'im' || !m.user || m.bot_id) return;
    const menu = buildEntryMenu();
    await client.chat.postMessage({ channel: m.channel, text: menu.text, blocks: menu.blocks });
  });
}
