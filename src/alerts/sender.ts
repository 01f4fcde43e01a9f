/**
 * Delivers the outbox to Slack within Slack's budgets, planned per method: `chat.postMessage` at
 * about one a second per channel (threads included), `chat.update` (Tier 3, about 50 a minute) at
 * its own pace for the whole workspace. In each channel the most urgent message whose budget allows
 * goes next, so a background refresh of a card nobody is looking at yields to a new card, and an
 * update waiting for its budget does not hold up posts. A card's and a digest's own messages are
 * rendered when sent (their state as of sending), so changes while queued cost nothing. 429s are
 * honoured (Retry-After); other errors retried with back-off. The outbox is in the database, so a
 * restart resumes where it stopped. Each round plans from one read of the queue's heads (with their
 * cards' and digests' state); each message costs a claim, a render and a record of its sending.
 */
import type { AlertStore, OutboxEntry, OutboxItem, SendingPlan } from '../store/alerts.js';
import type { Remote } from '../store/remote.js';

export interface SlackPoster {
  /**
   * Post a message; resolves with its ts. `marker` goes into the message's metadata (Slack message
   * metadata), so that a post whose answer was lost can be found again instead of posted twice.
   */
  post(channel: string, payload: { text: string; blocks: unknown[] }, threadTs?: string, marker?: string): Promise<string>;
  update(channel: string, ts: string, payload: { text: string; blocks: unknown[] }): Promise<void>;
  /** The ts of a message posted since `oldestMs` (in the thread, when given) carrying `marker`, if any. */
  findPosted?(channel: string, marker: string, oldestMs: number, threadTs?: string): Promise<string | undefined>;
}

/** The metadata event type of the bot's outbox posts. */
export const OUTBOX_EVENT_TYPE = 'studio_ops_outbox';

export interface SenderOptions {
  /** Between two posts in one channel (Slack: about one message a second per channel). */
  minIntervalMs?: number;
  /** Between two updates in the workspace (Slack: chat.update is Tier 3, about 50 a minute). */
  updateIntervalMs?: number;
  maxAttempts?: number;
  /** The current content of a card's or a digest's own message (undefined: the queued payload). */
  render?: (item: OutboxEntry) => Promise<{ text: string; blocks: unknown[] } | undefined>;
  /**
   * Every message but a card's first post goes through this before Slack (src/alerts/mentions.ts:
   * mentions become names), so edits and thread replies never ping anyone again.
   */
  quiet?: <M>(message: M) => Promise<M>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  onError?: (item: OutboxItem, error: unknown) => void;
  /** Whether this process may send now (it holds the lease); checked before each message. */
  allowed?: () => boolean;
}

/** A 429 from Slack (WebClient with rejectRateLimitedCalls throws one with `retryAfter` seconds). */
function retryAfterMs(e: unknown): number | undefined {
  const err = e as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (err.code === 'slack_webapi_rate_limited_error' && typeof err.retryAfter === 'number') return err.retryAfter * 1000;
  return undefined;
}

type Method = 'post' | 'update';

/** Where a queued message goes: ready (with the thread to post in, if any), waiting for its parent, or orphaned. */
type Placement = { kind: 'ready'; threadTs?: string; method: Method } | { kind: 'wait' } | { kind: 'orphan'; why: string };

/** A plan's facts by id. */
class Facts {
  readonly cards: Map<number, SendingPlan['cards'][number]>;
  readonly digests: Map<number, SendingPlan['digests'][number]>;
  constructor(plan: SendingPlan) {
    this.cards = new Map(plan.cards.map((c) => [c.id, c]));
    this.digests = new Map(plan.digests.map((d) => [d.id, d]));
  }
}

/** How many of each channel's most urgent messages a round looks at first. */
const HEAD = 50;

export class OutboxSender {
  private readonly nextPostAt = new Map<string, number>();
  private nextUpdateAt = 0;
  private readonly minIntervalMs: number;
  private readonly updateIntervalMs: number;
  private readonly maxAttempts: number;
  private draining: Promise<number> | undefined;
  private stopped = false;
  /** Calls made, by method (for the benchmark and metrics). */
  readonly calls = { post: 0, update: 0 };
  /**
   * What happened to the messages sent (for /metrics): posted and edited in Slack, sent again
   * after a failure, held back by a 429, and dropped (given up after the last attempt).
   */
  readonly outcomes = { posted: 0, edited: 0, retried: 0, rateLimited: 0, dropped: 0 };

