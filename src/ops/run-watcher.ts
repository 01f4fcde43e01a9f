/**
 * Follows runs that someone reran from Slack until they finish, then tells that person (through
 * whatever `notify` does), so nobody has to poll by hand. Survives restarts: watches are stored.
 * A backfill is watched under its job's id until a run of each of its dates has ended
 * (src/ops/backfill-outcome.ts), then `backfillFinished` says how each date ended.
 */
import type { Remote } from '../store/remote.js';
import type { OperationRecord, OperationStore, RunWatch } from '../store/operations.js';
import { type BackfillOutcome, readBackfillOutcome } from './backfill-outcome.js';
import type { StudioClient } from '../studio/client.js';
import { isTerminalStatus } from '../studio/enums.js';
import type { Run } from '../studio/models.js';

export type RunFinishedNotify = (watch: RunWatch, run: Run) => Promise<void>;
export type BackfillFinishedNotify = (watch: RunWatch, op: OperationRecord, outcome: BackfillOutcome) => Promise<void>;

export interface RunWatcherOptions {
  intervalMs: number;
  /** Give up following a run after this long. */
  maxAgeMs?: number;
  now?: () => number;
  onError?: (e: unknown) => void;
  /** A backfill's dates have all ended (without it, backfills are not followed). */
  backfillFinished?: BackfillFinishedNotify;
}

export class RunWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly now: () => number;

  constructor(
    private readonly studio: StudioClient,
    private readonly ops: Remote<OperationStore>,
    private readonly notify: RunFinishedNotify,
    private readonly opts: RunWatcherOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Check every watched run once; returns how many finished (and were reported). */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let finished = 0;
    try {
      for (const w of await this.ops.activeWatches()) {
        if (this.now() - w.createdAt > (this.opts.maxAgeMs ?? 86_400_000)) {
          await this.ops.finishWatch(w.runId, w.opId);
          continue;
        }
        try {
          const op = await this.ops.get(w.opId);
          if (op?.action === 'backfill') {
            const outcome = this.opts.backfillFinished ? await readBackfillOutcome(this.studio, op, w.runId) : undefined;
            if (!outcome) continue;
            await this.opts.backfillFinished!(w, op, outcome);
            await this.ops.finishWatch(w.runId, w.opId);
            finished++;
            continue;
          }
          const run = await this.studio.getRun(w.runId);
          if (!isTerminalStatus(run.status.code)) continue;
          await this.notify(w, run);
          await this.ops.finishWatch(w.runId, w.opId);
          finished++;
        } catch (e) {
          this.opts.onError?.(e);
        }
      }
    } finally {
      this.running = false;
    }
    return finished;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
