/**
 * Alert state: one card per (task, cause) while it keeps failing, the failures already seen (so a
 * restart neither re-alerts nor misses), mutes, the actions taken from each card, and the outbox of
 * Slack messages still to send (so nothing is dropped, even across a restart).
 */
import type { Db } from './database.js';
import type { Statement } from './sql.js';

export interface BlockedRun {
  taskId: number;
  taskName: string;
  runId: number;
  /** Set when a run of this task for the card's business date succeeded after the failure. */
  fixedRunId?: number;
}

export interface AlertCard {
  id: number;
  channel: string;
  ts: string | null;
  groupKey: string;
  taskId: number;
  taskName: string;
  folder: string | null;
  taskType: string | null;
  owner: string | null;
  causeId: string | null;
  causeTitle: string | null;
  causeFix: string | null;
  failMsg: string | null;
  firstRunId: number;
  latestRunId: number;
  bizDate: string | null;
  attempts: number;
  count: number;
  /** The first failure of the group: time to resolve counts from it. */
  failedAt: number;
  /** The latest failure of the group (null on cards from before it was kept: the first is the latest). */
  lastFailedAt: number | null;
  firstSeen: number;
  lastSeen: number;
  blocked: BlockedRun[];
  /** The storm digest whose thread holds this card (null: a card of its own in the channel). */
  digestId: number | null;
  /** The root's own run succeeded (when, which run, by whom, how) while blocked runs still had not. */
  rootFixedAt: number | null;
  rootFixRunId: number | null;
  rootFixedBy: string | null;
  rootFixedHow: string | null;
  status: 'open' | 'resolved';
  ackBy: string | null;
  ackAt: number | null;
  resolvedBy: string | null;
  resolvedHow: string | null;
  resolvedAt: number | null;
  resolvedRunId: number | null;
  /** null: a task's card; 'dt:<schema>.<table>': a Dynamic Table's (task id and run ids 0). */
  subject: string | null;
  /** A Dynamic Table card: the refresh job of its latest failure. */
  latestJob: string | null;
}

export interface CardAction {
  cardId: number;
  at: number;
  userId: string;
  action: string;
  runId: number | null;
  detail: string | null;
}

export type OutboxKind = 'post' | 'update' | 'thread';

/** 0: someone is waiting for it (a click's answer, a card closing); 1: new cards; 2: background refreshes. */
export type OutboxPriority = 0 | 1 | 2;

/** A queued message without its content (what the sender plans with). */
export interface OutboxEntry {
  id: number;
  channel: string;
  kind: OutboxKind;
  /** A card's own message (post or update): its content is the card's state when it is sent. */
  cardId: number | null;
  /** For thread replies: the card whose message is the parent. */
  threadCardId: number | null;
  /** A storm digest's own message (post or update): its content is rendered when it is sent. */
  digestId: number | null;
  priority: OutboxPriority;
  createdAt: number;
  attempts: number;
}

export interface OutboxItem extends OutboxEntry {
  payload: { text: string; blocks: unknown[] };
}

export interface Digest {
  id: number;
  channel: string;
  ts: string | null;
  createdAt: number;
}

const CARD_COLUMNS: Record<keyof AlertCard, string> = {
  id: 'id',
  channel: 'channel',
  ts: 'ts',
  groupKey: 'group_key',
  taskId: 'task_id',
  taskName: 'task_name',
  folder: 'folder',
  taskType: 'task_type',
  owner: 'owner',
  causeId: 'cause_id',
  causeTitle: 'cause_title',
  causeFix: 'cause_fix',
  failMsg: 'fail_msg',
  firstRunId: 'first_run_id',
  latestRunId: 'latest_run_id',
  bizDate: 'biz_date',
  attempts: 'attempts',
  count: 'count',
  failedAt: 'failed_at',
  lastFailedAt: 'last_failed_at',
  firstSeen: 'first_seen',
  lastSeen: 'last_seen',
  blocked: 'blocked',
  digestId: 'digest_id',
  rootFixedAt: 'root_fixed_at',
  rootFixRunId: 'root_fix_run_id',
  rootFixedBy: 'root_fixed_by',
  rootFixedHow: 'root_fixed_how',
  status: 'status',
  ackBy: 'ack_by',
  ackAt: 'ack_at',
  resolvedBy: 'resolved_by',
  resolvedHow: 'resolved_how',
  resolvedAt: 'resolved_at',
  resolvedRunId: 'resolved_run_id',
  subject: 'subject',
  latestJob: 'latest_job',
};

