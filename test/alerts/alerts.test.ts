/**
 * Alert-channel triage against the sandbox with injected failure bursts: grouping, cascades,
 * cards that close themselves, restarts, the per-channel send rate (measured on the fake Slack's
 * request log in virtual time), card buttons, alerts from other tools, the report.
 */
import { slackPoster } from '../../src/slack/poster.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertService } from '../../src/alerts/service.js';
import { RUN_STATUS } from '../../src/studio/enums.js';
import { type BotHarness, USERS, startBotHarness } from '../helpers/bot.js';
import { type ApiCall, visibleText } from '../helpers/fake-slack.js';
import { when } from '../../src/blocks/replies.js';
import { humanDuration } from '../../src/studio/dates.js';

let b: BotHarness;
afterEach(async () => {
  expect(b.slack.violations).toEqual([]);
  await b.close();
});

const alerts = (): AlertService => b.bot.services.alerts!;

async function settle() {
  await alerts().poll();
  await alerts().flush();
}

function inject(task: string, failMsg: string, o: { status?: number; bizDate?: string; endAgoMs?: number } = {}): number {
  const t = b.sb.store.taskByName(task)!;
  const end = b.clock.now() - (o.endAgoMs ?? 60_000);
  return b.sb.store.insertRun({
    task_id: t.id,
    instance_type: 1,
    status: o.status ?? RUN_STATUS.FAILED,
    plan_time: end - 120_000,
    ready_at: end - 120_000,
    trigger_time: end - 120_000,
    start_time: end - 100_000,
    end_time: end,
    fail_type: 'RUNTIME_ERROR',
    fail_msg: failMsg,
    executor: 'scheduler',
    vc_code: t.vc_code,
    biz_date: o.bizDate ?? '2026-11-21',
    duration_ms: 60_000,
    attempts: 1,
  });
}

const posts = (channel?: string) => b.slack.callsOf('chat.postMessage').filter((c) => (!channel || c.args.channel === channel) && !c.args.thread_ts);
const cardMessages = (cardTs: string) =>
  b.slack.calls.filter((c) => (c.method === 'chat.update' && c.args.ts === cardTs) || (c.method === 'chat.postMessage' && c.args.thread_ts === cardTs));

describe('cards from the demo workspace', () => {
  it('posts one card per (task, cause), with the cascade under its root and the likely cause', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    const stats = await alerts().poll();
    await alerts().flush();
    expect(stats.listed).toBeGreaterThan(5);
    const cards = await alerts().store.cards();
    // One card per group; every card was posted exactly once.
    expect(new Set(cards.map((c) => c.groupKey)).size).toBe(cards.length);
    expect(posts('CALERTS')).toHaveLength(cards.length);
    expect(cards.every((c) => c.ts)).toBe(true);
    // The DDL task failing on a schedule has its card, with the DWS task it blocks listed under it.
    const ddl = cards.find((c) => c.taskName === 'ddl_create_tables')!;
    expect(ddl.count).toBe(1); // one failure inside the 48 h look-back
    expect(ddl.causeId).toBe('engine.table_already_exists');
    expect(ddl.blocked.map((x) => x.taskName)).toEqual(['agg_sales_dws']);
    // UPSTREAM_FAILED runs have no card of their own.
    expect(cards.find((c) => c.taskName === 'agg_sales_dws' || c.taskName === '05_dqc_check')).toBeUndefined();
    const etl = cards.find((c) => c.taskName === '04_transform_ods_to_dwd')!;
    expect(etl.blocked.map((x) => x.taskName)).toEqual(['05_dqc_check']);
    const text = visibleText(posts('CALERTS').find((p) => p.args.ts === undefined && JSON.stringify(p.args.blocks).includes('04_transform_ods_to_dwd failed'))!.args);
    expect(text).toContain('Likely cause:* VCluster queue full `engine.queue_full`');
    expect(text).toContain('1 downstream task blocked:');
    expect(text).toContain('Owner*\nalice');
    // A second poll finds nothing new.
    const again = await alerts().poll();
    expect(again.fresh).toBe(0);
  });
});

