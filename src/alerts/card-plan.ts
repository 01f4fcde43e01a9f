/**
 * A poll's decisions about cards, made in memory and written in one store call (AlertStore.write,
 * one transaction): the cards read, the cards created (temporary negative ids until written), the
 * changes, the failures recorded and the messages queued. A card created and changed again in one
 * poll is inserted as it ends up. The write expects every card changed to be as it was read; if
 * one is not (another poller wrote in between), nothing is written and the poll reads and decides
 * again (applyPlan).
 */
import { type AlertCard, type AlertStore, type AlertWrite, type CardExpectation, type CardPatch, NEW_CARD_FIELDS, type NewCard, type QueueItem } from '../store/alerts.js';
import type { Remote } from '../store/remote.js';

const NEW_FIELDS = new Set<string>(NEW_CARD_FIELDS);

/** What a watcher knows when it opens a card; {@link newCard} starts the rest as "seen once, now". */
export interface CardFacts {
  channel: string;
  groupKey: string;
  taskId: number;
  taskName: string;
  folder?: string | null;
  taskType?: string | null;
  owner?: string | null;
  failMsg: string | null;
  /** The run the card is about (0: none, e.g. a Dynamic Table's). */
  runId: number;
  bizDate?: string | null;
  /** When the problem happened (the run's end, the refresh's start). */
  failedAt: number;
  now: number;
  /** The knowledge entry that explains it, if one does. */
  top?: { id: string; title: string; remediation: string[] };
  subject?: string | null;
  latestJob?: string | null;
}

/** A new card from what its watcher knows: one sighting, now, of one run, with the entry's cause. */
export function newCard(f: CardFacts): NewCard {
  return {
    channel: f.channel,
    groupKey: f.groupKey,
    taskId: f.taskId,
    taskName: f.taskName,
    folder: f.folder ?? null,
    taskType: f.taskType ?? null,
    owner: f.owner ?? null,
    causeId: f.top?.id ?? null,
    causeTitle: f.top?.title ?? null,
    causeFix: f.top?.remediation[0] ?? null,
    failMsg: f.failMsg,
    firstRunId: f.runId,
    latestRunId: f.runId,
    bizDate: f.bizDate ?? null,
    attempts: 1,
    count: 1,
    failedAt: f.failedAt,
    lastFailedAt: f.failedAt,
    firstSeen: f.now,
    lastSeen: f.now,
    blocked: [],
    ...(f.subject !== undefined ? { subject: f.subject } : {}),
    ...(f.latestJob !== undefined ? { latestJob: f.latestJob } : {}),
  };
}

/** A new card as it stands once created: open, not posted, acknowledged or resolved by anyone. */
export function openCard(c: NewCard, id: number): AlertCard {
  return {
    ts: null,
    digestId: null,
    rootFixedAt: null,
    rootFixRunId: null,
    rootFixedBy: null,
    rootFixedHow: null,
    status: 'open',
    ackBy: null,
    ackAt: null,
    resolvedBy: null,
    resolvedHow: null,
    resolvedAt: null,
    resolvedRunId: null,
    subject: null,
    latestJob: null,
    ...c,
    id,
  };
}

export class CardPlan {
  private nextId = -1;
  /** Cards as they stand in the plan, by id (negative: created here). */
  private readonly cards = new Map<number, AlertCard>();
  /** What the write expects of each card read. */
  private readonly expected = new Map<number, CardExpectation>();
  private readonly patches = new Map<number, CardPatch>();
  /** Cards created here, as created, and the window their group must have no open card in. */
  private readonly created = new Map<number, { card: AlertCard; openSince: number }>();
  /** The open card of each group (read, or created here). */
  private readonly openOf = new Map<string, number>();
  private readonly seen: NonNullable<AlertWrite['seen']> = [];
  private readonly checked: NonNullable<AlertWrite['checked']> = [];
  readonly queued: QueueItem[] = [];

  /** `open`: the open cards of the groups the poll touches (AlertStore.openCardsOfGroups). */
  constructor(open: AlertCard[] = []) {
    for (const card of open) {
      this.know(card);
      this.openOf.set(card.groupKey, card.id);
    }
  }

  /** A card read, which the plan may change. */
  know(card: AlertCard): void {
    if (this.cards.has(card.id)) return;
    this.cards.set(card.id, card);
    this.expected.set(card.id, { lastSeen: card.lastSeen, count: card.count, status: card.status });
  }

  card(id: number): AlertCard | undefined {
    return this.cards.get(id);
  }

  /** The group's open card: read, or created by this plan. */
  open(groupKey: string): AlertCard | undefined {
    const id = this.openOf.get(groupKey);
    return id === undefined ? undefined : this.cards.get(id);
  }

  /** A new card; written only if its group still has no open card seen since `openSince`. */
  create(c: NewCard, openSince: number): AlertCard {
    const card = openCard(c, this.nextId--);
    this.cards.set(card.id, card);
    this.created.set(card.id, { card, openSince });
    this.openOf.set(card.groupKey, card.id);
    return card;
  }

  change(id: number, patch: CardPatch): AlertCard {
    const card = { ...this.cards.get(id)!, ...patch };
    this.cards.set(id, card);
    this.patches.set(id, { ...this.patches.get(id), ...patch });
    if (card.status !== 'open' && this.openOf.get(card.groupKey) === id) this.openOf.delete(card.groupKey);
    return card;
  }

  markSeen(runId: number, endTime: number, cardId: number | null): void {
    this.seen.push({ runId, endTime, cardId });
  }

  markChecked(key: string, cardId: number | null): void {
    this.checked.push({ key, cardId });
  }

  queue(...items: QueueItem[]): void {
    this.queued.push(...items);
  }

  get empty(): boolean {
    return this.created.size === 0 && this.patches.size === 0 && this.seen.length === 0 && this.checked.length === 0 && this.queued.length === 0;
  }

  toWrite(at: number): AlertWrite {
    const create: NonNullable<AlertWrite['create']> = [];
    const update: NonNullable<AlertWrite['update']> = [];
    for (const [id, { card: initial, openSince }] of this.created) {
      create.push({ ...this.cards.get(id)!, openSince });
      // What a new card is not inserted with (a digest, say): set after it, in the same write.
      const rest = Object.fromEntries(Object.entries(this.patches.get(id) ?? {}).filter(([field, value]) => !NEW_FIELDS.has(field) && initial[field as keyof AlertCard] !== value));
      if (Object.keys(rest).length) update.push({ id, patch: rest });
    }
    for (const [id, patch] of this.patches) if (id > 0) update.push({ id, expect: this.expected.get(id), patch });
    return { at, create, update, seen: this.seen, checked: this.checked, queue: this.queued };
  }
}

/**
 * Read, decide and write at once (`decide` reads what it needs and returns its plan): when a card
 * changed between the read and the write, nothing was written and it is all done again (at most
 * three times). Returns what `decide` returned, and the ids the new cards were given.
 */
export async function applyPlan<T>(store: Remote<AlertStore>, at: number, decide: () => Promise<[CardPlan, T]>): Promise<{ value: T; ids: Map<number, number>; queued: number }> {
  for (let attempt = 1; ; attempt++) {
    const [plan, value] = await decide();
    if (plan.empty) return { value, ids: new Map(), queued: 0 };
    const written = await store.write(plan.toWrite(at));
    if (written.applied) return { value, ids: new Map(written.created.map((c) => [c.id, c.cardId])), queued: plan.queued.length };
    if (attempt === 3) throw new Error(`the alert cards kept changing under this poll: ${written.why}`);
  }
}
