/** Confirm / Cancel / Approve / Reject: the clicking user is authorised at click time by the service. */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import { buildApprovalResolved, buildCancelled, buildOutcome, buildRefusal } from '../../src/blocks/operations.js';
import { ACTION } from '../../src/blocks/replies.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { actorFromAction, ephemeral, replace } from '../context.js';

type Click = BlockAction<ButtonAction>;

/** The message clicked, when it is a normal (not ephemeral) message the bot can update later. */
function messageRef(body: Click): { channelId?: string; messageTs?: string } {
  const ts = body.container?.is_ephemeral ? undefined : body.message?.ts;
  return { channelId: body.channel?.id, messageTs: ts };
}

export function registerOperationActions(app: BoltApp, s: Services): void {
  app.action<Click>(ACTION.confirm, async ({ ack, body, action, respond }) => {
    await ack();
    const actor = actorFromAction(body);
    const r = await s.operations.confirm(actor, action.value ?? '', { ...messageRef(body), responseUrl: body.response_url });
    // A refusal goes to the clicker alone; the confirmation message stays for whoever may confirm.
    if (r.kind === 'refused') await respond(ephemeral(buildRefusal(r)));
    else await respond(replace(buildOutcome(r, actor.userId)));
  });

  app.action<Click>(ACTION.cancel, async ({ ack, body, action, respond }) => {
    await ack();
    const actor = actorFromAction(body);
    const r = await s.operations.cancel(actor, action.value ?? '');
    await respond(r.kind === 'refused' ? ephemeral(buildRefusal(r)) : replace(buildCancelled(r.op, actor.userId)));
  });

  app.action<Click>(ACTION.approve, async ({ ack, body, action, respond }) => {
    await ack();
    const actor = actorFromAction(body);
    const r = await s.operations.approve(actor, action.value ?? '');
    if (r.kind === 'refused') await respond(ephemeral(buildRefusal(r)));
    else await respond(replace(buildApprovalResolved(r.op, actor.userId, r)));
  });

  app.action<Click>(ACTION.reject, async ({ ack, body, action, respond }) => {
    await ack();
    const actor = actorFromAction(body);
    const r = await s.operations.reject(actor, action.value ?? '');
    if (r.kind === 'refused') await respond(ephemeral(buildRefusal(r)));
    else await respond(replace(buildApprovalResolved(r.op, actor.userId, 'rejected')));
  });
}
