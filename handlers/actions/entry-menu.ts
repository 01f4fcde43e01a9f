/**
 * The entry menu's buttons (DM greeting and Home): build → the setup wizard; change an existing
 * pipeline → seed 000's question (handlers/actions/pipeline-change.ts); troubleshoot and standards
 * check → how to; "Which task type?" → the explainer. A greeting in the DM posts the menu.
 */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ENTRY_MENU, buildEntryMenu, buildTaskTypes } from '../../src/blocks/entry-menu.js';
import { finishMessage, section } from '../../src/blocks/kit.js';
import type { Message } from '../../src/blocks/kit.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { openChangeExisting } from './pipeline-change.js';
import { startWizard } from './wizard.js';

type Client = BoltApp['client'];
type Click = BlockAction<ButtonAction>;

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
