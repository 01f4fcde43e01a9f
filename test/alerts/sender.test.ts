/**
 * The outbox sender's plan, on a virtual clock: posts at one a second per channel, updates on the
 * workspace's own budget, the most urgent first, card messages rendered when sent, one pending
 * message per card.
 */
import { describe, expect, it } from 'vitest';
import { OutboxSender } from '../../src/alerts/sender.js';
import { AlertStore } from '../../src/store/alerts.js';
import { openDatabase } from '../../src/store/database.js';
import { localRemote } from '../../src/store/remote.js';

function setup(renderMs: (cardId: number) => number = () => 0) {
  const db = openDatabase(':memory:');
  const store = new AlertStore(db);
  let now = 1_000_000;
  const calls: { method: 'post' | 'update'; channel: string; at: number; text: string; threadTs?: string }[] = [];
  let seq = 0;
  const card = (name: string, channel = 'C1') =>
    store.insertCard({
      channel,
      groupKey: name,
      taskId: ++seq,
      taskName: name,
      folder: null,
      taskType: null,
      owner: null,
      causeId: null,
      causeTitle: null,
      causeFix: null,
      failMsg: null,
      firstRunId: seq,
      latestRunId: seq,
      bizDate: null,
      attempts: 1,
      count: 1,
      failedAt: now,
      lastFailedAt: now,
      firstSeen: now,
      lastSeen: now,
      blocked: [],
    });
  const renders: number[] = [];
  const sender = new OutboxSender(
    localRemote(store),
    {
      post: async (channel, payload, threadTs) => {
        calls.push({ method: 'post', channel, at: now, text: payload.text, threadTs });
        return `${now / 1000}.${++seq}`;
      },
      update: async (channel, _ts, payload) => {
        calls.push({ method: 'update', channel, at: now, text: payload.text });
      },
    },
    {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      minIntervalMs: 1000,
      updateIntervalMs: 1200,
      render: async (item) => {
        const c = item.cardId !== null ? store.card(item.cardId)! : undefined;
        if (!c) return undefined;
        renders.push(c.id);
        now += renderMs(c.id); // drawing it takes time (a store a few ms away, a slow moment)
        return { text: `${c.taskName} count=${c.count}`, blocks: [] };
      },
    },
  );
  return { store, sender, card, calls, renders, now: () => now };
}

describe('outbox sender', () => {
  it('posts a card with its state as of sending, once, however often it changed while queued', async () => {
    const { store, sender, card, calls } = setup();
    const c = card('a');
    store.enqueue({ channel: 'C1', kind: 'post', cardId: c.id, at: 0, priority: 1 });
    for (let i = 2; i <= 5; i++) {
      store.updateCard(c.id, { count: i });
      store.enqueue({ channel: 'C1', kind: 'update', cardId: c.id, at: 0, priority: 2 });
    }
    await sender.drain();
    expect(calls.map((x) => `${x.method} ${x.text}`)).toEqual(['post a count=5']);
  });

  it('keeps posts at one a second per channel and updates on their own budget; the most urgent update first', async () => {
    const { store, sender, card, calls } = setup();
    // Three cards already in the channel, with background refreshes queued…
    const old = ['o1', 'o2', 'o3'].map((n) => card(n));
    for (const c of old) store.updateCard(c.id, { ts: `1.${c.id}` });
    for (const c of old) store.enqueue({ channel: 'C1', kind: 'update', cardId: c.id, at: 0, priority: 2 });
    // …five new cards…
    const fresh = ['n1', 'n2', 'n3', 'n4', 'n5'].map((n) => card(n));
    for (const c of fresh) store.enqueue({ channel: 'C1', kind: 'post', cardId: c.id, at: 0, priority: 1 });
    // …and someone acknowledged o3 (its update is what they wait for).
    store.enqueue({ channel: 'C1', kind: 'update', cardId: old[2]!.id, at: 0, priority: 0 });
    await sender.drain();
    const posts = calls.filter((x) => x.method === 'post');
    const updates = calls.filter((x) => x.method === 'update');
    expect(posts.map((x) => x.text.split(' ')[0])).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    for (let i = 1; i < posts.length; i++) expect(posts[i]!.at - posts[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    // Updates do not wait for the posts (their own budget), and the clicked card's comes first.
    expect(updates.map((x) => x.text.split(' ')[0])).toEqual(['o3', 'o1', 'o2']);
    for (let i = 1; i < updates.length; i++) expect(updates[i]!.at - updates[i - 1]!.at).toBeGreaterThanOrEqual(1200);
    expect(updates.at(-1)!.at).toBeLessThan(posts.at(-1)!.at);
    // One message per card: o3 was queued twice, sent once.
    expect(updates).toHaveLength(3);
  });

  it('paces posts from when each is sent, not from when its sending began: a slow render does not bring the next post closer', async () => {
    const { store, sender, card, calls } = setup((id) => (id === 1 ? 400 : 0));
    for (const n of ['slow', 'quick', 'quick2']) store.enqueue({ channel: 'C1', kind: 'post', cardId: card(n).id, at: 0, priority: 1 });
    await sender.drain();
    const posts = calls.filter((x) => x.method === 'post');
    expect(posts.map((x) => x.text.split(' ')[0])).toEqual(['slow', 'quick', 'quick2']);
    for (let i = 1; i < posts.length; i++) expect(posts[i]!.at - posts[i - 1]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('a thread note waits for its card to be posted; a note whose card will never be posted is given up, not retried for ever', async () => {
    const { store, sender, card, calls } = setup();
    const a = card('a');
    store.enqueue({ channel: 'C1', kind: 'thread', threadCardId: a.id, payload: { text: 'note on a', blocks: [] }, at: 0, priority: 0 });
    store.enqueue({ channel: 'C1', kind: 'post', cardId: a.id, at: 0, priority: 1 });
    const b = card('b');
    store.enqueue({ channel: 'C1', kind: 'post', cardId: b.id, at: 0, priority: 1 });
    await sender.drain();
    expect(calls.map((x) => x.text)).toEqual(['a count=1', 'note on a', 'b count=1']);
    expect(calls[1]!.threadTs).toBe(store.card(a.id)!.ts);
    // b's post given up (say, channel_not_found): its note cannot go anywhere.
    const c = card('c');
    store.enqueue({ channel: 'C2', kind: 'post', cardId: c.id, at: 0, priority: 1 });
    store.markFailed(store.pendingIn('C2')[0]!.id, 'channel_not_found', true);
    store.enqueue({ channel: 'C2', kind: 'thread', threadCardId: c.id, payload: { text: 'note on c', blocks: [] }, at: 0, priority: 0 });
    await sender.drain();
    expect(calls.map((x) => x.text)).not.toContain('note on c');
    expect(store.pendingCount()).toBe(0);
  });
});
