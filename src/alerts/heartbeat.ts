/**
 * The alert watcher's own heartbeat (issue 33, item 5): nothing silently lost, and it shows.
 *
 * When polls fail `threshold` times in a row (each poll is an interval: Studio unreachable, or
 * the poll failing for another reason), one notice goes to each alert channel — "alerts may be
 * missing since HH:MM: Studio unreachable" — and /readyz says so (`problem`). When a poll succeeds
 * again, the notice is edited to say the gap is over; cards made by that poll for failures that
 * ended during the gap are marked late (`lateNote`). The notice is posted and edited directly (not
 * through the outbox: its ts is kept, in alert_state, so a restart can still edit it).
 *
 * After each good poll, an optional outbound URL is pinged (ALERT_HEARTBEAT_URL), for an
 * external dead-man switch that pages when the pings stop.
 */
import { type Message, esc } from '../blocks/kit.js';
import { buildThreadNote } from '../blocks/triage.js';
import { redactedExcerpt } from '../redaction/index.js';
import type { AlertStore } from '../store/alerts.js';
import type { Remote } from '../store/remote.js';
import { StudioError } from '../studio/errors.js';
import type { SlackPoster } from './sender.js';

const STATE_KEY = 'heartbeat';

interface Outage {
  /** When the first failed poll of the run of failures began. */
  since: number;
  failures: number;
  reason: string;
  /** The notices posted (none until `threshold` failures). */
  notices: { channel: string; ts: string }[];
}

export interface HeartbeatOptions {
  store: Remote<AlertStore>;
  poster: Pick<SlackPoster, 'post' | 'update'>;
  /** The alert channels. */
  channels: () => string[];
  now: () => number;
  /** Failed polls in a row before the notice (default 3). */
  threshold?: number;
  /** Time zone of the HH:MM in the notice. */
  timeZone: string;
  /** ALERT_HEARTBEAT_URL: pinged (GET) after each good poll. */
  pingUrl?: string;
  onError?: (what: string, e: unknown) => void;
}

/** Why a poll failed, as the notice says it. */
export function pollFailureReason(e: unknown): string {
  if (e instanceof StudioError && e.kind !== 'business' && e.kind !== 'protocol') return 'Studio unreachable';
  if (e instanceof StudioError) return 'Studio answers with errors';
  return 'the alert poll fails';
}

export class WatcherHeartbeat {
  private outage: Outage | undefined;
  private loaded = false;
  /** Counts of what the heartbeat did, for /metrics. */
  readonly counts = { noticesPosted: 0, noticesEdited: 0, pings: 0, pingFailures: 0 };

  constructor(private readonly o: HeartbeatOptions) {}

  private get threshold(): number {
    return this.o.threshold ?? 3;
  }

  private hhmm(at: number): string {
    const t = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: this.o.timeZone }).format(at);
    return `${t} (${this.o.timeZone})`;
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    const raw = await this.o.store.getState(STATE_KEY);
    this.outage = raw ? ((JSON.parse(raw) as Outage | null) ?? undefined) : undefined;
    this.loaded = true;
  }

  private async save(): Promise<void> {
    await this.o.store.setState(STATE_KEY, JSON.stringify(this.outage ?? null));
  }

  /** What /readyz says while alerts may be missing (undefined: none missing). */
  problem(): string | undefined {
    const o = this.outage;
    if (!o || o.failures < this.threshold) return undefined;
    return `alerts may be missing since ${new Date(o.since).toISOString()}: ${o.reason} (${o.failures} polls failed in a row)`;
  }

  /** What the Home tab says while alerts may be missing (undefined: none missing). */
  homeNotice(): string | undefined {
    const o = this.outage;
    if (!o || o.failures < this.threshold) return undefined;
    return `:warning: *Alerts may be missing since ${this.hhmm(o.since)}: ${o.reason}.* The open alerts below may not be all of them.`;
  }

  /** Whether the notice is out (alerts may be missing). */
  get missing(): boolean {
    return this.problem() !== undefined;
  }

  /** A note for a card whose failure ended at `end`, made by the poll that ends an outage: it is late (undefined: not late). */
  lateNote(end: number): string | undefined {
    const o = this.outage;
    if (!o || o.failures < this.threshold || end < o.since - 60_000) return undefined;
    return `:hourglass_flowing_sand: Posted late: this failure happened while the bot could not poll (${o.reason} since ${this.hhmm(o.since)}).`;
  }

  /** A poll failed. */
  async failed(e: unknown): Promise<void> {
    await this.load();
    const now = this.o.now();
    const o: Outage = this.outage ?? { since: now, failures: 0, reason: pollFailureReason(e), notices: [] };
    o.failures++;
    o.reason = pollFailureReason(e);
    this.outage = o;
    if (o.failures >= this.threshold && o.notices.length === 0) {
      const detail = e instanceof Error ? e.message : String(e);
      const m = this.message(
        `:warning: *Alerts may be missing since ${this.hhmm(o.since)}: ${o.reason}.* ${o.failures} polls in a row failed (${esc(redactedExcerpt(detail, 200))}). The bot keeps trying; the failures of the gap will be posted when it answers, marked late.`,
      );
      for (const channel of this.o.channels()) {
        try {
          o.notices.push({ channel, ts: await this.o.poster.post(channel, m) });
          this.counts.noticesPosted++;
        } catch (err) {
          this.o.onError?.('notice not posted', err);
        }
      }
    }
    await this.save();
  }

  /** A poll succeeded: the outage (if any) is over — its notice edited — and the dead-man switch pinged. */
  async succeeded(): Promise<void> {
    await this.load();
    const o = this.outage;
    if (o) {
      if (o.notices.length) {
        const m = this.message(
          `:white_check_mark: Alerts were delayed from ${this.hhmm(o.since)} to ${this.hhmm(this.o.now())} (${o.reason}, ${o.failures} polls failed). The bot answers again; the failures of the gap are posted, marked late.`,
        );
        for (const n of o.notices) {
          try {
            await this.o.poster.update(n.channel, n.ts, m);
            this.counts.noticesEdited++;
          } catch (err) {
            this.o.onError?.('notice not edited', err);
          }
        }
      }
      this.outage = undefined;
      await this.save();
    }
    await this.ping();
  }

  private message(text: string): Message {
    return buildThreadNote(text);
  }

  private async ping(): Promise<void> {
    if (!this.o.pingUrl) return;
    try {
      const res = await fetch(this.o.pingUrl, { signal: AbortSignal.timeout(5000) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.counts.pings++;
    } catch (e) {
      this.counts.pingFailures++;
      this.o.onError?.('heartbeat URL not pinged', e);
    }
  }
}
