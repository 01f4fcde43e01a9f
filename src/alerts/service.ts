/**
 * Alert-channel triage, composed: routing, the watcher, the outbox sender, card actions
 * (acknowledge, mute, rerun/backfill from the card), the weekly report.
 */
import { buildReport, buildThreadNote, buildTriageCard } from '../blocks/triage.js';
import type { LinkBuilder } from '../blocks/replies.js';
import type { AlertConfig } from '../config.js';
import type { Diagnoser } from '../knowledge/diagnose.js';
import type { Logger } from '../logger.js';
import type { OperationsService } from '../ops/operations.js';
import type { Policy } from '../ops/policy.js';
import { type AlertCard, AlertStore } from '../store/alerts.js';
import type { Db } from '../store/database.js';
import type { StudioClient } from '../studio/client.js';
import { type AlertReport, computeReport, weekStart } from './report.js';
import { AlertRouter, parseAlertChannels } from './routing.js';
import { OutboxSender, type SlackPoster } from './sender.js';
import { AlertWatcher, type PollStats } from './watcher.js';

export interface AlertDeps {
  db: Db;
  studio: StudioClient;
  diagnoser: Diagnoser;
  policy: Policy;
  operations: OperationsService;
  config: AlertConfig;
  poster: SlackPoster;
  logger: Logger;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  minSendIntervalMs?: number;
}

const WEEK = 7 * 86_400_000;

export class AlertService {
  readonly store: AlertStore;
  readonly router: AlertRouter;
  readonly watcher: AlertWatcher;
  readonly sender: OutboxSender;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling: Promise<PollStats> | undefined;
  private readonly links: LinkBuilder;

  constructor(private readonly d: AlertDeps) {
    this.store = new AlertStore(d.db);
    this.router = new AlertRouter(d.policy, parseAlertChannels(d.config.channels));
    this.links = d.studio;
    this.watcher = new AlertWatcher(d.studio, this.store, this.router, d.diagnoser, {
      groupWindowMs: d.config.groupWindowHours * 3_600_000,
      lookbackMs: d.config.lookbackHours * 3_600_000,
      now: d.now,
      publish: (card, change) => this.publish(card, change === 'new' ? 'post' : 'update'),
      note: (card, text) => this.note(card, text),
    });
    this.sender = new OutboxSender(this.store, d.poster, {
      now: d.now,
      sleep: d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      minIntervalMs: d.minSendIntervalMs,
      onError: (item, e) => d.logger.warn({ channel: item.channel, kind: item.kind, err: (e as Error).message }, 'alert message not sent yet'),
    });
    // Reruns and backfills started from a card are recorded on it and told in its thread.
    d.operations.onOutcome((op, outcome, actor) => {
      const cardId = op.params.cardId === undefined ? undefined : Number(op.params.cardId);
      if (cardId === undefined || outcome.status !== 'succeeded') return;
      const card = this.store.card(cardId);
      if (!card) return;
      this.store.addAction({ cardId, at: d.now(), userId: actor.userId, action: op.action, runId: outcome.runId ?? null, detail: outcome.message });
      this.note(card, `:arrows_counterclockwise: <@${actor.userId}> started a ${op.action}: ${outcome.message}`);
    });
  }

  get enabled(): boolean {
    return this.router.enabled;
  }

  cardContext() {
    return { links: this.links, mention: (o: string | null) => this.router.mention(o) };
  }

  /** Queue the card's current content. */
  publish(card: AlertCard, kind: 'post' | 'update'): void {
    const m = buildTriageCard(card, { ...this.cardContext(), mute: this.store.muteOf(card.taskId, this.d.now()) });
    this.store.enqueue({ channel: card.channel, kind, cardId: card.id, payload: m, at: this.d.now() });
    this.kick();
  }

  /** Redraw every open card of a task (a mute is the task's, whichever card set it). */
  private publishTask(taskId: number): void {
    for (const c of this.store.openCards()) if (c.taskId === taskId) this.publish(c, 'update');
  }

  note(card: AlertCard, text: string): void {
    this.postInThread(card, buildThreadNote(text));
  }

  /** Any message in the card's thread (logs, diagnosis, notes), through the outbox. */
  postInThread(card: AlertCard, payload: { text: string; blocks: unknown[] }): void {
    this.store.enqueue({ channel: card.channel, kind: 'thread', threadCardId: card.id, payload, at: this.d.now() });
    this.kick();
  }

  /** A reply in the thread of any message (alerts from other tools). */
  reply(channel: string, threadTs: string, payload: { text: string; blocks: unknown[] }): void {
    this.store.enqueue({ channel, kind: 'thread', payload: { ...payload, thread_ts: threadTs } as never, at: this.d.now() });
    this.kick();
  }

