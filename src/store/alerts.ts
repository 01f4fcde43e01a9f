/**
 * Alert state: one card per (task, cause) while it keeps failing, the failures already seen (so a
 * restart neither re-alerts nor misses), mutes, the actions taken from each card, and the outbox of
 * Slack messages still to send (so nothing is dropped, even across a restart).
 */
import type { Baseline } from '../baselines/model.js';
import {
  NEW_CARD_FIELDS,
  type AlertCard,
  type CardAction,
  type OutboxKind,
  type OutboxPriority,
  type OutboxEntry,
  type OutboxItem,
  type Digest,
  type RunEnd,
  type NewCard,
  type CardPatch,
  type QueueItem,
  type AlertWrite,
  type AlertWriteResult,
  type SendingPlan,
} from './alert-shapes.js';
import { inLists, marks, rowBatches, rowMarks } from './bulk.js';
import type { Db } from './database.js';
import type { Statement } from './sql.js';

export * from './alert-shapes.js';

const OUTBOX_COLUMNS = 'id, channel, kind, card_id, thread_card_id, digest_id, priority, created_at, attempts';

interface OutboxRow {
  id: number;
  channel: string;
  kind: OutboxKind;
  card_id: number | null;
  thread_card_id: number | null;
  digest_id: number | null;
  priority: OutboxPriority;
  created_at: number;
  attempts: number;
  payload?: string;
}

function toEntry(r: OutboxRow): OutboxEntry {
  return {
    id: r.id,
    channel: r.channel,
    kind: r.kind,
    cardId: r.card_id,
    threadCardId: r.thread_card_id,
    digestId: r.digest_id,
    priority: r.priority,
    createdAt: r.created_at,
    attempts: r.attempts,
  };
}

function toItem(r: OutboxRow & { payload: string }): OutboxItem {
  return { ...toEntry(r), payload: JSON.parse(r.payload) };
}

const cardValue = (field: keyof AlertCard, v: unknown): unknown => (field === 'blocked' ? JSON.stringify(v) : (v ?? null));

/**
 * Each card field's column, and whether it is held as text or as an integer (a bulk update names
 * each value's type, as PostgreSQL needs): a field added to the card must say both.
 */
const CARD_FIELDS: Record<keyof AlertCard, readonly [column: string, type: 'text' | 'int']> = {
  id: ['id', 'int'],
  channel: ['channel', 'text'],
  ts: ['ts', 'text'],
  groupKey: ['group_key', 'text'],
  taskId: ['task_id', 'int'],
  taskName: ['task_name', 'text'],
  folder: ['folder', 'text'],
  taskType: ['task_type', 'text'],
  owner: ['owner', 'text'],
  causeId: ['cause_id', 'text'],
  causeTitle: ['cause_title', 'text'],
  causeFix: ['cause_fix', 'text'],
  failMsg: ['fail_msg', 'text'],
  firstRunId: ['first_run_id', 'int'],
  latestRunId: ['latest_run_id', 'int'],
  bizDate: ['biz_date', 'text'],
  attempts: ['attempts', 'int'],
  count: ['count', 'int'],
  failedAt: ['failed_at', 'int'],
  lastFailedAt: ['last_failed_at', 'int'],
  firstSeen: ['first_seen', 'int'],
  lastSeen: ['last_seen', 'int'],
  blocked: ['blocked', 'text'],
  digestId: ['digest_id', 'int'],
  rootFixedAt: ['root_fixed_at', 'int'],
  rootFixRunId: ['root_fix_run_id', 'int'],
  rootFixedBy: ['root_fixed_by', 'text'],
  rootFixedHow: ['root_fixed_how', 'text'],
  status: ['status', 'text'],
  ackBy: ['ack_by', 'text'],
  ackAt: ['ack_at', 'int'],
  resolvedBy: ['resolved_by', 'text'],
  resolvedHow: ['resolved_how', 'text'],
  resolvedAt: ['resolved_at', 'int'],
  resolvedRunId: ['resolved_run_id', 'int'],
  subject: ['subject', 'text'],
  latestJob: ['latest_job', 'text'],
};
const CARD_COLUMNS = Object.fromEntries(Object.entries(CARD_FIELDS).map(([k, [column]]) => [k, column])) as Record<keyof AlertCard, string>;
const TEXT_FIELDS = new Set(Object.entries(CARD_FIELDS).flatMap(([k, [, type]]) => (type === 'text' ? [k as keyof AlertCard] : [])));

function toCard(r: Record<string, unknown>): AlertCard {
  const c = {} as Record<string, unknown>;
  for (const [k, col] of Object.entries(CARD_COLUMNS)) c[k] = r[col];
  c.blocked = JSON.parse(String(r.blocked ?? '[]'));
  return c as unknown as AlertCard;
}

