/**
 * Alert-channel triage, composed: routing, the watcher, the outbox sender (budgeted, cards rendered
 * when sent), storm digests, card actions (acknowledge / take over / release, mute / unmute,
 * rerun/backfill from the card, bulk reruns' results), the weekly report. The alert store is used
 * only as a Remote (every call a promise, awaited in order; on PostgreSQL it may be a thread and a
 * network away): what must happen together is one store call.
 */
import { esc } from '../blocks/kit.js';
import { redactedExcerpt } from '../redaction/index.js';
import { buildBackfillReport } from '../blocks/backfill-report.js';
import { buildDigest, buildReport, buildThreadNote, buildTriageCard } from '../blocks/triage.js';
import { type BackfillOutcome, backfillTally } from '../ops/backfill-outcome.js';
import type { LinkBuilder } from '../blocks/replies.js';
import type { AlertConfig } from '../config.js';
import type { TextDiagnoser } from '../knowledge/diagnosis-pool.js';
import type { Logger } from '../logger.js';
import type { OperationsService } from '../ops/operations.js';
import type { Policy } from '../ops/policy.js';
import { type AlertCard, AlertStore, type OutboxEntry, type OutboxPriority, type QueueItem } from '../store/alerts.js';
import type { Db } from '../store/database.js';
import type { OperationRecord, OperationStore } from '../store/operations.js';
import { type Remote, localRemote } from '../store/remote.js';
import type { StudioClient } from '../studio/client.js';
import { type AlertReport, computeReport, weekStart } from './report.js';
import { OwnerDirectory, type People, QuietMentions } from './mentions.js';
import { AlertRouter, parseAlertChannels } from './routing.js';
import { OutboxSender, type SlackPoster } from './sender.js';
import { WatcherHeartbeat } from './heartbeat.js';
import { AlertWatcher, type PollStats } from './watcher.js';
import { DynamicTableWatcher, type DtPollStats } from './dt-watcher.js';
import { StreamWatcher, type StreamPollStats } from './stream-watcher.js';
import { STREAM_ACTION_WORDS, isStreamOpAction } from '../ops/stream-ops.js';
import { OutputChecker, type OutputCheckStats } from './output-check.js';
import type { LakehouseSql } from '../lakehouse/client.js';
import { BaselineWatcher, type BaselinePollStats, type BaselineView, baselineCardKey, isBaselineCard } from './baseline-watcher.js';
import { buildBaselineCard } from '../blocks/baselines.js';
import type { Baseline } from '../baselines/model.js';

export interface AlertDeps {
  /** The database, when the alert store is to be built here on it (tests, benchmarks). */
  db?: Db;
  /** The alert store as this process reaches it (the bot's: src/store/host.ts); default: one on `db`, in this thread. */
  store?: Remote<AlertStore>;
  studio: StudioClient;
  /** Diagnoses failure messages for the cards' causes (the bot's pool; benchmarks may pass an in-process Diagnoser). */
  diagnoser: TextDiagnoser;
  policy: Policy;
  operations: OperationsService;
  /** The operations' store: runs the bot stopped on request are not failures (without it, every kill is). */
  ops?: Remote<OperationStore>;
  config: AlertConfig;
  poster: SlackPoster;
  /** Slack's people (owners by e-mail, names for quiet mentions); the poster's client in the bot. */
  people?: People;
  logger: Logger;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  minSendIntervalMs?: number;
  /** Lakehouse SQL: with it, each poll also reads the Dynamic Tables' refresh history. */
  lakehouse?: LakehouseSql;
  /** Told how long each poll took and whether it read Studio (metrics). */
  onPoll?: (seconds: number, ok: boolean) => void;
  /** With several workspaces: this one's name, shown on its cards. */
  workspace?: string;
  /**
   * With replicas: whether this process holds the lease for the alert work (polling, sending).
   * Unset: it always does, and the outbox is resumed at once.
   */
  isLeader?: () => boolean;
}

