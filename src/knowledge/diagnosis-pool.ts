/**
 * Diagnosis off the event loop: "diagnose this text with this knowledge" on a small pool of worker
 * threads, within a time budget, so that no log, however crafted, holds up the bot's acks.
 *
 * - Texts up to `inlineMaxChars` (a pasted message, a failure message) are diagnosed in-process:
 *   with linear patterns that takes well under a millisecond. Anything longer — and so any long
 *   line — goes to a worker.
 * - Workers (1–2, started on first use, reused) run one diagnosis at a time; the rest wait in line
 *   (at most `maxWaiting`, then "busy").
 * - The budget: the engine stops reading at `budgetMs` and answers with what it found, saying how
 *   many lines it read of how many. A worker still busy `graceMs` later (one expression on one
 *   line that will not end) is terminated and replaced; the answer then says how far it had got.
 * - `close()` ends the workers (the bot's stop), so tests and processes exit cleanly.
 *
 * The pool knows nothing of scoring: it hands the worker the knowledge's entries and a text, and
 * the worker's engine (diagnosis-worker.ts) does the rest.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../module-worker.js';
import { type DiagnoseContext, Diagnoser, type Diagnosis } from './diagnose.js';
import { type DiagnosisJob, PROGRESS_LINE, PROGRESS_TOTAL, type WorkerAnswer, type WorkerSetup, fromWire } from './diagnosis-wire.js';
import type { ErrorEntry } from './load.js';

/** Anything that diagnoses text: the pool, or (tests, the CLI) an in-process Diagnoser. */
export interface TextDiagnoser {
  readonly entries: readonly ErrorEntry[];
  lookup(query: string): ErrorEntry | undefined;
  diagnose(text: string, context?: DiagnoseContext): Diagnosis | Promise<Diagnosis>;
}

export interface DiagnosisPoolOptions {
  /** How long one diagnosis may read (default 5 s). */
  budgetMs?: number;
  /** Worker threads (default: 1 on two cores, 2 on more). */
  workers?: number;
  /** Texts up to this many characters are diagnosed in-process (default 8,192). */
  inlineMaxChars?: number;
  /** How long past the budget a worker may stay busy before it is terminated (default 1 s). */
  graceMs?: number;
  /** Diagnoses waiting for a worker before more are refused (default 32). */
  maxWaiting?: number;
}

export class DiagnosisBusyError extends Error {
  constructor(waiting: number) {
    super(`${waiting} diagnoses are already waiting; try again in a minute.`);
    this.name = 'DiagnosisBusyError';
  }
}

interface Job {
  id: number;
  text: string;
  context: DiagnoseContext;
  resolve: (d: Diagnosis) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  progress: Int32Array;
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
}

/** A worker's heap: room for the largest log read (20 MB of text) and its lines, no more. */
const WORKER_HEAP_MB = 192;