function toCard(r: Record<string, unknown>): AlertCard {
  const c = {} as Record<string, unknown>;
  for (const [k, col] of Object.entries(CARD_COLUMNS)) c[k] = r[col];
  c.blocked = JSON.parse(String(r.blocked ?? '[]'));
  return c as unknown as AlertCard;
}

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

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn, 'alerts')();
  }

  getState(key: string): string | undefined {
    return (this.sql('SELECT value FROM alert_state WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setState(key: string, value: string): void {
    this.sql('INSERT INTO alert_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
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
  insertCard(
    c: Omit<
      AlertCard,
      | 'id'
      | 'ts'
      | 'digestId'
      | 'rootFixedAt'
      | 'rootFixRunId'
      | 'rootFixedBy'
      | 'rootFixedHow'
      | 'status'
      | 'ackBy'
      | 'ackAt'
      | 'resolvedBy'
      | 'resolvedHow'
      | 'resolvedAt'
      | 'resolvedRunId'
      | 'subject'
      | 'latestJob'
    > &
      Partial<Pick<AlertCard, 'subject' | 'latestJob'>>,
  ): AlertCard {
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
  enqueue(item: {
    channel: string;
    kind: OutboxKind;
    cardId?: number;
    threadCardId?: number;
    digestId?: number;
    payload?: { text: string; blocks: unknown[] };
    at: number;
    priority?: OutboxPriority;
  }): void {
    const priority = item.priority ?? 1;
    const own = item.kind !== 'thread' && (item.cardId !== undefined || item.digestId !== undefined);
    if (own) {
      const pending = (
        item.cardId !== undefined
          ? this.sql("SELECT id, priority FROM outbox WHERE done = 0 AND card_id = ? AND kind IN ('post', 'update') ORDER BY id DESC LIMIT 1").get(item.cardId)
          : this.sql("SELECT id, priority FROM outbox WHERE done = 0 AND digest_id = ? AND kind IN ('post', 'update') ORDER BY id DESC LIMIT 1").get(item.digestId)
      ) as { id: number; priority: number } | undefined;
      if (pending) {
        if (priority < pending.priority) this.sql('UPDATE outbox SET priority = ? WHERE id = ?').run(priority, pending.id);
        return;
      }
    }
    this.db
      .prepare('INSERT INTO outbox(channel, kind, card_id, thread_card_id, digest_id, payload, created_at, priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(
        item.channel,
        item.kind,
        item.cardId ?? null,
        item.threadCardId ?? null,
        item.digestId ?? null,
        JSON.stringify(item.payload ?? { text: '', blocks: [] }),
        item.at,
        priority,
      );
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
    const rows = this.db
      .prepare(
        'SELECT id, channel, kind, card_id, thread_card_id, digest_id, priority, created_at, attempts FROM outbox WHERE done = 0 AND channel = ? ORDER BY priority, id LIMIT ?',
      )
      .all(channel, limit) as {
      id: number;
      channel: string;
      kind: OutboxKind;
      card_id: number | null;
      thread_card_id: number | null;
      digest_id: number | null;
      priority: OutboxPriority;
      created_at: number;
      attempts: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      channel: r.channel,
      kind: r.kind,
      cardId: r.card_id,
      threadCardId: r.thread_card_id,
      digestId: r.digest_id,
      priority: r.priority,
      createdAt: r.created_at,
      attempts: r.attempts,
    }));
  }

  item(id: number): OutboxItem | undefined {
    const r = this.sql('SELECT * FROM outbox WHERE id = ?').get(id) as
      | {
          id: number;
          channel: string;
          kind: OutboxKind;
          card_id: number | null;
          thread_card_id: number | null;
          digest_id: number | null;
          priority: OutboxPriority;
          payload: string;
          created_at: number;
          attempts: number;
        }
      | undefined;
    return r
      ? {
          id: r.id,
          channel: r.channel,
          kind: r.kind,
          cardId: r.card_id,
          threadCardId: r.thread_card_id,
          digestId: r.digest_id,
          priority: r.priority,
          payload: JSON.parse(r.payload),
          createdAt: r.created_at,
          attempts: r.attempts,
        }
      : undefined;
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
}
