/**
 * `/cz promote` in Slack (issue 34, item 4): the command answers with the diff (ephemeral, Confirm /
 * Cancel); Confirm posts the progress where the command was and edits it as each task is written;
 * a protected target posts an approval request there instead; Undo answers in the thread. The
 * logic is in src/promote/service.ts; this file only listens and shows.
 */
import type { BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { messageForError } from '../../src/blocks/errors.js';
import { type Message, esc, finishMessage, section } from '../../src/blocks/kit.js';
import { PROMOTE, buildPromotionApproval, buildPromotionDiff, buildPromotionProgress, promotionTitle } from '../../src/blocks/promote.js';
import type { Actor } from '../../src/ops/types.js';
import { type PromoteConfirmAnswer, type PromotePlanAnswer, parsePromotionRef, promotionRef } from '../../src/promote/service.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { actorFromAction, ephemeral, replace } from '../context.js';

type Click = BlockAction<ButtonAction>;
type Client = BoltApp['client'];

const refusal = (message: string): Message => finishMessage(message, [section(`:no_entry: ${esc(message)}`)]);

function diffMessage(a: PromotePlanAnswer, note?: string): Message {
  return a.kind === 'plan' ? buildPromotionDiff(a.plan, promotionRef(a.to, a.opId), { protected: a.protected, ...(note ? { note } : {}) }) : refusal(a.message);
}

/** `/cz promote <folder> --from <ws> --to <ws>`: the diff, or why not (audited by the service). */
export async function answerPromote(s: Services, actor: Actor, cmd: { folder: string; from: string; to: string }, respond: RespondFn): Promise<void> {
  if (!s.promotions) return void (await respond(ephemeral(refusal('Promotion is not available in this process; nothing was done.'))));
  await respond(ephemeral(diffMessage(await s.promotions.plan(actor, cmd.folder, cmd.from, cmd.to))));
}

async function post(client: Client, channel: string, m: Message, threadTs?: string): Promise<string | undefined> {
  const r = await client.chat.postMessage({ channel, text: m.text, blocks: m.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) });
  return r.ts;
}

/** Shows a Confirm's or an Approve's answer: progress edited in place, the approval request, or a refusal to the clicker. */
async function showOutcome(
  client: Client,
  respond: RespondFn,
  channel: string,
  run: (onProgress: Parameters<NonNullable<Services['promotions']>['confirm']>[2]) => Promise<PromoteConfirmAnswer>,
  opts: { replaceClicked: boolean },
): Promise<void> {
  let ts: string | undefined;
  const progress = async (m: Message) => {
    if (ts) await client.chat.update({ channel, ts, text: m.text, blocks: m.blocks });
    else ts = await post(client, channel, m);
  };
  const r = await run(async (cs, plan) => {
    if (!ts && opts.replaceClicked) await respond(replace(finishMessage(`${promotionTitle(plan)}: confirmed`, [section(`Confirmed: the promotion's progress is below.`)])));
    await progress(buildPromotionProgress(plan, cs));
  });
  if (r.kind === 'refused') return void (await respond(ephemeral(refusal(r.message))));
  if (r.kind === 'replanned') return void (await respond(replace(diffMessage(r.next, `${r.message} Here is the new diff.`))));
  if (r.kind === 'awaiting_approval') {
    await post(client, channel, buildPromotionApproval(r.plan, promotionRef(r.to, r.opId), r.requestedBy, r.approvers));
    await respond(
      replace(
        finishMessage('Waiting for approval', [
          section(`:lock: \`${esc(r.to)}\` is protected: the request is posted here for a second admin to approve. Nothing is written until then.`),
        ]),
      ),
    );
    return;
  }
  await progress(
    buildPromotionProgress(r.plan, r.checkpoints, { ok: r.ok, error: r.error, written: r.written, ...(r.undoOpId ? { undoRef: promotionRef(r.plan.to, r.undoOpId) } : {}) }),
  );
}

export function registerPromote(app: BoltApp, s: Services): void {
  const channelOf = (body: Click) => body.channel?.id ?? body.user.id;
  /** The service, or the clicker told it is not there (every interaction gets an answer). */
  const service = async (respond: RespondFn) => {
    if (!s.promotions) await respond(ephemeral(refusal('Promotion is not available in this process; nothing was done.')));
    return s.promotions;
  };

  app.action<Click>(PROMOTE.confirm, async ({ ack, body, action, respond, client }) => {
    await ack();
    const p = await service(respond);
    if (!p) return;
    try {
      await showOutcome(client, respond, channelOf(body), (onProgress) => p.confirm(actorFromAction(body), action.value ?? '', onProgress), { replaceClicked: true });
    } catch (e) {
      await respond(ephemeral(messageForError(e)));
    }
  });

  app.action<Click>(PROMOTE.approve, async ({ ack, body, action, respond, client }) => {
    await ack();
    const p = await service(respond);
    if (!p) return;
    try {
      await showOutcome(client, respond, channelOf(body), (onProgress) => p.approve(actorFromAction(body), action.value ?? '', onProgress), { replaceClicked: true });
    } catch (e) {
      await respond(ephemeral(messageForError(e)));
    }
  });

  app.action<Click>(PROMOTE.cancel, async ({ ack, body, action, respond }) => {
    await ack();
    const p = await service(respond);
    if (!p) return;
    const r = await p.cancel(actorFromAction(body), action.value ?? '');
    await respond(
      r.kind === 'refused' ? ephemeral(refusal(r.message)) : replace(finishMessage('Not promoted', [section(`Cancelled by <@${body.user.id}>: nothing was written.`)])),
    );
  });

  app.action<Click>(PROMOTE.undo, async ({ ack, body, action, respond, client }) => {
    await ack();
    const p = await service(respond);
    if (!p) return;
    const r = await p.undo(actorFromAction(body), action.value ?? '');
    if (r.kind === 'refused') return void (await respond(ephemeral(refusal(r.message))));
    const to = parsePromotionRef(action.value ?? '')?.to ?? '?';
    const text = r.ok
      ? `:leftwards_arrow_with_hook: Promotion undone in \`${to}\`: ${[r.restored.length ? `${r.restored.map((n) => `\`${n}\``).join(', ')} back as they were` : '', r.deleted.length ? `${r.deleted.map((n) => `\`${n}\``).join(', ')} taken offline and deleted` : ''].filter(Boolean).join('; ')}.`
      : `:warning: Undo put back ${r.restored.join(', ') || 'nothing'} and deleted ${r.deleted.join(', ') || 'nothing'}; it could not restore ${r.failed.join(', ')}: restore those from Studio's versions.`;
    await post(client, channelOf(body), finishMessage(text, [section(text)]), body.message?.ts);
  });
}
