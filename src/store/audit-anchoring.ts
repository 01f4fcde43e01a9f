/**
 * When the audit chain's head is anchored outside the database, and where.
 *
 * While the log grows: after an append, an anchor within `batchMs` (AUDIT_ANCHOR_SECONDS), at most
 * one per `batchMs` — a row is never unanchored for longer; after an operation's outcome (anything
 * but `requested`, `awaiting_approval` or `approved`), within `settleMs` (one second). Each anchor
 * goes to every sink: the anchors file beside the database, the log (at any LOG_LEVEL but silent), and when configured
 * a mirror file and a Slack channel (a sink may take at most one anchor per interval, the newest).
 * The process that appended anchors: with replicas, each anchors what it wrote (the head then,
 * with every replica's rows before it).
 */
import type { Logger } from '../logger.js';
import type { AuditLog, AuditOutcome } from './audit.js';
import { type Anchor, anchorLine, appendAnchor } from './audit-key.js';

export interface AnchorSink {
  /** For messages (a path, `log`, `slack`). */
  name: string;
  write(a: Anchor, line: string): void | Promise<void>;
  /** At most one write per this many ms (the newest anchor waits for its turn); unset: every anchor. */
  minIntervalMs?: number;
}

/** What the anchorer needs of the audit log: its signed head, and word of each append (the log itself, or the bot's stores). */
export interface AnchoredChain {
  signedHead(now: number, chain: string): Anchor | Promise<Anchor>;
  onAppended: AuditLog['onAppended'];
}

export interface AnchorerOptions {
  audit: AnchoredChain;
  /** The chain's name in each anchor (the workspace's). */
  chain: string;
  sinks: AnchorSink[];
  /** The longest an appended row waits for an anchor, and the shortest time between two (AUDIT_ANCHOR_SECONDS). */
  batchMs: number;
  /** After an outcome row: an anchor this soon (default one second, or batchMs when shorter). */
  settleMs?: number;
  now?: () => number;
  onError?: (sink: string, e: unknown) => void;
}

/** Outcomes that are not (yet) the end of anything: their rows wait for the batch. */
const IN_PROGRESS: ReadonlySet<AuditOutcome> = new Set(['requested', 'awaiting_approval', 'approved']);

interface SinkState {
  sink: AnchorSink;
  lastAt: number;
  pending?: Anchor;
  timer?: NodeJS.Timeout;
}

export class AuditAnchorer {
  private readonly now: () => number;
  private readonly settleMs: number;
  private timer?: NodeJS.Timeout;
  private dueAt = Number.POSITIVE_INFINITY;
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastHash = '';
  private readonly sinks: SinkState[];
  private readonly unsubscribe: () => void;
  private writes: Promise<void> = Promise.resolve();
  private stopped = false;
  /** One anchoring at a time: the head is read, compared with the last and offered in order. */
  private anchoring: Promise<Anchor | undefined> = Promise.resolve(undefined);

  constructor(private readonly o: AnchorerOptions) {
    this.now = o.now ?? Date.now;
    this.settleMs = Math.min(o.settleMs ?? 1000, o.batchMs);
    this.sinks = o.sinks.map((sink) => ({ sink, lastAt: Number.NEGATIVE_INFINITY }));
    this.unsubscribe = o.audit.onAppended((r) => this.appended(r.outcome));
  }

  private appended(outcome: AuditOutcome): void {
    if (this.stopped) return;
    const t = this.now();
    const due = Math.max(t, this.lastAt + (IN_PROGRESS.has(outcome) ? this.o.batchMs : this.settleMs));
    if (due >= this.dueAt) return;
    clearTimeout(this.timer);
    this.dueAt = due;
    // Rows appended in the same turn of the event loop share one anchor.
    this.timer = setTimeout(() => {
      this.dueAt = Number.POSITIVE_INFINITY;
      this.timer = undefined;
      void this.anchorNow();
    }, due - t);
    this.timer.unref();
  }

  /** Anchor the head now (unless it is the one anchored last); resolves once every sink has it or was told. */
  anchorNow(): Promise<Anchor | undefined> {
    this.anchoring = this.anchoring.then(() => this.anchorOnce());
    return this.anchoring;
  }

  private async anchorOnce(): Promise<Anchor | undefined> {
    let a: Anchor;
    try {
      a = await this.o.audit.signedHead(this.now(), this.o.chain);
    } catch (e) {
      this.o.onError?.('database', e);
      return undefined;
    }
    if (a.rows === 0 || a.hash === this.lastHash) return undefined;
    this.lastHash = a.hash;
    this.lastAt = a.at;
    for (const s of this.sinks) this.offer(s, a);
    await this.writes;
    return a;
  }

  private offer(s: SinkState, a: Anchor): void {
    const gap = s.sink.minIntervalMs ?? 0;
    const wait = s.lastAt + gap - a.at;
    if (wait <= 0 || this.stopped) {
      this.write(s, a);
      return;
    }
    s.pending = a;
    if (s.timer) return;
    s.timer = setTimeout(() => {
      s.timer = undefined;
      const p = s.pending;
      s.pending = undefined;
      if (p) this.write(s, p);
    }, wait);
    s.timer.unref();
  }

  private write(s: SinkState, a: Anchor): void {
    s.lastAt = this.now();
    this.writes = this.writes.then(async () => {
      try {
        await s.sink.write(a, anchorLine(a));
      } catch (e) {
        this.o.onError?.(s.sink.name, e);
      }
    });
  }

  /** Stop listening; anchor what was appended since the last anchor and hand every sink its newest. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    clearTimeout(this.timer);
    for (const s of this.sinks) {
      clearTimeout(s.timer);
      s.timer = undefined;
      if (s.pending) this.write(s, s.pending);
      s.pending = undefined;
    }
    await this.anchorNow();
    await this.writes;
  }
}

/** An anchors file: one signed line per anchor. */
export function fileAnchorSink(path: string): AnchorSink {
  return { name: path, write: (a) => appendAnchor(path, a) };
}

/**
 * The log: one `audit chain anchored` line per anchor, at every LOG_LEVEL but `silent` (it is a copy
 * kept outside the database, so `warn` or `error` do not drop it). Undefined with a silent logger.
 */
export function logAnchorSink(logger: Logger, workspace: string): AnchorSink | undefined {
  if (logger.level === 'silent') return undefined;
  const log = logger.child({}, { level: 'info' });
  return { name: 'log', write: (_a, line) => log.info({ auditAnchor: line, workspace }, 'audit chain anchored') };
}
