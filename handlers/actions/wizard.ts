/**
 * The setup wizard in the person's DM: each question is a message; answering collapses it to one
 * line and posts the next. Back, Start over and Cancel work at every step; Confirm builds.
 */
import { buildConfirmation, buildRefusal } from '../../src/blocks/operations.js';
import type { BlockAction, ButtonAction, ExternalSelectAction, StaticSelectAction } from '@slack/bolt';
import { messageForError } from '../../src/blocks/errors.js';
import type { Message } from '../../src/blocks/kit.js';
import { redactedExcerpt } from '../../src/redaction/index.js';
import {
  WIZARD,
  buildAnswered,
  buildCheckpoints,
  buildLaunch,
  buildClosedNote,
  buildPlanMessage,
  buildProgress,
  buildQuestion,
  buildResult,
  buildTextModal,
  buildUndoResult,
  explorationBlocks,
  parseChooseBlockId,
  selectOptions,
} from '../../src/blocks/wizard.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import type { AnswerResult, WizardService, WizardView } from '../../src/wizard/service.js';
import type { WizardSession } from '../../src/store/wizard.js';
import type { Plan } from '../../src/wizard/plan.js';
import { optionLabel } from '../../src/wizard/questions.js';
import { actorFromAction, ephemeral } from '../context.js';
import { UnknownReference, parseActionValue, referenceTarget } from '../../src/ops/references.js';
import { z } from 'zod';

type Client = BoltApp['client'];
type Click = BlockAction<ButtonAction>;

/** What the bot puts on a wizard step's buttons (and its form's metadata), and on the plan's tick boxes. */
const STEP_VALUE = z.object({ s: z.string().min(1).max(100), q: z.string().max(100).optional(), a: z.string().max(4000).optional() });
const LIVE_VALUE = z.object({ s: z.string().min(1).max(100), t: z.string().min(1).max(400) });

/** A click on a wizard step that is not the person's current one: refused, answered and audited. */
function notThisStep(sessionId: string, message: string): UnknownReference {
  return new UnknownReference(message, { target: referenceTarget('wizard', sessionId) }, 'Not this wizard’s current step');
}

/** The wizard lives in the person's DM: the channel of the click (a click from elsewhere is not the wizard's). */
function channelOf(body: Click): string {
  const channel = body.channel?.id;
  if (!channel) throw new UnknownReference('The setup wizard answers in its DM; this click did not come from there.', { target: referenceTarget('channel', 'none') });
  return channel;
}

const SUMMARY_KEYS: [string, string][] = [
  ['scenario', 'Business scenario'],
  ['source', 'Data source'],
  ['freshness', 'Freshness'],
  ['layering', 'Layering'],
  ['schedule', 'Scheduling'],
];

/** The plan, compared with what Studio holds (the assessment is read-only). */
async function planMessage(w: WizardService, session: WizardSession, plan: Plan): Promise<Message> {
  const summary: Record<string, string> = {};
  for (const [id, label] of SUMMARY_KEYS) {
    const q = w.questions.find((x) => x.id === id);
    if (q && session.answers[id]) summary[label] = optionLabel(q, session.answers[id]);
  }
  summary['Target schemas'] = `${plan.schemas.raw}, ${plan.schemas.clean}, ${plan.schemas.agg}`;
  const assessment = await w.assess(plan).catch(() => undefined);
  const ticked = new Set(await w.ticked(session.id));
  // The standards rules on the plan as it would be built, shown before Confirm (P0/P1 block it).
  const review = assessment ? await w.reviewPlan(plan, ticked, assessment).catch(() => undefined) : undefined;
  return buildPlanMessage(session.id, plan, summary, assessment, ticked, review);
}

const TECHNICAL = 'Technical selection';

type Select = BlockAction<StaticSelectAction | ExternalSelectAction>;

async function render(w: WizardService, view: WizardView): Promise<Message> {
  if (view.kind === 'question') {
    // Step 1 (data exploration) comes between the requirements and the first technical choice the
    // person makes (a pasted document may have answered the first ones).
    const first = view.question.step === TECHNICAL && !view.answered.some((a) => a.question.step === TECHNICAL && !a.fromDoc);
    const explored = first ? await w.exploration(view.session.id).catch(() => undefined) : undefined;
    return buildQuestion(view.session.id, view.question, view.answered, explored ? explorationBlocks(explored) : [], view.choice);
  }
  if (view.kind === 'plan') return planMessage(w, view.session, view.plan);
  return buildClosedNote(':heavy_multiplication_x: Setup cancelled. Nothing was created. `/cz setup` starts again.');
}

