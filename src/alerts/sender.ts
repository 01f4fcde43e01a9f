/**
 * Delivers the outbox to Slack at Slack's pace: at most one message per channel per interval
 * (about one a second), in order within a channel, honouring 429 Retry-After, retrying other
 * errors with backoff. The outbox is in SQLite, so a restart resumes where it stopped.
 */
import type { AlertStore, OutboxItem } from '../store/alerts.js';

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
  minIntervalMs?: number;
  maxAttempts?: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  onError?: (item: OutboxItem, error: unknown) => void;
}

/** A 429 from Slack (WebClient with rejectRateLimitedCalls throws one with `retryAfter` seconds). */
function retryAfterMs(e: unknown): number | undefined {
  const err = e as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (err.code === 'slack_webapi_rate_limited_error' && typeof err.retryAfter === 'number') return err.retryAfter * 1000;
  return undefined;
}

export class OutboxSender {
  private readonly nextAt = new Map<string, number>();
  private readonly minIntervalMs: number;
  private readonly maxAttempts: number;
  private draining: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly store: AlertStore,
    private readonly poster: SlackPoster,
    private readonly opts: SenderOptions,
  ) {
    this.minIntervalMs = opts.minIntervalMs ?? 1100;
    this.maxAttempts = opts.maxAttempts ?? 8;
    // Items a stopped process was sending may have reached Slack: look for them before posting again.
    for (const id of store.requeueInterrupted()) this.interrupted.add(id);
  }

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

  private async run(): Promise<number> {
    let sent = 0;
    while (!this.stopped) {
      const items = this.store.nextPerChannel();
      if (items.length === 0) break;
      const now = this.opts.now();
      const ready = items.filter((i) => (this.nextAt.get(i.channel) ?? 0) <= now);
      if (ready.length === 0) {
        const wait = Math.min(...items.map((i) => this.nextAt.get(i.channel)!)) - now;
        await this.opts.sleep(Math.max(1, wait));
        continue;
      }
      for (const item of ready) {
        if (await this.send(item)) sent++;
      }
    }
    return sent;
  }

  /** A post, unless the item was in flight when a process stopped and Slack already has it. */
  private async postOnce(item: OutboxItem, threadTs?: string): Promise<string> {
    const marker = `outbox:${item.id}`;
    if (this.interrupted.delete(item.id) && this.poster.findPosted) {
      const found = await this.poster.findPosted(item.channel, marker, item.createdAt - 60_000, threadTs).catch(() => undefined);
      if (found) return found;
    }
    return this.poster.post(item.channel, item.payload, threadTs, marker);
  }

  private async send(item: OutboxItem): Promise<boolean> {
    const now = this.opts.now();
    this.store.markSending(item.id);
    try {
      if (item.kind === 'post') {
        const ts = await this.postOnce(item);
        if (item.cardId !== null) this.store.updateCard(item.cardId, { ts });
      } else if (item.kind === 'update') {
        const card = item.cardId !== null ? this.store.card(item.cardId) : undefined;
        if (card?.ts) await this.poster.update(item.channel, card.ts, item.payload);
        else if (card) {
          const ts = await this.postOnce(item); // its post was lost: post now
          this.store.updateCard(card.id, { ts });
        }
      } else {
        const parent = item.threadCardId !== null ? this.store.card(item.threadCardId)?.ts : (item.payload as { thread_ts?: string }).thread_ts;
        await this.postOnce(item, parent ?? undefined);
      }
      this.store.markSent(item.id);
      this.nextAt.set(item.channel, now + this.minIntervalMs);
      return true;
    } catch (e) {
      const wait = retryAfterMs(e);
      if (wait !== undefined) {
        this.nextAt.set(item.channel, now + wait);
        this.store.markFailed(item.id, `rate limited: retry after ${wait} ms`, false);
        return false;
      }
      const giveUp = item.attempts + 1 >= this.maxAttempts;
      this.store.markFailed(item.id, (e as Error).message ?? String(e), giveUp);
      this.nextAt.set(item.channel, now + Math.min(60_000, this.minIntervalMs * 2 ** (item.attempts + 1)));
      this.opts.onError?.(item, e);
      return false;
    }
  }
}
