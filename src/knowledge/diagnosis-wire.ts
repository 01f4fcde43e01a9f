/**
 * What the diagnosis pool and its workers say to each other. A diagnosis crosses the thread
 * boundary with each finding's entry named by id (the pool gives back its own entry objects).
 */
import type { Diagnosis, DiagnoseContext, Finding } from './diagnose.js';
import type { ErrorEntry } from './load.js';

/** Given to a worker when it starts: the knowledge, and where to write its progress. */
export interface WorkerSetup {
  entries: readonly ErrorEntry[];
  /** Int32Array over a SharedArrayBuffer: [PROGRESS_LINE] the line reached, [PROGRESS_TOTAL] the text's lines. */
  progress: SharedArrayBuffer;
}
export const PROGRESS_LINE = 0;
export const PROGRESS_TOTAL = 1;

export interface DiagnosisJob {
  id: number;
  text: string;
  context: DiagnoseContext;
  budgetMs: number;
}

export type WireDiagnosis = Omit<Diagnosis, 'findings'> & { findings: (Omit<Finding, 'entry'> & { entry: string })[] };

export type WorkerAnswer = { id: number; diagnosis: WireDiagnosis } | { id: number; error: string } | { ready: true };

export function toWire(d: Diagnosis): WireDiagnosis {
  return { ...d, findings: d.findings.map((f) => ({ ...f, entry: f.entry.id })) };
}

export function fromWire(d: WireDiagnosis, byId: ReadonlyMap<string, ErrorEntry>): Diagnosis {
  return { ...d, findings: d.findings.flatMap((f) => (byId.has(f.entry) ? [{ ...f, entry: byId.get(f.entry)! }] : [])) };
}
