/** Wizard sessions: one active per person, resumable after a restart, expiring when abandoned. */
import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';

export type WizardStatus = 'asking' | 'confirming' | 'executing' | 'done' | 'cancelled' | 'expired' | 'undoing' | 'undone';

export interface WizardSession {
  id: string;
  userId: string;
  channelId: string;
  status: WizardStatus;
  answers: Record<string, string>;
  /** Questions answered by the pasted document. */
  fromDoc: string[];
  /** Question ids in the order they were answered (for Back). */
  history: string[];
  currentQuestion: string | null;
  /** The message that shows the current question (or the plan / progress). */
  messageTs: string | null;
  progress: unknown;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

type Row = Record<string, unknown>;

function toSession(r: Row): WizardSession {
  return {
    id: String(r.id),
    userId: String(r.user_id),
    channelId: String(r.channel_id),
    status: r.status as WizardStatus,
    answers: JSON.parse(String(r.answers)),
    fromDoc: JSON.parse(String(r.from_doc)),
    history: JSON.parse(String(r.history)),
    currentQuestion: (r.current_question as string | null) ?? null,
    messageTs: (r.message_ts as string | null) ?? null,
    progress: r.progress ? JSON.parse(String(r.progress)) : null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    expiresAt: Number(r.expires_at),
  };
}

export class WizardStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly ttlMs: number,
    /** This replica: the owner of the builds it runs (see recover). */
    readonly replica: string = 'local',
  ) {}

  /** A new session for the user; an older active one is closed. */
  start(userId: string, channelId: string): WizardSession {
    const t = this.now();
    this.db.prepare("UPDATE wizard_sessions SET status = 'cancelled', updated_at = ? WHERE user_id = ? AND status IN ('asking', 'confirming')").run(t, userId);
    const id = randomUUID();
    this.db
      .prepare("INSERT INTO wizard_sessions(id, user_id, channel_id, status, created_at, updated_at, expires_at) VALUES (?, ?, ?, 'asking', ?, ?, ?)")
      .run(id, userId, channelId, t, t, t + this.ttlMs);
    return this.get(id)!;
  }

  get(id: string): WizardSession | undefined {
    const r = this.db.prepare('SELECT * FROM wizard_sessions WHERE id = ?').get(id) as Row | undefined;
    if (!r) return undefined;
    const s = toSession(r);
    if ((s.status === 'asking' || s.status === 'confirming') && this.now() > s.expiresAt) {
      this.update(s.id, { status: 'expired' });
      return { ...s, status: 'expired' };
    }
    return s;
  }

  active(userId: string): WizardSession | undefined {
    const r = this.db
      .prepare("SELECT id FROM wizard_sessions WHERE user_id = ? AND status IN ('asking', 'confirming', 'executing') ORDER BY created_at DESC LIMIT 1")
      .get(userId) as { id: string } | undefined;
    const s = r ? this.get(r.id) : undefined;
    return s && s.status !== 'expired' ? s : undefined;
  }

  /** Sessions in one of these states. */
  withStatus(...statuses: WizardStatus[]): WizardSession[] {
    return (this.db.prepare(`SELECT * FROM wizard_sessions WHERE status IN (${statuses.map(() => '?').join(',')})`).all(...statuses) as Row[]).map(toSession);
  }

  /**
   * Move a session from one of `from` to `to`; false when it was in none of them (another click
   * won, here or on another replica). A build (executing, undoing) is owned by this replica.
   */
  transition(id: string, from: WizardStatus[], to: WizardStatus): boolean {
    const owns = to === 'executing' || to === 'undoing';
    const r = this.db
      .prepare(`UPDATE wizard_sessions SET status = ?, updated_at = ?${owns ? ', owner = ?' : ''} WHERE id = ? AND status IN (${from.map(() => '?').join(',')})`)
      .run(to, this.now(), ...(owns ? [this.replica] : []), id, ...from);
    return r.changes === 1;
  }

  /** Builds in progress (executing, undoing) and the replica running each. */
  builds(): { session: WizardSession; owner: string | null }[] {
    return (this.db.prepare("SELECT * FROM wizard_sessions WHERE status IN ('executing', 'undoing')").all() as Row[]).map((r) => ({
      session: toSession(r),
      owner: (r.owner as string | null) ?? null,
    }));
  }

  update(id: string, patch: Partial<Omit<WizardSession, 'id' | 'userId' | 'createdAt'>>): WizardSession {
    const cols: Record<string, string> = {
      channelId: 'channel_id',
      status: 'status',
      answers: 'answers',
      fromDoc: 'from_doc',
      history: 'history',
      currentQuestion: 'current_question',
      messageTs: 'message_ts',
      progress: 'progress',
      expiresAt: 'expires_at',
    };
    const sets = ['updated_at = @updatedAt', 'expires_at = @expiresAt'];
    const t = this.now();
    const args: Record<string, unknown> = { id, updatedAt: t, expiresAt: patch.expiresAt ?? t + this.ttlMs };
    for (const [k, v] of Object.entries(patch)) {
      if (k === 'expiresAt' || !(k in cols)) continue;
      sets.push(`${cols[k]} = @${k}`);
      args[k] = typeof v === 'object' && v !== null ? JSON.stringify(v) : v;
    }
    this.db.prepare(`UPDATE wizard_sessions SET ${sets.join(', ')} WHERE id = @id`).run(args);
    return this.get(id)!;
  }
}
