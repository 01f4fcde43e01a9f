/** Buttons on alert triage cards. Logs and Diagnose answer in the card's thread; Rerun and Backfill take the operations path. */
import type { BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { buildRunDiagnosis } from '../../src/blocks/diagnosis.js';
import { buildBulkApprovalRequest, buildConfirmation, buildRefusal } from '../../src/blocks/operations.js';
import { buildLogView } from '../../src/blocks/replies.js';
import { openRootsByCause, stillBlocked, tableOfSubject } from '../../src/alerts/cards.js';
import { buildDynamicTableHistory } from '../../src/blocks/lakehouse.js';
import { describeDynamicTable } from '../../src/ops/lakehouse-read.js';
import { MUTE_HOURS, TRIAGE, buildThreadNote } from '../../src/blocks/triage.js';
import { when } from '../../src/blocks/replies.js';
import type { AlertService } from '../../src/alerts/service.js';
import { diagnoseRun } from '../../src/ops/diagnosis.js';
import { readLogTail } from '../../src/ops/read.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import type { AlertCard } from '../../src/store/alerts.js';
import { formatDate } from '../../src/studio/dates.js';
import { UnknownReference, parseActionValue, referenceTarget } from '../../src/ops/references.js';
import { z } from 'zod';
import { actorFromAction, ephemeral } from '../context.js';
import { openBackfillModal } from '../views/backfill.js';

type Click = BlockAction<ButtonAction>;
/** What the bot puts on a card's buttons: the card, and the run it was drawn for. */
const CARD_VALUE = z.object({ c: z.number().int(), r: z.number().int().optional(), a: z.string().nullable().optional() });
type Respond = (m: object) => Promise<unknown>;

/** A bulk rerun's answer: the confirmation or refusal to the clicker; over the limit, the approval request in the thread. */
async function answerBulk(
  r: Awaited<ReturnType<Services['operations']['requestBulkRerun']>>,
  where: { channel: string; threadTs: string | null },
  respond: Respond,
  client: BoltApp['client'],
): Promise<void> {
  if (r.kind !== 'bulk_approval') return void (await respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r))));
  const request = buildBulkApprovalRequest(r);
  await client.chat.postMessage({ channel: where.channel, thread_ts: where.threadTs ?? undefined, text: request.text, blocks: request.blocks });
  await respond(ephemeral(buildThreadNote(':raised_hand: That is over your limit: the request is in the thread for another admin to approve. It runs when they do.')));
}

