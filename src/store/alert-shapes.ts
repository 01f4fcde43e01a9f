/**
 * The shapes of the alert state (src/store/alerts.ts): cards, the actions taken from them, digests,
 * the outbox's entries, and what one poll writes at once. Plain data: they cross the store threads.
 */
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

/** A failure as the watcher keys it: a run, and when it ended (a rerun that fails again is another failure). */
export interface RunEnd {
  runId: number;
  endTime: number;
}

/** What a new card is made of; the rest starts empty (not posted, open, nobody on it). */
export type NewCard = Omit<
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
  Partial<Pick<AlertCard, 'subject' | 'latestJob'>>;

export type CardPatch = Partial<Omit<AlertCard, 'id'>>;

/** What a change expects of a card as it was read (a field's value, compared as is). */
export type CardExpectation = Partial<Pick<AlertCard, 'lastSeen' | 'count' | 'status' | 'ackBy' | 'digestId'>>;

/** A message to queue (see enqueueAll). */
export interface QueueItem {
  channel: string;
  kind: OutboxKind;
  cardId?: number;
  threadCardId?: number;
  digestId?: number;
  payload?: { text: string; blocks: unknown[] };
  at: number;
  priority?: OutboxPriority;
  /**
   * Queued only if this card is released (posted, or ever queued): a card no poll has released yet
   * is posted with its state as of sending, so a redraw of it, or of its digest, needs nothing.
   */
  ifReleased?: number;
}

/**
 * The alert work's changes that go together, written in one transaction (`write`). Cards created
 * here carry a temporary negative id, by which the other parts of the batch name them. It is all
 * or nothing: when a card is no longer as the batch expects (`expect`; a new card's group has an
 * open card since `openSince`; the mute to end is not in force), nothing is written and the caller
 * reads again.
 */
export interface AlertWrite {
  at: number;
  create?: (NewCard & { id: number; openSince: number })[];
  update?: { id: number; expect?: CardExpectation; patch: CardPatch }[];
  /** Failures recorded, with the card they went to (null: muted or routed nowhere). */
  seen?: (RunEnd & { cardId: number | null })[];
  /** Other things checked ('dt:<job id>', 'out:<run id>'), with the card they went to. */
  checked?: { key: string; cardId: number | null }[];
  actions?: CardAction[];
  mute?: { taskId: number; until: number; by: string };
  /** End the task's mute: it must be in force at `at`. */
  unmute?: { taskId: number };
  state?: { key: string; value: string }[];
  queue?: QueueItem[];
}

export type AlertWriteResult = { applied: true; created: { id: number; cardId: number }[] } | { applied: false; why: string };

/** What the sender plans its next messages with, read at once: the queue's heads and the facts about their cards and digests. */
export interface SendingPlan {
  /** Per channel, most urgent first (priority, then age). */
  entries: OutboxEntry[];
  /** The cards the entries name: posted (ts), in which digest, whether their own post or update is queued or being sent, whether ever queued. */
  cards: { id: number; ts: string | null; digestId: number | null; pendingOwn: boolean; queued: boolean }[];
  /** The digests the entries and their cards name. */
  digests: { id: number; ts: string | null; pendingOwn: boolean }[];
}

/** The fields a new card is inserted with, in order. */
export const NEW_CARD_FIELDS = [
  'channel',
  'groupKey',
  'taskId',
  'taskName',
  'folder',
  'taskType',
  'owner',
  'causeId',
  'causeTitle',
  'causeFix',
  'failMsg',
  'firstRunId',
  'latestRunId',
  'bizDate',
  'attempts',
  'count',
  'failedAt',
  'lastFailedAt',
  'firstSeen',
  'lastSeen',
  'blocked',
  'subject',
  'latestJob',
] as const satisfies readonly (keyof NewCard)[];
