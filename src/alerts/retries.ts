/**
 * Studio's own retries, as the alert watcher reads them (issue 33, item 1).
 *
 * A task's published schedule says how often Studio retries a failed attempt and after how long
 * (`retryCount`, `retryIntervalTime` + `retryIntervalTimeUnit`, the fields cz-cli reads and
 * saves; `scheduleTask/getDetail` serves them); a run's attempts are listed by `taskInst/execute/logs`. Between two attempts Studio's
 * list may show the run FAILED: that is not the final failure while retries are left and the
 * next attempt is still due. The final failure's card carries the first attempt's error (the
 * later attempts often fail of the first one's leftovers): the failure message seen while the
 * retry was pending, else the decisive line of the first attempt's log.
 *
 * A run that recovers on a retry is remembered from the poll that saw it failing, so a quiet note
 * can say so; what is remembered lives in this process (after a restart, such a recovery passes
 * without a note, and the first error is read from the log).
 */
import { readLog } from '../knowledge/log-reader.js';
import type { StudioClient } from '../studio/client.js';
import type { Attempt, Run } from '../studio/models.js';

/** Retry settings of a task, as its published schedule holds them. */
export interface RetrySettings {
  retries: number;
  intervalMs: number;
}

export type RetryVerdict =
  /** Retries are left and the next attempt is due: not a failure yet. */
  | { kind: 'retrying'; attempt: number; retries: number }
  /** The run's failure is final: after `attempts` attempts; the first attempt's error when there were several. */
  | { kind: 'final'; attempts: number; firstError?: string; lastError?: string };

/** A run seen failing with retries left. */
export interface PendingRetry {
  runId: number;
  taskId: number;
  taskName: string;
  firstError: string | undefined;
  seenAt: number;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** How long past the retry interval a run may still show FAILED before its failure counts as final (Studio may be slow to start the retry). */
const RETRY_GRACE_MS = 10 * 60_000;

/** The retry settings as read (no retry count: no retries; no interval: cz-cli's default, 1 minute). */
export function retrySettingsOf(raw: Record<string, unknown>, retryCount: number | undefined): RetrySettings {
  const n = Number(raw.retryIntervalTime ?? 1);
  const unit = UNIT_MS[String(raw.retryIntervalTimeUnit ?? 'm').toLowerCase()] ?? 60_000;
  return { retries: Math.max(0, retryCount ?? 0), intervalMs: (Number.isFinite(n) && n >= 0 ? n : 1) * unit };
}

/** The decisive error of an attempt's log, without its time stamp and level. */
export function attemptError(log: string): string | undefined {
  const found = readLog(log, { runStatus: 'FAILED' });
  const line = found?.lines.find((l) => l.line > 0)?.text ?? found?.lines[0]?.text;
  return line
    ?.replace(/^\s*\d{4}-\d{2}-\d{2}[ T][\d:.,]+\s*/, '')
    .replace(/^\[(?:ERROR|FATAL|WARN|INFO)\]\s*/, '')
    .trim();
}

export class RetryReader {
  private readonly settings = new Map<number, { value: RetrySettings }>();
  private readonly pending = new Map<number, PendingRetry>();

  constructor(
    private readonly studio: StudioClient,
    private readonly now: () => number,
  ) {}

  /** A poll begins: retry settings are read again (once per task and poll), so a changed schedule counts at once. */
  beginPoll(): void {
    this.settings.clear();
  }

  async settingsOf(taskId: number): Promise<RetrySettings> {
    const cached = this.settings.get(taskId);
    if (cached) return cached.value;
    // The schedule as published is what Studio runs (the task's configuration may be a draft).
    const schedule = await this.studio.getScheduleDetail(taskId).catch(() => undefined);
    const value = retrySettingsOf({ retryIntervalTime: schedule?.retryIntervalTime, retryIntervalTimeUnit: schedule?.retryIntervalTimeUnit }, schedule?.retryCount);
    this.settings.set(taskId, { value });
    return value;
  }

  /** Whether a FAILED run is final, and if so after how many attempts and with which first error. */
  async verdict(run: Run): Promise<RetryVerdict> {
    const { retries, intervalMs } = await this.settingsOf(run.taskId);
    const remembered = this.pending.get(run.id);
    if (retries === 0 && !remembered) return { kind: 'final', attempts: 1 };
    const attempts = this.ofThisTrigger(run, await this.studio.listAttempts(run.id));
    const end = run.endTime ?? this.now();
    const n = attempts.length;
    if (n > 0 && n <= retries && this.now() - end < intervalMs + RETRY_GRACE_MS) {
      // The first attempt's message is the run's while it waits for its first retry.
      if (!remembered) this.pending.set(run.id, { runId: run.id, taskId: run.taskId, taskName: run.taskName, firstError: n === 1 ? run.failMsg : undefined, seenAt: this.now() });
      return { kind: 'retrying', attempt: n, retries };
    }
    this.pending.delete(run.id);
    if (n <= 1) return { kind: 'final', attempts: Math.max(1, n) };
    const firstError = remembered?.firstError ?? (await this.firstAttemptError(run, attempts));
    return { kind: 'final', attempts: n, firstError, lastError: run.failMsg };
  }

  /** How many attempts the run has made since it was last triggered. */
  async attemptsOf(run: Run): Promise<number> {
    return this.ofThisTrigger(run, await this.studio.listAttempts(run.id)).length;
  }

  /** Runs seen failing with retries left, not seen final since. */
  pendingRuns(): PendingRetry[] {
    return [...this.pending.values()];
  }

  /** A pending run ended (it succeeded, or is gone from view): forget it. */
  forget(runId: number): void {
    this.pending.delete(runId);
  }

  /** The attempts since the run was last triggered (a rerun's retries are its own), oldest first. */
  private ofThisTrigger(run: Run, attempts: Attempt[]): Attempt[] {
    const sorted = [...attempts].sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0) || a.id - b.id);
    const since = run.triggerTime;
    const mine = since === undefined ? sorted : sorted.filter((a) => (a.startTime ?? a.createdAt ?? 0) >= since);
    return mine.length ? mine : sorted;
  }

  private async firstAttemptError(run: Run, attempts: Attempt[]): Promise<string | undefined> {
    const first = attempts.find((a) => a.result === 'FAILED') ?? attempts[0];
    if (!first) return undefined;
    try {
      return attemptError((await this.studio.getLogPage(run.id, first.id, 'tail')).text);
    } catch {
      return undefined; // the log cannot be read: the card keeps the final message
    }
  }
}
