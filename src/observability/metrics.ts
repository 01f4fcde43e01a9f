/**
 * Prometheus metrics (prom-client), one registry per running bot: what people asked and how fast it
 * was acknowledged and answered, what Studio was asked and how it went, and the state the bot keeps
 * (outbox, open cards, operations, database size), read from the database when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Read from the database (synchronously, where the stores live). */
export interface StateSources {
  outbox(): { depth: number; oldestAgeSeconds: number };
  cardsOpen(): number;
  operationsByStatus(): Record<string, number>;
  databaseBytes(): number;
}

/** The state the gauges show, read once per scrape. */
export interface StateSnapshot {
  outbox: { depth: number; oldestAgeSeconds: number };
  cardsOpen: number;
  operationsByStatus: Record<string, number>;
  databaseBytes: number;
}

export type InteractionKind = 'command' | 'action' | 'view' | 'shortcut' | 'options' | 'event';
export type InteractionOutcome = 'ok' | 'failed' | 'busy';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  private sources: (() => Promise<StateSnapshot>) | undefined;
  /** The snapshot of the scrape under way (every gauge of one scrape reads the one snapshot). */
  private snapshot: Promise<StateSnapshot | undefined> | undefined;
  private leases: (() => Record<string, boolean>) | undefined;
  private missing: (() => Record<string, boolean>) | undefined;
  private messages: (() => Record<string, Record<string, number>>) | undefined;
  private readonly interactions: Counter<'kind' | 'name' | 'outcome'>;
  private readonly ack: Histogram<'kind'>;
  private readonly reply: Histogram<'kind'>;
  private readonly studioCalls: Counter<'workspace' | 'endpoint' | 'outcome'>;
  private readonly studioSeconds: Histogram<'workspace' | 'endpoint'>;
  private readonly studioRetries: Counter<'workspace' | 'endpoint'>;
  private readonly alertPoll: Histogram<'outcome'>;
  /** Per workspace: when Studio last answered (epoch ms), and whether the last call got an answer at all. */
  private readonly studioSeen = new Map<string, { lastAnswerAt: number; lastCallOk: boolean | undefined }>();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'studio_ops_' });
    this.interactions = new Counter({
      name: 'studio_ops_interactions_total',
      help: 'Slash commands and interactions handled, by kind (command, action, view, shortcut, options), name (the /cz subcommand or action id) and outcome',
      labelNames: ['kind', 'name', 'outcome'],
      registers,
    });
    this.ack = new Histogram({
      name: 'studio_ops_ack_seconds',
      help: 'From the listener receiving a request to Slack having its acknowledgement',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.reply = new Histogram({
      name: 'studio_ops_reply_seconds',
      help: 'From the listener receiving a request to its work done and the answer sent (response_url, message or view)',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.studioCalls = new Counter({
      name: 'studio_ops_studio_calls_total',
      help: 'HTTP calls to Studio (each attempt), by workspace, endpoint and outcome (ok or the error kind)',
      labelNames: ['workspace', 'endpoint', 'outcome'],
      registers,
    });
    this.studioSeconds = new Histogram({
      name: 'studio_ops_studio_call_seconds',
      help: 'Studio call latency per attempt',
      labelNames: ['workspace', 'endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.studioRetries = new Counter({
      name: 'studio_ops_studio_retries_total',
      help: 'Reads retried after a failed attempt (writes are never retried)',
      labelNames: ['workspace', 'endpoint'],
      registers,
    });
    this.alertPoll = new Histogram({
      name: 'studio_ops_alert_poll_seconds',
      help: 'Alert poll duration (task runs, Dynamic Tables, outputs)',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    const self = this;
    new Gauge({
      name: 'studio_ops_outbox_depth',
      help: 'Slack messages waiting in the outbox',
      registers,
      async collect() {
        this.set((await self.state())?.outbox.depth ?? 0);
      },
    });
    new Gauge({
      name: 'studio_ops_outbox_oldest_age_seconds',
      help: 'Age of the oldest message waiting in the outbox (0 when empty)',
      registers,
      async collect() {
        this.set((await self.state())?.outbox.oldestAgeSeconds ?? 0);
      },
    });
    new Gauge({
      name: 'studio_ops_alert_cards_open',
      help: 'Triage cards open',
      registers,
      async collect() {
        this.set((await self.state())?.cardsOpen ?? 0);
      },
    });
    new Gauge({
      name: 'studio_ops_operations',
      help: 'Operations (reruns, backfills, stops, refreshes …) by status',
      labelNames: ['status'],
      registers,
      async collect() {
        const state = await self.state();
        this.reset();
        for (const [status, n] of Object.entries(state?.operationsByStatus ?? {})) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'studio_ops_lease_held',
      help: 'Whether this replica holds the lease for a workspace’s background work (alert poller, outbox sender, watchers): 1 on exactly one replica',
      labelNames: ['workspace'],
      registers,
      collect() {
        this.reset();
        for (const [workspace, held] of Object.entries(self.leases?.() ?? {})) this.set({ workspace }, held ? 1 : 0);
      },
    });
    new Gauge({
      name: 'studio_ops_alert_messages',
      help: 'Alert messages since start, by what happened: posted, edited, retried (sent again after a failure), rate_limited (a 429), dropped (given up), truncated (an error cut to fit)',
      labelNames: ['workspace', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [workspace, counts] of Object.entries(self.messages?.() ?? {})) for (const [outcome, n] of Object.entries(counts)) this.set({ workspace, outcome }, n);
      },
    });
    new Gauge({
      name: 'studio_ops_alerts_may_be_missing',
      help: 'Whether alert polls have failed for several intervals in a row (the channel has been told alerts may be missing): 1 while so',
      labelNames: ['workspace'],
      registers,
      collect() {
        this.reset();
        for (const [workspace, missing] of Object.entries(self.missing?.() ?? {})) this.set({ workspace }, missing ? 1 : 0);
      },
    });
    new Gauge({
      name: 'studio_ops_database_bytes',
      help: 'Size of the bot’s database',
      registers,
      async collect() {
        this.set((await self.state())?.databaseBytes ?? 0);
      },
    });
  }

  setSources(read: () => Promise<StateSnapshot>): void {
    this.sources = read;
  }

  /** The database's state for this scrape: read once, shared by the gauges that show it. */
  private state(): Promise<StateSnapshot | undefined> {
    const read = this.sources;
    if (!read) return Promise.resolve(undefined);
    this.snapshot ??= read().catch(() => undefined);
    return this.snapshot;
  }

  /** Whether this replica holds each workspace's lease (read when scraped). */
  /** Each workspace's alert messages by outcome (read when scraped). */
  setAlertMessages(counts: () => Record<string, Record<string, number>>): void {
    this.messages = counts;
  }

  /** Whether each workspace's alerts may be missing (read when scraped). */
  setAlertsMissing(missing: () => Record<string, boolean>): void {
    this.missing = missing;
  }

  setLeases(held: () => Record<string, boolean>): void {
    this.leases = held;
  }

  interaction(kind: InteractionKind, name: string, outcome: InteractionOutcome): void {
    this.interactions.inc({ kind, name, outcome });
  }

  acked(kind: InteractionKind, seconds: number): void {
    this.ack.observe({ kind }, seconds);
  }

  replied(kind: InteractionKind, seconds: number): void {
    this.reply.observe({ kind }, seconds);
  }

  studioCall(endpoint: string, outcome: string, seconds: number, answered: boolean, at: number, workspace: string): void {
    this.studioCalls.inc({ workspace, endpoint, outcome });
    this.studioSeconds.observe({ workspace, endpoint }, seconds);
    const seen = this.studio(workspace);
    seen.lastCallOk = answered;
    if (answered) seen.lastAnswerAt = at;
  }

  studioRetry(endpoint: string, workspace: string): void {
    this.studioRetries.inc({ workspace, endpoint });
  }

  /** What is known of a workspace's Studio: the last answer, and whether the latest call got one. */
  studio(workspace: string): { lastAnswerAt: number; lastCallOk: boolean | undefined } {
    let seen = this.studioSeen.get(workspace);
    if (!seen) {
      seen = { lastAnswerAt: 0, lastCallOk: undefined };
      this.studioSeen.set(workspace, seen);
    }
    return seen;
  }

  alertPolled(seconds: number, ok: boolean): void {
    this.alertPoll.observe({ outcome: ok ? 'ok' : 'failed' }, seconds);
  }

  async text(): Promise<string> {
    this.snapshot = undefined; // a scrape reads the database once, afresh
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
