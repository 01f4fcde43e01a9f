/**
 * Every interaction gets an answer, and every refusal or unknown reference is audited (issue 27,
 * part 6). Well-formed Slack payloads with values the bot never offered — an unknown card, digest,
 * operation or wizard session, a Mute choice not in the menu, a select with no option, JSON that is
 * not JSON, a button tagged with a workspace this bot does not serve, a global-shortcut payload for
 * the message shortcut, a modal the bot never opened — are each answered to the clicking person,
 * nothing reaches Studio, and the audit log names the person and what they referred to.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/blocks/replies.js';
import { TRIAGE } from '../../src/blocks/triage.js';
import { WIZARD } from '../../src/blocks/wizard.js';
import { BACKFILL_FIELDS, BACKFILL_MODAL } from '../../src/blocks/operations.js';
import { REVIEW_FIX } from '../../src/blocks/review.js';
import { ENTRY_MENU } from '../../src/blocks/entry-menu.js';
import { CHANGE, FLOWS } from '../../src/blocks/pipeline-change.js';
import { STREAM_BUTTON } from '../../src/blocks/streams.js';
import { PROMOTE } from '../../src/blocks/promote.js';
import { USERS, useBotHarness } from '../helpers/bot.js';

const b = useBotHarness({ alertChannels: '*=CALERTS' });
const WRITES = /reRunTaskInstance|killTaskInstance|createComplementJob|saveDataFileConfiguration|dataFile\/submit|adhoc\/execute|dataFolder\/add|timelyTask\/(?!list|getDetail)/;

/** Every action id the bot puts on a message or a view (selects included). */
const BUTTONS = [
  // A link button (Open in Studio) is answered by its link; Set up a pipeline by the wizard in the person's DM: neither reads its value.
  ...Object.values(ACTION).filter((id) => id !== ACTION.logsPage && id !== ACTION.openStudio),
  `${ACTION.logsPage}_prev`,
  `${ACTION.logsPage}_next`,
  ...Object.values(TRIAGE),
  ...[WIZARD.text, WIZARD.back, WIZARD.restart, WIZARD.cancel, WIZARD.confirm, WIZARD.undo, WIZARD.checkAgain, WIZARD.launch, WIZARD.pickDone, WIZARD.recheck],
  // The wizard's choice from Studio's lists (a select whose block id names the session and question).
  WIZARD.choose,
  // The entry menu (build is answered by the wizard in the DM, like Set up a pipeline).
  ...[ENTRY_MENU.change, ENTRY_MENU.troubleshoot, ENTRY_MENU.check, ENTRY_MENU.types],
  // Changing a pipeline (issue 34): the four options, the pipeline select, Confirm / Cancel / Undo, /cz task's button.
  ...FLOWS.map((f) => `${CHANGE.flow}_${f.key}`),
  ...[CHANGE.folder, CHANGE.confirm, CHANGE.cancel, CHANGE.undo, CHANGE.fromTask],
  // Modify ETL's task select; Add a metric's definition confirmed or not.
  ...[CHANGE.etlTask, CHANGE.defineOk, CHANGE.defineCancel],
  `${WIZARD.answer}_0`,
  `${WIZARD.runOnce}_0`,
  `${WIZARD.live}_0`,
  BACKFILL_FIELDS.from.action,
  BACKFILL_FIELDS.to.action,
  REVIEW_FIX,
  ...Object.values(STREAM_BUTTON),
  // Promotion (issue 34, item 4): Confirm / Cancel / Approve / Undo.
  ...Object.values(PROMOTE),
];
const NOT_OFFERED = ['{"c":987654,"r":1}', 'not json at all', '', '{"s":"no-such-session","q":"x","a":"y"}', randomUUID(), '999999:24', '{"taskId":"x"}'];

