/** Buttons on alert triage cards. Logs and Diagnose answer in the card's thread; Rerun and Backfill take the operations path. */
import type { BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { buildDiagnosis } from '../../src/blocks/diagnosis.js';
import { messageForError } from '../../src/blocks/errors.js';
import { buildConfirmation, buildRefusal } from '../../src/blocks/operations.js';
import { buildLogView } from '../../src/blocks/replies.js';
import { TRIAGE } from '../../src/blocks/triage.js';
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
      alerts.postInThread(card, buildLogView(await readLogTail(s.studio, runId, { tail: 30 }), s.studio));
    }),
  );

  app.action<Click>(
    TRIAGE.diagnose,
    guarded(async ({ action }) => {
      const { card, runId } = cardOf(action.value);
      const r = await diagnoseRun(s.studio, s.diagnoser, runId);
      alerts.postInThread(card, buildDiagnosis(r.diagnosis, { title: `Diagnosis of run ${runId}`, run: r.run, links: s.studio, truncated: r.truncated }));
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
    TRIAGE.backfill,
    guarded(async ({ body, action, client }) => {
      const { card } = cardOf(action.value);
      const today = formatDate(s.now(), s.studio.timeZone);
      const date = card.bizDate && card.bizDate <= today ? card.bizDate : today;
      await openBackfillModal(client, body.trigger_id, { task: String(card.taskId), from: date, to: date, cardId: card.id }, { ...actorFromAction(body), source: 'alert' }, s);
    }),
  );

  app.action<Click>(
    TRIAGE.ack,
    guarded(async ({ body, action, respond }) => {
      const { card } = cardOf(action.value);
      const actor = { ...actorFromAction(body), source: 'alert' as const };
      if (card.ackBy) return;
      const refusal = await s.operations.permit(actor, 'acknowledge', 'operator', { folder: card.folder ?? undefined, task: card.taskName }, { target: `card:${card.id}`, params: { runId: card.latestRunId }, taskName: card.taskName });
      if (refusal) return void (await respond(ephemeral(buildRefusal(refusal))));
      alerts.acknowledge(card.id, actor.userId);
      s.operations.recordAction(actor, { action: 'acknowledge', target: `card:${card.id}`, taskName: card.taskName, params: { runId: card.latestRunId } });
    }),
  );

  app.action<BlockAction<StaticSelectAction>>(TRIAGE.mute, async ({ ack, body, action, respond }) => {
    await ack();
    const [cardId, hours] = action.selected_option.value.split(':').map(Number) as [number, number];
    const card = alerts.store.card(cardId);
    if (!card || ![1, 24].includes(hours)) return;
    const actor = { ...actorFromAction(body), source: 'alert' as const };
    const refusal = await s.operations.permit(actor, 'mute', 'operator', { folder: card.folder ?? undefined, task: card.taskName }, { target: `card:${card.id}`, params: { hours }, taskName: card.taskName });
    if (refusal) return void (await respond(ephemeral(buildRefusal(refusal))));
    alerts.mute(card.id, actor.userId, hours);
    s.operations.recordAction(actor, { action: 'mute', target: `card:${card.id}`, taskName: card.taskName, params: { hours } });
  });
}