const WEEK = 7 * 86_400_000;

export class AlertService {
  readonly store: Remote<AlertStore>;
  readonly router: AlertRouter;
  /** Studio owners → Slack users, and mentions made quiet after a card's first post (src/alerts/mentions.ts). */
  private readonly owners: OwnerDirectory;
  private readonly quietMentions: QuietMentions;
  readonly watcher: AlertWatcher;
  readonly dtWatcher: DynamicTableWatcher | undefined;
  /** Streams that stopped, fell behind or lost a table (src/alerts/stream-watcher.ts). */
  readonly streamWatcher: StreamWatcher;
  lastStreamPoll: StreamPollStats | { error: string } | undefined;
  /** The latest Dynamic Table poll (undefined before the first, or without Lakehouse SQL). */
  lastDtPoll: DtPollStats | { error: string } | undefined;
  /** "Succeeded but wrote nothing" checks (with Lakehouse SQL). */
  readonly outputChecker: OutputChecker | undefined;
  lastOutputCheck: OutputCheckStats | { error: string } | undefined;
  /** Baselines: outputs predicted to miss their committed time (src/alerts/baseline-watcher.ts). */
  readonly baselineWatcher: BaselineWatcher;
  lastBaselinePoll: BaselinePollStats | { error: string } | undefined;
  readonly sender: OutboxSender;
  /** The watcher's own heartbeat: "alerts may be missing" when polls keep failing (src/alerts/heartbeat.ts). */
  readonly heartbeat: WatcherHeartbeat;
  private pollTimer: NodeJS.Timeout | undefined;
  private outboxTimer: NodeJS.Timeout | undefined;
  private polling: Promise<PollStats> | undefined;
  private readonly links: LinkBuilder;

  constructor(private readonly d: AlertDeps) {
    if (!d.store && !d.db) throw new TypeError('AlertService needs its store or a database to build it on');
    this.store = d.store ?? localRemote(new AlertStore(d.db!));
    this.router = new AlertRouter(d.policy, parseAlertChannels(d.config.channels));
    this.owners = new OwnerDirectory(d.policy, d.people, d.now);
    this.quietMentions = new QuietMentions(d.people, d.now);
    this.links = d.studio;
    this.heartbeat = new WatcherHeartbeat({
      store: this.store,
      poster: d.poster,
      channels: () => this.router.channels,
      now: d.now,
      timeZone: d.studio.timeZone,
      pingUrl: d.config.heartbeatUrl,
      onError: (what, e) => d.logger.warn({ err: (e as Error).message }, what),
    });
    // A change a watcher makes is redrawn (an update, rendered when sent); new cards are released
    // when the poll ends (or a digest opens): posted once, with their state as of sending.
    const cardMessages = {
      redraw: (card: AlertCard, change: 'update' | 'resolved') => this.redraw(card, change === 'resolved' ? 0 : 2),
      note: (card: AlertCard, text: string) => this.noteItem(card, text),
      queued: () => this.kick(),
    };
    this.watcher = new AlertWatcher(d.studio, this.store, this.router, d.diagnoser, {
      groupWindowMs: d.config.groupWindowHours * 3_600_000,
      lookbackMs: d.config.lookbackHours * 3_600_000,
      now: d.now,
      ...cardMessages,
      afterFailures: () => this.openDigests(),
      lateNote: (end) => this.heartbeat.lateNote(end),
      retryRule: (folder, task) => d.policy.retryRule(folder, task),
      channelNote: (channel, text) => ({ channel, kind: 'thread', payload: buildThreadNote(text), at: d.now(), priority: 2 }),
      askedToStop: async (runIds) => new Set(d.ops && runIds.length ? await d.ops.runsStopped(runIds) : []),
    });
    this.streamWatcher = new StreamWatcher(d.studio, this.store, this.router, d.diagnoser, {
      now: d.now,
      lagThresholdFor: (folder, task) => d.policy.streamLagThresholdMs(folder, task),
      ...cardMessages,
    });
    this.dtWatcher = d.lakehouse
      ? new DynamicTableWatcher(d.lakehouse, this.store, this.router, d.diagnoser, {
          groupWindowMs: d.config.groupWindowHours * 3_600_000,
          lookbackMs: d.config.lookbackHours * 3_600_000,
          now: d.now,
          ...cardMessages,
        })
      : undefined;
    this.outputChecker = d.lakehouse
      ? new OutputChecker(d.studio, d.lakehouse, this.store, this.router, d.diagnoser, {
          now: d.now,
          lookbackMs: d.config.lookbackHours * 3_600_000,
          dropRatio: (d.config.emptyOutputDropPercent ?? 50) / 100,
          ...cardMessages,
        })
      : undefined;
    this.baselineWatcher = new BaselineWatcher(d.studio, this.store, this.router, { now: d.now, baselines: () => this.baselines(), ...cardMessages });
    this.sender = new OutboxSender(this.store, d.poster, {
      now: d.now,
      sleep: d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      minIntervalMs: d.minSendIntervalMs,
      render: (item) => this.render(item),
      quiet: (m) => this.quietMentions.quiet(m),
      onError: (item, e) => d.logger.warn({ channel: item.channel, kind: item.kind, err: (e as Error).message }, 'alert message not sent yet'),
      allowed: d.isLeader,
    });
    // Alone (no lease to wait for): what an earlier run of this process was sending is resumed now (before the first send).
    if (!d.isLeader) this.sender.resume().catch((e: unknown) => d.logger.warn({ err: (e as Error).message }, 'alert outbox not resumed'));
    // Reruns and backfills started from a card are recorded on it and told in its thread.
    d.operations.onOutcome((op, outcome, actor) => {
      this.recordOutcome(op, outcome, actor.userId).catch((e: unknown) => d.logger.warn({ err: (e as Error).message, op: op.id }, 'outcome not recorded on its alert card'));
    });
  }

