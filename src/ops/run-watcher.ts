/**
 * Follows runs that someone reran from Slack until they finish, then tells that person (through
 * whatever `notify` does), so nobody has to poll by hand. Survives restarts: watches are stored.
 */
import type { Remote } from '../store/remote.js';
import type { OperationStore, RunWatch } from '../store/operations.js';
import type { StudioClient } from '../studio/client.js';
import { isTerminalStatus } from '../studio/enums.js';
import type { Run } from '../studio/models.js';

export type RunFinishedNotify = (watch: RunWatch, run: Run) => Promise<void>;

export interface RunWatcherOptions {
  intervalMs: number;
  /** Give up following a run after this long. */
  maxAgeMs?: number;
  now?: () => number;
  onError?: (e: unknown) => void;
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