  private kick(): void {
    void this.sender.drain().catch((e: unknown) => this.d.logger.warn({ err: (e as Error).message }, 'alert sender'));
  }

  /** Resolves when everything queued so far has been sent (or given up). */
  async flush(): Promise<void> {
    do await this.sender.drain();
    while (this.store.nextPerChannel().length > 0);
  }

  async poll(): Promise<PollStats> {
    this.polling ??= (async () => {
      try {
        const stats = await this.watcher.poll();
        this.maybeWeeklyReport();
        return stats;
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  acknowledge(cardId: number, userId: string): AlertCard | undefined {
    const card = this.store.card(cardId);
    if (!card || card.ackBy) return card;
    const updated = this.store.updateCard(cardId, { ackBy: userId, ackAt: this.d.now() });
    this.store.addAction({ cardId, at: this.d.now(), userId, action: 'acknowledge', runId: null, detail: null });
    this.publish(updated, 'update');
    this.note(updated, `:eyes: <@${userId}> is looking at it.`);
    return updated;
  }

  /**
   * Takes over (`to` = the user) or releases (`to` = null) an acknowledged card, only if `expected`
   * still has it: a click on a card drawn before someone else's change changes nothing.
   */
  reassign(cardId: number, userId: string, expected: string, to: string | null): { ok: true; card: AlertCard } | { ok: false; card: AlertCard | undefined } {
    const card = this.store.card(cardId);
    if (!card || card.status !== 'open' || card.ackBy !== expected || card.ackBy === to) return { ok: false, card };
    const now = this.d.now();
    const updated = this.store.updateCard(cardId, { ackBy: to, ackAt: to ? now : null });
    this.store.addAction({ cardId, at: now, userId, action: to ? 'take_over' : 'release', runId: null, detail: `from ${expected}` });
    this.publish(updated, 'update');
    this.note(
      updated,
      to
        ? `:eyes: <@${userId}> took it over from <@${expected}>.`
        : `:leftwards_arrow_with_hook: <@${userId}> released it${userId === expected ? '' : ` (it was <@${expected}>'s)`}: nobody is looking at it now.`,
    );
    return { ok: true, card: updated };
  }

  mute(cardId: number, userId: string, hours: number): AlertCard | undefined {
    const card = this.store.card(cardId);
    if (!card) return undefined;
    const until = this.d.now() + hours * 3_600_000;
    this.store.mute(card.taskId, until, userId);
    this.store.addAction({ cardId, at: this.d.now(), userId, action: 'mute', runId: null, detail: `${hours} h` });
    this.publishTask(card.taskId);
    this.note(card, `:mute: <@${userId}> muted \`${card.taskName}\` for ${hours} h: new failures are recorded but not posted.`);
    return card;
  }

  /** Ends the task's mute; false when it was not muted (a second click, or the mute ran out). */
  unmute(cardId: number, userId: string): boolean {
    const card = this.store.card(cardId);
    if (!card || !this.store.unmute(card.taskId, this.d.now())) return false;
    this.store.addAction({ cardId, at: this.d.now(), userId, action: 'unmute', runId: null, detail: null });
    this.publishTask(card.taskId);
    this.note(card, `:loud_sound: <@${userId}> unmuted \`${card.taskName}\`: new failures are posted again.`);
    return true;
  }

  report(channel: string | undefined, from: number, to: number): AlertReport {
    return computeReport(this.store.cards({ channel }), from, to);
  }

  /** Once a week (Monday 09:00 UTC) each alert channel gets last week's report. */
  maybeWeeklyReport(): void {
    const now = this.d.now();
    const start = weekStart(now);
    if (now < start) return;
    for (const channel of this.router.channels) {
      const key = `weekly:${channel}`;
      const last = Number(this.store.getState(key) ?? 0);
      if (last >= start) continue;
      this.store.setState(key, String(start));
      if (last === 0) continue; // the first week: nothing to report yet
      const r = this.report(channel, start - WEEK, start);
      this.store.enqueue({ channel, kind: 'post', payload: buildReport(r, channel), at: now });
    }
    this.kick();
  }

  start(): void {
    if (!this.enabled || this.pollTimer) return;
    const tick = () =>
      void this.poll().then(
        (s) => s.fresh && this.d.logger.info(s, 'alert poll'),
        (e: unknown) => this.d.logger.warn({ err: (e as Error).message }, 'alert poll failed'),
      );
    tick();
    this.pollTimer = setInterval(tick, this.d.config.pollSeconds * 1000);
    this.pollTimer.unref();
    this.kick(); // anything left in the outbox by a previous run
  }

  async stop(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    await this.polling?.catch(() => undefined);
    await this.sender.stop();
  }
}