  get enabled(): boolean {
    return this.router.enabled;
  }

  cardContext() {
    return { links: this.links, mention: (o: string | null) => this.router.mention(o), workspace: this.d.workspace };
  }

  private async recordOutcome(
    op: { id: string; action: string; params: Record<string, unknown> },
    outcome: { status: string; message: string; runId?: number },
    userId: string,
  ): Promise<void> {
    if (op.action === 'bulk_rerun') return this.noteBulk(op, outcome, userId);
    const cardId = op.params.cardId == null ? undefined : Number(op.params.cardId);
    if (cardId === undefined) return;
    const card = await this.store.card(cardId);
    if (!card) return;
    const now = this.d.now();
    const pressed = op.action === 'refresh_dt' ? 'Refresh now' : isStreamOpAction(op.action) ? STREAM_ACTION_WORDS[op.action] : undefined;
    if (outcome.status !== 'succeeded') {
      // What was tried from the card and did not work is said where the card's story is told.
      const what = pressed ? `pressed ${pressed}` : `tried a ${op.action}`;
      const how = outcome.status === 'failed' ? 'it failed' : 'Studio has not said how it ended yet';
      await this.store.write({ at: now, actions: [], queue: [this.noteItem(card, `:x: <@${userId}> ${what}: ${how} — ${outcome.message}`)] });
      return this.kick();
    }
    const queue: QueueItem[] = [];
    // A rerun that is part of a bulk request is told once, with the others (noteBulk).
    if (pressed) queue.push(this.noteItem(card, `:arrows_counterclockwise: <@${userId}> pressed ${pressed}: ${outcome.message}`));
    else if (op.params.bulkOf === undefined) queue.push(this.noteItem(card, `:arrows_counterclockwise: <@${userId}> started a ${op.action}: ${outcome.message}`));
    await this.store.write({ at: now, actions: [{ cardId, at: now, userId, action: op.action, runId: outcome.runId ?? null, detail: outcome.message }], queue });
    this.kick();
  }