  constructor(
    private readonly store: Remote<AlertStore>,
    private readonly poster: SlackPoster,
    private readonly opts: SenderOptions,
  ) {
    this.minIntervalMs = opts.minIntervalMs ?? 1100;
    this.updateIntervalMs = opts.updateIntervalMs ?? 1250;
    this.maxAttempts = opts.maxAttempts ?? 8;
  }

  /**
   * Start (or start again) as the one sender: items a stopped sender — this process before a
   * restart, or another replica that held the lease — was sending may have reached Slack, so they
   * are queued again and looked for (by their metadata) before being posted a second time. Sending
   * waits for this.
   */
  resume(): Promise<void> {
    this.stopped = false;
    const resuming = (async () => {
      for (const id of await this.store.requeueInterrupted()) this.interrupted.add(id);
    })();
    this.resuming = resuming.catch(() => undefined); // told to the caller; sending goes on without it
    return resuming;
  }

  private resuming: Promise<void> | undefined;
  private readonly interrupted = new Set<number>();

  /** Send until the outbox is empty (or stop() is called); resolves with the number sent. */
  drain(): Promise<number> {
    this.draining ??= this.run().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  /** Stop after the message in flight (so its result is recorded before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.draining?.catch(() => undefined);
  }

  /** Where the entry goes now, and with which method. */
  private place(e: OutboxEntry, f: Facts): Placement {
    if (e.kind === 'thread') {
      if (e.threadCardId === null) return { kind: 'ready', method: 'post' }; // a reply to another tool's message: its ts is in the payload
      const card = f.cards.get(e.threadCardId);
      if (!card) return { kind: 'orphan', why: 'its card is gone' };
      // A card inside a digest's thread cannot have a thread of its own: its notes go to the digest's thread.
      const digest = card.digestId !== null ? f.digests.get(card.digestId) : undefined;
      if (card.ts) return { kind: 'ready', method: 'post', threadTs: digest?.ts ?? card.ts };
      // Not posted yet: queued, or about to be released by the poll that made it.
      return card.pendingOwn || !card.queued ? { kind: 'wait' } : { kind: 'orphan', why: 'its card was never posted' };
    }
    if (e.digestId !== null) return { kind: 'ready', method: f.digests.get(e.digestId)?.ts ? 'update' : 'post' };
    if (e.cardId !== null) {
      const card = f.cards.get(e.cardId);
      if (card?.ts) return { kind: 'ready', method: 'update' };
      if (card?.digestId != null) {
        const digest = f.digests.get(card.digestId);
        if (digest?.ts) return { kind: 'ready', method: 'post', threadTs: digest.ts };
        if (digest?.pendingOwn) return { kind: 'wait' };
      }
      return { kind: 'ready', method: 'post' }; // a new card, or one whose post was lost: post it
    }
    return { kind: 'ready', method: 'post' };
  }

  private budgetAt(channel: string, method: Method): number {
    return method === 'post' ? (this.nextPostAt.get(channel) ?? 0) : this.nextUpdateAt;
  }

  private async run(): Promise<number> {
    await this.resuming;
    let sent = 0;
    while (!this.stopped && (this.opts.allowed?.() ?? true)) {
      const plan = await this.store.sendingPlan({ perChannel: HEAD });
      if (plan.entries.length === 0) break;
      const byChannel = new Map<string, OutboxEntry[]>();
      for (const e of plan.entries) byChannel.set(e.channel, [...(byChannel.get(e.channel) ?? []), e]);
      const now = this.opts.now();
      let progressed = false;
      let earliest = Number.POSITIVE_INFINITY;
      for (const [channel, first] of byChannel) {
        // The most urgent entry whose budget allows it now; the others wait their turn. When the
        // first entries all wait for parents further back, the whole queue is looked at.
        let facts = new Facts(plan);
        let entries = first;
        if (first.length === HEAD && first.every((e) => this.place(e, facts).kind === 'wait')) {
          const whole = await this.store.sendingPlan({ channel });
          facts = new Facts(whole);
          entries = whole.entries;
        }
        for (const entry of entries) {
          const placed = this.place(entry, facts);
          if (placed.kind === 'orphan') {
            await this.store.markFailed(entry.id, placed.why, true);
            progressed = true;
            continue;
          }
          if (placed.kind === 'wait') continue;
          const at = this.budgetAt(channel, placed.method);
          if (at > now) {
            earliest = Math.min(earliest, at);
            continue;
          }
          if (await this.send(entry, placed, facts)) sent++;
          progressed = true;
          break;
        }
        if (this.stopped) break;
      }
      if (progressed) continue;
      if (!Number.isFinite(earliest)) break; // only entries waiting for parents that are not queued here
      await this.opts.sleep(Math.max(1, earliest - now));
    }
    return sent;
  }

  /** A post, unless the item was in flight when a process stopped and Slack already has it. */
  private async postOnce(item: OutboxItem, payload: { text: string; blocks: unknown[] }, threadTs?: string): Promise<string> {
    const marker = `outbox:${item.id}`;
    if (this.interrupted.delete(item.id) && this.poster.findPosted) {
      const found = await this.poster.findPosted(item.channel, marker, item.createdAt - 60_000, threadTs).catch(() => undefined);
      if (found) return found;
    }
    this.calls.post++;
    return this.poster.post(item.channel, payload, threadTs, marker);
  }

  private async send(entry: OutboxEntry, placed: { method: Method; threadTs?: string }, facts: Facts): Promise<boolean> {
    const now = this.opts.now();
    // Claimed here or not at all: a message another sender has claimed is never sent twice.
    const item = await this.store.claim(entry.id);
    if (!item) return false;
    const own = item.kind !== 'thread' && (item.cardId !== null || item.digestId !== null);
    const drawn = (own ? await this.opts.render?.(entry) : undefined) ?? item.payload;
    const firstPost = own && item.cardId !== null && placed.method === 'post';
    const payload = firstPost || !this.opts.quiet ? drawn : await this.opts.quiet(drawn);
    let posted: { cardId?: number; digestId?: number; ts: string } | undefined;
    try {
      if (placed.method === 'update') {
        const ts = item.digestId !== null ? facts.digests.get(item.digestId)?.ts : facts.cards.get(item.cardId!)?.ts;
        this.calls.update++;
        if (item.attempts > 0) this.outcomes.retried++;
        // Paced from the moment Slack is called, not from when this began (claiming and drawing take time).
        const at = this.opts.now();
        await this.poster.update(item.channel, ts!, payload);
        this.outcomes.edited++;
        this.nextUpdateAt = at + this.updateIntervalMs;
      } else {
        const threadTs = placed.threadTs ?? (item.kind === 'thread' && item.threadCardId === null ? (item.payload as { thread_ts?: string }).thread_ts : undefined);
        if (item.attempts > 0) this.outcomes.retried++;
        const at = this.opts.now();
        const ts = await this.postOnce(item, payload, threadTs);
        this.outcomes.posted++;
        if (own) posted = { cardId: item.cardId ?? undefined, digestId: item.digestId ?? undefined, ts };
        this.nextPostAt.set(item.channel, at + this.minIntervalMs);
      }
    } catch (e) {
      const wait = retryAfterMs(e);
      const setBudget = (at: number): void => {
        if (placed.method === 'update') this.nextUpdateAt = at;
        else this.nextPostAt.set(item.channel, at);
      };
      if (wait !== undefined) {
        this.outcomes.rateLimited++;
        setBudget(now + wait);
        await this.store.markFailed(item.id, `rate limited: retry after ${wait} ms`, false);
        return false;
      }
      const giveUp = item.attempts + 1 >= this.maxAttempts;
      if (giveUp) this.outcomes.dropped++;
      await this.store.markFailed(item.id, (e as Error).message ?? String(e), giveUp);
      setBudget(now + Math.min(60_000, this.minIntervalMs * 2 ** (item.attempts + 1)));
      this.opts.onError?.(item, e);
      return false;
    }
    // Slack has it. Were this record lost (the database gone now), the item stays claimed: the
    // next sender to resume looks for it in Slack (its metadata) before posting it again.
    await this.store.recordSent(item.id, posted);
    return true;
  }
}
