/**
 * The playground's Slack workspace: users, channels, DMs, messages with threads and ephemeral
 * messages, modals, Home tabs — and the Web API methods the bot calls, answering as Slack does.
 */
import { slackPage } from './slack-page.js';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { checkMessage, checkView } from '../blocks/limits.js';

export interface PgUser {
  id: string;
  name: string;
  role: string;
  tz: string;
}

export interface PgMessage {
  ts: string;
  channel: string;
  user: string;
  text: string;
  blocks: unknown[] | undefined;
  threadTs?: string;
  /** Shown only to this user. */
  ephemeralFor?: string;
  edited?: boolean;
  /** Slack message metadata (`event_type`, `event_payload`), returned with `include_all_metadata`. */
  metadata?: unknown;
}

export interface PgView {
  id: string;
  hash: string;
  user: string;
  view: Record<string, unknown>;
  kind: 'modal' | 'home';
  /** Modal stack position (push). */
  parent?: string;
}

export const BOT_USER = 'U0BOT';
export const BOT_ID = 'B0BOT';

export const PLAYGROUND_USERS: PgUser[] = [
  { id: 'U0ADMIN', name: 'ada', role: 'admin', tz: 'Europe/Berlin' },
  { id: 'U0OPS', name: 'oscar', role: 'operator', tz: 'Asia/Shanghai' },
  { id: 'U0VIEW', name: 'vic', role: 'viewer', tz: 'America/New_York' },
];

export const PLAYGROUND_CHANNELS = [
  { id: 'C0ALERTS', name: 'data-alerts' },
  { id: 'C0DATAENG', name: 'data-eng' },
  // For trying several workspaces (WORKSPACES_FILE): a second workspace's alerts, or a channel defaulting to it.
  { id: 'C0DEVALERTS', name: 'dev-alerts' },
];

export class PlaygroundWorkspace {
  messages: PgMessage[] = [];
  views = new Map<string, PgView>();
  reactions: { channel: string; ts: string; name: string }[] = [];
  files: { channel: string; filename: string; content: string; ts: string }[] = [];
  /** response_url id → where its answers go. */
  private responseUrls = new Map<string, { channel: string; user: string; messageTs?: string; uses: number; createdAt: number }>();
  private tsCounter = 0;
  version = 0;
  private listeners = new Set<() => void>();

  /** What the bot sent that Slack would have refused (`invalid_blocks`), newest last. */
  refused: { method: string; errors: string[] }[] = [];
  /** Where the messages are kept across restarts (beside the bot's database), or undefined: nothing is kept. */
  private file: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(readonly users: PgUser[] = PLAYGROUND_USERS) {}