describe('noise control', () => {
  it('a stop that was asked for is not a failure: none for a run the bot stopped or a person killed in Studio; a kill by timeout still is', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    // Stopped through the bot (/cz stop, confirmed); here Studio's message does not even say who.
    const t = b.sb.store.taskByName('04_transform_ods_to_dwd')!;
    const start = b.clock.now() - 60_000;
    const running = {
      id: b.sb.store.insertRun({
        task_id: t.id,
        instance_type: 1,
        status: RUN_STATUS.RUNNING,
        plan_time: start,
        ready_at: start,
        trigger_time: start,
        start_time: start,
        executor: 'scheduler',
        vc_code: t.vc_code,
        biz_date: '2026-11-22',
        duration_ms: 3_600_000,
        attempts: 1,
      }),
    };
    const actor = { userId: USERS.admin, source: 'slash' as const };
    const ask = await b.bot.services.operations.requestStop(actor, running!.id);
    expect(ask.kind).toBe('confirm');
    const stopped = await b.bot.services.operations.confirm(actor, (ask as { op: { id: string } }).op.id);
    expect(stopped).toMatchObject({ kind: 'done', status: 'succeeded' });
    b.sb.store.updateRun(running!.id, { fail_msg: 'Task instance killed' });
    // Killed by a person in Studio, and killed by Studio's timeout.
    const byPerson = inject('05_dqc_check', 'Task instance killed by alice', { endAgoMs: 30_000 });
    b.sb.store.updateRun(byPerson, { fail_type: 'KILLED' });
    const byTimeout = inject('etl_orders_daily', 'CZLH-60010: Job killed by timeout (executeTimeout=3600s)', { endAgoMs: 20_000 });
    b.sb.store.updateRun(byTimeout, { fail_type: 'KILLED' });
    const stats = await alerts().poll();
    await alerts().flush();
    const cards = await alerts().store.cards();
    const cardOf = (runId: number) => cards.find((c) => c.firstRunId === runId || c.latestRunId === runId);
    expect(cardOf(running!.id)).toBeUndefined();
    expect(cardOf(byPerson)).toBeUndefined();
    expect(cardOf(byTimeout)).toBeDefined();
    expect(stats.stopped).toBe(2);
  });

  it('N failures of one task for one cause make one card that counts them', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const before = posts().length;
    for (let i = 0; i < 12; i++) inject('05_dqc_check', `DQC check failed: null rate of dwd.orders_detail.user_id is ${10 + i}.0% (threshold 1%)`, { endAgoMs: 60_000 - i * 1000 });
    await settle();
    expect(posts().length).toBe(before + 1);
    const card = (await alerts().store.cards()).find((c) => c.taskName === '05_dqc_check')!;
    expect(card.count).toBe(12);
    expect(card.causeId).toBe('dqc.check_failed');
    const shown = [
      b.slack.callsOf('chat.postMessage').find((c) => !c.args.thread_ts && JSON.stringify(c.args).includes('05_dqc_check failed'))!,
      ...b.slack.callsOf('chat.update').filter((c) => c.args.ts === card.ts),
    ];
    expect(shown.length).toBeLessThan(12); // the changes coalesced: far fewer messages than failures
    expect(visibleText(shown.at(-1)!.args)).toContain('12 times');
  });

  it('a cascade makes one root card listing the blocked tasks', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const before = posts().length;
    const root = inject('github_raw_fetch', 'Process exited with code 1: urllib.error.HTTPError: HTTP Error 403: rate limit exceeded', {
      bizDate: '2026-11-21',
      endAgoMs: 120_000,
    });
    inject('github_clean', '上游任务失败 (upstream task github_raw_fetch failed)', { status: RUN_STATUS.UPSTREAM_FAILED, bizDate: '2026-11-21', endAgoMs: 110_000 });
    inject('00_sync_mysql_to_ods', 'Column type mismatch: cannot convert source column `flag` BIT(1) to target type BOOLEAN', { bizDate: '2026-11-22', endAgoMs: 100_000 });
    inject('04_transform_ods_to_dwd', 'upstream failed', { status: RUN_STATUS.UPSTREAM_FAILED, bizDate: '2026-11-22', endAgoMs: 90_000 });
    inject('05_dqc_check', 'upstream failed', { status: RUN_STATUS.UPSTREAM_FAILED, bizDate: '2026-11-22', endAgoMs: 80_000 });
    await settle();
    expect(posts().length).toBe(before + 2);
    const cards = await alerts().store.cards();
    const gh = cards.find((c) => c.firstRunId === root)!;
    expect(gh.blocked.map((x) => x.taskName)).toEqual(['github_clean']);
    const sync = cards.find((c) => c.taskName === '00_sync_mysql_to_ods' && c.bizDate === '2026-11-22')!;
    expect(sync.causeId).toBe('sync.type_incompatible');
    expect(sync.blocked.map((x) => x.taskName)).toEqual(['04_transform_ods_to_dwd', '05_dqc_check']);
    const last = [...b.slack.calls]
      .reverse()
      .find((c) => (c.args.ts === sync.ts && c.method === 'chat.update') || (c.method === 'chat.postMessage' && JSON.stringify(c.args).includes('00_sync_mysql_to_ods failed')))!;
    expect(visibleText(last.args)).toMatch(/2 downstream tasks blocked:\* <[^|]+\|04_transform_ods_to_dwd>, <[^|]+\|05_dqc_check>/);
  });

  it('a muted task is recorded, not posted; muting needs an operator', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === '04_transform_ods_to_dwd')!;
    const value = `${card.id}:1`;
    const select = (user: string) =>
      b.post(
        `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', team: { id: 'T1' }, user: { id: user, username: user.toLowerCase() }, channel: { id: 'CALERTS' }, container: { type: 'message', message_ts: card.ts, channel_id: 'CALERTS' }, message: { ts: card.ts }, response_url: `${b.slack.url}/response/mute-${user}`, trigger_id: 't', actions: [{ type: 'static_select', action_id: 'triage_mute', block_id: 'x', selected_option: { text: { type: 'plain_text', text: 'Mute 1 h' }, value }, action_ts: '1' }] }))}`,
        'application/x-www-form-urlencoded',
      );
    await select(USERS.viewer);
    expect(visibleText(await b.slack.waitForResponse(`mute-${USERS.viewer}`))).toContain('needs *operator*');
    await select(USERS.operator);
    await new Promise((r) => setTimeout(r, 100));
    await alerts().flush();
    expect(await alerts().store.mutedUntil(card.taskId, b.clock.now())).toBeGreaterThan(b.clock.now());
    const before = posts().length;
    inject('04_transform_ods_to_dwd', 'CZLH-60010: Job killed by timeout', { endAgoMs: 10_000 });
    const stats = await alerts().poll();
    await alerts().flush();
    expect(stats.muted).toBe(1);
    expect(posts().length).toBe(before);
    expect((await b.bot.services.audit.query({ action: 'mute', limit: 5 })).map((r) => `${r.actorId}:${r.outcome}`)).toEqual([
      `${USERS.operator}:succeeded`,
      `${USERS.viewer}:refused`,
    ]);
    // Acknowledging changes the card for everyone: a viewer is refused (audited), an operator may.
    const ackValue = JSON.stringify({ c: card.id });
    const viewerAck = await b.click('triage_ack', ackValue, USERS.viewer, { channel: 'CALERTS', messageTs: card.ts!, ephemeral: false });
    expect(visibleText(await b.answer(viewerAck.responseId))).toContain('*acknowledge* needs *operator*');
    expect((await alerts().store.card(card.id))!.ackBy).toBeNull();
    await b.click('triage_ack', ackValue, USERS.operator, { channel: 'CALERTS', messageTs: card.ts!, ephemeral: false });
    await new Promise((r) => setTimeout(r, 100));
    expect((await alerts().store.card(card.id))!.ackBy).toBe(USERS.operator);
    expect((await b.bot.services.audit.query({ action: 'acknowledge', limit: 5 })).map((r) => `${r.actorId}:${r.outcome}`)).toEqual([
      `${USERS.operator}:succeeded`,
      `${USERS.viewer}:refused`,
    ]);
  });
});

