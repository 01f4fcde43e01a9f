/**
 * Read-side views for `/cz`: tasks, a task with its schedule, runs, a run with its log, log pages,
 * dependencies. Plain typed values; the Block Kit builders render them.
 */
import { nextStudioFireTimes } from '../cron/studio-cron.js';
import { redactSliceWithRuleSet } from '../redaction/index.js';
import type { StudioClient } from '../studio/client.js';
import { closeMatches } from '../studio/close-matches.js';
import { RUN_STATUS_GROUPS, type RunStatusGroup, type TaskKind, isStreamKind } from '../studio/enums.js';
import { type StreamView, describeStream } from './stream-read.js';
import { StudioError } from '../studio/errors.js';
import { formatLocalDateTime } from '../studio/dates.js';
import type { Attempt, DownstreamTask, Folder, Run, ScheduleDetail, TaskConfiguration, TaskDetail, TaskRelationNode, TaskSummary } from '../studio/models.js';

/** Characters of log text one reply shows (a section holds 3000 with the code fences). */
export const LOG_PAGE_CHARS = 2800;

/** Text read on each side of a shown page of log before it is redacted: more than the longest value a rule reads. */
const LOG_CONTEXT_CHARS = 4096;

/**
 * `[winStart, winEnd)` of an attempt's log (offsets in the whole log), redacted with the text around
 * it in view — read from Studio when `known` does not reach far enough — so a secret the page's
 * edge cuts (a token, a key name on the line above, a private key's BEGIN) is masked whole.
 */
async function redactLogWindow(
  studio: StudioClient,
  runId: number,
  attemptId: number,
  known: { text: string; startOffset: number },
  winStart: number,
  winEnd: number,
): Promise<string> {
  let text = known.text;
  let from = known.startOffset;
  try {
    for (let i = 0; i < 2 && from > 0 && winStart - from < LOG_CONTEXT_CHARS; i++) {
      const p = await studio.getLogPage(runId, attemptId, 'prev', from);
      if (p.endOffset !== from || p.text.length === 0) break;
      text = p.text + text;
      from = p.startOffset;
    }
    for (let i = 0; i < 2 && from + text.length - winEnd < LOG_CONTEXT_CHARS; i++) {
      const at = from + text.length;
      const p = await studio.getLogPage(runId, attemptId, 'next', at);
      if (p.startOffset !== at || p.text.length === 0) break;
      text += p.text;
    }
  } catch {
    // The context could not be read: the page is redacted with what is known.
  }
  return redactSliceWithRuleSet(text, winStart - from, winEnd - from);
}

export class FolderLookupError extends Error {
  constructor(
    readonly query: string,
    readonly candidates: string[],
  ) {
    super(candidates.length ? `No folder named "${query}". Did you mean: ${candidates.join(', ')}?` : `No folder named "${query}".`);
    this.name = 'FolderLookupError';
  }
}

/** A run id Studio does not know. */
export class RunLookupError extends Error {
  constructor(
    readonly runId: number,
    studioMessage: string,
  ) {
    super(`Studio has no run ${runId} (${studioMessage}). Run ids are in Studio's run links (…/ops/taskInst/<run-id>) and in \`/cz runs <task>\`.`);
    this.name = 'RunLookupError';
  }
}

export async function getRunOrExplain(studio: StudioClient, runId: number): Promise<Run> {
  try {
    return await studio.getRun(runId);
  } catch (e) {
    if (e instanceof StudioError && e.kind === 'business') throw new RunLookupError(runId, e.message);
    throw e;
  }
}

export interface TaskListView {
  folder: Folder | undefined;
  tasks: (TaskSummary & { folderName: string | undefined })[];
}

export async function listTasksView(studio: StudioClient, q: { folder?: string; type?: TaskKind; nameLike?: string }): Promise<TaskListView> {
  const folders = await studio.listAllFolders();
  let folder: Folder | undefined;
  if (q.folder) {
    folder = folders.find((f) => f.name === q.folder) ?? folders.find((f) => f.name.toLowerCase() === q.folder!.toLowerCase());
    if (!folder)
      throw new FolderLookupError(
        q.folder,
        closeMatches(q.folder, folders, (f) => f.name).map((f) => f.name),
      );
  }
  const names = new Map(folders.map((f) => [f.id, f.name]));
  const tasks = await studio.listAllTasks({ folderId: folder?.id, type: q.type, name: q.nameLike });
  return { folder, tasks: tasks.map((t) => ({ ...t, folderName: t.folderName ?? (t.folderId !== undefined ? names.get(t.folderId) : undefined) })) };
}