  /**
   * A backfill started from a card has ended on every date: its outcome per date in the card's
   * thread (a Rerun button per date that did not succeed) and on the card. False: it was not
   * started from a card (or the card is gone).
   */
  async reportBackfill(op: OperationRecord, outcome: BackfillOutcome): Promise<boolean> {
    const cardId = op.params.cardId == null ? undefined : Number(op.params.cardId);
    const card = cardId === undefined ? undefined : await this.store.card(cardId);
    if (!card) return false;
    const now = this.d.now();
    const payload = buildBackfillReport(outcome, { links: this.links, cardId: card.id, requestedBy: op.requestedBy });
    const note: QueueItem = { channel: card.channel, kind: 'thread', threadCardId: card.id, payload, at: now, priority: 0 };
    const detail = `Backfill ${outcome.from} → ${outcome.to} (job ${outcome.jobId}) ended: ${backfillTally(outcome)}`;
    await this.store.write({
      at: now,
      actions: [{ cardId: card.id, at: now, userId: op.requestedBy, action: 'backfill_outcome', runId: null, detail }],
      queue: [note, ...this.redraw(card, 0)],
    });
    this.kick();
    return true;
  }

  /**
   * The messages that redraw a card (rendered when sent): its update, and its digest's when it
   * closed. Both only once the card is released: one not released yet is posted with its state as
   * of sending. `priority`: 0 someone is waiting (a click, the card closing), 2 a background refresh
   * that yields to new cards.
   */
  private redraw(card: AlertCard, priority: OutboxPriority): QueueItem[] {
    const at = this.d.now();
    const items: QueueItem[] = [{ channel: card.channel, kind: 'update', cardId: card.id, at, priority, ifReleased: card.id }];
    if (card.digestId !== null && card.status === 'resolved') items.push({ channel: card.channel, kind: 'update', digestId: card.digestId, at, priority: 2, ifReleased: card.id });
    return items;
  }

  /** The current content of a card's or a digest's own message. */
  private async render(item: OutboxEntry): Promise<{ text: string; blocks: unknown[] } | undefined> {
    if (item.cardId !== null) {
      const drawn = await this.store.cardWithMute(item.cardId, this.d.now());
      if (!drawn) return undefined;
      const { card } = drawn;
      if (isBaselineCard(card)) {
        const view = await this.store.getState(baselineCardKey(card.groupKey));
        return buildBaselineCard(card, view ? (JSON.parse(view) as BaselineView) : undefined, this.cardContext());
      }
      const ownerId = await this.owners.userOf(card.owner);
      return buildTriageCard(card, {
        ...this.cardContext(),
        mute: drawn.mute,
        lastOutcome: drawn.lastOutcome,
        mention: (o) => (ownerId ? `<@${ownerId}>` : this.router.mention(o)),
        cc: this.router.routeMentions({ folder: card.folder, task: card.taskName, owner: card.owner, taskType: card.taskType }),
      });
    }
    if (item.digestId !== null) return buildDigest(item.digestId, await this.store.cardsOfDigest(item.digestId));
    return undefined;
  }

  /** Digests opened by the poll under way, by channel. */
  private readonly pollDigests = new Map<string, number>();

  private get stormThreshold(): number {
    return this.d.config.stormThreshold ?? 10;
  }

  private async unqueuedByChannel(): Promise<Map<string, AlertCard[]>> {
    const by = new Map<string, AlertCard[]>();
    for (const c of await this.store.unqueuedCards()) {
      const list = by.get(c.channel);
      if (list) list.push(c);
      else by.set(c.channel, [c]);
    }
    return by;
  }

  /** A storm in a channel (more new groups than the threshold): its digest goes out first, at once. */
  private async openDigest(channel: string, cards: AlertCard[]): Promise<number> {
    const digest = await this.store.openDigest(
      channel,
      cards.map((c) => c.id),
      this.d.now(),
    );
    this.pollDigests.set(channel, digest.id);
    return digest.id;
  }