describe('a card says what changed and who did what', () => {
  const lastCard = (card: { ts: string | null }) => [...b.slack.calls].reverse().find((c) => c.method === 'chat.update' && c.args.ts === card.ts)!;
  const buttons = (call: ApiCall) => (call.args.blocks as { elements?: { action_id?: string; value?: string; text?: { text: string } }[] }[]).flatMap((x) => x.elements ?? []);
  const click = (action: string, value: string, user: string, ts: string) => b.click(action, value, user, { channel: 'CALERTS', messageTs: ts, ephemeral: false });
  const quiet = async () => {
    await new Promise((r) => setTimeout(r, 150));
    await alerts().flush();
  };

  it('"Failed at" is the latest failure on a repeat; the time to resolve still counts from the first', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const first = b.clock.now() - 50 * 60_000;
    inject('05_dqc_check', 'DQC check failed: null rate of dwd.orders_detail.user_id is 12.0% (threshold 1%)', { endAgoMs: 50 * 60_000 });
    await settle();
    b.clock.advance(40 * 60_000);
    inject('05_dqc_check', 'DQC check failed: null rate of dwd.orders_detail.user_id is 14.0% (threshold 1%)', { endAgoMs: 60_000 });
    const latest = b.clock.now() - 60_000;
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === '05_dqc_check')!;
    expect(card).toMatchObject({ count: 2, failedAt: first, lastFailedAt: latest });
    const text = visibleText(lastCard(card).args);
    expect(text).toContain(`*Failed at*\n${when(latest)}`);
    expect(text).toContain(`*Seen*\n2 times since ${when(first)}`);
  });

  it('a rerun from the card that fails again says so in the thread, and the card counts the repeat', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === 'ddl_create_tables')!;
    const rr = await click('triage_rerun', JSON.stringify({ c: card.id, r: card.latestRunId }), USERS.admin, card.ts!);
    const opId = buttons({ args: await b.answer(rr.responseId) } as never).find((e) => e.action_id === 'op_confirm')!.value!;
    await b.answer((await b.click('op_confirm', opId, USERS.admin)).responseId);
    b.clock.advance(5 * 60_000);
    await settle();
    const after = (await alerts().store.card(card.id))!;
    expect(after).toMatchObject({ status: 'open', count: 2 });
    const thread = b.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === card.ts)
      .map((c) => visibleText(c.args));
    expect(thread.at(-1)).toBe(
      `:x: Failed again ${when(after.lastFailedAt!)}, after @${USERS.admin.toLowerCase()}'s rerun: CZLH-42000: 表已存在 (Table already exists): legacy_ods.orders [1,14]`,
    );
  });

  it('Mute says who muted it and until when, and Unmute undoes it (operators only, once)', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === '04_transform_ods_to_dwd')!;
    await alerts().mute(card.id, USERS.operator, 1);
    await alerts().flush();
    const muted = lastCard(card);
    const mute = (await alerts().store.muteOf(card.taskId, b.clock.now()))!;
    expect(mute.until - b.clock.now()).toBeGreaterThan(3_590_000);
    expect(visibleText(muted.args)).toContain(`Muted by @${USERS.operator.toLowerCase()} until ${when(mute.until)}`);
    const unmute = buttons(muted).find((e) => e.action_id === 'triage_unmute')!;
    expect(unmute.text!.text).toBe('Unmute');
    expect(buttons(muted).find((e) => e.action_id === 'triage_mute')).toBeUndefined();
    const refused = await click('triage_unmute', unmute.value!, USERS.viewer, card.ts!);
    expect(visibleText(await b.answer(refused.responseId))).toContain('*unmute* needs *operator*');
    expect(await alerts().store.mutedUntil(card.taskId, b.clock.now())).toBeDefined();
    await click('triage_unmute', unmute.value!, USERS.admin, card.ts!);
    await quiet();
    expect(await alerts().store.mutedUntil(card.taskId, b.clock.now())).toBeUndefined();
    const after = lastCard(card);
    expect(visibleText(after.args)).not.toContain('Muted by');
    expect(buttons(after).find((e) => e.action_id === 'triage_mute')).toBeDefined();
    // The second click (a double-click, or someone else's) changes nothing and says so.
    const again = await click('triage_unmute', unmute.value!, USERS.operator, card.ts!);
    expect(visibleText(await b.answer(again.responseId))).toContain('is not muted');
    const thread = b.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === card.ts)
      .map((c) => visibleText(c.args));
    expect(thread.filter((t) => t.includes('unmuted'))).toEqual([`:loud_sound: @${USERS.admin.toLowerCase()} unmuted \`04_transform_ods_to_dwd\`: new failures are posted again.`]);
    expect((await b.bot.services.audit.query({ action: 'unmute', limit: 5 })).map((r) => `${r.actorId}:${r.outcome}`)).toEqual([
      `${USERS.admin}:succeeded`,
      `${USERS.viewer}:refused`,
    ]);
    // A new failure is posted again.
    inject('04_transform_ods_to_dwd', 'CZLH-60010: Job killed by timeout', { endAgoMs: 10_000 });
    expect((await alerts().poll()).muted).toBe(0);
  });

  it('Acknowledge can be taken over and released; a click on a stale card changes nothing', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === '04_transform_ods_to_dwd')!;
    await click('triage_ack', JSON.stringify({ c: card.id }), USERS.operator, card.ts!);
    await quiet();
    const acked = lastCard(card);
    expect(visibleText(acked.args)).toContain(`Acknowledged by @${USERS.operator.toLowerCase()}`);
    const take = buttons(acked).find((e) => e.action_id === 'triage_take_over')!;
    const release = buttons(acked).find((e) => e.action_id === 'triage_release')!;
    expect([take.text!.text, release.text!.text]).toEqual(['Take over', 'Release']);
    // Acknowledging again says who has it.
    const twice = await click('triage_ack', JSON.stringify({ c: card.id }), USERS.admin, card.ts!);
    expect(visibleText(await b.answer(twice.responseId))).toContain(`<@${USERS.operator}> acknowledged it`);
    // The admin takes it over.
    await click('triage_take_over', take.value!, USERS.admin, card.ts!);
    await quiet();
    expect((await alerts().store.card(card.id))!.ackBy).toBe(USERS.admin);
    expect(visibleText(lastCard(card).args)).toContain(`Acknowledged by @${USERS.admin.toLowerCase()}`);
    // The operator releases from the card as it was before the take-over: refused, nothing changes.
    const stale = await click('triage_release', release.value!, USERS.operator, card.ts!);
    expect(visibleText(await b.answer(stale.responseId))).toContain(`<@${USERS.admin}> took it over`);
    expect((await alerts().store.card(card.id))!.ackBy).toBe(USERS.admin);
    // Released from the current card: nobody has it, and Acknowledge is offered again.
    const current = buttons(lastCard(card)).find((e) => e.action_id === 'triage_release')!;
    await click('triage_release', current.value!, USERS.admin, card.ts!);
    await quiet();
    expect(await alerts().store.card(card.id)).toMatchObject({ ackBy: null, ackAt: null });
    expect(buttons(lastCard(card)).find((e) => e.action_id === 'triage_ack')!.text!.text).toBe('Acknowledge');
    const thread = b.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === card.ts)
      .map((c) => visibleText(c.args));
    expect(thread).toEqual([
      `:eyes: @${USERS.operator.toLowerCase()} is looking at it.`,
      `:eyes: @${USERS.admin.toLowerCase()} took it over from @${USERS.operator.toLowerCase()}.`,
      `:leftwards_arrow_with_hook: @${USERS.admin.toLowerCase()} released it: nobody is looking at it now.`,
    ]);
    expect(
      (await b.bot.services.audit.query({ limit: 10 }))
        .filter((r) => ['acknowledge', 'take_over', 'release'].includes(r.action))
        .map((r) => `${r.action}:${r.actorId}:${r.outcome}`),
    ).toEqual([`release:${USERS.admin}:succeeded`, `release:${USERS.operator}:refused`, `take_over:${USERS.admin}:succeeded`, `acknowledge:${USERS.operator}:succeeded`]);
  });

  it('Backfill from a card shows the task by name (sent by id: see the backfill test below)', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === '04_transform_ods_to_dwd')!;
    const opens = b.slack.callsOf('views.open').length;
    await click('triage_backfill', JSON.stringify({ c: card.id, r: card.latestRunId }), USERS.operator, card.ts!);
    const opened = (await b.slack.waitForCall('views.open', opens)).args.view as { blocks: { block_id?: string; element?: { initial_value?: string } }[] };
    expect(opened.blocks.find((x) => x.block_id === 'bf_task')!.element!.initial_value).toBe('04_transform_ods_to_dwd');
  });
});