/** Post the view as the session's new current message. */
async function show(client: Client, w: WizardService, view: WizardView): Promise<void> {
  const m = await render(w, view);
  if (view.kind === 'cancelled') return;
  const r = await client.chat.postMessage({ channel: view.session.channelId, text: m.text, blocks: m.blocks });
  await w.setMessage(view.session.id, String(r.ts));
}

/** Start the wizard in the person's DM, or say why they cannot build (nothing is posted then). */
export async function startWizard(client: Client, s: Services, userId: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const may = await s.wizard.mayStart({ userId, source: 'wizard' });
  if (!may.ok) return may;
  const dm = await client.conversations.open({ users: userId });
  const channelId = String(dm.channel?.id);
  await client.chat.postMessage({
    channel: channelId,
    text: 'Pipeline setup',
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: ":building_construction: *Let's set up a pipeline.* I'll ask a few questions (requirements → data exploration → technical selection → plan), show you the plan, and build it in Studio when you confirm.",
        },
      },
    ],
  });
  await show(client, s.wizard, await s.wizard.start(userId, channelId));
  return { ok: true };
}

export function registerWizard(app: BoltApp, s: Services): void {
  const w = s.wizard;
  if (!w) return;

  /**
   * Collapse the clicked message, then show what comes next. A click on a step that is not the
   * wizard's current one (or not the person's wizard) is refused: answered and audited.
   */
  const advance = async (client: Client, sessionId: string, channel: string, ts: string | undefined, collapsed: Message | undefined, r: AnswerResult) => {
    if (r.kind === 'stale' || r.kind === 'invalid') throw notThisStep(sessionId, r.message);
    if (ts && collapsed) await client.chat.update({ channel, ts, text: collapsed.text, blocks: collapsed.blocks });
    if (r.kind === 'cancelled') {
      if (ts) {
        const m = await render(w, r);
        await client.chat.update({ channel, ts, text: m.text, blocks: m.blocks });
      }
      return;
    }
    await show(client, w, r);
  };
  const parse = (value: string | undefined) => parseActionValue(value, STEP_VALUE, "the setup wizard's buttons");

  app.action<Click>(/^wizard_answer_/ as never, async ({ ack, body, action, client }) => {
    await ack();
    const v = parse(action.value);
    const before = await w.get(v.s);
    const r = await w.answer(v.s, body.user.id, v.q ?? '', v.a ?? '');
    const q = w.questions.find((x) => x.id === v.q);
    await advance(client, v.s, channelOf(body), body.message?.ts, q && before ? buildAnswered(q, optionLabel(q, v.a ?? '')) : undefined, r);
  });

  app.action<Click>(WIZARD.text, async ({ ack, body, action, client }) => {
    await ack();
    const v = parse(action.value);
    const session = await w.get(v.s);
    const q = w.questions.find((x) => x.id === v.q);
    if (!session || session.userId !== body.user.id || session.currentQuestion !== v.q || !q)
      throw notThisStep(v.s, 'That question was already answered, or this wizard is not yours.');
    await client.views.open({ trigger_id: body.trigger_id, view: buildTextModal(v.s, q) });
  });

  app.view(WIZARD.modal, async ({ ack, body, view, client }) => {
    const meta = parseActionValue(view.private_metadata, STEP_VALUE, "the setup wizard's form");
    const value = (view.state.values[WIZARD.input.block]?.[WIZARD.input.action]?.value ?? '').trim();
    const before = await w.get(meta.s);
    const r = await w.answer(meta.s, body.user.id, meta.q ?? '', value);
    if (r.kind === 'invalid') {
      await ack({ response_action: 'errors', errors: { [WIZARD.input.block]: redactedExcerpt(r.message, 150) } });
      return;
    }
    await ack();
    const q = w.questions.find((x) => x.id === meta.q);
    const collapsed = q ? buildAnswered(q, meta.q === 'doc_text' ? redactedExcerpt(value, 121) : value) : undefined;
    await advance(client, meta.s, before?.channelId ?? '', before?.messageTs ?? undefined, collapsed, r);
  });

  // A long list's search (Slack's block_suggestion): the matches of what was typed, at most 100.
  app.options(WIZARD.choose, async ({ ack, body }) => {
    const ref = parseChooseBlockId((body as { block_id?: string }).block_id);
    const options = ref ? await w.suggest(ref.s, body.user.id, ref.q, String((body as { value?: string }).value ?? '')) : [];
    await ack({ options: selectOptions(options) });
  });

  // A choice from one of Studio's lists: refused unless Studio lists it; a multi-table pick redraws the question in place.
  app.action<Select>(WIZARD.choose, async ({ ack, body, action, client }) => {
    await ack();
    const ref = parseChooseBlockId(action.block_id);
    const value = action.selected_option?.value;
    if (!ref || value === undefined)
      throw new UnknownReference('This menu is not one the setup wizard offered; nothing was chosen.', { target: referenceTarget('wizard', action.block_id ?? '') });
    const r = await w.answer(ref.s, body.user.id, ref.q, value);
    if (r.kind === 'invalid') throw new UnknownReference(r.message, { target: referenceTarget('wizard', ref.s) }, 'Not in Studio’s list');
    const channel = channelOf(body as unknown as Click);
    const ts = body.message?.ts;
    if (r.kind === 'question' && r.question.id === ref.q && ts) {
      const m = await render(w, r);
      await client.chat.update({ channel, ts, text: m.text, blocks: m.blocks });
      await w.setMessage(ref.s, ts);
      return;
    }
    const q = w.questions.find((x) => x.id === ref.q);
    await advance(client, ref.s, channel, ts, q ? buildAnswered(q, value) : undefined, r);
  });

  app.action<Click>(WIZARD.pickDone, async ({ ack, body, action, client }) => {
    await ack();
    const v = parse(action.value);
    const r = await w.answer(v.s, body.user.id, v.q ?? '', '');
    if (r.kind === 'invalid') throw new UnknownReference(r.message, { target: referenceTarget('wizard', v.s) }, 'Nothing picked yet');
    const q = w.questions.find((x) => x.id === v.q);
    const session = await w.get(v.s);
    await advance(client, v.s, channelOf(body), body.message?.ts, q ? buildAnswered(q, (session?.answers[q.id] ?? '').split(',').join(', ')) : undefined, r);
  });

  app.action<Click>(WIZARD.recheck, async ({ ack, body, action, client }) => {
    await ack();
    const v = parse(action.value);
    const r = await w.recheck(v.s, body.user.id);
    if (r.kind === 'stale' || r.kind === 'invalid') throw notThisStep(v.s, r.message);
    const m = await render(w, r);
    const ts = body.message?.ts;
    if (ts && r.kind === 'question' && r.question.id === v.q) {
      await client.chat.update({ channel: channelOf(body), ts, text: m.text, blocks: m.blocks });
      return;
    }
    await advance(client, v.s, channelOf(body), ts, buildClosedNote(':white_check_mark: Studio has it now.'), r);
  });

  for (const [id, note] of [
    [WIZARD.back, ':leftwards_arrow_with_hook: Went back.'],
    [WIZARD.restart, ':arrows_counterclockwise: Started over.'],
    [WIZARD.cancel, ''],
  ] as const) {
    app.action<Click>(id, async ({ ack, body, action, client }) => {
      await ack();
      const v = parse(action.value);
      const r = id === WIZARD.back ? await w.back(v.s, body.user.id) : id === WIZARD.restart ? await w.restart(v.s, body.user.id) : await w.cancel(v.s, body.user.id);
      await advance(client, v.s, channelOf(body), body.message?.ts, note ? buildClosedNote(note) : undefined, r);
    });
  }

  app.action<Click>(WIZARD.confirm, async ({ ack, body, action, client, respond }) => {
    await ack();
    const v = parse(action.value);
    const channel = channelOf(body);
    const ts = body.message?.ts;
    try {
      const out = await w.confirm(v.s, actorFromAction(body, 'wizard'), async (plan, steps) => {
        const m = buildProgress(plan, steps, true);
        if (ts) await client.chat.update({ channel, ts, text: m.text, blocks: m.blocks });
      });
      if (out.kind !== 'built') {
        await respond(ephemeral(buildClosedNote(`:lock: ${out.message}`)));
        return;
      }
      const m = buildResult(out, s.studio);
      if (ts) await client.chat.update({ channel, ts, text: m.text, blocks: m.blocks });
      else await client.chat.postMessage({ channel, text: m.text, blocks: m.blocks });
    } catch (e) {
      await respond(ephemeral(messageForError(e)));
    }
  });

  // "Check again": the launch checkpoints read from Lakehouse now, posted in the DM.
  app.action<Click>(WIZARD.checkAgain, async ({ ack, body, action, client, respond }) => {
    await ack();
    const v = parse(action.value);
    try {
      const r = await w.checkpoints(v.s, body.user.id);
      if (r.kind !== 'checked') throw notThisStep(v.s, r.message);
      const m = buildCheckpoints(r.plan, v.s, r.checkpoints, r.taskIds);
      await client.chat.postMessage({ channel: channelOf(body), text: m.text, blocks: m.blocks });
    } catch (e) {
      await respond(ephemeral(messageForError(e)));
    }
  });

  // "Launch step by step" / the launch's "Check again": seed 000's procedure from where it stopped.
  app.action<Click>(WIZARD.launch, async ({ ack, body, action, client, respond }) => {
    await ack();
    const v = parse(action.value);
    const session = await w.get(v.s);
    if (!session || session.userId !== body.user.id || session.status !== 'done') throw notThisStep(v.s, 'This setup is not yours, or not built yet: nothing was launched.');
    try {
      const channel = channelOf(body);
      const posted = await client.chat.postMessage({
        channel,
        text: 'Launching…',
        blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: ':hourglass_flowing_sand: Launching: each step runs once and is checked before the next…' }] }],
      });
      const r = await w.launch(v.s, actorFromAction(body, 'wizard'));
      if (r.kind !== 'launched') {
        await client.chat.update({ channel, ts: String(posted.ts), text: r.message, blocks: buildClosedNote(`:lock: ${r.message}`).blocks });
        await respond(ephemeral(buildClosedNote(`:lock: ${r.message}`)));
        return;
      }
      const m = buildLaunch(r.plan, v.s, r.outcome, s.studio);
      await client.chat.update({ channel, ts: String(posted.ts), text: m.text, blocks: m.blocks });
    } catch (e) {
      await respond(ephemeral(messageForError(e)));
    }
  });

  // A checkpoint's "Run … once": the same path as `/cz execute` (confirmation, policy, idempotency, audit).
  app.action<Click>(new RegExp(`^${WIZARD.runOnce}_`) as never, async ({ ack, body, action, respond }) => {
    await ack();
    if (!/^\d{1,15}$/.test(action.value ?? ''))
      throw new UnknownReference('This is not a task the bot put on this button; nothing was run.', { target: referenceTarget('task', action.value ?? '') });
    const r = await s.operations.requestExecute(actorFromAction(body, 'wizard'), action.value!, {});
    await respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r)));
  });

  // Tick / untick an existing task (draft or live) to be changed by the build; the plan message is redrawn in place.
  app.action<Click>(new RegExp(`^${WIZARD.live}_`) as never, async ({ ack, body, action, client }) => {
    await ack();
    const v = parseActionValue(action.value, LIVE_VALUE, "the plan's tick boxes");
    const r = await w.toggleExisting(v.s, body.user.id, v.t);
    if (r.kind !== 'ok') throw notThisStep(v.s, r.message);
    const m = await planMessage(w, r.session, r.plan);
    if (body.message?.ts) await client.chat.update({ channel: body.channel!.id, ts: body.message.ts, text: m.text, blocks: m.blocks });
  });

  app.action<Click>(WIZARD.undo, async ({ ack, body, action, client, respond }) => {
    await ack();
    const { s: sessionId } = parse(action.value);
    try {
      const out = await w.undo(sessionId, actorFromAction(body, 'wizard'));
      if (out.kind !== 'undone') {
        await respond(ephemeral(buildClosedNote(`:lock: ${out.message}`)));
        return;
      }
      const m = buildUndoResult(out.folder, out.result);
      const channel = channelOf(body);
      const ts = body.message?.ts;
      if (ts) await client.chat.update({ channel, ts, text: m.text, blocks: m.blocks });
      else await client.chat.postMessage({ channel, text: m.text, blocks: m.blocks });
    } catch (e) {
      await respond(ephemeral(messageForError(e)));
    }
  });

  app.action<Click>(WIZARD.start, async ({ ack, body, client }) => {
    await ack();
    const r = await startWizard(client, s, body.user.id);
    if (!r.ok) await client.chat.postEphemeral({ channel: body.user.id, user: body.user.id, text: r.message }).catch(() => undefined);
  });

  // "set up a pipeline" in a DM with the bot.
  app.message(/\bset ?up (?:a |the |my )?(?:new )?pipeline\b|搭建.*(?:管道|链路|pipeline)/i, async ({ message, client }) => {
    const m = message as { channel_type?: string; user?: string; bot_id?: string };
    if (m.channel_type !== 'im' || !m.user || m.bot_id) return;
    const r = await startWizard(client, s, m.user);
    if (!r.ok) await client.chat.postMessage({ channel: (message as { channel: string }).channel, text: r.message });
  });
}