  /** Called by the watcher once the poll's failures have cards (before the blocked runs are traced). */
  private async openDigests(): Promise<void> {
    for (const [channel, cards] of await this.unqueuedByChannel()) {
      if (this.pollDigests.has(channel)) continue;
      // Cards a digest took before a restart stay with it; the new ones join them there.
      const earlier = cards.find((c) => c.digestId !== null)?.digestId;
      if (earlier != null) this.pollDigests.set(channel, earlier);
      else if (cards.length > this.stormThreshold) await this.openDigest(channel, cards);
    }
    this.kick();
  }

  /**
   * At the end of a poll: queue the new cards, most downstream impact first — in the digest's
   * thread when the channel has a storm, else in the channel. Cards a crash left unqueued go too.
   * One store call per channel.
   */
  private async releaseNew(): Promise<void> {
    const now = this.d.now();
    for (const [channel, cards] of await this.unqueuedByChannel()) {
      // A digest opened for these cards before a restart keeps them (it may already be in the channel).
      const earlier = cards.find((c) => c.digestId !== null)?.digestId ?? undefined;
      const digestId = this.pollDigests.get(channel) ?? earlier ?? (cards.length > this.stormThreshold ? await this.openDigest(channel, cards) : undefined);
      const impact = (c: AlertCard) => c.blocked.length * 1000 + c.count;
      const ordered = [...cards].sort((a, b) => impact(b) - impact(a) || a.failedAt - b.failedAt);
      const queue: QueueItem[] = ordered.map((c) => ({ channel, kind: 'post', cardId: c.id, at: now, priority: 1 }));
      // The digest as of the end of the poll (blocked runs traced): one update at most.
      if (digestId !== undefined) queue.push({ channel, kind: 'update', digestId, at: now, priority: 1 });
      await this.store.write({
        at: now,
        update: digestId === undefined ? [] : ordered.filter((c) => c.digestId !== digestId).map((c) => ({ id: c.id, patch: { digestId } })),
        queue,
      });
    }
    this.pollDigests.clear();
    this.kick();
  }

  /** A bulk rerun's per-run results, once, where it was asked from (the digest's or the card's thread). */
  private async noteBulk(op: { params: Record<string, unknown> }, outcome: { status: string; message: string }, userId: string): Promise<void> {
    const results = ((outcome as { op?: { result?: { results?: { runId: number; task: string; status: string; message: string }[] } } }).op?.result?.results ?? []).slice(0, 40);
    const lines = results.map(
      (r) =>
        `${r.status === 'succeeded' ? ':white_check_mark:' : ':x:'} \`${esc(r.task)}\` run ${r.runId}${r.status === 'succeeded' ? '' : ` — ${esc(redactedExcerpt(r.message, 120))}`}`,
    );
    const text = `:arrows_counterclockwise: <@${userId}> reran ${esc(String(op.params.label))}: ${esc(outcome.message)}${lines.length ? `\n${lines.join('\n')}` : ''}`;
    const digestId = op.params.digestId == null ? undefined : Number(op.params.digestId);
    const cardId = op.params.cardId == null ? undefined : Number(op.params.cardId);
    const card = cardId !== undefined ? await this.store.card(cardId) : digestId !== undefined ? (await this.store.cardsOfDigest(digestId))[0] : undefined;
    if (!card) return;
    // On a card of its own: its thread; for a digest: the digest's thread (which any of its cards leads to).
    await this.postInThread(card, buildThreadNote(text));
  }

  /** A note in the card's thread, as the message to queue. */
  private noteItem(card: AlertCard, text: string, priority: OutboxPriority = 0): QueueItem {
    // A card in a digest's thread shares it with the other groups: the note names its task.
    const payload = buildThreadNote(card.digestId !== null ? `*${esc(card.taskName)}* · ${text}` : text);
    return { channel: card.channel, kind: 'thread', threadCardId: card.id, payload, at: this.d.now(), priority };
  }