describe('closing the loop', () => {
  it('a rerun from the card that succeeds edits the card to resolved, with who, how and how long; the thread keeps the trail', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === '04_transform_ods_to_dwd')!;
    const value = JSON.stringify({ c: card.id, r: card.latestRunId });
    // Acknowledge, then rerun through confirmation.
    await b.click('triage_ack', value, USERS.operator, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! });
    const rr = await b.click('triage_rerun', value, USERS.operator, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! });
    const confirm = await b.answer(rr.responseId);
    const opId = (confirm.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;
    const ok = await b.click('op_confirm', opId, USERS.operator);
    expect(visibleText(await b.answer(ok.responseId))).toContain('Rerun of run');
    await alerts().flush();
    b.clock.advance(5 * 60_000); // the rerun takes a minute in the sandbox
    const first = await alerts().poll();
    await alerts().flush();
    // The root succeeded, but 05_dqc_check, which it blocked, is still UPSTREAM_FAILED: the card says so.
    expect(first.resolved).toBe(0);
    const fixed = (await alerts().store.card(card.id))!;
    expect(fixed).toMatchObject({ status: 'open', rootFixRunId: card.latestRunId, rootFixedBy: `<@${USERS.operator}>`, rootFixedHow: 'rerun from this card' });
    const fixedCard = [...cardMessages(card.ts!)].reverse().find((c) => c.method === 'chat.update')!;
    expect(visibleText(fixedCard.args)).toContain('04_transform_ods_to_dwd — root fixed, 1 downstream still blocked');
    const rerunBlocked = (fixedCard.args.blocks as { elements?: { action_id: string; value: string; text: { text: string } }[] }[])
      .flatMap((x) => x.elements ?? [])
      .find((e) => e.action_id === 'triage_rerun_blocked')!;
    expect(rerunBlocked.text.text).toBe('Rerun 1 blocked run');
    const ask = await b.click('triage_rerun_blocked', rerunBlocked.value, USERS.operator, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! });
    const askMsg = await b.answer(ask.responseId);
    expect(visibleText(askMsg)).toContain(`\`05_dqc_check\` run ${fixed.blocked[0]!.runId}`);
    const blockedOp = (askMsg.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;
    expect(visibleText(await b.answer((await b.click('op_confirm', blockedOp, USERS.operator)).responseId))).toContain('Reran 1 of 1 runs');
    b.clock.advance(5 * 60_000);
    const stats = await alerts().poll();
    await alerts().flush();
    expect(stats.resolved).toBe(1);
    const resolved = (await alerts().store.card(card.id))!;
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: `<@${USERS.operator}>`, resolvedHow: 'rerun from this card', resolvedRunId: card.latestRunId });
    const trail = cardMessages(card.ts!);
    const lastUpdate = [...trail].reverse().find((c) => c.method === 'chat.update')!;
    expect(visibleText(lastUpdate.args)).toMatch(
      /Resolved\* by @uops1 \(rerun from this card\): run <[^|]+\|\d+> succeeded, \*\d+ (?:s|min|h(?: \d+ min)?|d(?: \d+ h)?)\* after the failure/,
    );
    expect(JSON.stringify(lastUpdate.args.blocks)).not.toContain('triage_rerun');
    const thread = trail.filter((c) => c.method === 'chat.postMessage').map((c) => visibleText(c.args));
    expect(thread[0]).toContain('@uops1 is looking at it');
    expect(thread[1]).toContain('@uops1 started a rerun');
    expect(thread[2]).toContain('Root fixed by @uops1 (rerun from this card)');
    expect(thread[3]).toContain('@uops1 reran the 1 downstream run 04_transform_ods_to_dwd blocked: Reran 1 of 1 runs');
    expect(thread.at(-1)).toContain('Resolved by @uops1');
    expect(thread.at(-1)).toContain('the 1 downstream run it blocked succeeded too');
  });

  it('Logs and Diagnose answer in the card thread; a backfill from the card that succeeds resolves it', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === 'sync_legacy_mysql')!;
    const value = JSON.stringify({ c: card.id, r: card.latestRunId });
    await b.click('triage_logs', value, USERS.viewer, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! });
    await b.click('triage_diagnose', value, USERS.viewer, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! });
    await new Promise((r) => setTimeout(r, 200));
    await alerts().flush();
    const thread = b.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === card.ts)
      .map((c) => visibleText(c.args));
    expect(thread[0]).toContain(`Log of run ${card.latestRunId}`);
    expect(thread[0]).toContain('jdbc:mysql://etl_reader:[redacted]@');
    expect(thread[1]).toContain('Empty WHERE filter in an offline sync');

    // Backfill the card's business date from the card (legacy_dw needs an admin in this policy).
    const opens = b.slack.callsOf('views.open').length;
    const updates = b.slack.callsOf('views.update').length;
    await b.click('triage_backfill', value, USERS.admin, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! });
    await b.slack.waitForCall('views.open', opens);
    const preview = await b.slack.waitForCall('views.update', updates);
    const view = preview.args.view as Record<string, unknown>;
    expect(JSON.parse(String(view.private_metadata))).toMatchObject({ cardId: card.id });
    b.sb.store.updateTask(card.taskId, { updated_at: b.clock.now() }); // the empty filter was fixed in Studio
    const submitted = b.slack.callsOf('views.update').length;
    await b.submitView(
      {
        ...view,
        id: preview.args.view_id,
        state: {
          values: {
            bf_task: { bf_task_input: { value: card.taskName } },
            bf_from: { bf_from_pick: { selected_date: card.bizDate } },
            bf_to: { bf_to_pick: { selected_date: card.bizDate } },
            bf_vc: { bf_vc_input: { value: null } },
          },
        },
      },
      USERS.admin,
    );
    expect(visibleText((await b.slack.waitForCall('views.update', submitted)).args.view as Record<string, unknown>)).toContain('created in Studio as job');
    b.clock.advance(10 * 60_000);
    await settle();
    // The run it blocked is still blocked until Studio reruns it (here Studio's scheduler does).
    expect(await alerts().store.card(card.id)).toMatchObject({ status: 'open', rootFixedHow: 'backfill from this card' });
    b.sb.sim.rerun((await alerts().store.card(card.id))!.blocked[0]!.runId, 'scheduler');
    b.clock.advance(10 * 60_000);
    await settle();
    expect(await alerts().store.card(card.id)).toMatchObject({ status: 'resolved', resolvedBy: `<@${USERS.admin}>`, resolvedHow: 'backfill from this card' });
  });

  it("Studio's own success for the same business date closes the card too", async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === '04_transform_ods_to_dwd')!;
    b.sb.sim.rerun(card.latestRunId, 'scheduler'); // a retry nobody started from Slack
    b.clock.advance(5 * 60_000);
    await settle();
    expect(await alerts().store.card(card.id)).toMatchObject({ status: 'open', rootFixedHow: "Studio's own retry" });
    b.sb.sim.rerun(card.blocked[0]!.runId, 'scheduler');
    b.clock.advance(5 * 60_000);
    await settle();
    expect(await alerts().store.card(card.id)).toMatchObject({ status: 'resolved', resolvedHow: "Studio's own retry" });
  });

  it('the team’s memory: once a card with a cause closed, the next diagnosis of that cause says how often it was seen and how it was last fixed', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const card = (await alerts().store.cards()).find((c) => c.taskName === '04_transform_ods_to_dwd')!;
    expect(card.causeId).toBe('engine.queue_full');
    // Before anything was resolved: seen, not resolved yet.
    const first = b.slack.callsOf('chat.postMessage').length;
    await b.click('triage_diagnose', JSON.stringify({ c: card.id, r: card.latestRunId }), USERS.viewer, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! });
    await alerts().flush();
    expect(visibleText((await b.slack.waitForCall('chat.postMessage', first)).args)).toMatch(/Seen \d+ times? in this workspace; not resolved here yet/);
    b.sb.sim.rerun(card.latestRunId, 'scheduler');
    b.sb.sim.rerun(card.blocked[0]!.runId, 'scheduler');
    b.clock.advance(5 * 60_000);
    await settle();
    expect(await alerts().store.card(card.id)).toMatchObject({ status: 'resolved', resolvedHow: "Studio's own retry" });
    // The same cause on another task, later: its card's Diagnose remembers.
    inject('00_sync_mysql_to_ods', 'CZLH-57015: 计算集群队列已满 (VCluster queue is full)', { endAgoMs: 30_000 });
    await settle();
    const next = (await alerts().store.cards()).find((c) => c.taskName === '00_sync_mysql_to_ods' && c.status === 'open' && c.causeId === 'engine.queue_full')!;
    const posted = b.slack.callsOf('chat.postMessage').length;
    await b.click('triage_diagnose', JSON.stringify({ c: next.id, r: next.latestRunId }), USERS.viewer, { ephemeral: false, channel: 'CALERTS', messageTs: next.ts! });
    await alerts().flush();
    const diagnosis = visibleText((await b.slack.waitForCall('chat.postMessage', posted)).args);
    // In as long as the card took, from its failure to its close (as the card itself says it).
    const resolvedIn = humanDuration((await alerts().store.card(card.id))!.resolvedAt! - card.failedAt);
    expect(diagnosis).toContain(`last fixed by Studio's own retry in ${resolvedIn}.`);
    expect(diagnosis).toMatch(/Seen \d+ times? in this workspace/);
    // /cz explain of the entry carries the same memory.
    const ex = await b.command('explain engine.queue_full', USERS.viewer);
    expect(visibleText(await b.answer(ex.responseId))).toContain("last fixed by Studio's own retry");
  });

  it('/cz report summarises failures, top causes, time to resolve and noisy tasks', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const r = await b.command('report --days 7', USERS.viewer, { channel: 'CALERTS' });
    const msg = await b.answer(r.responseId);
    const text = visibleText(msg);
    expect(text).toContain('Pipeline failures report');
    expect(text).toContain('For <#CALERTS>'); // a channel mention in mrkdwn, not a literal in a plain-text header
    expect((msg.blocks as { type: string; text?: { text: string } }[]).find((x) => x.type === 'header')!.text!.text).not.toContain('<#');
    expect(text).toContain('Top causes');
    expect(text).toContain('Noisiest tasks');
    expect(text).toMatch(/`ddl_create_tables` — 1 failure\b/);
  });
});

