/**
 * Diagnosis of runs and of arbitrary text (an alert from another tool), on top of the knowledge
 * engine: fetch the run's log and context, or find a run reference in a message.
 */
import type { Diagnoser, Diagnosis } from '../knowledge/diagnose.js';
import type { ErrorEntry, Knowledge } from '../knowledge/load.js';
import type { StudioClient } from '../studio/client.js';
import type { Run } from '../studio/models.js';
import { getRunOrExplain } from './read.js';

/** How much of a log is read for a diagnosis. */
export const DIAGNOSE_MAX_CHARS = 20_000_000;

export interface RunDiagnosis {
  run: Run;
  diagnosis: Diagnosis;
  attemptCount: number;
  truncated: boolean;
}

export async function diagnoseRun(studio: StudioClient, diagnoser: Diagnoser, runId: number): Promise<RunDiagnosis> {
  const run = await getRunOrExplain(studio, runId);
  const attempts = (await studio.listAttempts(runId)).slice().sort((a, b) => (a.startTime ?? a.id) - (b.startTime ?? b.id));
  const last = attempts.at(-1);
  const log = last ? await studio.readLog(runId, last.id, DIAGNOSE_MAX_CHARS) : { text: '', truncated: false };
  const diagnosis = diagnoser.diagnose(log.text, { taskType: run.taskType.kind?.key, runStatus: run.status.label, failMsg: run.failMsg });
  return { run, diagnosis, attemptCount: attempts.length, truncated: log.truncated };
}

/** A run id mentioned in a message: a Studio run link, or "run 7000022" / "taskInstanceId=7000022". */
export function findRunReference(text: string): number | undefined {
  const m = /\/ops\/taskInst\/(\d{4,15})/.exec(text) ?? /\b(?:task\s*instance(?:\s*id)?|taskInstanceId|run(?:\s*id)?|instance)\s*[#:=]?\s*(\d{5,15})\b/i.exec(text);
  return m ? Number(m[1]) : undefined;
}

export type ExplainResult = { kind: 'entry'; entry: ErrorEntry } | { kind: 'diagnosis'; diagnosis: Diagnosis };

/** `/cz explain`: an entry by id or code, else a diagnosis of the text. */
export function explain(diagnoser: Diagnoser, query: string): ExplainResult {
  const entry = diagnoser.lookup(query);
  if (entry) return { kind: 'entry', entry };
  return { kind: 'diagnosis', diagnosis: diagnoser.diagnose(query) };
}

export type TypeMappingSource = Knowledge['typeMappings']['sources'][number];

/** `/cz types <source>`: a source by id, name or alias. */
export function findTypeMappings(k: Knowledge, query: string): TypeMappingSource | undefined {
  const q = query.trim().toLowerCase();
  return k.typeMappings.sources.find((s) => s.id === q || s.name.toLowerCase() === q || s.aliases.some((a) => a.toLowerCase() === q));
}