  /** Any message in the card's thread (logs, diagnosis, notes), through the outbox. */
  async postInThread(card: AlertCard, payload: { text: string; blocks: unknown[] }, priority: OutboxPriority = 0): Promise<void> {
    await this.store.enqueueAll([{ channel: card.channel, kind: 'thread', threadCardId: card.id, payload, at: this.d.now(), priority }]);
    this.kick();
  }

  /** A reply in the thread of any message (alerts from other tools). */
  async reply(channel: string, threadTs: string, payload: { text: string; blocks: unknown[] }): Promise<void> {
    await this.store.enqueueAll([{ channel, kind: 'thread', payload: { ...payload, thread_ts: threadTs } as never, at: this.d.now() }]);
    this.kick();
  }

  private kick(): void {
    // Only the lease holder sends; a click answered on another replica is queued and sent by it.
    if (this.d.isLeader && !this.d.isLeader()) return;
    this.sender.drain().catch((e: unknown) => this.d.logger.warn({ err: (e as Error).message }, 'alert sender'));
  }

  /** Resolves when everything queued so far has been sent (or given up). */
  async flush(): Promise<void> {
    // Until empty, or until nothing more can be sent now (entries waiting for a poll to release their card).
    let before = Number.POSITIVE_INFINITY;
    for (;;) {
      await this.sender.drain(); // joins a drain under way
      const left = await this.store.pendingCount();
      if (left === 0 || left >= before) return;
      before = left;
    }
  }

  async poll(): Promise<PollStats> {
    this.polling ??= (async () => {
      const started = performance.now();
      let ok = false;
      try {
        let stats: PollStats;
        try {
          try {
            stats = await this.watcher.poll();
          } catch (e) {
            await this.heartbeat.failed(e).catch((err: unknown) => this.d.logger.warn({ err: (err as Error).message }, 'heartbeat not recorded'));
            throw e;
          }
          await this.heartbeat.succeeded().catch((err: unknown) => this.d.logger.warn({ err: (err as Error).message }, 'heartbeat not recorded'));
          await this.pollStreams();
          await this.pollDynamicTables();
          await this.checkOutputs();
          await this.pollBaselines();
        } finally {
          await this.releaseNew(); // whatever the poll recorded is posted, even if it stopped half-way
        }
        await this.maybeWeeklyReport();
        ok = true;
        return stats;
      } finally {
        this.polling = undefined;
        this.d.onPoll?.((performance.now() - started) / 1000, ok);
      }
    })();
    return this.polling;
  }

  /** Streams' state, lag and tables: a failure here never stops the task alerts. */
  private async pollStreams(): Promise<void> {
    if (!this.router.enabled) return;
    try {
      this.lastStreamPoll = await this.streamWatcher.poll();
    } catch (e) {
      this.lastStreamPoll = { error: (e as Error).message };
      this.d.logger.warn({ err: (e as Error).message }, 'streams not read this poll');
    }
  }

  /** The Dynamic Tables' refresh failures: one SQL statement; a failure here never stops the task alerts. */
  private async pollDynamicTables(): Promise<void> {
    if (!this.dtWatcher || !this.router.enabled) return;
    try {
      this.lastDtPoll = await this.dtWatcher.poll();
    } catch (e) {
      this.lastDtPoll = { error: (e as Error).message };
      this.d.logger.warn({ err: (e as Error).message }, 'Dynamic Table refresh history not read this poll');
    }
  }

  /** Successful runs' outputs counted; like the Dynamic Tables, a failure here never stops the task alerts. */
  private async checkOutputs(): Promise<void> {
    if (!this.outputChecker || !this.router.enabled) return;
    try {
      this.lastOutputCheck = await this.outputChecker.poll();
    } catch (e) {
      this.lastOutputCheck = { error: (e as Error).message };
      this.d.logger.warn({ err: (e as Error).message }, 'output row counts not checked this poll');
    }
  }