describe('delivery', () => {
  it('a restart in the middle of a burst loses nothing and duplicates nothing', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const before = posts().length;
    const words = [
      'alpha',
      'bravo',
      'charlie',
      'delta',
      'echo',
      'foxtrot',
      'golf',
      'hotel',
      'india',
      'juliet',
      'kilo',
      'lima',
      'mike',
      'november',
      'oscar',
      'papa',
      'quebec',
      'romeo',
      'sierra',
      'tango',
    ];
    for (const w of words) inject('etl_orders_daily', `custom exporter stage ${w} crashed`, { endAgoMs: 30_000 });
    await alerts().poll();
    await b.restart(); // stops the sender mid-way; the outbox is in SQLite
    await alerts().flush();
    const again = await alerts().poll(); // nothing is re-alerted after the restart
    expect(again.fresh).toBe(0);
    await alerts().flush();
    const cards = (await alerts().store.cards()).filter((c) => c.taskName === 'etl_orders_daily');
    expect(cards).toHaveLength(20);
    expect(cards.every((c) => c.ts)).toBe(true);
    // Twenty new groups in one poll are a storm: one digest in the channel, each card once in its thread.
    expect(posts().length).toBe(before + 1);
    const digest = (await alerts().store.digest(cards[0]!.digestId!))!;
    const inThread = b.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === digest.ts && String(c.args.text).startsWith('Failed:'));
    expect(inThread).toHaveLength(20);
    expect(new Set(inThread.map((c) => String(c.args.text))).size).toBe(20);
  });

  it('a card that reached Slack just before a crash (its ts never recorded) is found by its metadata and not posted again', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    inject('etl_orders_daily', 'custom exporter stage zulu crashed', { endAgoMs: 30_000 });
    // Queue the card without sending it (the sender is stopped), as a crash would leave it.
    const store = alerts().store;
    await alerts().stop();
    await alerts().poll();
    const item = b.bot.services.db.prepare("SELECT * FROM outbox WHERE done = 0 AND kind = 'post' ORDER BY id DESC LIMIT 1").get() as {
      id: number;
      channel: string;
      payload: string;
      card_id: number;
    };
    // The crash window: the post reached Slack (with the bot's marker), the process died before recording it.
    await slackPoster('xoxb-test-token', b.slack.apiUrl).post(item.channel, JSON.parse(item.payload) as { text: string; blocks: unknown[] }, undefined, `outbox:${item.id}`);
    await store.markSending(item.id);
    const before = posts().length;
    await b.restart();
    await alerts().flush();
    expect(posts().length).toBe(before); // found in the channel's history: nothing posted again
    expect((await alerts().store.card(item.card_id))!.ts).toBeTruthy();
    const histories = b.slack.callsOf('conversations.history');
    expect(histories.at(-1)!.args).toMatchObject({ channel: 'CALERTS', include_all_metadata: 'true' });
  });

  it('keeps to about one message per second per channel under a burst of 1,000 failures, and honours 429 Retry-After', async () => {
    b = await startBotHarness({ alertChannels: 'legacy_dw=CLEGACY,*=CALERTS' });
    await settle();
    const start = b.slack.calls.length;
    const tasks = ['etl_orders_daily', 'sync_legacy_mysql', '05_dqc_check', 'github_clean', '00_sync_mysql_to_ods'];
    for (let i = 0; i < 1000; i++) {
      const tag = i.toString(36).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)]!);
      inject(tasks[i % tasks.length]!, `stage ${tag} failed in custom step`, { endAgoMs: 50_000 - i });
    }
    b.slack.rateLimit('chat.postMessage', 1, 30, 'CALERTS');
    const stats = await alerts().poll();
    expect(stats.fresh).toBe(1000);
    await alerts().flush();
    // Posts (threads included) about one a second per channel; updates (Tier 3) paced for the workspace.
    const sent = b.slack.calls.slice(start).filter((c) => c.method.startsWith('chat.postMessage'));
    const perChannel = new Map<string, ApiCall[]>();
    for (const c of sent) perChannel.set(String(c.args.channel), [...(perChannel.get(String(c.args.channel)) ?? []), c]);
    for (const [channel, list] of perChannel) {
      for (let i = 1; i < list.length; i++) {
        const gap = list[i]!.at - list[i - 1]!.at;
        expect(gap, `${channel} call ${i}`).toBeGreaterThanOrEqual(list[i - 1]!.method.endsWith('#429') ? 30_000 : 1000);
      }
    }
    const updates = b.slack.calls.slice(start).filter((c) => c.method.startsWith('chat.update'));
    for (let i = 1; i < updates.length; i++) expect(updates[i]!.at - updates[i - 1]!.at, `update ${i}`).toBeGreaterThanOrEqual(1200);
    const cards = await alerts().store.cards();
    expect(cards.every((c) => c.ts)).toBe(true); // nothing lost
    expect(new Set(cards.map((c) => c.ts)).size).toBe(cards.length);
    expect(await alerts().store.pendingCount()).toBe(0);
    expect(perChannel.get('CLEGACY')!.length).toBeGreaterThan(100);
  }, 60_000);
});

