/**
 * A diagnosis worker thread (see diagnosis-pool.ts): builds the engine once from the knowledge it
 * is given, then diagnoses one text at a time within the time budget it is sent, writing the line
 * it has reached and the text's line count into shared memory so that the pool can say how far it
 * got if it has to stop the thread. Everything the diagnosis does happens here, the redaction of
 * its excerpts included.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { countLines, type DiagnoseContext, Diagnoser } from './diagnose.js';
import type { ErrorEntry } from './load.js';
import { type DiagnosisJob, type WorkerAnswer, type WorkerSetup, PROGRESS_LINE, PROGRESS_TOTAL, toWire } from './diagnosis-wire.js';

const setup = workerData as WorkerSetup;
const engine = new Diagnoser(setup.entries as ErrorEntry[]);
const progress = new Int32Array(setup.progress);
const port = parentPort!;

port.on('message', (job: DiagnosisJob) => {
  let answer: WorkerAnswer;
  try {
    Atomics.store(progress, PROGRESS_LINE, 0);
    Atomics.store(progress, PROGRESS_TOTAL, countLines(job.text));
    const stopAt = performance.now() + job.budgetMs;
    const diagnosis = engine.diagnose(job.text, job.context as DiagnoseContext, {
      stopAt,
      budgetMs: job.budgetMs,
      onLine: (line) => Atomics.store(progress, PROGRESS_LINE, line),
    });
    answer = { id: job.id, diagnosis: toWire(diagnosis) };
  } catch (e) {
    answer = { id: job.id, error: (e as Error).message };
  }
  port.postMessage(answer);
});
port.postMessage({ ready: true });