  /** Baselines' predictions and cards; like the others, a failure here never stops the task alerts. */
  private async pollBaselines(): Promise<void> {
    if (!this.router.enabled) return;
    try {
      this.lastBaselinePoll = await this.baselineWatcher.poll();
    } catch (e) {
      this.lastBaselinePoll = { error: (e as Error).message };
      this.d.logger.warn({ err: (e as Error).message }, 'baselines not predicted this poll');
    }
  }

  /** The baselines in force: the policy file's, and those added from Slack (which win for the same task). */
  async baselines(): Promise<Baseline[]> {
    const added = await this.store.addedBaselines();
    const tasks = new Set(added.map((b) => b.task));
    return [...this.d.policy.baselines().filter((b) => !tasks.has(b.task)), ...added];
  }

  /** A baseline added (or changed: `replaced`) from Slack; kept with the alert state, in one store call (see AlertStore.putBaseline). */
  async addBaseline(b: Baseline): Promise<{ replaced: boolean }> {
    return this.store.putBaseline(b);
  }

  /** Acknowledges the card, unless someone has already (then the card as it is). */
  async acknowledge(cardId: number, userId: string): Promise<AlertCard | undefined> {
    const card = await this.store.card(cardId);
    if (!card || card.ackBy) return card;
    const now = this.d.now();
    const updated: AlertCard = { ...card, ackBy: userId, ackAt: now };
    const written = await this.store.write({
      at: now,
      update: [{ id: cardId, expect: { ackBy: null }, patch: { ackBy: userId, ackAt: now } }],
      actions: [{ cardId, at: now, userId, action: 'acknowledge', runId: null, detail: null }],
      queue: [...this.redraw(updated, 0), this.noteItem(updated, `:eyes: <@${userId}> is looking at it.`)],
    });
    if (!written.applied) return this.store.card(cardId); // another click acknowledged it first
    this.kick();
    return updated;
  }