describe('alert storms', () => {
  it('a digest first, then one card per group in its thread by impact, each posted once with its final state', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const start = b.slack.calls.length;
    const words = [
      'alpha',
      'bravo',
      'charlie',
      'delta',
      'echo',
      'foxtrot',
      'golf',
      'hotel',
      'india',
      'juliet',
      'kilo',
      'lima',
      'mike',
      'november',
      'oscar',
      'papa',
      'quebec',
      'romeo',
      'sierra',
      'tango',
      'uniform',
      'victor',
      'whiskey',
      'xray',
      'yankee',
    ];
    for (const w of words) inject('etl_orders_daily', `custom exporter stage ${w} crashed`, { endAgoMs: 40_000 });
    // A root with a blocked downstream run: the most impact, so its card comes first.
    inject('github_raw_fetch', 'Process exited with code 1: urllib.error.HTTPError: HTTP Error 403: rate limit exceeded', { bizDate: '2026-11-21', endAgoMs: 30_000 });
    inject('github_clean', '上游任务失败 (upstream task github_raw_fetch failed)', { status: RUN_STATUS.UPSTREAM_FAILED, bizDate: '2026-11-21', endAgoMs: 20_000 });
    await settle();
    const calls = b.slack.calls.slice(start).filter((c) => c.method.startsWith('chat.'));
    const cards = (await alerts().store.cards()).filter((c) => c.digestId !== null);
    expect(cards).toHaveLength(26);
    const digest = (await alerts().store.digest(cards[0]!.digestId!))!;
    // The digest is the first message, in the channel; every card is in its thread.
    expect(calls[0]).toMatchObject({ method: 'chat.postMessage', args: { channel: 'CALERTS' } });
    expect(calls[0]!.args.thread_ts).toBeUndefined();
    const first = visibleText(calls[0]!.args);
    expect(first).toContain('Alert storm');
    expect(first).toContain('in *26* groups');
    expect(first).toMatch(/• Not in the knowledge table — 25 failures$/m);
    expect(first).toMatch(/— 1 failure$/m);
    const cardPosts = calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === digest.ts);
    expect(cardPosts).toHaveLength(26);
    expect(visibleText(cardPosts[0]!.args)).toContain('github_raw_fetch failed');
    expect(visibleText(cardPosts[0]!.args)).toContain('1 downstream task blocked');
    // Cards go out with their state as of sending: no card is edited afterwards; the digest at most once.
    expect(calls.filter((c) => c.method === 'chat.update' && c.args.ts !== digest.ts)).toHaveLength(0);
    expect(calls.filter((c) => c.method === 'chat.update' && c.args.ts === digest.ts).length).toBeLessThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(1.2 * cards.length);
    const final = visibleText([...calls].reverse().find((c) => c.args.ts === digest.ts || (c.method === 'chat.postMessage' && !c.args.thread_ts))!.args);
    expect(final).toContain('blocking *1* downstream runs');
    expect(final).toContain('0 of 26 groups resolved');

    // A note on a card in the digest's thread goes to that thread, naming its task.
    const gh = cards.find((c) => c.taskName === 'github_raw_fetch')!;
    await b.click('triage_ack', JSON.stringify({ c: gh.id }), USERS.admin, { channel: 'CALERTS', messageTs: gh.ts!, ephemeral: false });
    await new Promise((r) => setTimeout(r, 150));
    await alerts().flush();
    const note = b.slack.callsOf('chat.postMessage').at(-1)!;
    expect(note.args.thread_ts).toBe(digest.ts);
    expect(visibleText(note.args)).toBe(`*github_raw_fetch* · :eyes: @${USERS.admin.toLowerCase()} is looking at it.`);
    // A group resolving closes its card and counts in the digest.
    b.sb.sim.rerun(gh.latestRunId, 'scheduler');
    b.clock.advance(5 * 60_000);
    await settle();
    expect((await alerts().store.card(gh.id))!.rootFixedAt).not.toBeNull();
    b.sb.sim.rerun(gh.blocked[0]!.runId, 'scheduler');
    b.clock.advance(5 * 60_000);
    await settle();
    expect((await alerts().store.card(gh.id))!.status).toBe('resolved');
    const digestNow = b.slack
      .callsOf('chat.update')
      .filter((c) => c.args.ts === digest.ts)
      .at(-1)!;
    expect(visibleText(digestNow.args)).toContain('1 of 26 groups resolved');
  });

  it('bulk fixes by cause from the digest: a dry-run listing, one rerun per run on a double Confirm, two-person approval over the limit, results in the thread', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const words = [
      'alpha',
      'bravo',
      'charlie',
      'delta',
      'echo',
      'foxtrot',
      'golf',
      'hotel',
      'india',
      'juliet',
      'kilo',
      'lima',
      'mike',
      'november',
      'oscar',
      'papa',
      'quebec',
      'romeo',
      'sierra',
      'tango',
      'uniform',
      'victor',
      'whiskey',
      'xray',
      'yankee',
    ];
    for (const w of words) inject('etl_orders_daily', `custom exporter stage ${w} crashed`, { endAgoMs: 40_000 });
    inject('github_raw_fetch', 'Process exited with code 1: urllib.error.HTTPError: HTTP Error 403: rate limit exceeded', { bizDate: '2026-11-21', endAgoMs: 30_000 });
    await settle();
    const digestId = (await alerts().store.cards()).find((c) => c.digestId !== null)!.digestId!;
    const digest = (await alerts().store.digest(digestId))!;
    const digestMsg = [...b.slack.calls]
      .reverse()
      .find(
        (c) => (c.method === 'chat.update' && c.args.ts === digest.ts) || (c.method === 'chat.postMessage' && !c.args.thread_ts && JSON.stringify(c.args).includes('Alert storm')),
      )!;
    const menu = (digestMsg.args.blocks as { elements?: { action_id: string; options?: { text: { text: string }; value: string }[] }[] }[])
      .flatMap((x) => x.elements ?? [])
      .find((e) => e.action_id === 'storm_rerun_cause')!;
    expect(menu.options!.map((o) => o.text.text)).toEqual(['Rerun 25 roots: Not in the knowledge table', expect.stringMatching(/^Rerun 1 root: /)]);
    const select = async (value: string, user: string) => {
      const id = `sel-${user}-${Math.random().toString(36).slice(2, 8)}`;
      await b.post(
        `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', team: { id: 'T1' }, user: { id: user, username: user.toLowerCase() }, channel: { id: 'CALERTS' }, container: { type: 'message', message_ts: digest.ts, channel_id: 'CALERTS' }, message: { ts: digest.ts }, response_url: `${b.slack.url}/response/${id}`, trigger_id: 't', actions: [{ type: 'static_select', action_id: 'storm_rerun_cause', block_id: 'x', selected_option: { text: { type: 'plain_text', text: 'x' }, value }, action_ts: '1' }] }))}`,
        'application/x-www-form-urlencoded',
      );
      return b.slack.waitForResponse(id);
    };
    const RERUN = '/ide-admin/v1/taskInst/reRunTaskInstance';
    const before = b.requests(RERUN).length;
    // A viewer is refused; nothing reaches Studio.
    expect(visibleText(await select(menu.options![1]!.value, USERS.viewer))).toContain('needs *operator*');
    // The operator's dry run lists the run; two people confirm at once: one rerun.
    const gh = (await alerts().store.cards()).find((c) => c.taskName === 'github_raw_fetch')!;
    const ask = await select(menu.options![1]!.value, USERS.operator);
    expect(visibleText(ask)).toContain(`\`github_raw_fetch\` run ${gh.latestRunId} (2026-11-21, FAILED)`);
    const opId = (ask.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'op_confirm')!.value;
    const [c1, c2] = await Promise.all([b.click('op_confirm', opId, USERS.operator), b.click('op_confirm', opId, USERS.admin)]);
    const answers = [visibleText(await b.answer(c1.responseId)), visibleText(await b.answer(c2.responseId))];
    expect(b.requests(RERUN).length).toBe(before + 1);
    expect(answers.some((a) => a.includes('Reran 1 of 1 runs'))).toBe(true);
    // The 25 roots of the other cause are over the limit (20): the request waits in the digest's thread for a second admin.
    const big = await select(menu.options![0]!.value, USERS.admin);
    expect(visibleText(big)).toContain('over your limit');
    const request = await b.slack.waitForCall('chat.postMessage', b.slack.callsOf('chat.postMessage').length - 1);
    expect(request.args.thread_ts).toBe(digest.ts);
    expect(visibleText(request.args)).toContain(`<@${USERS.admin2}>: <@${USERS.admin}> asks to *Rerun 25 runs: the 25 failed roots of “Not in the knowledge table”*`);
    const approveId = (request.args.blocks as { elements?: { action_id: string; value: string }[] }[])
      .flatMap((x) => x.elements ?? [])
      .find((e) => e.action_id === 'op_approve')!.value;
    const self = await b.click('op_approve', approveId, USERS.admin, { ephemeral: false });
    expect(visibleText(await b.answer(self.responseId))).toContain('a different admin must approve it');
    expect(b.requests(RERUN).length).toBe(before + 1);
    const ok = await b.click('op_approve', approveId, USERS.admin2, { ephemeral: false });
    expect(visibleText(await b.answer(ok.responseId))).toContain('Reran 25 of 25 runs');
    expect(b.requests(RERUN).length).toBe(before + 26);
    // A second approval (another admin, a moment later) runs nothing again.
    const again = await b.click('op_approve', approveId, USERS.admin2, { ephemeral: false });
    expect(visibleText(await b.answer(again.responseId))).toContain('Reran 25 of 25 runs');
    expect(b.requests(RERUN).length).toBe(before + 26);
    const trail = (await b.bot.services.audit.byOp(approveId)).map((r) => `${r.actorId}:${r.action}:${r.outcome}`);
    expect(trail).toEqual([
      `${USERS.admin}:bulk_rerun:awaiting_approval`,
      `${USERS.admin}:approve:refused`,
      `${USERS.admin2}:approve:approved`,
      `${USERS.admin}:bulk_rerun:succeeded`,
    ]);
    expect((await b.bot.services.audit.query({ action: 'rerun', limit: 100 })).filter((r) => r.outcome === 'succeeded')).toHaveLength(26);
    // Per-run results, once per request, in the digest's thread; each rerun recorded on its card.
    await alerts().flush();
    const thread = b.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === digest.ts)
      .map((c) => visibleText(c.args));
    expect(thread.filter((t) => t.includes('reran the 25 failed roots'))).toHaveLength(1);
    expect(thread.filter((t) => t.includes('started a rerun'))).toHaveLength(0);
    expect((await alerts().store.actions(gh.id)).map((a) => a.action)).toEqual(['rerun']);
  });

  it('few new groups post cards of their own, as before', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    expect((await alerts().store.cards()).every((c) => c.digestId === null)).toBe(true);
    expect(b.slack.callsOf('chat.postMessage').some((c) => visibleText(c.args).includes('Alert storm'))).toBe(false);
  });
});