let n = 0;
/** A signed block_actions payload with one action, as Slack would send it (in a message, or in a modal); and how to recognise its answer. */
async function act(action: Record<string, unknown>, o: { inView?: boolean; user?: string } = {}) {
  const channel = `CQ${String(++n).padStart(6, '0')}`;
  const view = o.inView ? { id: `V${n}`, hash: 'h', callback_id: 'something', private_metadata: 'garbage', state: { values: {} }, type: 'modal' } : undefined;
  const { action_id, value, ...element } = action as { action_id: string; value?: string };
  const r = await b.click(action_id, value ?? '', o.user ?? USERS.operator, { channel, view, action: value === undefined ? element : undefined });
  return { ...r, channel, label: `${action_id}=${JSON.stringify(value ?? action.selected_option ?? null)}${o.inView ? ' (in a view)' : ''}` };
}

type Sent = Awaited<ReturnType<typeof act>>;

/** Whether the person was answered: on the response URL, ephemerally in the channel, or in a modal opened or pushed for them. */
function answered(s: Sent): boolean {
  if (b.slack.responses.some((p) => p.id === s.responseId)) return true;
  return b.slack.calls.some((c) => (c.method === 'chat.postEphemeral' && c.args.channel === s.channel) || (c.method.startsWith('views.') && c.args.trigger_id === s.triggerId));
}

