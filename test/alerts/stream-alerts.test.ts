/**
 * Stream alerts against the sandbox: a stream killed → a card within one poll, restarted from the
 * card → the card closes when caught up; lag past the threshold → a card that says how far, since
 * when and whether it grows, edited in place; one failed CDC table → a card naming it, whose
 * Resync table reaches Studio once when two people click it, audited.
 */
import { describe, expect, it } from 'vitest';
import type { AlertCard } from '../../src/store/alerts.js';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness({ alertChannels: '*=CALERTS' });
const T = '/ide-admin/v1/timelyTask';
const id = (name: string) => b.sb.store.taskByName(name)!.id;
type Blocks = { type: string; elements?: { action_id: string; value?: string }[] }[];
const buttonsOf = (msg: Record<string, unknown>) => (msg.blocks as Blocks).flatMap((x) => x.elements ?? []);
const confirmOf = (msg: Record<string, unknown>) => buttonsOf(msg).find((e) => e.action_id === 'op_confirm')!.value!;

async function poll() {
  await b.bot.services.alerts!.poll();
  await b.bot.services.alerts!.flush();
}
async function cardOf(subject: string): Promise<AlertCard | undefined> {
  return (await b.bot.services.alerts!.store.cards()).filter((c) => c.subject === subject).at(-1);
}
const postsOf = (card: AlertCard) =>
  b.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === card.channel && !c.args.thread_ts && (c.args.text as string).includes(card.taskName));
const lastDrawn = (card: AlertCard) =>
  b.slack.calls
    .filter((c) => (c.method === 'chat.update' && c.args.ts === card.ts) || (c.method === 'chat.postMessage' && c.args.ts === undefined && !c.args.thread_ts))
    .filter((c) => c.method === 'chat.update' || (c.args.text as string).includes(card.taskName))
    .at(-1)!;