export interface TaskView {
  task: TaskDetail;
  config: TaskConfiguration;
  schedule: ScheduleDetail | undefined;
  nextRuns: number[];
  cronProblem: string | undefined;
  relations: TaskRelationNode | undefined;
  latestRun: Run | undefined;
  /** What the draft changes against the published version (empty: they agree; undefined: never published or unknown). */
  draftChanges: string[] | undefined;
  /** Studio's own preview of the next fire times, when it disagrees with ours (local times, as Studio sends them). */
  studioPreviewDiffers: { ours: string[]; studio: string[] } | undefined;
  /** A real-time or CDC task: its stream (state, lag, tables) in place of a schedule. */
  stream?: StreamView;
}

/** How Studio's own preview of a cron compares with our next fire times. */
export type StudioPreviewCheck = { kind: 'agrees'; count: number } | { kind: 'differs'; ours: string[]; studio: string[] } | { kind: 'unavailable' };

/** Our next fire times against Studio's preview of the same cron (one call to Studio). */
export async function checkCronWithStudio(studio: StudioClient, cron: string, ours: number[]): Promise<StudioPreviewCheck> {
  if (ours.length === 0) return { kind: 'unavailable' };
  const theirs = await studio.previewCron(cron).catch(() => undefined);
  if (!theirs || theirs.length === 0) return { kind: 'unavailable' };
  const mine = ours.map((t) => formatLocalDateTime(t, studio.timeZone));
  const n = Math.min(mine.length, theirs.length);
  const norm = (x: string) => x.trim().replace('T', ' ').slice(0, 19);
  return mine.slice(0, n).every((m, i) => norm(theirs[i]!) === m) ? { kind: 'agrees', count: n } : { kind: 'differs', ours: mine.slice(0, n), studio: theirs.slice(0, n) };
}

/** Our next fire times against Studio's preview; undefined when they agree or Studio cannot say. */
export async function crossCheckCron(studio: StudioClient, cron: string, ours: number[]): Promise<{ ours: string[]; studio: string[] } | undefined> {
  const c = await checkCronWithStudio(studio, cron, ours);
  return c.kind === 'differs' ? { ours: c.ours, studio: c.studio } : undefined;
}

/** What the draft changes against what is published: content, parameters, schedule, upstreams, cluster, retries. */
export async function draftChanges(studio: StudioClient, task: TaskDetail, config: TaskConfiguration): Promise<string[] | undefined> {
  if (!task.version) return undefined;
  const published = await studio.getPublishedVersion(task.id, task.version).catch(() => undefined);
  if (!published) return undefined;
  const p = published.configuration;
  const out: string[] = [];
  if (published.content !== task.content) out.push('content');
  const params = (l: { key: string; value: string }[]) => JSON.stringify(l.map((x) => [x.key, x.value]).sort());
  if (params(published.params) !== params(task.params)) out.push('parameters');
  if ((p.cron ?? '') !== (config.cron ?? '')) out.push(`schedule \`${p.cron ?? 'none'}\` → \`${config.cron ?? 'none'}\``);
  const deps = (c: TaskConfiguration) =>
    c.dependencies
      .map((d) => d.taskName ?? String(d.taskId))
      .sort()
      .join(', ');
  if (deps(p) !== deps(config)) out.push(`upstreams [${deps(p) || 'none'}] → [${deps(config) || 'none'}]`);
  if ((p.vcCode ?? '') !== (config.vcCode ?? '')) out.push(`VCluster ${p.vcCode ?? '—'} → ${config.vcCode ?? '—'}`);
  if ((p.retryCount ?? 0) !== (config.retryCount ?? 0)) out.push(`retries ${p.retryCount ?? 0} → ${config.retryCount ?? 0}`);
  return out;
}

export async function describeTask(studio: StudioClient, ref: string, now: number): Promise<TaskView> {
  const summary = await studio.resolveTask(ref);
  const [task, config] = await Promise.all([studio.getTask(summary.id), studio.getTaskConfiguration(summary.id)]);
  let schedule: ScheduleDetail | undefined;
  let relations: TaskRelationNode | undefined;
  let latestRun: Run | undefined;
  try {
    schedule = await studio.getScheduleDetail(summary.id);
  } catch (e) {
    if (!(e instanceof StudioError && e.kind === 'business')) throw e; // not deployed: no schedule
  }
  if (schedule) {
    [relations, latestRun] = await Promise.all([
      studio.getTaskRelations(summary.id, { up: 1, down: 1 }),
      studio.listRuns({ taskId: summary.id, pageSize: 1 }).then((p) => p.items[0]),
    ]);
  }
  const cron = schedule?.cron ?? config.cron;
  let nextRuns: number[] = [];
  let cronProblem: string | undefined;
  if (cron) {
    try {
      nextRuns = nextStudioFireTimes(cron, now, 3, studio.timeZone);
    } catch (e) {
      cronProblem = (e as Error).message;
    }
  }
  const [changes, previewDiffers, stream] = await Promise.all([
    draftChanges(studio, task, config),
    cron && !cronProblem ? crossCheckCron(studio, cron, nextRuns) : undefined,
    isStreamKind(task.type.kind) && (task.type.kind.key === 'REALTIME' || task.type.kind.key === 'MULTI_REALTIME') ? describeStream(studio, task) : undefined,
  ]);
  return {
    task: { ...task, folderName: task.folderName ?? summary.folderName },
    config,
    schedule,
    nextRuns,
    cronProblem,
    relations,
    latestRun,
    draftChanges: changes,
    studioPreviewDiffers: previewDiffers,
    stream,
  };
}

