/**
 * Who an alert pings, and that it pings them once.
 *
 * - A Studio owner becomes a Slack user: the policy's `alerts.owners` map first, then Slack's
 *   `users.lookupByEmail` with the owner's name when it is an address, or the name at
 *   `alerts.owner_email_domain` (Studio publishes user names, not addresses). Answers are cached,
 *   misses too, so a storm asks Slack once per owner.
 * - Only a card's first post mentions anyone. Every later message the bot sends about it (the
 *   card's edits, its thread replies, digests) goes through {@link QuietMentions}: each user
 *   mention becomes the person's name and each user-group mention the group's handle, so the
 *   text reads the same and nobody is pinged again.
 */
import type { Policy } from '../ops/policy.js';

/** What the bot can ask Slack about people (the alert poster's client implements it). */
export interface People {
  /** The Slack user with this e-mail address, if any (`users.lookupByEmail`). */
  userByEmail(email: string): Promise<string | undefined>;
  /** How the user is shown (`users.info`: display name, else real name, else name). */
  userName(userId: string): Promise<string | undefined>;
  /** A user group's handle without the `@` (`usergroups.list`). */
  groupHandle(groupId: string): Promise<string | undefined>;
}

interface Cached<T> {
  at: number;
  value: T;
}

/** A small answer cache: hits and misses kept `ttlMs`, at most `max` entries (oldest dropped). */
class AnswerCache<T> {
  private readonly entries = new Map<string, Cached<T>>();
  private readonly pending = new Map<string, Promise<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly max = 2_000,
  ) {}

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const running = this.pending.get(key);
    if (running) return running;
    const p = load().finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    const value = await p;
    this.entries.delete(key);
    this.entries.set(key, { at: this.now(), value });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

const HOUR = 3_600_000;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Studio owner → Slack user id. */
export class OwnerDirectory {
  private readonly cache: AnswerCache<string | undefined>;

  constructor(
    private readonly policy: Policy,
    private readonly people: People | undefined,
    now: () => number,
  ) {
    this.cache = new AnswerCache(HOUR, now);
  }

  /** The Slack user id of a Studio owner, or undefined when none is known. */
  async userOf(owner: string | null | undefined): Promise<string | undefined> {
    if (!owner) return undefined;
    const mapped = this.policy.document.alerts?.owners?.[owner];
    if (mapped) return mapped;
    const email = this.emailOf(owner);
    const people = this.people;
    if (!email || !people) return undefined;
    return this.cache.get(email, () => people.userByEmail(email).catch(() => undefined));
  }

  private emailOf(owner: string): string | undefined {
    if (EMAIL.test(owner)) return owner;
    const domain = this.policy.document.alerts?.owner_email_domain;
    return domain && /^[\w.-]+$/.test(owner) ? `${owner}@${domain}` : undefined;
  }
}

/** `<@U123>`, `<@U123|name>`, `<!subteam^S123>`, `<!subteam^S123|@handle>`, `<!here>`, `<!channel>`, `<!everyone>`. */
const MENTION = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>|<!(here|channel|everyone)(?:\|[^>]*)?>/g;

/** Text safe inside mrkdwn and inside a JSON string. */
function shown(text: string): string {
  return JSON.stringify(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')).slice(1, -1);
}

/** Rewrites every mention in a message into plain words (see the module's comment). */
export class QuietMentions {
  private readonly names: AnswerCache<string | undefined>;
  private readonly handles: AnswerCache<string | undefined>;

  constructor(
    private readonly people: People | undefined,
    now: () => number,
  ) {
    this.names = new AnswerCache(HOUR, now);
    this.handles = new AnswerCache(HOUR, now);
  }

  async quiet<M>(message: M): Promise<M> {
    const json = JSON.stringify(message);
    const found = [...json.matchAll(MENTION)];
    if (!found.length) return message;
    const users = [...new Set(found.map((m) => m[1]).filter((u): u is string => !!u))];
    const groups = [...new Set(found.filter((m) => m[2] && !m[3]).map((m) => m[2]!))];
    const people = this.people;
    const [names, handles] = await Promise.all([
      Promise.all(users.map(async (u) => [u, people ? await this.names.get(u, () => people.userName(u).catch(() => undefined)) : undefined] as const)),
      Promise.all(groups.map(async (g) => [g, people ? await this.handles.get(g, () => people.groupHandle(g).catch(() => undefined)) : undefined] as const)),
    ]);
    const nameOf = new Map(names);
    const handleOf = new Map(handles);
    const quieted = json.replace(MENTION, (_all, user: string | undefined, group: string | undefined, label: string | undefined, special: string | undefined) => {
      if (user) return shown(`@${nameOf.get(user) ?? user}`);
      if (group) return shown(`@${label || handleOf.get(group) || group}`);
      return shown(`@${special}`);
    });
    return JSON.parse(quieted) as M;
  }
}