  /**
   * Takes over (`to` = the user) or releases (`to` = null) an acknowledged card, only if `expected`
   * still has it: a click on a card drawn before someone else's change changes nothing.
   */
  async reassign(cardId: number, userId: string, expected: string, to: string | null): Promise<{ ok: true; card: AlertCard } | { ok: false; card: AlertCard | undefined }> {
    const card = await this.store.card(cardId);
    if (card?.status !== 'open' || card.ackBy !== expected || card.ackBy === to) return { ok: false, card };
    const now = this.d.now();
    const updated: AlertCard = { ...card, ackBy: to, ackAt: to ? now : null };
    const written = await this.store.write({
      at: now,
      update: [{ id: cardId, expect: { status: 'open', ackBy: expected }, patch: { ackBy: to, ackAt: to ? now : null } }],
      actions: [{ cardId, at: now, userId, action: to ? 'take_over' : 'release', runId: null, detail: `from ${expected}` }],
      queue: [
        ...this.redraw(updated, 0),
        this.noteItem(
          updated,
          to
            ? `:eyes: <@${userId}> took it over from <@${expected}>.`
            : `:leftwards_arrow_with_hook: <@${userId}> released it${userId === expected ? '' : ` (it was <@${expected}>'s)`}: nobody is looking at it now.`,
        ),
      ],
    });
    if (!written.applied) return { ok: false, card: await this.store.card(cardId) };
    this.kick();
    return { ok: true, card: updated };
  }

  /** Mutes the card's task; every open card of the task is redrawn (a mute is the task's, whichever card set it). */
  async mute(cardId: number, userId: string, hours: number): Promise<AlertCard | undefined> {
    const card = await this.store.card(cardId);
    if (!card) return undefined;
    const now = this.d.now();
    const ofTask = (await this.store.openCards()).filter((c) => c.taskId === card.taskId);
    await this.store.write({
      at: now,
      mute: { taskId: card.taskId, until: now + hours * 3_600_000, by: userId },
      actions: [{ cardId, at: now, userId, action: 'mute', runId: null, detail: `${hours} h` }],
      queue: [
        ...ofTask.flatMap((c) => this.redraw(c, 0)),
        this.noteItem(card, `:mute: <@${userId}> muted \`${card.taskName}\` for ${hours} h: new failures are recorded but not posted.`),
      ],
    });
    this.kick();
    return card;
  }

  /** Ends the task's mute; false when it was not muted (a second click, or the mute ran out). */
  async unmute(cardId: number, userId: string): Promise<boolean> {
    const card = await this.store.card(cardId);
    if (!card) return false;
    const now = this.d.now();
    const ofTask = (await this.store.openCards()).filter((c) => c.taskId === card.taskId);
    const written = await this.store.write({
      at: now,
      unmute: { taskId: card.taskId },
      actions: [{ cardId, at: now, userId, action: 'unmute', runId: null, detail: null }],
      queue: [...ofTask.flatMap((c) => this.redraw(c, 0)), this.noteItem(card, `:loud_sound: <@${userId}> unmuted \`${card.taskName}\`: new failures are posted again.`)],
    });
    if (!written.applied) return false;
    this.kick();
    return true;
  }

  async report(channel: string | undefined, from: number, to: number): Promise<AlertReport> {
    return computeReport(await this.store.cards({ channel }), from, to);
  }

  /** Once a week (Monday 09:00 UTC) each alert channel gets last week's report. */
  async maybeWeeklyReport(): Promise<void> {
    const now = this.d.now();
    const start = weekStart(now);
    if (now < start) return;
    for (const channel of this.router.channels) {
      const key = `weekly:${channel}`;
      const last = Number((await this.store.getState(key)) ?? 0);
      if (last >= start) continue;
      // The first week: nothing to report yet.
      const queue: QueueItem[] = last === 0 ? [] : [{ channel, kind: 'post', payload: buildReport(await this.report(channel, start - WEEK, start), channel), at: now }];
      await this.store.write({ at: now, state: [{ key, value: String(start) }], queue });
    }
    this.kick();
  }

  /**
   * This process now does the alert work (it took the lease, or runs alone): the outbox is
   * resumed (see OutboxSender.resume), the queue is watched for messages queued by other replicas,
   * and with `poll` Studio is polled.
   */
  async activate(poll: boolean): Promise<void> {
    await this.sender.resume().catch((e: unknown) => this.d.logger.warn({ err: (e as Error).message }, 'alert outbox not resumed'));
    this.outboxTimer ??= setInterval(() => {
      this.store.pendingCount().then(
        (n) => n > 0 && this.kick(),
        (e: unknown) => this.d.logger.warn({ err: (e as Error).message }, 'alert outbox not read'),
      );
    }, 1000);
    this.outboxTimer.unref();
    if (poll) this.start();
    else this.kick();
  }

  start(): void {
    if (!this.enabled || this.pollTimer) return;
    const tick = () =>
      // Polled by the lease holder only (the timer runs there; this also covers a lease just lost).
      (!this.d.isLeader || this.d.isLeader()) &&
      void this.poll().then(
        (s) => s.fresh && this.d.logger.info(s, 'alert poll'),
        (e: unknown) => this.d.logger.warn({ err: (e as Error).message }, 'alert poll failed'),
      );
    tick();
    this.pollTimer = setInterval(tick, this.d.config.pollSeconds * 1000);
    this.pollTimer.unref();
    this.kick(); // anything left in the outbox by a previous run
  }

  /** Another replica does the alert work now, or this one stops: polling and sending stop after the message in flight. */
  async stop(): Promise<void> {
    if (this.outboxTimer) clearInterval(this.outboxTimer);
    this.outboxTimer = undefined;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    await this.polling?.catch(() => undefined);
    await this.sender.stop();
  }
}
