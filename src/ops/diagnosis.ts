/**
 * Diagnosis of runs and of arbitrary text (an alert from another tool), on top of the knowledge
 * engine: fetch the run's log and context, or find a run reference in a message. The text itself
 * is diagnosed by a TextDiagnoser — the bot's is the pool that keeps long texts off the event loop.
 */
import { type Diagnosis, runKind } from '../knowledge/diagnose.js';
import type { TextDiagnoser } from '../knowledge/diagnosis-pool.js';
import { EntrySearch } from '../knowledge/entry-search.js';
import type { ErrorEntry, Knowledge } from '../knowledge/load.js';
import type { CauseHistory, CauseMemory } from '../store/memory.js';
import type { Remote } from '../store/remote.js';
import type { StudioClient } from '../studio/client.js';
import type { Run } from '../studio/models.js';
import { outputOf } from '../studio/task-sql.js';
import { getRunOrExplain } from './read.js';

/** How much of a log is read for a diagnosis. */
export const DIAGNOSE_MAX_CHARS = 20_000_000;

export interface RunDiagnosis {
  run: Run;
  /** The table the task's SQL writes, when it says so (for the suggested checks). */
  outputTable?: string;
  diagnosis: Diagnosis;
  attemptCount: number;
  truncated: boolean;
  /** What this workspace remembers of each cause found (its resolved cards). */
  history?: ReadonlyMap<string, CauseHistory>;
}

/** `memory`: this workspace's resolved cards, which rank the causes confirmed here a little higher. */
export async function diagnoseRun(studio: StudioClient, diagnoser: TextDiagnoser, runId: number, memory?: Remote<CauseMemory>): Promise<RunDiagnosis> {
  const run = await getRunOrExplain(studio, runId);
  const attempts = (await studio.listAttempts(runId)).slice().sort((a, b) => (a.startTime ?? a.id) - (b.startTime ?? b.id));
  const last = attempts.at(-1);
  const log = last ? await studio.readLog(runId, last.id, DIAGNOSE_MAX_CHARS) : { text: '', truncated: false };
  const diagnosis = await diagnoser.diagnose(log.text, {
    taskType: run.taskType.kind?.key,
    runType: runKind(run),
    runStatus: run.status.label,
    failMsg: run.failMsg,
    confirmed: await memory?.confirmed(),
  });
  // The suggested checks name the run's own table when the task's SQL says which it writes.
  const outputTable = await studio
    .getTask(run.taskId)
    .then((t) => outputOf(t.content)?.table)
    .catch(() => undefined);
  const history = await memory?.ofMany(diagnosis.findings.map((f) => f.entry.id));
  return { run, outputTable, diagnosis, attemptCount: attempts.length, truncated: log.truncated, history };
}

/** A run id mentioned in a message: a Studio run link, or "run 7000022" / "taskInstanceId=7000022". */
export function findRunReference(text: string): number | undefined {
  const m = /\/ops\/taskInst\/(\d{4,15})/.exec(text) ?? /\b(?:task\s*instance(?:\s*id)?|taskInstanceId|run(?:\s*id)?|instance)\s*[#:=]?\s*(\d{5,15})\b/i.exec(text);
  return m ? Number(m[1]) : undefined;
}

export type ExplainResult = { kind: 'entry'; entry: ErrorEntry } | { kind: 'diagnosis'; diagnosis: Diagnosis; closest?: ErrorEntry[] };

/** Character pairs of a text, lower-cased, spaces and punctuation dropped (works for Chinese and English alike). */
function bigrams(text: string): Set<string> {
  const t = text.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, ' ');
  const out = new Set<string>();
  for (const word of t.split(' ').filter(Boolean)) {
    if (word.length === 1) out.add(word);
    for (let i = 0; i + 1 < word.length; i++) out.add(word.slice(i, i + 2));
  }
  return out;
}

/** How alike two texts are, 0..1 (Dice coefficient of their character pairs). */
function likeness(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return (2 * shared) / (a.size + b.size);
}

/** The entries nearest a query that matched none: by id, title, codes and messages. */
export function closestEntries(entries: readonly ErrorEntry[], query: string, n = 3): ErrorEntry[] {
  const q = bigrams(query);
  return entries
    .map((e) => ({ e, score: Math.max(...[e.id, e.title, ...e.match.codes, ...e.match.messages].map((t) => likeness(q, bigrams(t)))) }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, n)
    .map((x) => x.e);
}

/** One search index per knowledge table. */
const searches = new WeakMap<readonly ErrorEntry[], EntrySearch>();
function searchOf(entries: readonly ErrorEntry[]): EntrySearch {
  let s = searches.get(entries);
  if (!s) {
    s = new EntrySearch(entries);
    searches.set(entries, s);
  }
  return s;
}

/**
 * `/cz explain`: an entry by id or code, else a diagnosis of the text, else the entry whose title,
 * symptoms, signals or cause the words describe when one is clearly ahead; when nothing matches, what
 * was looked for and the closest entries (never "try /cz explain" — that is what was just done).
 */
export async function explain(diagnoser: TextDiagnoser, query: string): Promise<ExplainResult> {
  const entry = diagnoser.lookup(query);
  if (entry) return { kind: 'entry', entry };
  if (/^\s*(?:\d{1,9}|\S{1,2})\s*$/.test(query)) {
    // A bare number or a character or two (`/cz explain 0`) is no entry, code or error line.
    const nextSteps = [
      `\`/cz explain\` takes an entry id, an error code or an error line; "${query.trim()}" is none of these.`,
      'For example `/cz explain CZLH-57015`, `/cz explain engine.sql_syntax` or `/cz explain Access denied for user`. To diagnose a run, use the Diagnose button on its card or `/cz run <run-id>`.',
    ];
    return { kind: 'diagnosis', diagnosis: { findings: [], salient: [], nextSteps, coverage: { complete: true, linesRead: 1, totalLines: 1 } }, closest: [] };
  }
  const diagnosis = await diagnoser.diagnose(query);
  if (diagnosis.findings.length > 0) return { kind: 'diagnosis', diagnosis };
  // A symptom in a person's words ("DWS not updated"), not a log line: the entry it describes.
  const search = searchOf(diagnoser.entries);
  const described = search.best(query);
  if (described) return { kind: 'entry', entry: described };
  const ranked = search.search(query, 3).map((m) => m.entry);
  const closest = ranked.length > 0 ? ranked : closestEntries(diagnoser.entries, query);
  const nextSteps = [
    `Looked for an entry id or error code (such as CZLH-57015 or SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION), for the messages and patterns of all ${diagnoser.entries.length} entries, and for the titles, symptoms and causes the words describe, in English and Chinese; none is clearly meant.`,
    closest.length > 0 ? `Closest entries: ${closest.map((e) => `\`${e.id}\` (${e.title})`).join(', ')} — \`/cz explain <entry-id>\` shows one.` : 'No entry is close to it.',
    'Paste the whole error line as the log shows it (codes and exception names match best), or diagnose the run itself: the Diagnose button on its card or `/cz run <run-id>`.',
  ];
  return { kind: 'diagnosis', diagnosis: { ...diagnosis, nextSteps }, closest };
}

export type TypeMappingSource = Knowledge['typeMappings']['sources'][number];

/** `/cz types <source>`: a source by id, name or alias. */
export function findTypeMappings(k: Knowledge, query: string): TypeMappingSource | undefined {
  const q = query.trim().toLowerCase();
  return k.typeMappings.sources.find((s) => s.id === q || s.name.toLowerCase() === q || s.aliases.some((a) => a.toLowerCase() === q));
}