export interface RunsView {
  task: TaskSummary;
  runs: Run[];
  total: number;
  status: RunStatusGroup | undefined;
  sinceText: string;
}

export async function listTaskRuns(
  studio: StudioClient,
  q: { task: string; status?: RunStatusGroup; sinceMs: number; sinceText: string },
  now: number,
  max = 100,
): Promise<RunsView> {
  const task = await studio.resolveTask(q.task);
  const page = await studio.listRuns({
    taskId: task.id,
    statuses: q.status ? [...RUN_STATUS_GROUPS[q.status]] : undefined,
    planFrom: now - q.sinceMs,
    planTo: now + 86_400_000,
    pageSize: max,
  });
  return { task, runs: page.items, total: page.total, status: q.status, sinceText: q.sinceText };
}

export interface LogView {
  runId: number;
  attempt: Attempt;
  /** 1-based, oldest first. */
  attemptNumber: number;
  attemptCount: number;
  /** Redacted text to show. */
  text: string;
  startOffset: number;
  endOffset: number;
  totalLength: number | undefined;
  hasPrevious: boolean;
  hasNext: boolean;
  /** Lines asked for (tail) that did not fit this page. */
  linesNotShown: number;
}

async function pickAttempt(studio: StudioClient, runId: number, attemptNumber?: number): Promise<{ attempt: Attempt; number: number; count: number }> {
  const attempts = (await studio.listAttempts(runId)).slice().sort((a, b) => (a.startTime ?? a.id) - (b.startTime ?? b.id));
  if (attempts.length === 0) throw new Error(`Run ${runId} has not started yet, so it has no log.`);
  const n = attemptNumber ?? attempts.length;
  if (n > attempts.length) throw new Error(`Run ${runId} has ${attempts.length} attempt${attempts.length > 1 ? 's' : ''}; there is no attempt ${n}.`);
  return { attempt: attempts[n - 1]!, number: n, count: attempts.length };
}

/** The last `tail` lines of an attempt's log that fit one page. */
export async function readLogTail(studio: StudioClient, runId: number, opts: { attempt?: number; tail: number; budget?: number }): Promise<LogView> {
  await getRunOrExplain(studio, runId);
  const { attempt, number, count } = await pickAttempt(studio, runId, opts.attempt);
  const budget = opts.budget ?? LOG_PAGE_CHARS;
  let page = await studio.getLogPage(runId, attempt.id, 'tail');
  let raw = page.text;
  let start = page.startOffset;
  const end = page.endOffset;
  // Read further back until there are enough lines or the page budget is spent.
  while (page.hasMoreBefore && raw.split('\n').length <= opts.tail && raw.length < budget * 2) {
    page = await studio.getLogPage(runId, attempt.id, 'prev', start);
    if (page.text.length === 0) break;
    raw = page.text + raw;
    start = page.startOffset;
  }
  const lines = raw.replace(/\n$/, '').split('\n');
  const wanted = lines.slice(-opts.tail);
  // Keep whole lines from the end while they fit.
  const kept: string[] = [];
  let size = 0;
  for (let i = wanted.length - 1; i >= 0; i--) {
    const l = wanted[i]!;
    if (size + l.length + 1 > budget) {
      if (kept.length === 0) kept.unshift(l.slice(l.length - budget)); // one huge line: its end
      break;
    }
    kept.unshift(l);
    size += l.length + 1;
  }
  const shown = kept.join('\n');
  const trailingNewline = raw.endsWith('\n') ? 1 : 0;
  const startOffset = Math.max(0, end - shown.length - trailingNewline);
  const rawStart = end - raw.length;
  return {
    runId,
    attempt,
    attemptNumber: number,
    attemptCount: count,
    text: await redactLogWindow(studio, runId, attempt.id, { text: raw, startOffset: rawStart }, startOffset, startOffset + shown.length),
    startOffset,
    endOffset: end,
    totalLength: page.totalLength,
    hasPrevious: startOffset > 0,
    hasNext: false,
    linesNotShown: Math.max(0, wanted.length - kept.length),
  };
}

