/**
 * One replica at a time does the background work of a workspace (its database): the alert poller,
 * the outbox sender, the run watcher, the verification loop, the audit anchor, and settling what
 * dead replicas left unfinished. It holds a lease in the database (src/store/leases.ts), renewed
 * every third of its length; it stops that work when a renewal fails or another replica holds
 * the lease, and considers itself the holder only until two thirds of the lease have passed since
 * its last renewal, so two replicas never both act as leader while their clocks agree. When the
 * holder dies its lease runs out and the next replica to try takes it: within the lease's length
 * plus a third (20 s with the default 15 s lease). A clean stop gives the lease up at once.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { LeaseStore } from '../store/leases.js';
import type { Remote } from '../store/remote.js';

export interface LeadershipOptions {
  store: Remote<LeaseStore>;
  /** The lease's name (one per database: `leader`). */
  name: string;
  /** This replica (REPLICA_ID or the host name). */
  replica: string;
  ttlMs: number;
  logger: Logger;
  /** Took the lease: start the work (resume the outbox, settle what dead replicas left …). */
  onElected: (term: number) => Promise<void> | void;
  /** Lost or gave up the lease: stop the work. */
  onDeposed: () => Promise<void> | void;
  /** While holding it, at every renewal (settle what replicas that died since left …). */
  onRenewed?: () => Promise<void> | void;
  /** What the log calls it (the workspace). */
  label?: string;
}

export class Leadership {
  /** This process's run: a restart with the same replica id is a new incarnation. */
  readonly incarnation = randomUUID();
  private leader = false;
  private validUntil = 0;
  private term = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private readonly startedAt = Date.now();
  private work: Promise<void> = Promise.resolve();
  private renewing = false;

  constructor(private readonly o: LeadershipOptions) {}

  /** Holds the lease now (and its last renewal is recent enough to act on). */
  isLeader(): boolean {
    return this.leader && Date.now() < this.validUntil;
  }

  /** Try at once (and, holding it, start the work), then every third of the lease. */
  async start(): Promise<void> {
    await this.tick();
    await this.work;
    this.timer = setInterval(() => void this.tick(), Math.max(200, Math.floor(this.o.ttlMs / 3)));
    this.timer.unref();
  }

  tick(): Promise<void> {
    this.ticking ??= this.once().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async once(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    let held = false;
    try {
      // Another live process writing heartbeats under this replica id (after this one started) would take turns with it.
      const seen = await this.o.store.replica(this.o.replica);
      if (seen && seen.incarnation !== this.incarnation && seen.heartbeatAt > this.startedAt) {
        this.o.logger.error(
          { replica: this.o.replica, workspace: this.o.label },
          'another running process uses this REPLICA_ID: give each replica its own; this one does no background work',
        );
        this.stopped = true;
        if (this.leader) {
          this.leader = false;
          await this.queue(() => this.o.onDeposed(), 'stopping the background work');
        }
        return;
      }
      await this.o.store.heartbeat(this.o.replica, this.incarnation, now);
      const r = await this.o.store.acquire(this.o.name, this.o.replica, this.incarnation, now, this.o.ttlMs);
      held = r.held;
      if (r.held) {
        this.validUntil = now + Math.floor((this.o.ttlMs * 2) / 3);
        this.term = r.term;
      }
    } catch (e) {
      this.o.logger.warn({ err: (e as Error).message, workspace: this.o.label }, 'lease not renewed');
      // Keep acting only while the last renewal still covers it.
      held = this.leader && Date.now() < this.validUntil;
    }
    // The work runs beside the renewals (settling a dead replica's writes may wait on Studio; the lease must not lapse meanwhile).
    if (held && !this.leader) {
      this.leader = true;
      this.o.logger.info({ replica: this.o.replica, term: this.term, workspace: this.o.label }, 'took the lease: this replica does the background work');
      const term = this.term;
      void this.queue(() => this.o.onElected(term), 'starting the background work');
    } else if (held && this.o.onRenewed && !this.renewing) {
      this.renewing = true;
      void this.queue(() => this.o.onRenewed?.(), 'background work').finally(() => {
        this.renewing = false;
      });
    } else if (!held && this.leader) {
      this.leader = false;
      this.o.logger.warn({ replica: this.o.replica, workspace: this.o.label }, 'lost the lease: background work stops here');
      await this.queue(() => this.o.onDeposed(), 'stopping the background work');
    }
  }

  /** Start, renewal and stop work, one after another (a stop waits for a start under way). */
  private queue(fn: () => Promise<void> | void, what: string): Promise<void> {
    this.work = this.work.then(() => this.run(fn, what));
    return this.work;
  }

  private async run(fn: () => Promise<void> | void, what: string): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.o.logger.warn({ err: (e as Error).message, workspace: this.o.label }, what);
    }
  }

  /** Stop trying; give the lease up (another replica takes it at its next try) and leave. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
    if (this.leader) {
      this.leader = false;
      await this.queue(() => this.o.onDeposed(), 'stopping the background work');
    }
    await this.work;
    try {
      await this.o.store.release(this.o.name, this.incarnation);
      await this.o.store.leave(this.o.replica, this.incarnation);
    } catch {
      // the database is going away too
    }
  }
}