describe('alerts from other tools', () => {
  it('a message naming a Studio run gets a thread reply with the diagnosis and triage buttons; unrelated chatter gets nothing', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const runId = (
      b.sb.store.db.prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = 'cdc_mysql_shop' AND r.status = 3 ORDER BY r.id DESC").get() as { id: number }
    ).id;
    const before = b.slack.callsOf('chat.postMessage').length;
    await b.event({
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'BOTHER',
      channel: 'CALERTS',
      ts: '1700000200.000100',
      text: `[Grafana] Studio task failed: ${b.sb.url}/ops/taskInst/${runId}`,
    });
    await b.event({ type: 'message', user: USERS.viewer, channel: 'CALERTS', ts: '1700000300.000100', text: 'lunch anyone?' });
    await new Promise((r) => setTimeout(r, 200));
    await alerts().flush();
    const replies = b.slack.callsOf('chat.postMessage').slice(before);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.args.thread_ts).toBe('1700000200.000100');
    expect(visibleText(replies[0]!.args)).toContain('Binlog event larger than max_allowed_packet');
    // The run is a CDC stream's: its buttons are Logs and Diagnose, never Rerun (a stream is restarted).
    expect(JSON.stringify(replies[0]!.args.blocks)).toContain('"action_id":"run_logs"');
    expect(JSON.stringify(replies[0]!.args.blocks)).not.toContain('"action_id":"run_rerun"');
  });

  it('an Events API redelivery (same event_id, X-Slack-Retry-Num) is acknowledged and not handled again, across a restart', async () => {
    b = await startBotHarness({ alertChannels: '*=CALERTS' });
    await settle();
    const runId = (
      b.sb.store.db.prepare("SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.name = 'cdc_mysql_shop' AND r.status = 3 ORDER BY r.id DESC").get() as { id: number }
    ).id;
    const ev = {
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'BOTHER',
      channel: 'CALERTS',
      ts: '1700000400.000100',
      text: `[Grafana] Studio task failed: ${b.sb.url}/ops/taskInst/${runId}`,
    };
    const before = b.slack.callsOf('chat.postMessage').length;
    expect((await b.event(ev, { eventId: 'Ev0REDELIVER' })).status).toBe(200);
    expect((await b.event(ev, { eventId: 'Ev0REDELIVER', retryNum: 1 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    await alerts().flush();
    await b.restart();
    expect((await b.event(ev, { eventId: 'Ev0REDELIVER', retryNum: 2 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    await alerts().flush();
    const replies = b.slack
      .callsOf('chat.postMessage')
      .slice(before)
      .filter((c) => c.args.thread_ts === '1700000400.000100');
    expect(replies).toHaveLength(1);
  });
});