  /**
   * Keep the channels in `file`, so a restart shows what the bot's database remembers (cards it
   * posted, threads it answers in): both persist, or — with an in-memory database — neither does.
   */
  persistIn(file: string): void {
    this.file = file;
    if (!existsSync(file)) return;
    let saved: { messages?: PgMessage[]; homes?: PgView[]; reactions?: PlaygroundWorkspace['reactions']; tsCounter?: number };
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as typeof saved;
    } catch {
      return; // unreadable (e.g. cut short by a kill): the channels start empty rather than the playground not at all
    }
    this.messages = saved.messages ?? [];
    for (const h of saved.homes ?? []) this.views.set(h.id, h);
    this.reactions = saved.reactions ?? [];
    this.tsCounter = saved.tsCounter ?? 0;
  }

  get persistence(): { kept: boolean; where?: string } {
    return this.file ? { kept: true, where: this.file } : { kept: false };
  }

  /** Write now (also done shortly after every change). */
  save(): void {
    if (!this.file) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const homes = [...this.views.values()].filter((v) => v.kind === 'home');
    writeFileSync(`${this.file}.tmp`, JSON.stringify({ messages: this.messages, homes, reactions: this.reactions, tsCounter: this.tsCounter }));
    renameSync(`${this.file}.tmp`, this.file);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed(): void {
    this.version++;
    for (const l of this.listeners) l();
    if (this.file && !this.saveTimer) {
      this.saveTimer = setTimeout(() => this.save(), 200);
      this.saveTimer.unref();
    }
  }

  nextTs(): string {
    const base = Math.floor(Date.now() / 1000);
    return `${base}.${String(++this.tsCounter).padStart(6, '0')}`;
  }

  dmOf(userId: string): string {
    return `D${userId}`;
  }

  channelName(id: string): string {
    return PLAYGROUND_CHANNELS.find((c) => c.id === id)?.name ?? (id.startsWith('D') ? 'Studio Ops Bot' : id);
  }

  post(m: Omit<PgMessage, 'ts'> & { ts?: string }): PgMessage {
    const msg: PgMessage = { ...m, ts: m.ts ?? this.nextTs() };
    this.messages.push(msg);
    this.changed();
    return msg;
  }

  newResponseUrl(channel: string, user: string, messageTs?: string): string {
    const id = randomUUID();
    this.responseUrls.set(id, { channel, user, messageTs, uses: 0, createdAt: Date.now() });
    return id;
  }

  /** Slack refuses blocks that break its rules, naming each problem. */
  private refuse(method: string, errors: string[]): { ok: false; error: string; errors: string[] } | undefined {
    if (errors.length === 0) return undefined;
    this.refused.push({ method, errors });
    return { ok: false, error: 'invalid_blocks', errors };
  }

  /** What a response_url post does, as Slack does it. */
  respond(id: string, body: Record<string, unknown>): { ok: boolean; error?: string } {
    const r = this.responseUrls.get(id);
    if (!r) return { ok: false, error: 'expired_url' };
    const invalid = body.delete_original ? undefined : this.refuse('response_url', checkMessage(body));
    if (invalid) return invalid;
    if (r.uses >= 5 || Date.now() - r.createdAt > 30 * 60_000) return { ok: false, error: 'expired_url' };
    r.uses++;
    const text = String(body.text ?? '');
    const blocks = body.blocks as unknown[] | undefined;
    if (body.delete_original && r.messageTs) {
      this.messages = this.messages.filter((m) => !(m.channel === r.channel && m.ts === r.messageTs));
      this.changed();
      return { ok: true };
    }
    if (body.replace_original && r.messageTs) {
      const m = this.messages.find((x) => x.channel === r.channel && x.ts === r.messageTs);
      if (m) {
        Object.assign(m, { text, blocks, edited: true });
        this.changed();
        return { ok: true };
      }
    }
    const ephemeral = body.response_type !== 'in_channel';
    const posted = this.post({ channel: r.channel, user: BOT_USER, text, blocks, ephemeralFor: ephemeral ? r.user : undefined });
    // Later replace_original answers on this response_url edit the message it posted.
    if (!r.messageTs) r.messageTs = posted.ts;
    return { ok: true };
  }

  /** One Web API method, as the bot calls it. */
  api(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
    const blocks = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown[]) : (v as unknown[] | undefined));
    const view = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : ((v ?? {}) as Record<string, unknown>));
    if (method === 'chat.postMessage' || method === 'chat.postEphemeral' || method === 'chat.update') {
      const invalid = this.refuse(method, checkMessage({ text: args.text, blocks: blocks(args.blocks) }));
      if (invalid) return invalid;
    }
    if (method.startsWith('views.') && args.view !== undefined) {
      const invalid = this.refuse(method, checkView(view(args.view)));
      if (invalid) return invalid;
    }
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'http://playground/', team: 'Playground', user: 'studio-ops', team_id: 'T0PLAY', user_id: BOT_USER, bot_id: BOT_ID };
      case 'chat.postMessage': {
        const channel = this.resolveChannel(str(args.channel)!);
        const m = this.post({ channel, user: BOT_USER, text: str(args.text) ?? '', blocks: blocks(args.blocks), threadTs: str(args.thread_ts) });
        if (args.metadata) m.metadata = typeof args.metadata === 'string' ? (JSON.parse(args.metadata) as unknown) : args.metadata;
        return { ok: true, channel, ts: m.ts, message: { ts: m.ts, text: m.text } };
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const channel = this.resolveChannel(str(args.channel)!);
        const oldest = Number(args.oldest ?? 0);
        const withMeta = String(args.include_all_metadata) === 'true';
        const messages = this.messages
          .filter((m) => m.channel === channel && !m.ephemeralFor && Number(m.ts) >= oldest)
          .filter((m) => (method === 'conversations.replies' ? m.threadTs === str(args.ts) || m.ts === str(args.ts) : !m.threadTs))
          .map((m) => ({ type: 'message', user: m.user, ts: m.ts, thread_ts: m.threadTs, text: m.text, ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
        return slackPage(method === 'conversations.history' ? messages.reverse() : messages, args);
      }
      case 'chat.postEphemeral': {
        const channel = this.resolveChannel(str(args.channel)!);
        const m = this.post({ channel, user: BOT_USER, text: str(args.text) ?? '', blocks: blocks(args.blocks), ephemeralFor: str(args.user), threadTs: str(args.thread_ts) });
        return { ok: true, message_ts: m.ts };
      }
      case 'chat.update': {
        const channel = this.resolveChannel(str(args.channel)!);
        const m = this.messages.find((x) => x.channel === channel && x.ts === str(args.ts));
        if (!m) return { ok: false, error: 'message_not_found' };
        Object.assign(m, { text: str(args.text) ?? m.text, blocks: blocks(args.blocks) ?? m.blocks, edited: true });
        this.changed();
        return { ok: true, channel, ts: m.ts };
      }
      case 'chat.delete': {
        const channel = this.resolveChannel(str(args.channel)!);
        this.messages = this.messages.filter((x) => !(x.channel === channel && x.ts === str(args.ts)));
        this.changed();
        return { ok: true, channel, ts: args.ts };
      }
      case 'chat.getPermalink':
        return { ok: true, channel: args.channel, permalink: `http://playground/archives/${String(args.channel)}/p${String(args.message_ts).replace('.', '')}` };
      case 'conversations.open':
        return { ok: true, channel: { id: this.dmOf(String(args.users).split(',')[0]!) } };
      case 'users.info': {
        const u = this.users.find((x) => x.id === args.user);
        return u ? { ok: true, user: { id: u.id, name: u.name, real_name: u.name, tz: u.tz } } : { ok: false, error: 'user_not_found' };
      }
      case 'users.lookupByEmail': {
        // The playground's people have addresses at example.com (name@example.com).
        const u = this.users.find((x) => `${x.name}@example.com` === String(args.email).toLowerCase());
        return u ? { ok: true, user: { id: u.id, name: u.name } } : { ok: false, error: 'users_not_found' };
      }
      case 'usergroups.list':
        return { ok: true, usergroups: [] };
      case 'usergroups.users.list':
        return { ok: true, users: [] };
      case 'reactions.add':
        this.reactions.push({ channel: String(args.channel), ts: String(args.timestamp), name: String(args.name) });
        this.changed();
        return { ok: true };
      case 'files.upload': {
        const ts = this.nextTs();
        this.files.push({ channel: String(args.channels ?? args.channel), filename: String(args.filename ?? 'file.txt'), content: String(args.content ?? ''), ts });
        this.post({
          channel: String(args.channels ?? args.channel),
          user: BOT_USER,
          text: `:page_facing_up: ${String(args.filename ?? 'file')} (${String(args.content ?? '').length} characters)`,
          blocks: undefined,
        });
        return { ok: true, file: { id: `F${ts}` } };
      }
      case 'views.open':
      case 'views.push': {
        const user = this.triggers.get(String(args.trigger_id));
        if (!user) return { ok: false, error: 'invalid_trigger_id' };
        const v: PgView = {
          id: `V${randomUUID().slice(0, 8)}`,
          hash: randomUUID(),
          user,
          view: typeof args.view === 'string' ? JSON.parse(args.view) : (args.view as Record<string, unknown>),
          kind: 'modal',
        };
        if (method === 'views.push') v.parent = [...this.views.values()].filter((x) => x.user === user && x.kind === 'modal').at(-1)?.id;
        else for (const [id, x] of this.views) if (x.user === user && x.kind === 'modal') this.views.delete(id);
        this.views.set(v.id, v);
        this.changed();
        return { ok: true, view: { ...v.view, id: v.id, hash: v.hash } };
      }
      case 'views.update': {
        const v = this.views.get(String(args.view_id));
        if (!v) return { ok: false, error: 'not_found' };
        v.view = typeof args.view === 'string' ? JSON.parse(args.view) : (args.view as Record<string, unknown>);
        v.hash = randomUUID();
        this.changed();
        return { ok: true, view: { ...v.view, id: v.id, hash: v.hash } };
      }
      case 'views.publish': {
        const user = String(args.user_id);
        const id = `VHOME${user}`;
        this.views.set(id, { id, hash: randomUUID(), user, view: typeof args.view === 'string' ? JSON.parse(args.view) : (args.view as Record<string, unknown>), kind: 'home' });
        this.changed();
        return { ok: true, view: { id } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /** trigger_id → user, for views.open within 3 seconds. */
  triggers = new Map<string, string>();

  newTrigger(user: string): string {
    const id = `${Date.now()}.${randomUUID().slice(0, 8)}`;
    this.triggers.set(id, user);
    setTimeout(() => this.triggers.delete(id), 3000).unref();
    return id;
  }

  private resolveChannel(ch: string): string {
    return ch.startsWith('U') ? this.dmOf(ch) : ch;
  }

  /** What one user sees: channels, DMs, Home, open modal. */
  stateFor(userId: string) {
    const visible = (m: PgMessage) => !m.ephemeralFor || m.ephemeralFor === userId;
    const channels = [...PLAYGROUND_CHANNELS.map((c) => ({ ...c, dm: false })), { id: this.dmOf(userId), name: 'Studio Ops Bot', dm: true }];
    return {
      version: this.version,
      me: this.users.find((u) => u.id === userId),
      users: this.users,
      channels: channels.map((c) => ({
        ...c,
        messages: this.messages
          .filter((m) => m.channel === c.id && !m.threadTs && visible(m))
          .map((m) => ({ ...m, replies: this.messages.filter((r) => r.channel === c.id && r.threadTs === m.ts && visible(r)) })),
      })),
      home: [...this.views.values()].find((v) => v.kind === 'home' && v.user === userId)?.view,
      modal: [...this.views.values()].filter((v) => v.kind === 'modal' && v.user === userId).at(-1),
      persistence: this.persistence,
    };
  }
}