function startWorker(setup: WorkerSetup): Worker {
  // A heap of its own as bounded as production's (npm run start:prod).
  return moduleWorker(import.meta.url, 'diagnosis-worker', { workerData: setup, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
}

export class DiagnosisPool implements TextDiagnoser {
  readonly budgetMs: number;
  private readonly local: Diagnoser;
  private readonly byId: ReadonlyMap<string, ErrorEntry>;
  private readonly size: number;
  private readonly inlineMaxChars: number;
  private readonly graceMs: number;
  private readonly maxWaiting: number;
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers terminated for running past their budget. */
  replaced = 0;

  constructor(
    readonly entries: readonly ErrorEntry[],
    o: DiagnosisPoolOptions = {},
  ) {
    this.local = new Diagnoser(entries);
    this.byId = new Map(entries.map((e) => [e.id, e]));
    this.budgetMs = o.budgetMs ?? 5000;
    this.size = Math.max(1, o.workers ?? Math.min(2, availableParallelism() - 1));
    this.inlineMaxChars = o.inlineMaxChars ?? 8192;
    this.graceMs = o.graceMs ?? 1000;
    this.maxWaiting = o.maxWaiting ?? 32;
  }

  lookup(query: string): ErrorEntry | undefined {
    return this.local.lookup(query);
  }

  /** Diagnose `text` (a log, a message) within the budget: in-process when short, otherwise on a worker. */
  diagnose(text: string, context: DiagnoseContext = {}): Promise<Diagnosis> {
    if (this.closed) return Promise.reject(new Error('The diagnosis pool is stopped.'));
    if (text.length + (context.failMsg?.length ?? 0) <= this.inlineMaxChars) return Promise.resolve(this.local.diagnose(text, context));
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new DiagnosisBusyError(this.waiting.length));
    return new Promise<Diagnosis>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, text, context, resolve, reject });
      this.dispatch();
    });
  }

  get stats(): { workers: number; busy: number; waiting: number; replaced: number } {
    return { workers: this.slots.length, busy: this.slots.filter((s) => s.job).length, waiting: this.waiting.length, replaced: this.replaced };
  }

  /** End every worker; diagnoses waiting or running are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const stopped = new Error('The bot is stopping; the diagnosis was not finished.');
    for (const j of this.waiting.splice(0)) j.reject(stopped);
    await Promise.all(
      this.slots.splice(0).map((s) => {
        clearTimeout(s.timer);
        s.job?.reject(stopped);
        return s.worker.terminate();
      }),
    );
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.waiting.shift()!;
      slot.job = job;
      slot.worker.ref(); // a worker on a job keeps the process alive until it answers
      const msg: DiagnosisJob = { id: job.id, text: job.text, context: job.context, budgetMs: this.budgetMs };
      slot.worker.postMessage(msg);
      if (slot.ready) this.armTimer(slot);
    }
  }

  private spawn(): Slot {
    const progress = new SharedArrayBuffer(8);
    const worker = startWorker({ entries: this.entries, progress });
    const slot: Slot = { worker, progress: new Int32Array(progress), ready: false };
    this.slots.push(slot);
    worker.on('message', (m: WorkerAnswer) => {
      if ('ready' in m) {
        slot.ready = true;
        if (slot.job) this.armTimer(slot);
        return;
      }
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      clearTimeout(slot.timer);
      slot.job = undefined;
      slot.worker.unref();
      if ('error' in m) job.reject(new Error(`The diagnosis failed: ${m.error}`));
      else job.resolve(fromWire(m.diagnosis, this.byId));
      this.dispatch();
    });
    const lost = (why: string) => {
      if (!this.slots.includes(slot)) return; // terminated on purpose
      this.drop(slot);
      slot.job?.reject(new Error(`The diagnosis worker stopped (${why}).`));
      this.dispatch();
    };
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    worker.unref(); // after the listeners (a 'message' listener refs the port): an idle worker never keeps the process alive
    return slot;
  }

  /** Terminate the slot's worker if it is still on its job past the budget and the grace. */
  private armTimer(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      const job = slot.job;
      if (!job) return;
      this.drop(slot);
      this.replaced++;
      void slot.worker.terminate();
      job.resolve(this.stoppedEarly(slot));
      this.dispatch(); // a new worker takes the next job
    }, this.budgetMs + this.graceMs);
  }

  private drop(slot: Slot): void {
    clearTimeout(slot.timer);
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  /** The answer of a worker that had to be stopped: how far it had read, and what to do. */
  private stoppedEarly(slot: Slot): Diagnosis {
    const reached = Atomics.load(slot.progress, PROGRESS_LINE);
    const totalLines = Atomics.load(slot.progress, PROGRESS_TOTAL);
    const linesRead = Math.max(0, reached - 1);
    return {
      findings: [],
      salient: [],
      nextSteps: [
        `The diagnosis did not finish line ${reached} within its time budget, so no cause is given. Open the full log (\`/cz logs <run-id>\`) and look from line ${Math.max(1, reached)} on.`,
      ],
      coverage: { complete: false, linesRead, totalLines, budgetMs: this.budgetMs },
    };
  }
}
