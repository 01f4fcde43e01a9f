/** Buttons on alert triage cards. Logs and Diagnose answer in the card's thread; Rerun and Backfill take the operations path. */
import type { BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { buildRunDiagnosis } from '../../src/blocks/diagnosis.js';
import { messageForError } from '../../src/blocks/errors.js';
import { buildBulkApprovalRequest, buildConfirmation, buildRefusal } from '../../src/blocks/operations.js';
import { buildLogView } from '../../src/blocks/replies.js';
import { openRootsByCause, stillBlocked, tableOfSubject } from '../../src/alerts/cards.js';
import { buildDynamicTableHistory } from '../../src/blocks/lakehouse.js';
import { describeDynamicTable } from '../../src/ops/lakehouse-read.js';
import { TRIAGE, buildThreadNote } from '../../src/blocks/triage.js';
import { when } from '../../src/blocks/replies.js';
import type { AlertService } from '../../src/alerts/service.js';
import { diagnoseRun } from '../../src/ops/diagnosis.js';
import { readLogTail } from '../../src/ops/read.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import type { AlertCard } from '../../src/store/alerts.js';
import { formatDate } from '../../src/studio/dates.js';
import { actorFromAction, ephemeral } from '../context.js';
import { openBackfillModal } from '../views/backfill.js';

type Click = BlockAction<ButtonAction>;
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
  const cardOf = (value: string | undefined): { card: AlertCard; runId: number } => {
    const v = JSON.parse(value ?? '{}') as { c?: number; r?: number };
    const card = v.c !== undefined ? alerts.store.card(v.c) : undefined;
    if (!card) throw new Error('This alert card is no longer known to the bot.');
    return { card, runId: v.r ?? card.latestRunId };
  };
  const guarded =
    (fn: (a: { body: Click; action: ButtonAction; respond: Respond; client: BoltApp['client']; alerts: AlertService }) => Promise<void>) =>
    async (a: { ack: () => Promise<void>; body: Click; action: ButtonAction; respond: Respond; client: BoltApp['client'] }) => {
      await a.ack();
      try {
        await fn({ ...a, alerts });
      } catch (e) {
        await a.respond(ephemeral(messageForError(e)));
      }
    };

  app.action<Click>(
    TRIAGE.logs,
    guarded(async ({ action }) => {
      const { card, runId } = cardOf(action.value);
      // A Dynamic Table's "log" is its refresh history, errors included.
      const table = tableOfSubject(card.subject);
      if (table) return alerts.postInThread(card, buildDynamicTableHistory(await describeDynamicTable(s.lakehouse, table), `/cz dt ${table}`));
      alerts.postInThread(card, buildLogView(await readLogTail(s.studio, runId, { tail: 30 }), s.studio));
    }),
  );

  app.action<Click>(
    TRIAGE.diagnose,
    guarded(async ({ action }) => {
      const { card, runId } = cardOf(action.value);
      const r = await diagnoseRun(s.studio, s.diagnoser, runId, s.memory);
      alerts.postInThread(card, buildRunDiagnosis(r, { title: `Diagnosis of run ${runId}`, links: s.studio, memory: s.memory }));
    }),
  );

  app.action<Click>(
    TRIAGE.rerun,
    guarded(async ({ body, action, respond }) => {
      const { card, runId } = cardOf(action.value);
      const r = await s.operations.requestRerun({ ...actorFromAction(body), source: 'alert' }, runId, { cardId: card.id });
      await respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r)));
    }),
  );

  app.action<Click>(
    TRIAGE.dtRefresh,
    guarded(async ({ body, action, respond }) => {
      const { card } = cardOf(action.value);
      const table = tableOfSubject(card.subject);
      if (!table) throw new Error('This card is not about a Dynamic Table.');
      const r = await s.operations.requestRefreshDynamicTable({ ...actorFromAction(body), source: 'alert' }, table, { cardId: card.id });
      await respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r)));
    }),
  );

  app.action<Click>(
    TRIAGE.backfill,
    guarded(async ({ body, action, client }) => {
      const { card } = cardOf(action.value);
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
      const { card } = cardOf(action.value);
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
      alerts.acknowledge(card.id, actor.userId);
      s.operations.recordAction(actor, { action: 'acknowledge', target: `card:${card.id}`, taskName: card.taskName, params: { runId: card.latestRunId } });
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
        const { card } = cardOf(action.value);
        const expected = (JSON.parse(action.value ?? '{}') as { a?: string | null }).a ?? null;
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
        const r = expected ? alerts.reassign(card.id, actor.userId, expected, verb === 'take_over' ? actor.userId : null) : { ok: false as const, card };
        if (!r.ok) {
          const now = r.card;
          const why =
            now?.status !== 'open'
              ? 'This card is closed'
              : now.ackBy
                ? `<@${now.ackBy}> took it over ${when(now.ackAt ?? undefined)}`
                : 'It was released: nobody has it acknowledged';
          s.operations.recordRefusal(actor, { action: verb, target: `card:${card.id}`, taskName: card.taskName, params, reason: 'stale card' });
          return void (await respond(ephemeral(buildThreadNote(`${why}; nothing changed. The card shows who has it now.`))));
        }
        s.operations.recordAction(actor, { action: verb, target: `card:${card.id}`, taskName: card.taskName, params });
      }),
    );
  }

  app.action<BlockAction<StaticSelectAction>>(TRIAGE.mute, async ({ ack, body, action, respond }) => {
    await ack();
    const [cardId, hours] = action.selected_option.value.split(':').map(Number) as [number, number];
    const card = alerts.store.card(cardId);
    if (!card || ![1, 24].includes(hours)) return;
    const actor = { ...actorFromAction(body), source: 'alert' as const };
    const refusal = await s.operations.permit(
      actor,
      'mute',
      'operator',
      { folder: card.folder ?? undefined, task: card.taskName },
      { target: `card:${card.id}`, params: { hours }, taskName: card.taskName },
    );
    if (refusal) return void (await respond(ephemeral(buildRefusal(refusal))));
    alerts.mute(card.id, actor.userId, hours);
    s.operations.recordAction(actor, { action: 'mute', target: `card:${card.id}`, taskName: card.taskName, params: { hours } });
  });

  // Storm digest: rerun the open roots of one cause, as one request (dry run, approval over the limit).
  app.action<BlockAction<StaticSelectAction>>(TRIAGE.stormRerun, async ({ ack, body, action, respond, client }) => {
    await ack();
    try {
      const [digestId, causeKey = ''] = action.selected_option.value.split('|') as [string, string?];
      const digest = alerts.store.digest(Number(digestId));
      if (!digest) throw new Error('This storm digest is no longer known to the bot.');
      const group = openRootsByCause(alerts.store.cardsOfDigest(digest.id)).get(causeKey);
      const actor = { ...actorFromAction(body), source: 'alert' as const };
      const cards = group?.cards ?? [];
      const label = `the ${cards.length} failed root${cards.length === 1 ? '' : 's'} of “${group?.title ?? causeKey}”`;
      const r = await s.operations.requestBulkRerun(
        actor,
        cards.map((c) => c.latestRunId),
        { label, digestId: digest.id, cardOfRun: Object.fromEntries(cards.map((c) => [c.latestRunId, c.id])) },
      );
      await answerBulk(r, { channel: digest.channel, threadTs: digest.ts }, respond, client);
    } catch (e) {
      await respond(ephemeral(messageForError(e)));
    }
  });

  // Root fixed: rerun the downstream runs it still blocks, as one request.
  app.action<Click>(
    TRIAGE.rerunBlocked,
    guarded(async ({ body, action, respond, client }) => {
      const { card } = cardOf(action.value);
      const runs = stillBlocked(card);
      const actor = { ...actorFromAction(body), source: 'alert' as const };
      const label = `the ${runs.length} downstream run${runs.length === 1 ? '' : 's'} ${card.taskName} blocked`;
      const r = await s.operations.requestBulkRerun(
        actor,
        runs.map((b) => b.runId),
        { label, cardId: card.id },
      );
      const parent = card.digestId !== null ? alerts.store.digest(card.digestId)?.ts : card.ts;
      await answerBulk(r, { channel: card.channel, threadTs: parent ?? null }, respond, client);
    }),
  );

  app.action<Click>(
    TRIAGE.unmute,
    guarded(async ({ body, action, respond }) => {
      const { card } = cardOf(action.value);
      const actor = { ...actorFromAction(body), source: 'alert' as const };
      const refusal = await s.operations.permit(
        actor,
        'unmute',
        'operator',
        { folder: card.folder ?? undefined, task: card.taskName },
        { target: `card:${card.id}`, taskName: card.taskName },
      );
      if (refusal) return void (await respond(ephemeral(buildRefusal(refusal))));
      if (!alerts.unmute(card.id, actor.userId))
        return void (await respond(ephemeral(buildThreadNote(`\`${card.taskName}\` is not muted (someone unmuted it, or the mute ran out): nothing changed.`))));
      s.operations.recordAction(actor, { action: 'unmute', target: `card:${card.id}`, taskName: card.taskName });
    }),
  );
}
