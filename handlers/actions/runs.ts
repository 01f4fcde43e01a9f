/** Buttons on run replies: Rerun, Stop, Logs (and its Previous/Next), Backfill…, Share, Open in Studio. */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import { buildRunDiagnosis } from '../../src/blocks/diagnosis.js';
import { REVIEW_FIX } from '../../src/blocks/review.js';
import type { AutoFix } from '../../src/review/rules.js';
import { buildConfirmation, buildRefusal } from '../../src/blocks/operations.js';
import { ACTION, buildLogView } from '../../src/blocks/replies.js';
import { parseCzCommand } from '../../src/ops/commands.js';
import { diagnoseRun } from '../../src/ops/diagnosis.js';
import { readLogPage, readLogTail } from '../../src/ops/read.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { formatDate } from '../../src/studio/dates.js';
import { UnknownReference, parseActionValue, referenceTarget } from '../../src/ops/references.js';
import { z } from 'zod';
import { runCzCommand } from '../commands/dispatch.js';
import { actorFromAction, ephemeral, replace } from '../context.js';
import { openBackfillModal } from '../views/backfill.js';

type Click = BlockAction<ButtonAction>;
/** What the bot puts on the buttons of a log page, a run's Backfill… and a review finding's Fix. */
const LOG_PAGE_VALUE = z.object({ r: z.number().int(), a: z.number().int(), o: z.number().int() });
const BACKFILL_VALUE = z.object({ taskId: z.number().int(), task: z.string().min(1).max(400), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });
const AUTO_FIX = z.looseObject({ kind: z.string(), taskId: z.number().int() });

export function registerRunActions(app: BoltApp, s: Services): void {
  // Each listener acknowledges first; what goes wrong after is answered to the clicker by the
  // interaction wrapper (src/slack/work-limit.ts), and an unknown reference is audited.
  const guarded =
    (fn: (args: { body: Click; action: ButtonAction; respond: (m: object) => Promise<unknown>; client: BoltApp['client'] }) => Promise<void>) =>
    async (args: { ack: () => Promise<void>; body: Click; action: ButtonAction; respond: (m: object) => Promise<unknown>; client: BoltApp['client'] }) => {
      await args.ack();
      await fn(args);
    };
  /** The run a button names: a run id the bot put there, nothing else. */
  const runOf = (value: string | undefined): number => {
    if (!/^\d{1,15}$/.test(value ?? ''))
      throw new UnknownReference('This is not a run the bot put on this button; nothing was done.', { target: referenceTarget('run', value ?? '') });
    return Number(value);
  };

  for (const [id, op] of [
    [ACTION.rerun, 'rerun'],
    [ACTION.stop, 'stop'],
  ] as const) {
    app.action<Click>(
      id,
      guarded(async ({ body, action, respond }) => {
        const actor = actorFromAction(body);
        const runId = runOf(action.value);
        const r = op === 'rerun' ? await s.operations.requestRerun(actor, runId) : await s.operations.requestStop(actor, runId);
        await respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r)));
      }),
    );
  }

  app.action<Click>(
    ACTION.diagnose,
    guarded(async ({ action, respond }) => {
      const r = await diagnoseRun(s.studio, s.diagnoser, runOf(action.value), s.memory);
      await respond(ephemeral(buildRunDiagnosis(r, { title: `Diagnosis of run ${r.run.id}`, links: s.studio })));
    }),
  );

  app.action<Click>(
    ACTION.logs,
    guarded(async ({ action, respond }) => {
      await respond(ephemeral(buildLogView(await readLogTail(s.studio, runOf(action.value), { tail: 40 }), s.studio)));
    }),
  );

  for (const direction of ['prev', 'next'] as const) {
    app.action<Click>(
      `${ACTION.logsPage}_${direction}`,
      guarded(async ({ action, respond }) => {
        const v = parseActionValue(action.value, LOG_PAGE_VALUE, "a log's Previous / Next buttons");
        await respond(replace(buildLogView(await readLogPage(s.studio, v.r, { attempt: v.a, offset: v.o, direction }), s.studio)));
      }),
    );
  }

  app.action<Click>(
    ACTION.backfill,
    guarded(async ({ body, action, client }) => {
      const v = parseActionValue(action.value, BACKFILL_VALUE, "a run's Backfill… button");
      const today = formatDate(s.now(), s.studio.timeZone);
      const date = v.date.localeCompare(today) > 0 ? today : v.date; // dates as yyyy-MM-dd text
      await openBackfillModal(client, body.trigger_id, { task: v.task, from: date, to: date }, actorFromAction(body, 'modal'), s, { id: v.taskId, name: v.task });
    }),
  );

  app.action<Click>(
    ACTION.share,
    guarded(async ({ body, action, respond, client }) => {
      const parsed = parseCzCommand((action.value ?? '').replace(/^\/cz\s*/, ''));
      if (!parsed.ok) {
        throw new UnknownReference('This is not a reply the bot can share; nothing was posted.', { target: referenceTarget('share', action.value ?? '') });
      }
      await runCzCommand(parsed.command, action.value ?? '', { actor: actorFromAction(body), respond: respond as never, client, services: s, share: true });
    }),
  );

  app.action<Click>(
    REVIEW_FIX,
    guarded(async ({ body, action, respond }) => {
      const r = await s.operations.requestFix(actorFromAction(body), parseActionValue(action.value, AUTO_FIX, "a review finding's Fix button") as AutoFix);
      await respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r)));
    }),
  );

  // A link button still sends an action: acknowledge it.
  app.action(ACTION.openStudio, async ({ ack }) => {
    await ack();
  });
}