export function registerTriageActions(app: BoltApp, s: Services): void {
  const alerts = s.alerts;
  if (!alerts) return;
  /** The card a button names (the value the bot put on it): an unknown card or value is refused and audited. */
  const cardOf = async (value: string | undefined): Promise<{ card: AlertCard; runId: number; ackBy: string | null }> => {
    const v = parseActionValue(value, CARD_VALUE, "an alert card's buttons");
    const card = await alerts.store.card(v.c);
    if (!card) throw new UnknownReference('This alert card is no longer known to the bot; nothing was done.', { target: referenceTarget('card', String(v.c)) });
    return { card, runId: v.r ?? card.latestRunId, ackBy: v.a ?? null };
  };
  // Each listener acknowledges first; what goes wrong after is answered to the clicker by the
  // interaction wrapper (src/slack/work-limit.ts), and an unknown reference is audited.
  const guarded =
    (fn: (a: { body: Click; action: ButtonAction; respond: Respond; client: BoltApp['client']; alerts: AlertService }) => Promise<void>) =>
    async (a: { ack: () => Promise<void>; body: Click; action: ButtonAction; respond: Respond; client: BoltApp['client'] }) => {
      await a.ack();
      await fn({ ...a, alerts });
    };
  /** The chosen option of a menu; a menu payload without one is refused. */
  const chosen = (action: StaticSelectAction): string => {
    const value = action.selected_option?.value;
    if (value === undefined) throw new UnknownReference('No option was chosen in that menu; nothing was done.', { target: referenceTarget('option', 'none') });
    return value;
  };

  app.action<Click>(
    TRIAGE.logs,
    guarded(async ({ action }) => {
      const { card, runId } = await cardOf(action.value);
      // A Dynamic Table's "log" is its refresh history, errors included.
      const table = tableOfSubject(card.subject);
      if (table) return alerts.postInThread(card, buildDynamicTableHistory(await describeDynamicTable(s.lakehouse, table), `/cz dt ${table}`));
      await alerts.postInThread(card, buildLogView(await readLogTail(s.studio, runId, { tail: 30 }), s.studio));
    }),
  );

  app.action<Click>(
    TRIAGE.diagnose,
    guarded(async ({ action }) => {
      const { card, runId } = await cardOf(action.value);
      const r = await diagnoseRun(s.studio, s.diagnoser, runId, s.memory);
      await alerts.postInThread(card, buildRunDiagnosis(r, { title: `Diagnosis of run ${runId}`, links: s.studio }));
    }),
  );

  app.action<Click>(
    TRIAGE.rerun,
    guarded(async ({ body, action, respond }) => {
      const { card, runId } = await cardOf(action.value);
      const r = await s.operations.requestRerun({ ...actorFromAction(body), source: 'alert' }, runId, { cardId: card.id });
      await respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r)));
    }),
  );

  app.action<Click>(
    TRIAGE.dtRefresh,
    guarded(async ({ body, action, respond }) => {
      const { card } = await cardOf(action.value);
      const table = tableOfSubject(card.subject);
      if (!table) throw new Error('This card is not about a Dynamic Table.');
      const r = await s.operations.requestRefreshDynamicTable({ ...actorFromAction(body), source: 'alert' }, table, { cardId: card.id });
      await respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r)));
    }),
  );

  app.action<Click>(
    TRIAGE.backfill,
    guarded(async ({ body, action, client }) => {
      const { card } = await cardOf(action.value);
      const today = formatDate(s.now(), s.studio.timeZone);
      const date = card.bizDate && card.bizDate <= today ? card.bizDate : today;
      await openBackfillModal(client, body.trigger_id, { task: card.taskName, from: date, to: date, cardId: card.id }, { ...actorFromAction(body), source: 'alert' }, s, {
        id: card.taskId,
        name: card.taskName,
      });
    }),
  );

  app.action<Click>(
    TRIAGE.ack,
    guarded(async ({ body, action, respond }) => {
      const { card } = await cardOf(action.value);
      const actor = { ...actorFromAction(body), source: 'alert' as const };
      if (card.ackBy)
        return void (await respond(ephemeral(buildThreadNote(`:eyes: <@${card.ackBy}> acknowledged it ${when(card.ackAt ?? undefined)}: use *Take over* to make it yours.`))));
      const refusal = await s.operations.permit(
        actor,
        'acknowledge',
        'operator',
        { folder: card.folder ?? undefined, task: card.taskName },
        { target: `card:${card.id}`, params: { runId: card.latestRunId }, taskName: card.taskName },
      );
      if (refusal) return void (await respond(ephemeral(buildRefusal(refusal))));
      await alerts.acknowledge(card.id, actor.userId);
      await s.operations.recordAction(actor, { action: 'acknowledge', target: `card:${card.id}`, taskName: card.taskName, params: { runId: card.latestRunId } });
    }),
  );

  // Take over / Release: compare-and-set on who had it when the card was drawn.
  for (const [actionId, verb] of [
    [TRIAGE.takeOver, 'take_over'],
    [TRIAGE.release, 'release'],
  ] as const) {
    app.action<Click>(
      actionId,
      guarded(async ({ body, action, respond }) => {
        const { card, ackBy: expected } = await cardOf(action.value);
        const actor = { ...actorFromAction(body), source: 'alert' as const };
        const params = { runId: card.latestRunId, from: expected };
        const refusal = await s.operations.permit(
          actor,
          verb,
          'operator',
          { folder: card.folder ?? undefined, task: card.taskName },
          { target: `card:${card.id}`, params, taskName: card.taskName },
        );
        if (refusal) return void (await respond(ephemeral(buildRefusal(refusal))));
        if (verb === 'take_over' && card.ackBy === actor.userId) return void (await respond(ephemeral(buildThreadNote('You already have it acknowledged: nothing changed.'))));
        const r = expected ? await alerts.reassign(card.id, actor.userId, expected, verb === 'take_over' ? actor.userId : null) : { ok: false as const, card };
        if (!r.ok) {
          const now = r.card;
          const why =
            now?.status !== 'open'
              ? 'This card is closed'
              : now.ackBy
                ? `<@${now.ackBy}> took it over ${when(now.ackAt ?? undefined)}`
                : 'It was released: nobody has it acknowledged';
          await s.operations.recordRefusal(actor, { action: verb, target: `card:${card.id}`, taskName: card.taskName, params, reason: 'stale card' });
          return void (await respond(ephemeral(buildThreadNote(`${why}; nothing changed. The card shows who has it now.`))));
        }
        await s.operations.recordAction(actor, { action: verb, target: `card:${card.id}`, taskName: card.taskName, params });
      }),
    );
  }

  app.action<BlockAction<StaticSelectAction>>(TRIAGE.mute, async ({ ack, body, action, respond }) => {
    await ack();
    const value = chosen(action);
    const m = /^(\d{1,12}):(\d{1,4})$/.exec(value);
    const card = m ? await alerts.store.card(Number(m[1])) : undefined;
    if (!card) throw new UnknownReference('This alert card is no longer known to the bot; nothing was done.', { target: referenceTarget('card', m?.[1] ?? value) });
    const hours = Number(m![2]);
    if (!MUTE_HOURS.includes(hours))
      throw new UnknownReference(`A mute lasts ${MUTE_HOURS.join(' or ')} hours; ${hours} is not one of the choices. Nothing was muted.`, {
        action: 'mute',
        target: `card:${card.id}`,
        taskName: card.taskName,
      });
    const actor = { ...actorFromAction(body), source: 'alert' as const };
    const refusal = await s.operations.permit(
      actor,
      'mute',
      'operator',
      { folder: card.folder ?? undefined, task: card.taskName },
      { target: `card:${card.id}`, params: { hours }, taskName: card.taskName },
    );
    if (refusal) return void (await respond(ephemeral(buildRefusal(refusal))));
    await alerts.mute(card.id, actor.userId, hours);
    await s.operations.recordAction(actor, { action: 'mute', target: `card:${card.id}`, taskName: card.taskName, params: { hours } });
  });

  // Storm digest: rerun the open roots of one cause, as one request (dry run, approval over the limit).
  app.action<BlockAction<StaticSelectAction>>(TRIAGE.stormRerun, async ({ ack, body, action, respond, client }) => {
    await ack();
    const [digestId = '', causeKey = ''] = chosen(action).split('|');
    const digest = /^\d{1,12}$/.test(digestId) ? await alerts.store.digest(Number(digestId)) : undefined;
    if (!digest) throw new UnknownReference('This storm digest is no longer known to the bot; nothing was done.', { target: referenceTarget('digest', digestId) });
    const group = openRootsByCause(await alerts.store.cardsOfDigest(digest.id)).get(causeKey);
    if (!group) throw new UnknownReference('That cause is not one of this storm digest’s; nothing was done.', { target: referenceTarget('digest', `${digest.id}|${causeKey}`) });
    const actor = { ...actorFromAction(body), source: 'alert' as const };
    const cards = group.cards;
    const label = `the ${cards.length} failed root${cards.length === 1 ? '' : 's'} of “${group.title}”`;
    const r = await s.operations.requestBulkRerun(
      actor,
      cards.map((c) => c.latestRunId),
      { label, digestId: digest.id, cardOfRun: Object.fromEntries(cards.map((c) => [c.latestRunId, c.id])) },
    );
    await answerBulk(r, { channel: digest.channel, threadTs: digest.ts }, respond, client);
  });

  // Root fixed: rerun the downstream runs it still blocks, as one request.
  app.action<Click>(
    TRIAGE.rerunBlocked,
    guarded(async ({ body, action, respond, client }) => {
      const { card } = await cardOf(action.value);
      const runs = stillBlocked(card);
      const actor = { ...actorFromAction(body), source: 'alert' as const };
      const label = `the ${runs.length} downstream run${runs.length === 1 ? '' : 's'} ${card.taskName} blocked`;
      const r = await s.operations.requestBulkRerun(
        actor,
        runs.map((b) => b.runId),
        { label, cardId: card.id },
      );
      const parent = card.digestId !== null ? (await alerts.store.digest(card.digestId))?.ts : card.ts;
      await answerBulk(r, { channel: card.channel, threadTs: parent ?? null }, respond, client);
    }),
  );

  app.action<Click>(
    TRIAGE.unmute,
    guarded(async ({ body, action, respond }) => {
      const { card } = await cardOf(action.value);
      const actor = { ...actorFromAction(body), source: 'alert' as const };
      const refusal = await s.operations.permit(
        actor,
        'unmute',
        'operator',
        { folder: card.folder ?? undefined, task: card.taskName },
        { target: `card:${card.id}`, taskName: card.taskName },
      );
      if (refusal) return void (await respond(ephemeral(buildRefusal(refusal))));
      if (!(await alerts.unmute(card.id, actor.userId)))
        return void (await respond(ephemeral(buildThreadNote(`\`${card.taskName}\` is not muted (someone unmuted it, or the mute ran out): nothing changed.`))));
      await s.operations.recordAction(actor, { action: 'unmute', target: `card:${card.id}`, taskName: card.taskName });
    }),
  );
}