describe('stream alerts', () => {
  it('no stream card while every stream runs and keeps up', async () => {
    await poll();
    expect((await b.bot.services.alerts!.store.cards()).filter((c) => c.subject?.startsWith('stream:'))).toEqual([]);
  });

  it('a stream killed → a card within one poll; Restart from the card → the card closes itself once running and caught up', async () => {
    const taskId = id('rt_sync_kafka_orders');
    b.sb.streams.kill(taskId, 'org.apache.kafka.common.errors.TimeoutException: Timeout expired while fetching topic metadata');
    b.clock.advance(60_000);
    await poll();
    const card = (await cardOf(`stream:${taskId}:down`))!;
    expect(card).toMatchObject({ status: 'open', channel: 'CALERTS', taskName: 'rt_sync_kafka_orders' });
    const post = postsOf(card).at(-1)!;
    const text = visibleText(post.args);
    expect(text).toContain('rt_sync_kafka_orders — stream down');
    expect(text).toContain('The stream failed, ');
    expect(text).toContain('TimeoutException');
    const restart = buttonsOf(post.args).find((e) => e.action_id === 'stream_restart')!;
    expect(buttonsOf(post.args).map((e) => e.action_id)).not.toContain('triage_rerun');
    // Restart from the card: confirmation, then one start, audited with the card.
    const ask = await b.answer((await b.click('stream_restart', restart.value!, USERS.admin, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! })).responseId);
    expect(visibleText(ask)).toContain('Restart the stream rt_sync_kafka_orders?');
    const opId = confirmOf(ask);
    await b.answer((await b.click('op_confirm', opId, USERS.admin)).responseId);
    expect(b.requests(`${T}/startTimelyTask`)).toHaveLength(1);
    expect(b.requests(`${T}/stopTimelyTask`)).toHaveLength(0); // it was down: started, not stopped first
    const audit = await b.bot.services.audit.byOp(opId);
    expect(audit.map((r) => r.outcome)).toEqual(['requested', 'succeeded']);
    expect(audit[0]!.params.cardId).toBe(card.id);
    // Starting and catching up: the card stays open, edited; then it closes itself.
    await poll();
    expect((await b.bot.services.alerts!.store.card(card.id))!.status).toBe('open');
    expect(visibleText(lastDrawn(card).args)).toContain('Restarted: starting');
    b.clock.advance(5 * 60_000);
    await poll();
    const closed = (await b.bot.services.alerts!.store.card(card.id))!;
    expect(closed).toMatchObject({ status: 'resolved', resolvedHow: 'running and caught up' });
    expect(visibleText(lastDrawn(card).args)).toContain('running and caught up');
    expect(postsOf(card)).toHaveLength(1); // one post, edited in place
  });

  it('lag past the threshold → a card that says how far, since when and that it grows, edited in place; closes when caught up', async () => {
    const taskId = id('rt_sync_kafka_orders');
    b.sb.streams.growLag(taskId, 1_000);
    b.clock.advance(6 * 60_000);
    await poll();
    const card = (await cardOf(`stream:${taskId}:lag`))!;
    expect(card.status).toBe('open');
    const first = visibleText(lastDrawn(card).args);
    expect(first).toContain('falling behind');
    expect(first).toMatch(/\d+ min behind \(threshold 5 min\), over it for \d+ (?:s|min)/);
    expect(first).toContain('Since');
    const posts = b.slack.callsOf('chat.postMessage').length;
    b.clock.advance(3 * 60_000);
    await poll();
    const edited = lastDrawn(card);
    expect(edited.method).toBe('chat.update');
    expect(visibleText(edited.args)).toContain('*growing*');
    expect(b.slack.callsOf('chat.postMessage').filter((c) => !c.args.thread_ts).length).toBe(
      b.slack
        .callsOf('chat.postMessage')
        .slice(0, posts)
        .filter((c) => !c.args.thread_ts).length,
    );
    b.sb.streams.growLag(taskId, 0);
    b.clock.advance(20 * 60_000);
    await poll();
    expect((await b.bot.services.alerts!.store.card(card.id))!).toMatchObject({ status: 'resolved', resolvedHow: 'caught up' });
  });

  it('one failed CDC table → a card naming it; Resync table clicked by two people reaches Studio once, audited; the card closes when the table syncs', async () => {
    const taskId = id('cdc_mysql_shop');
    const table = b.sb.streams.failTable(taskId, 'order_items', "Data truncation: Data too long for column 'note' at row 1");
    await poll();
    const card = (await cardOf(`stream:${taskId}:table:${table.id}`))!;
    const post = postsOf(card).at(-1)!;
    expect(visibleText(post.args)).toContain('cdc_mysql_shop — a CDC table failed');
    expect(visibleText(post.args)).toContain('`shop.order_items` failed');
    expect(visibleText(post.args)).toContain('Data too long');
    const resync = buttonsOf(post.args).find((e) => e.action_id === 'stream_table_resync')!;
    const [a1, a2] = await Promise.all([
      b.click('stream_table_resync', resync.value!, USERS.admin, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! }),
      b.click('stream_table_resync', resync.value!, USERS.admin2, { ephemeral: false, channel: 'CALERTS', messageTs: card.ts! }),
    ]);
    const [o1, o2] = [confirmOf(await b.answer(a1.responseId)), confirmOf(await b.answer(a2.responseId))];
    const [k1, k2] = await Promise.all([b.click('op_confirm', o1, USERS.admin), b.click('op_confirm', o2, USERS.admin2)]);
    await Promise.all([b.answer(k1.responseId), b.answer(k2.responseId)]);
    expect(b.requests(`${T}/resync/table`)).toHaveLength(1);
    const rows = [...(await b.bot.services.audit.byOp(o1)), ...(await b.bot.services.audit.byOp(o2))];
    expect(rows.map((r) => r.outcome).sort()).toEqual(['refused', 'requested', 'succeeded']);
    expect(rows.every((r) => r.action === 'table_resync' && r.params.cardId === card.id)).toBe(true);
    await poll();
    expect((await b.bot.services.alerts!.store.card(card.id))!).toMatchObject({ status: 'resolved', resolvedHow: 'the table syncs again' });
  });
});
