/** The backfill modal: open with a live dry-run preview, refresh it when dates change, submit. */
import { redactTexts } from '../../src/blocks/kit.js';
import type { ModalView } from '@slack/types';
import { BACKFILL_FIELDS, BACKFILL_MODAL, buildApprovalRequest, buildBackfillModal, buildOutcome, buildRefusal } from '../../src/blocks/operations.js';
import { messageForError } from '../../src/blocks/errors.js';
import type { Message } from '../../src/blocks/kit.js';
import { type Actor, type BackfillInput, backfillDateProblem } from '../../src/ops/operations.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { formatDate } from '../../src/studio/dates.js';
import { actorFromAction } from '../context.js';
import { UnknownReference, parseActionValue, referenceTarget } from '../../src/ops/references.js';
import { z } from 'zod';

type Client = BoltApp['client'];
type StateValues = Record<string, Record<string, { value?: string | null; selected_date?: string | null }>>;

function inputFromState(values: StateValues): Partial<BackfillInput> & { cardId?: number } {
  const v = (f: keyof typeof BACKFILL_FIELDS) => values[BACKFILL_FIELDS[f].block]?.[BACKFILL_FIELDS[f].action];
  return {
    task: v('task')?.value?.trim() || undefined,
    from: v('from')?.selected_date ?? undefined,
    to: v('to')?.selected_date ?? undefined,
    vcCode: v('vc')?.value?.trim() || undefined,
  };
}

/** What the modal carries in its metadata: where it was opened from, and the task it is pinned to. */
const MODAL_META = z.object({
  channelId: z.string().max(40).nullable().optional(),
  cardId: z.number().int().nullable().optional(),
  pin: z.tuple([z.number().int(), z.string().max(400)]).optional(),
});
type ModalMeta = z.infer<typeof MODAL_META>;

function modalMeta(raw: string | undefined): ModalMeta {
  return parseActionValue(raw || '{}', MODAL_META, 'the backfill form');
}

/** The task field shows a name; left as opened from a card, it stands for that card's task (names need not be unique). */
function pinned(input: Partial<BackfillInput>, meta: ModalMeta): Partial<BackfillInput> {
  return meta.pin && input.task === meta.pin[1] ? { ...input, task: String(meta.pin[0]) } : input;
}

/** `pin`: the task the modal is opened for (by a card), shown by name and sent by id. */
export async function openBackfillModal(client: Client, triggerId: string, input: BackfillInput, actor: Actor, s: Services, pin?: { id: number; name: string }): Promise<void> {
  const meta: ModalMeta = { channelId: actor.channelId ?? null, cardId: input.cardId ?? null, ...(pin ? { pin: [pin.id, pin.name] } : {}) };
  // Open at once (a trigger id lives 3 s), then fill in the dry run.
  const opened = await client.views.open({ trigger_id: triggerId, view: buildBackfillModal(input, undefined, s.studio, meta) });
  const preview = await s.operations.previewBackfill({ ...actor, source: 'modal' }, pinned(input, meta) as BackfillInput);
  await client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash, view: buildBackfillModal(input, preview, s.studio, meta) });
}

function resultView(title: string, m: Message): ModalView {
  return redactTexts({ type: 'modal', title: { type: 'plain_text', text: title }, close: { type: 'plain_text', text: 'Done' }, blocks: m.blocks });
}

export function registerBackfillModal(app: BoltApp, s: Services): void {
  // Dates changed: refresh the dry run.
  for (const action of [BACKFILL_FIELDS.from.action, BACKFILL_FIELDS.to.action]) {
    app.action(action, async ({ ack, body, client }) => {
      await ack();
      const b = body as unknown as {
        view?: { id: string; hash: string; callback_id?: string; private_metadata?: string; state?: { values?: StateValues } };
        user: { id: string; username?: string };
        team?: { id: string };
      };
      if (!b.view || b.view.callback_id !== BACKFILL_MODAL)
        throw new UnknownReference('This date picker is not in a backfill form the bot opened; nothing was done.', {
          target: referenceTarget('view', b.view?.callback_id ?? 'none'),
        });
      const meta = modalMeta(b.view.private_metadata);
      const input = inputFromState(b.view.state?.values ?? {});
      if (!input.task || !input.from || !input.to) return; // the form is not filled in yet: nothing to preview
      const actor = { ...actorFromAction({ user: b.user, team: b.team ?? null, channel: meta.channelId ? { id: meta.channelId } : undefined }, 'modal') };
      const full = input as BackfillInput;
      const preview = await s.operations.previewBackfill(actor, pinned(full, meta) as BackfillInput);
      await client.views.update({ view_id: b.view.id, hash: b.view.hash, view: buildBackfillModal(full, preview, s.studio, meta) });
    });
  }

  app.view(BACKFILL_MODAL, async ({ ack, body, view, client }) => {
    const meta = modalMeta(view.private_metadata);
    const input = pinned(inputFromState(view.state.values as StateValues), meta) as Partial<BackfillInput> & { cardId?: number };
    const errors: Record<string, string> = {};
    if (!input.task) errors[BACKFILL_FIELDS.task.block] = 'Enter a task name or id.';
    if (!input.from) errors[BACKFILL_FIELDS.from.block] = 'Pick the first business date.';
    if (!input.to) errors[BACKFILL_FIELDS.to.block] = 'Pick the last business date.';
    if (input.from && input.to) {
      const problem = backfillDateProblem(input.from, input.to, formatDate(s.now(), s.studio.timeZone));
      if (problem) errors[input.from > input.to ? BACKFILL_FIELDS.from.block : BACKFILL_FIELDS.to.block] = problem.slice(0, 150);
    }
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack({
      response_action: 'update',
      view: resultView('Backfill', { text: 'Working', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: ':hourglass_flowing_sand: Sending the backfill to Studio…' } }] }),
    });
    if (meta.cardId) input.cardId = meta.cardId;
    const actor = actorFromAction(
      { user: body.user as { id: string; name?: string }, team: body.team ?? null, channel: meta.channelId ? { id: meta.channelId } : undefined },
      'modal',
    );
    let m: Message;
    let result: Awaited<ReturnType<Services['operations']['submitBackfill']>>;
    try {
      result = await s.operations.submitBackfill(actor, input as BackfillInput);
    } catch (e) {
      await client.views.update({ view_id: view.id, view: resultView('Backfill', messageForError(e)) });
      return;
    }
    if (result.kind === 'refused') m = buildRefusal(result);
    else if (result.kind === 'done') m = buildOutcome(result, actor.userId);
    else {
      const request = buildApprovalRequest(result);
      const channel = meta.channelId ?? actor.userId;
      await client.chat.postMessage({ channel, text: request.text, blocks: request.blocks });
      m = {
        text: 'Posted for approval',
        blocks: [
          {
            type: 'section',
            text: { type: 'mrkdwn', text: `:raised_hand: Over your limit: the request was posted in <#${channel}> for another admin to approve. It runs when they do.` },
          },
        ],
      };
    }
    await client.views.update({ view_id: view.id, view: resultView('Backfill', m) });
  });
}