async function expectAllAnswered(sent: Sent[]): Promise<void> {
  const deadline = Date.now() + 8000;
  while (sent.some((s) => !answered(s)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(sent.filter((s) => !answered(s)).map((s) => s.label)).toEqual([]);
  expect(sent.filter((s) => s.status !== 200).map((s) => `${s.label}: ${s.status}`)).toEqual([]);
}

describe('every interaction gets an answer', () => {
  it('the buttons tried here are every button the bot listens for', () => {
    const tried = [...BUTTONS, ACTION.openStudio, WIZARD.start, ENTRY_MENU.build];
    const untried = b.bot.claimed.list('action').filter((c) => !tried.some((id) => (typeof c === 'string' ? c === id : c.test(id))));
    expect(untried.map(String)).toEqual([]);
  });

  it('every button and select the bot offers, clicked with a value it never offered: answered, nothing sent to Studio', async () => {
    const journal = b.sb.journal.length;
    const sent: Sent[] = [];
    for (const id of BUTTONS) for (const value of NOT_OFFERED) sent.push(await act({ type: 'button', action_id: id, value, text: { type: 'plain_text', text: 'x' } }));
    // Selects: an option not in the menu, and no option at all.
    for (const id of [TRIAGE.mute, TRIAGE.stormRerun, WIZARD.choose]) {
      for (const value of ['1:3', '999999:1', 'x', '5|nope', '-1:-1'])
        sent.push(await act({ type: 'static_select', action_id: id, selected_option: { text: { type: 'plain_text', text: 'x' }, value } }));
      sent.push(await act({ type: 'static_select', action_id: id }));
    }
    // The date pickers and wizard buttons inside a modal the bot never opened.
    for (const id of [BACKFILL_FIELDS.from.action, WIZARD.confirm, `${WIZARD.answer}_0`]) sent.push(await act({ type: 'button', action_id: id, value: 'x' }, { inView: true }));
    await expectAllAnswered(sent);
    expect(
      b.sb.journal
        .slice(journal)
        .filter((e) => WRITES.test(e.path))
        .map((e) => e.path),
    ).toEqual([]);
  }, 120_000);

  it('a Mute choice not in the menu, a card that does not exist and a select with no option are refused and audited', async () => {
    const card = 424242;
    const cases = [
      { action: { type: 'static_select', action_id: TRIAGE.mute, selected_option: { text: { type: 'plain_text', text: 'x' }, value: `${card}:24` } }, target: `card:${card}` },
      { action: { type: 'button', action_id: TRIAGE.logs, value: JSON.stringify({ c: card, r: 1 }) }, target: `card:${card}` },
      { action: { type: 'static_select', action_id: TRIAGE.mute }, target: 'option:none' },
    ];
    for (const c of cases) {
      const user = `UFUZZ${randomUUID().slice(0, 6).toUpperCase()}`;
      const s = await act(c.action, { user });
      await expectAllAnswered([s]);
      const rows = await b.bot.services.audit.query({ actorId: user, limit: 5 });
      expect(rows.map((r) => ({ outcome: r.outcome, target: r.target }))).toEqual([{ outcome: 'refused', target: c.target }]);
    }
    // A Mute for a real card but for a time the menu does not offer.
    await b.bot.services.alerts!.poll();
    await b.bot.services.alerts!.flush();
    const real = (await b.bot.services.alerts!.store.cards())[0]!;
    const user = 'UFUZZMUTE';
    const s = await act({ type: 'static_select', action_id: TRIAGE.mute, selected_option: { text: { type: 'plain_text', text: 'x' }, value: `${real.id}:9999` } }, { user });
    await expectAllAnswered([s]);
    expect(await b.bot.services.alerts!.store.muteOf(real.taskId, b.clock.now())).toBeUndefined();
    const rows = await b.bot.services.audit.query({ actorId: user, limit: 5 });
    expect(rows.map((r) => ({ outcome: r.outcome, target: r.target, action: r.action }))).toEqual([{ outcome: 'refused', target: `card:${real.id}`, action: 'mute' }]);
  });

  it('a forged Confirm, Cancel, Approve or Reject naming an operation that does not exist is answered and audited', async () => {
    for (const id of [ACTION.confirm, ACTION.cancel, ACTION.approve, ACTION.reject]) {
      const user = `UFORGE${id.slice(3, 7).toUpperCase()}`;
      const opId = randomUUID();
      const s = await act({ type: 'button', action_id: id, value: opId }, { user });
      await expectAllAnswered([s]);
      expect((await b.bot.services.audit.query({ actorId: user, limit: 5 })).map((r) => ({ outcome: r.outcome, target: r.target }))).toEqual([
        { outcome: 'refused', target: `op:${opId}` },
      ]);
    }
  });

  it('a button tagged with a workspace this bot does not serve, or an id it never sent: answered and audited', async () => {
    for (const id of ['w~nope~op_confirm', 'w~nope~triage_mute', 'op_confirm_v0', 'x'.repeat(200)]) {
      const user = `UWS${randomUUID().slice(0, 6).toUpperCase()}`;
      const s = await act({ type: 'button', action_id: id, value: randomUUID() }, { user });
      await expectAllAnswered([s]);
      const rows = await b.bot.services.audit.query({ actorId: user, limit: 5 });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'refused', action: 'interaction' });
      expect(rows[0]!.target.length).toBeLessThanOrEqual(80);
      const told = JSON.stringify(b.slack.responses.find((p) => p.id === s.responseId)!.body);
      expect(told).toContain(id.startsWith('w~nope~') ? 'workspace nope, which this bot does not serve' : 'is not one this bot sent');
    }
  });

  it('a global-shortcut payload for the message shortcut, and a modal the bot never opened, are answered', async () => {
    const trigger = `trig-${randomUUID()}`;
    const shortcut = {
      type: 'shortcut',
      callback_id: 'diagnose_message',
      team: { id: 'T1', domain: 'test' },
      user: { id: USERS.viewer, username: 'uview1', team_id: 'T1' },
      trigger_id: trigger,
      token: 'legacy',
      action_ts: String(Date.now() / 1000),
    };
    const res = await b.post(`payload=${encodeURIComponent(JSON.stringify(shortcut))}`, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(200);
    const deadline = Date.now() + 5000;
    const opened = () => b.slack.calls.find((c) => c.method === 'views.open' && c.args.trigger_id === trigger);
    while (!opened() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(JSON.stringify(opened()?.args.view ?? null)).toContain('on a message');

    for (const callbackId of ['no_such_modal', 'w~nope~backfill_modal', BACKFILL_MODAL]) {
      const submit = await b.submitView({ id: 'VFORGED', hash: 'h', callback_id: callbackId, private_metadata: 'garbage', state: { values: {} }, type: 'modal' }, USERS.operator);
      expect(submit.status).toBe(200);
      const body = JSON.parse(submit.body || '{}') as { response_action?: string };
      expect(['errors', 'update']).toContain(body.response_action);
    }
  });
});