/** One page of log before or after an offset (the Previous / Next buttons). */
export async function readLogPage(studio: StudioClient, runId: number, opts: { attempt?: number; offset: number; direction: 'next' | 'prev'; budget?: number }): Promise<LogView> {
  const { attempt, number, count } = await pickAttempt(studio, runId, opts.attempt);
  const budget = opts.budget ?? LOG_PAGE_CHARS;
  const page = await studio.getLogPage(runId, attempt.id, opts.direction, opts.offset);
  let text: string;
  let startOffset: number;
  if (opts.direction === 'next') {
    text = page.text.slice(0, budget);
    const cut = text.lastIndexOf('\n');
    if (text.length === budget && cut > 0) text = text.slice(0, cut + 1); // end on a whole line
    startOffset = page.startOffset;
  } else {
    text = page.text.slice(-budget);
    const cut = text.indexOf('\n');
    if (text.length === budget && cut >= 0 && cut < text.length - 1) text = text.slice(cut + 1); // start on a whole line
    startOffset = page.endOffset - text.length;
  }
  const endOffset = startOffset + text.length;
  const total = page.totalLength;
  const shownLength = text.replace(/\n$/, '').length;
  return {
    runId,
    attempt,
    attemptNumber: number,
    attemptCount: count,
    text: await redactLogWindow(studio, runId, attempt.id, page, startOffset, startOffset + shownLength),
    startOffset,
    endOffset,
    totalLength: total,
    hasPrevious: startOffset > 0,
    hasNext: total === undefined ? page.hasMoreAfter : endOffset < total,
    linesNotShown: 0,
  };
}

export interface RunView {
  run: Run;
  attempts: Attempt[];
  log: LogView | undefined;
}

export async function describeRun(studio: StudioClient, runId: number): Promise<RunView> {
  const run = await getRunOrExplain(studio, runId);
  const attempts = await studio.listAttempts(runId);
  const log = attempts.length > 0 ? await readLogTail(studio, runId, { tail: 15, budget: 1500 }) : undefined;
  return { run, attempts, log };
}

export interface DepsView {
  task: TaskSummary;
  relations: TaskRelationNode | undefined;
  allDownstream: DownstreamTask[] | undefined;
  /** A dependency cycle through the task, in the direction work flows (upstream first), first name repeated last. */
  cycle: { names: string[]; taskIds: Set<number> } | undefined;
}

/**
 * Finds a dependency cycle through the root in the relation tree, whatever way Studio cuts it short:
 * a node that repeats a task already on its own path (the tree followed the cycle round), or a task
 * that is both upstream and downstream of the root (the tree stopped at tasks already shown).
 */
export function findCycle(root: TaskRelationNode): DepsView['cycle'] {
  const named = (path: TaskRelationNode[]) => ({ names: path.map((n) => n.name), taskIds: new Set(path.map((n) => n.taskId)) });
  // Paths from the root, each in its own direction (root first).
  const walk = (dir: 'upstream' | 'downstream'): { repeat?: TaskRelationNode[]; paths: Map<number, TaskRelationNode[]> } => {
    const paths = new Map<number, TaskRelationNode[]>();
    let repeat: TaskRelationNode[] | undefined;
    const go = (n: TaskRelationNode, path: TaskRelationNode[]): void => {
      for (const next of n[dir]) {
        const at = path.findIndex((p) => p.taskId === next.taskId);
        if (at >= 0) {
          repeat ??= [...path.slice(at), next];
          continue;
        }
        const p = [...path, next];
        if (!paths.has(next.taskId)) paths.set(next.taskId, p);
        go(next, p);
      }
    };
    go(root, [root]);
    return { repeat, paths };
  };
  const up = walk('upstream');
  const down = walk('downstream');
  // Work flows from upstream to downstream: a repeat found going upstream reads backwards.
  if (down.repeat) return named(down.repeat);
  if (up.repeat) return named([...up.repeat].reverse());
  for (const [taskId, downPath] of down.paths) {
    const upPath = up.paths.get(taskId);
    // root → … → X (downstream), and X → … → root (X is upstream of the root): a cycle.
    if (upPath) return named([...downPath, ...[...upPath].reverse().slice(1)]);
  }
  return undefined;
}

export async function describeDeps(studio: StudioClient, ref: string): Promise<DepsView> {
  const task = await studio.resolveTask(ref);
  // Studio's flattened list names every task downstream, however deep (the tree shows three levels).
  const allDownstream = await studio.listDownstream(task.id).catch(() => undefined);
  try {
    const relations = await studio.getTaskRelations(task.id, { up: 3, down: 3 });
    return { task, relations, allDownstream, cycle: findCycle(relations) };
  } catch (e) {
    if (e instanceof StudioError && e.kind === 'business') return { task, relations: undefined, allDownstream, cycle: undefined };
    throw e;
  }
}