/** Where the baselines added from Slack are kept (one list, in the alert state). */
export const ADDED_BASELINES_KEY = 'bl:added';

export class AlertStore {
  /** Prepared statements by SQL text: preparing one costs more than running it (a storm runs thousands). */
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  private sql(text: string): Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  getState(key: string): string | undefined {
    return (this.sql('SELECT value FROM alert_state WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setState(key: string, value: string): void {
    this.sql('INSERT INTO alert_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** The baselines added from Slack (the policy file's are not here), in the order they were first added. */
  addedBaselines(): Baseline[] {
    return JSON.parse(this.getState(ADDED_BASELINES_KEY) ?? '[]') as Baseline[];
  }

  /**
   * Adds a baseline, or replaces the one of the same task (in place), in one transaction under the
   * alert work's lock: two people adding or changing baselines at once both land, on either engine
   * and from any replica (a read here and a write in a later call would lose one of them).
   */
  putBaseline(baseline: Baseline): { replaced: boolean } {
    return this.db.transaction(() => {
      const list = this.addedBaselines();
      const at = list.findIndex((b) => b.task === baseline.task);
      if (at >= 0) list[at] = baseline;
      else list.push(baseline);
      this.setState(ADDED_BASELINES_KEY, JSON.stringify(list));
      return { replaced: at >= 0 };
    }, 'alerts')();
  }

  // ---- failures seen -----------------------------------------------------------------------
  seen(runId: number, endTime: number): boolean {
    return this.sql('SELECT 1 FROM alert_seen WHERE run_id = ? AND end_time = ?').get(runId, endTime) !== undefined;
  }

  markSeen(runId: number, endTime: number, cardId: number | null, at: number): void {
    this.sql('INSERT INTO alert_seen(run_id, end_time, card_id, seen_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(runId, endTime, cardId, at);
  }

  cardOfRun(runId: number): AlertCard | undefined {
    const r = this.sql('SELECT c.* FROM alert_seen s JOIN alert_cards c ON c.id = s.card_id WHERE s.run_id = ? ORDER BY s.seen_at DESC LIMIT 1').get(runId) as
      | Record<string, unknown>
      | undefined;
    return r ? toCard(r) : undefined;
  }

  /** Something already checked that is not a task failure ('dt:<job id>', 'out:<run id>'). */
  checked(key: string): boolean {
    return this.sql('SELECT 1 FROM alert_checked WHERE key = ?').get(key) !== undefined;
  }

  markChecked(key: string, cardId: number | null, at: number): void {
    this.sql('INSERT INTO alert_checked(key, card_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(key, cardId, at);
  }

  // ---- cards -------------------------------------------------------------------------------
  insertCard(c: NewCard): AlertCard {
    const r = this.db
      .prepare(
        `INSERT INTO alert_cards (channel, group_key, task_id, task_name, folder, task_type, owner, cause_id, cause_title, cause_fix, fail_msg, first_run_id, latest_run_id, biz_date, attempts, count, failed_at, last_failed_at, first_seen, last_seen, blocked, subject, latest_job)
         VALUES (@channel, @groupKey, @taskId, @taskName, @folder, @taskType, @owner, @causeId, @causeTitle, @causeFix, @failMsg, @firstRunId, @latestRunId, @bizDate, @attempts, @count, @failedAt, @lastFailedAt, @firstSeen, @lastSeen, @blocked, @subject, @latestJob) RETURNING id`,
      )
      .get({ subject: null, latestJob: null, ...c, blocked: JSON.stringify(c.blocked) }) as { id: number };
    return this.card(Number(r.id))!;
  }

  card(id: number): AlertCard | undefined {
    const r = this.sql('SELECT * FROM alert_cards WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r ? toCard(r) : undefined;
  }

  updateCard(id: number, patch: Partial<Omit<AlertCard, 'id'>>): AlertCard {
    const sets: string[] = [];
    const args: Record<string, unknown> = { id };
    for (const [k, v] of Object.entries(patch)) {
      const col = CARD_COLUMNS[k as keyof AlertCard];
      sets.push(`${col} = @${k}`);
      args[k] = k === 'blocked' ? JSON.stringify(v) : v;
    }
    if (sets.length) this.sql(`UPDATE alert_cards SET ${sets.join(', ')} WHERE id = @id`).run(args);
    return this.card(id)!;
  }

  /** The open card of a group seen since `since`. */
  openCardOfGroup(groupKey: string, since: number): AlertCard | undefined {
    const r = this.sql("SELECT * FROM alert_cards WHERE group_key = ? AND status = 'open' AND last_seen >= ? ORDER BY id DESC LIMIT 1").get(groupKey, since) as
      | Record<string, unknown>
      | undefined;
    return r ? toCard(r) : undefined;
  }

  /** The open cards whose subject starts with `prefix` (a watcher's own cards). */
  openCardsWithSubject(prefix: string): AlertCard[] {
    return (this.sql("SELECT * FROM alert_cards WHERE status = 'open' AND substr(subject, 1, ?) = ? ORDER BY id").all(prefix.length, prefix) as Record<string, unknown>[]).map(
      toCard,
    );
  }

  openCards(): AlertCard[] {
    return (this.sql("SELECT * FROM alert_cards WHERE status = 'open' ORDER BY id").all() as Record<string, unknown>[]).map(toCard);
  }

  cards(filter: { channel?: string; since?: number } = {}): AlertCard[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.channel) {
      where.push('channel = ?');
      args.push(filter.channel);
    }
    if (filter.since !== undefined) {
      where.push('first_seen >= ?');
      args.push(filter.since);
    }
    return (this.sql(`SELECT * FROM alert_cards ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`).all(...args) as Record<string, unknown>[]).map(toCard);
  }

  // ---- actions and mutes -------------------------------------------------------------------
  addAction(a: CardAction): void {
    this.sql('INSERT INTO alert_card_actions(card_id, at, user_id, action, run_id, detail) VALUES (?, ?, ?, ?, ?, ?)').run(a.cardId, a.at, a.userId, a.action, a.runId, a.detail);
  }

  actions(cardId: number): CardAction[] {
    return this.sql('SELECT card_id AS "cardId", at, user_id AS "userId", action, run_id AS "runId", detail FROM alert_card_actions WHERE card_id = ? ORDER BY id').all(
      cardId,
    ) as CardAction[];
  }

  mute(taskId: number, until: number, by: string): void {
    this.sql('INSERT INTO alert_mutes(task_id, until, by_user) VALUES (?, ?, ?) ON CONFLICT(task_id) DO UPDATE SET until = excluded.until, by_user = excluded.by_user').run(
      taskId,
      until,
      by,
    );
  }

  mutedUntil(taskId: number, now: number): number | undefined {
    return this.muteOf(taskId, now)?.until;
  }

  /** The task's mute in force at `now`: until when, and who set it. */
  muteOf(taskId: number, now: number): { until: number; by: string } | undefined {
    return this.sql('SELECT until, by_user AS "by" FROM alert_mutes WHERE task_id = ? AND until > ?').get(taskId, now) as { until: number; by: string } | undefined;
  }

  /** Ends the task's mute; false when none was in force (a second click). */
  unmute(taskId: number, now: number): boolean {
    return this.sql('DELETE FROM alert_mutes WHERE task_id = ? AND until > ?').run(taskId, now).changes > 0;
  }

  // ---- storm digests ---------------------------------------------------------------------------
  insertDigest(channel: string, at: number): Digest {
    const id = Number((this.sql('INSERT INTO alert_digests(channel, created_at) VALUES (?, ?) RETURNING id').get(channel, at) as { id: number }).id);
    return this.digest(id)!;
  }

  digest(id: number): Digest | undefined {
    return this.sql('SELECT id, channel, ts, created_at AS "createdAt" FROM alert_digests WHERE id = ?').get(id) as Digest | undefined;
  }

  setDigestTs(id: number, ts: string): void {
    this.sql('UPDATE alert_digests SET ts = ? WHERE id = ?').run(ts, id);
  }

  cardsOfDigest(digestId: number): AlertCard[] {
    return (this.sql('SELECT * FROM alert_cards WHERE digest_id = ? ORDER BY id').all(digestId) as Record<string, unknown>[]).map(toCard);
  }

  /** Cards never queued for posting (created by a poll that has not released them, or one a crash cut short). */
  unqueuedCards(): AlertCard[] {
    return (
      this.sql('SELECT c.* FROM alert_cards c WHERE c.ts IS NULL AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.card_id = c.id) ORDER BY c.id').all() as Record<string, unknown>[]
    ).map(toCard);
  }

  // ---- outbox ----------------------------------------------------------------------------------
  /**
   * Queue a message. A card's or a digest's own message (post or update) is rendered when it is
   * sent, so a change while one is queued needs nothing new: at most one pending message per card
   * or digest, which keeps the more urgent of the priorities asked for.
   */
  enqueue(item: Omit<QueueItem, 'ifReleased'>): void {
    this.enqueueAll([item]);
  }

  /** Queue messages, in order, in one transaction: a few statements whatever their number (see enqueue). */
  enqueueAll(items: QueueItem[]): void {
    if (items.length) this.db.transaction(() => this.queue(items), 'alerts')();
  }

  /** Whether the card has ever been queued (its post may be pending, sent or given up). */
  hasOutboxFor(cardId: number): boolean {
    return this.sql('SELECT 1 FROM outbox WHERE card_id = ? LIMIT 1').get(cardId) !== undefined;
  }

  /** Whether the card's or digest's own post or update is still queued. */
  pendingOwn(ref: { cardId?: number; digestId?: number }): boolean {
    return ref.cardId !== undefined
      ? this.sql("SELECT 1 FROM outbox WHERE done IN (0, 3) AND card_id = ? AND kind IN ('post', 'update') LIMIT 1").get(ref.cardId) !== undefined
      : this.sql("SELECT 1 FROM outbox WHERE done IN (0, 3) AND digest_id = ? AND kind IN ('post', 'update') LIMIT 1").get(ref.digestId) !== undefined;
  }

  /** Claim an item for sending (it no longer takes coalesced updates); false when it was not queued (claimed already). */
  markSending(id: number): boolean {
    return this.sql('UPDATE outbox SET done = 3 WHERE id = ? AND done = 0').run(id).changes === 1;
  }

  /** After a crash, items that were being sent are queued again; returns their ids (they may have reached Slack). */
  requeueInterrupted(): number[] {
    const ids = (this.sql('SELECT id FROM outbox WHERE done = 3').all() as { id: number }[]).map((r) => r.id);
    this.sql('UPDATE outbox SET done = 0 WHERE done = 3').run();
    return ids;
  }

  /** Channels with something queued. */
  pendingChannels(): string[] {
    return (this.sql('SELECT DISTINCT channel FROM outbox WHERE done = 0').all() as { channel: string }[]).map((r) => r.channel);
  }

  /** A channel's queue, most urgent first (priority, then age), without contents. */
  pendingIn(channel: string, limit = 50): OutboxEntry[] {
    return (this.sql(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE done = 0 AND channel = ? ORDER BY priority, id LIMIT ?`).all(channel, limit) as OutboxRow[]).map(toEntry);
  }

  item(id: number): OutboxItem | undefined {
    const r = this.sql('SELECT * FROM outbox WHERE id = ?').get(id) as (OutboxRow & { payload: string }) | undefined;
    return r ? toItem(r) : undefined;
  }

  pendingCount(): number {
    return (this.sql('SELECT COUNT(*) n FROM outbox WHERE done = 0').get() as { n: number }).n;
  }

  markSent(id: number): void {
    this.sql('UPDATE outbox SET done = 1 WHERE id = ?').run(id);
  }

  markFailed(id: number, error: string, giveUp: boolean): void {
    this.sql('UPDATE outbox SET attempts = attempts + 1, last_error = ?, done = ? WHERE id = ?').run(error, giveUp ? 2 : 0, id);
  }
  // done: 0 queued, 1 sent, 2 given up, 3 being sent

  // ---- in bulk: what a poll reads and writes, a few statements whatever the number of failures ----

  /** Of these failures, the ones already recorded. */
  seenOf(keys: RunEnd[]): RunEnd[] {
    const wanted = new Set(keys.map((k) => `${k.runId}:${k.endTime}`));
    const found: RunEnd[] = [];
    for (const ids of inLists(keys.map((k) => k.runId)))
      for (const r of this.sql(`SELECT run_id AS "runId", end_time AS "endTime" FROM alert_seen WHERE run_id IN (${marks(ids.length)})`).all(...ids) as RunEnd[])
        if (wanted.has(`${r.runId}:${r.endTime}`)) found.push(r);
    return found;
  }

  /** Of these keys ('dt:<job id>', 'out:<run id>'), the ones already checked. */
  checkedOf(keys: string[]): string[] {
    const found: string[] = [];
    for (const list of inLists(keys))
      for (const r of this.sql(`SELECT key FROM alert_checked WHERE key IN (${marks(list.length)})`).all(...list) as { key: string }[]) found.push(r.key);
    return found;
  }

  /** The mutes in force at `now`. */
  mutesAt(now: number): { taskId: number; until: number; by: string }[] {
    return this.sql('SELECT task_id AS "taskId", until, by_user AS "by" FROM alert_mutes WHERE until > ? ORDER BY task_id').all(now) as {
      taskId: number;
      until: number;
      by: string;
    }[];
  }

  cardsByIds(ids: number[]): AlertCard[] {
    const cards: AlertCard[] = [];
    for (const list of inLists(ids))
      cards.push(...(this.sql(`SELECT * FROM alert_cards WHERE id IN (${marks(list.length)})`).all(...list) as Record<string, unknown>[]).map(toCard));
    return cards.sort((a, b) => a.id - b.id);
  }

  /** The open card of each of these groups seen since `since` (as openCardOfGroup, for many groups at once). */
  openCardsOfGroups(groupKeys: string[], since: number): AlertCard[] {
    const latest = new Map<string, AlertCard>();
    for (const list of inLists(groupKeys))
      for (const r of this.sql(`SELECT * FROM alert_cards WHERE status = 'open' AND last_seen >= ? AND group_key IN (${marks(list.length)}) ORDER BY id`).all(
        since,
        ...list,
      ) as Record<string, unknown>[]) {
        const card = toCard(r);
        latest.set(card.groupKey, card);
      }
    return [...latest.values()].sort((a, b) => a.id - b.id);
  }

  /** The actions taken from these cards, oldest first. */
  actionsOf(cardIds: number[]): CardAction[] {
    const actions: (CardAction & { id: number })[] = [];
    for (const list of inLists(cardIds))
      actions.push(
        ...(this.sql(
          `SELECT id, card_id AS "cardId", at, user_id AS "userId", action, run_id AS "runId", detail FROM alert_card_actions WHERE card_id IN (${marks(list.length)}) ORDER BY id`,
        ).all(...list) as (CardAction & { id: number })[]),
      );
    return actions.sort((a, b) => a.id - b.id).map(({ id: _, ...a }) => a);
  }

  /** The card each of these runs went to (as cardOfRun, for many runs at once; runs without one are left out), and those cards. */
  cardsOfRuns(runIds: number[]): { runs: { runId: number; cardId: number }[]; cards: AlertCard[] } {
    const latest = new Map<number, { at: number; cardId: number }>();
    for (const list of inLists(runIds))
      for (const r of this.sql(
        `SELECT run_id AS "runId", card_id AS "cardId", seen_at AS "at" FROM alert_seen WHERE card_id IS NOT NULL AND run_id IN (${marks(list.length)})`,
      ).all(...list) as { runId: number; cardId: number; at: number }[])
        if ((latest.get(r.runId)?.at ?? Number.NEGATIVE_INFINITY) <= r.at) latest.set(r.runId, { at: r.at, cardId: Number(r.cardId) });
    const runs = [...latest].map(([runId, { cardId }]) => ({ runId, cardId }));
    return { runs, cards: this.cardsByIds(runs.map((r) => r.cardId)) };
  }

  /** One transaction of the alert work's changes (see AlertWrite): all of it, or — when what it expects no longer holds — none. */
  write(w: AlertWrite): AlertWriteResult {
    return this.db.transaction((): AlertWriteResult => {
      const why = this.refusal(w);
      if (why) return { applied: false, why };
      const created = this.insertCards(w.create ?? []);
      const real = (id: number): number => {
        if (id >= 0) return id;
        const found = created.get(id);
        if (found === undefined) throw new Error(`no new card ${id} in this batch`);
        return found;
      };
      this.updateCards((w.update ?? []).map((u) => ({ id: real(u.id), patch: u.patch })));
      for (const batch of rowBatches(w.seen ?? [], 4))
        this.sql(`INSERT INTO alert_seen(run_id, end_time, card_id, seen_at) VALUES ${rowMarks(batch.length, 4)} ON CONFLICT DO NOTHING`).run(
          ...batch.flatMap((x) => [x.runId, x.endTime, x.cardId === null ? null : real(x.cardId), w.at]),
        );
      for (const batch of rowBatches(w.checked ?? [], 3))
        this.sql(`INSERT INTO alert_checked(key, card_id, seen_at) VALUES ${rowMarks(batch.length, 3)} ON CONFLICT DO NOTHING`).run(
          ...batch.flatMap((x) => [x.key, x.cardId === null ? null : real(x.cardId), w.at]),
        );
      for (const batch of rowBatches(w.actions ?? [], 6))
        this.sql(`INSERT INTO alert_card_actions(card_id, at, user_id, action, run_id, detail) VALUES ${rowMarks(batch.length, 6)}`).run(
          ...batch.flatMap((a) => [real(a.cardId), a.at, a.userId, a.action, a.runId, a.detail]),
        );
      if (w.mute) this.mute(w.mute.taskId, w.mute.until, w.mute.by);
      if (w.unmute) this.unmute(w.unmute.taskId, w.at);
      for (const s of w.state ?? []) this.setState(s.key, s.value);
      this.queue(w.queue ?? [], real);
      return { applied: true, created: [...created].map(([id, cardId]) => ({ id, cardId })) };
    }, 'alerts')();
  }

  /** Why a batch cannot be applied as it stands (undefined: it can). */
  private refusal(w: AlertWrite): string | undefined {
    const expecting = (w.update ?? []).filter((u) => u.expect && u.id >= 0);
    if (expecting.length) {
      const now = new Map(this.cardsByIds(expecting.map((u) => u.id)).map((c) => [c.id, c]));
      for (const u of expecting) {
        const card = now.get(u.id);
        if (!card) return `card ${u.id} is gone`;
        for (const [field, value] of Object.entries(u.expect!)) if (card[field as keyof AlertCard] !== value) return `card ${u.id} changed (${field})`;
      }
    }
    const creates = w.create ?? [];
    if (new Set(creates.map((c) => c.groupKey)).size !== creates.length) throw new Error('two new cards of one group in one batch');
    const bySince = new Map<number, string[]>();
    for (const c of creates) bySince.set(c.openSince, [...(bySince.get(c.openSince) ?? []), c.groupKey]);
    for (const [since, keys] of bySince)
      for (const list of inLists(keys)) {
        const open = this.sql(`SELECT group_key AS "groupKey" FROM alert_cards WHERE status = 'open' AND last_seen >= ? AND group_key IN (${marks(list.length)}) LIMIT 1`).get(
          since,
          ...list,
        ) as { groupKey: string } | undefined;
        if (open) return `group ${open.groupKey} has an open card already`;
      }
    if (w.unmute && !this.muteOf(w.unmute.taskId, w.at)) return `task ${w.unmute.taskId} is not muted`;
    return undefined;
  }

  /** New cards, by multi-row inserts; their ids by the batch's temporary ones. */
  private insertCards(creates: (NewCard & { id: number })[]): Map<number, number> {
    const tempOf = new Map(creates.map((c) => [c.groupKey, c.id]));
    const ids = new Map<number, number>();
    const columns = NEW_CARD_FIELDS.map((f) => CARD_COLUMNS[f]).join(', ');
    for (const batch of rowBatches(creates, NEW_CARD_FIELDS.length)) {
      const rows = this.sql(`INSERT INTO alert_cards (${columns}) VALUES ${rowMarks(batch.length, NEW_CARD_FIELDS.length)} RETURNING id, group_key AS "groupKey"`).all(
        ...batch.flatMap((c) => NEW_CARD_FIELDS.map((f) => cardValue(f, c[f]))),
      ) as { id: number; groupKey: string }[];
      for (const r of rows) ids.set(tempOf.get(r.groupKey)!, Number(r.id));
    }
    return ids;
  }

  /** Changes to many cards: one statement per set of fields changed (per 1,024 cards), whatever the number of cards. */
  private updateCards(changes: { id: number; patch: CardPatch }[]): void {
    const merged = new Map<number, CardPatch>();
    for (const c of changes) merged.set(c.id, { ...merged.get(c.id), ...c.patch });
    const byFields = new Map<string, { fields: (keyof AlertCard)[]; rows: { id: number; patch: CardPatch }[] }>();
    for (const [id, patch] of merged) {
      const fields = (Object.keys(patch) as (keyof CardPatch)[]).filter((f) => patch[f] !== undefined && f in CARD_COLUMNS).sort();
      if (!fields.length) continue;
      const key = fields.join(',');
      const group = byFields.get(key) ?? { fields, rows: [] };
      group.rows.push({ id, patch });
      byFields.set(key, group);
    }
    for (const { fields, rows } of byFields.values()) {
      // Each value typed, as PostgreSQL needs in a VALUES list; both engines name its columns column1, column2, …
      const row = `(CAST(? AS BIGINT), ${fields.map((f) => `CAST(? AS ${TEXT_FIELDS.has(f) ? 'TEXT' : 'BIGINT'})`).join(', ')})`;
      const set = fields.map((f, i) => `${CARD_COLUMNS[f]} = v.column${i + 2}`).join(', ');
      for (const batch of rowBatches(rows, fields.length + 1))
        this.sql(`UPDATE alert_cards SET ${set} FROM (VALUES ${Array.from({ length: batch.length }, () => row).join(', ')}) AS v WHERE alert_cards.id = v.column1`).run(
          ...batch.flatMap((r) => [r.id, ...fields.map((f) => cardValue(f, r.patch[f as keyof CardPatch]))]),
        );
    }
  }

  /**
   * The body of enqueueAll, inside a transaction: `real` turns a batch's temporary card ids into
   * real ones. A message coalesced into one already queued touches it (`done = 0` in the same
   * statement): if the sender claimed it meanwhile, a new one is queued, so no change goes unsent.
   */
  private queue(items: QueueItem[], real: (id: number) => number = (id) => id): void {
    if (!items.length) return;
    const list = items.map((i) => ({
      ...i,
      cardId: i.cardId === undefined ? undefined : real(i.cardId),
      threadCardId: i.threadCardId === undefined ? undefined : real(i.threadCardId),
      ifReleased: i.ifReleased === undefined ? undefined : real(i.ifReleased),
      priority: i.priority ?? 1,
    }));
    const ownKey = (i: (typeof list)[number]): string | undefined =>
      i.kind === 'thread' ? undefined : i.cardId !== undefined ? `card:${i.cardId}` : i.digestId !== undefined ? `digest:${i.digestId}` : undefined;
    // Cards released (posted, or queued before or earlier in this batch): only their redraws are queued.
    const released = new Set<number>();
    for (const ids of inLists(list.filter((i) => i.ifReleased !== undefined).map((i) => i.ifReleased!)))
      for (const r of this.sql(
        `SELECT c.id FROM alert_cards c WHERE c.id IN (${marks(ids.length)}) AND (c.ts IS NOT NULL OR EXISTS (SELECT 1 FROM outbox o WHERE o.card_id = c.id))`,
      ).all(...ids) as { id: number }[])
        released.add(Number(r.id));
    const kept = list.filter((i) => {
      if (i.ifReleased !== undefined && !released.has(i.ifReleased)) return false;
      if (i.cardId !== undefined) released.add(i.cardId);
      return true;
    });
    // The latest own message still queued of each card and digest named…
    const pending = new Map<string, number>();
    const own = kept.filter((i) => ownKey(i) !== undefined);
    for (const [column, prefix, ids] of [
      ['card_id', 'card', own.filter((i) => i.cardId !== undefined).map((i) => i.cardId!)],
      ['digest_id', 'digest', own.filter((i) => i.cardId === undefined).map((i) => i.digestId!)],
    ] as const)
      for (const list of inLists(ids))
        for (const r of this.sql(`SELECT id, ${column} AS ref FROM outbox WHERE done = 0 AND kind IN ('post', 'update') AND ${column} IN (${marks(list.length)}) ORDER BY id`).all(
          ...list,
        ) as { id: number; ref: number }[])
          pending.set(`${prefix}:${r.ref}`, Number(r.id));
    // …takes the messages asked for, keeping the most urgent priority, if the sender has not claimed it meanwhile.
    const urgency = new Map<number, number>();
    for (const i of own) {
      const id = pending.get(ownKey(i)!);
      if (id !== undefined) urgency.set(id, Math.min(urgency.get(id) ?? i.priority, i.priority));
    }
    const stillQueued = new Set<number>();
    for (const priority of new Set(urgency.values()))
      for (const ids of inLists([...urgency].filter(([, p]) => p === priority).map(([id]) => id)))
        for (const r of this.sql(`UPDATE outbox SET priority = CASE WHEN priority > ? THEN ? ELSE priority END WHERE done = 0 AND id IN (${marks(ids.length)}) RETURNING id`).all(
          priority,
          priority,
          ...ids,
        ) as { id: number }[])
          stillQueued.add(Number(r.id));
    // The rest are new rows, one own message per card and digest.
    const rows: (typeof list)[number][] = [];
    const planned = new Map<string, (typeof list)[number]>();
    for (const i of kept) {
      const key = ownKey(i);
      if (key !== undefined) {
        const queued = pending.get(key);
        if (queued !== undefined && stillQueued.has(queued)) continue;
        const earlier = planned.get(key);
        if (earlier) {
          earlier.priority = Math.min(earlier.priority, i.priority) as OutboxPriority;
          continue;
        }
        planned.set(key, i);
      }
      rows.push(i);
    }
    for (const batch of rowBatches(rows, 8))
      this.sql(`INSERT INTO outbox(channel, kind, card_id, thread_card_id, digest_id, payload, created_at, priority) VALUES ${rowMarks(batch.length, 8)}`).run(
        ...batch.flatMap((i) => [
          i.channel,
          i.kind,
          i.cardId ?? null,
          i.threadCardId ?? null,
          i.digestId ?? null,
          JSON.stringify(i.payload ?? { text: '', blocks: [] }),
          i.at,
          i.priority,
        ]),
      );
  }

  /** A storm's digest: opened with these cards in its thread, its post queued first (priority 0). */
  openDigest(channel: string, cardIds: number[], at: number): Digest {
    return this.db.transaction(() => {
      const digest = this.insertDigest(channel, at);
      for (const ids of inLists(cardIds)) this.sql(`UPDATE alert_cards SET digest_id = ? WHERE id IN (${marks(ids.length)})`).run(digest.id, ...ids);
      this.queue([{ channel, kind: 'post', digestId: digest.id, at, priority: 0 }]);
      return digest;
    }, 'alerts')();
  }

  // ---- the sender's reads and writes: a few per message ----

  /**
   * The queue's heads — per channel (or in `channel` only), the `perChannel` most urgent (all when
   * unset) — with what decides where each goes: its card's and digest's messages.
   */
  sendingPlan(o: { channel?: string; perChannel?: number } = {}): SendingPlan {
    // Per channel by the queue's index (done, channel, priority, id): a long queue costs no more to plan.
    const channels = o.channel !== undefined ? [o.channel] : this.pendingChannels().sort();
    const rows = channels.flatMap((channel) =>
      o.perChannel === undefined
        ? (this.sql(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE done = 0 AND channel = ? ORDER BY priority, id`).all(channel) as OutboxRow[])
        : (this.sql(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE done = 0 AND channel = ? ORDER BY priority, id LIMIT ?`).all(channel, o.perChannel) as OutboxRow[]),
    );
    const entries = rows.map(toEntry);
    const cardIds = entries.flatMap((e) => [e.cardId, e.threadCardId]).filter((id): id is number => id !== null);
    // Whether a card's own post or update is queued or being sent, and whether it was ever queued.
    const ownPending = "o.done IN (0, 3) AND o.kind IN ('post', 'update')";
    const cards: SendingPlan['cards'] = [];
    for (const list of inLists(cardIds))
      for (const r of this.sql(
        `SELECT c.id, c.ts, c.digest_id AS "digestId", CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.card_id = c.id AND ${ownPending}) THEN 1 ELSE 0 END AS pending, CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.card_id = c.id) THEN 1 ELSE 0 END AS queued FROM alert_cards c WHERE c.id IN (${marks(list.length)})`,
      ).all(...list) as { id: number; ts: string | null; digestId: number | null; pending: number; queued: number }[])
        cards.push({ id: Number(r.id), ts: r.ts, digestId: r.digestId, pendingOwn: Number(r.pending) === 1, queued: Number(r.queued) === 1 });
    const digestIds = [...entries.map((e) => e.digestId), ...cards.map((c) => c.digestId)].filter((id): id is number => id !== null);
    const digests: SendingPlan['digests'] = [];
    for (const list of inLists(digestIds))
      for (const r of this.sql(
        `SELECT d.id, d.ts, CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.digest_id = d.id AND ${ownPending}) THEN 1 ELSE 0 END AS pending FROM alert_digests d WHERE d.id IN (${marks(list.length)})`,
      ).all(...list) as { id: number; ts: string | null; pending: number }[])
        digests.push({ id: Number(r.id), ts: r.ts, pendingOwn: Number(r.pending) === 1 });
    return { entries, cards, digests };
  }

  /** Claim an item for sending, with its content (as markSending); undefined when it was not queued (claimed already). */
  claim(id: number): OutboxItem | undefined {
    const r = this.sql('UPDATE outbox SET done = 3 WHERE id = ? AND done = 0 RETURNING *').get(id) as (OutboxRow & { payload: string }) | undefined;
    return r ? toItem(r) : undefined;
  }

  /**
   * An item sent: with the ts of a card's or digest's own post, kept first (no transaction needed:
   * stopped in between, the item is still claimed, and the sender that resumes it finds the ts and
   * updates the message instead of posting it again).
   */
  recordSent(id: number, posted?: { cardId?: number; digestId?: number; ts: string }): void {
    if (posted?.cardId !== undefined) this.sql('UPDATE alert_cards SET ts = ? WHERE id = ?').run(posted.ts, posted.cardId);
    if (posted?.digestId !== undefined) this.setDigestTs(posted.digestId, posted.ts);
    this.markSent(id);
  }

  /** A card as it is drawn: with its task's mute in force at `now` (one statement). */
  /** A card as drawn: with its mute, and how the latest fix tried from it ended (a backfill's dates: `backfill_outcome`). */
  cardWithMute(id: number, now: number): { card: AlertCard; mute: { until: number; by: string } | undefined; lastOutcome?: string } | undefined {
    const r = this.sql(
      `SELECT c.*, m.until AS mute_until, m.by_user AS mute_by,
         (SELECT a.detail FROM alert_card_actions a WHERE a.card_id = c.id AND a.action = 'backfill_outcome' ORDER BY a.id DESC LIMIT 1) AS last_outcome
       FROM alert_cards c LEFT JOIN alert_mutes m ON m.task_id = c.task_id AND m.until > ? WHERE c.id = ?`,
    ).get(now, id) as Record<string, unknown> | undefined;
    if (!r) return undefined;
    return {
      card: toCard(r),
      mute: r.mute_until == null ? undefined : { until: Number(r.mute_until), by: String(r.mute_by) },
      lastOutcome: r.last_outcome == null ? undefined : String(r.last_outcome),
    };
  }
}
