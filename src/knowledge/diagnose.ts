/**
 * From a log to its likely causes.
 *
 * Every signal of every entry (codes, messages, patterns) and a few generic "telling line" tokens
 * has a literal it must contain (its anchor). All anchors are compiled once into one
 * case-insensitive alternation; one pass of it over the text finds the candidate lines, and only
 * those lines are checked against the full patterns (a literal prefilter, as grep tools do). Each entry scores its strongest signal (code 3, message
 * 2–3.5, pattern 2.5) plus a little for corroborating signals and repeats; a hit in the run's
 * failMsg and a matching task type add to it; an entry true only of other run types (a manual-run
 * cause, for a scheduled run) ranks low. An entry that supersedes another demotes it where both
 * explain the same line, or where the other has only informational lines. When nothing known matches, the most telling lines
 * (exceptions, `Caused by`, `ERROR`, `CZLH-` codes, SQL positions) and next steps are returned.
 */
import type { TaskKindKey } from '../studio/enums.js';
import type { Run } from '../studio/models.js';
import type { ErrorEntry, RunKind } from './load.js';
import { isUsableAnchor, requiredLiteral, topLevelAlternatives } from './anchors.js';
import { redactedExcerpt } from '../redaction/index.js';
import { COMPONENT_LABEL, type Component, LOG_READER_PATTERNS, readLogDetail } from './log-reader.js';
import { TAXONOMY_PATTERNS, classify } from './taxonomy.js';

/** How a run was started, in the knowledge table's terms (undefined when Studio did not say). */
export function runKind(run: Pick<Run, 'runType'>): RunKind | undefined {
  return ({ SCHEDULE: 'scheduled', TEMP: 'manual', REFILL: 'backfill' } as const)[run.runType.label as 'SCHEDULE' | 'TEMP' | 'REFILL'];
}

export interface DiagnoseContext {
  taskType?: TaskKindKey;
  /** How the run was started; an entry true only of other run types ranks low and supersedes nothing. */
  runType?: RunKind;
  runStatus?: string;
  failMsg?: string;
  /** Causes resolved here before (entry id → cards resolved): ranked a little higher among the candidates. */
  confirmed?: ReadonlyMap<string, number>;
}

export interface Evidence {
  /** 1-based line in the log; 0 means the run's failure message. */
  line: number;
  /** The line, redacted and clipped. */
  text: string;
}

export interface Finding {
  entry: ErrorEntry;
  score: number;
  /** 0..1 */
  confidence: number;
  evidence: Evidence[];
}

export interface Diagnosis {
  findings: Finding[];
  /** The most telling lines, whether or not an entry matched. */
  salient: Evidence[];
  /** What to do next when no entry matched. */
  nextSteps: string[];
  /** How much of the text was read: all of it, unless the time budget ran out first. */
  coverage: Coverage;
  /** The decisive failure of the log (undefined when the run ended well or no line ends it). */
  failure?: FailureReading;
}

export interface FailureReading {
  /** The decisive line(s), redacted and clipped. */
  lines: Evidence[];
  component: Component;
  componentLabel: string;
  errorClass?: string;
  errorCode?: string;
  /** The kind of failure, when its vocabulary says (taxonomy.ts). */
  category?: { id: string; title: string; check: string };
  /** What to check first: the category's check, or the reading of the decisive line. */
  checkFirst: string;
}

export interface Coverage {
  /** The whole text was read. */
  complete: boolean;
  /** Lines read before the diagnosis stopped (every line when complete). */
  linesRead: number;
  totalLines: number;
  /** When it stopped early: the time budget it had, in milliseconds. */
  budgetMs?: number;
}

/** Bounds on one diagnosis (a worker's; see diagnosis-pool.ts). */
export interface DiagnoseLimits {
  /** `performance.now()` at which to stop reading and answer with what was read so far. */
  stopAt?: number;
  /** The time budget `stopAt` stands for, reported in the coverage. */
  budgetMs?: number;
  /** Told of each line the scan reaches, so that a diagnosis stopped from outside can say how far it got. */
  onLine?: (line: number) => void;
}

/** Lines in a text (a trailing newline does not start another). */
export function countLines(text: string): number {
  if (text === '') return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < text.length - 1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

type SignalKind = 'code' | 'message' | 'pattern' | 'salient';

interface Signal {
  entry: number; // -1 for salient tokens
  kind: SignalKind;
  weight: number;
  /** Confirms a candidate line; undefined when the anchor alone is the signal. */
  verify: RegExp | undefined;
}

const MAX_EVIDENCE = 3;
const MAX_EXCERPT = 300;
const MAX_SALIENT = 6;

/** Generic tokens that make a line worth showing, each with the literal that anchors it. */
const SALIENT: { anchor: string; verify?: RegExp; weight: number }[] = [
  { anchor: 'Caused by:', weight: 4 },
  { anchor: 'CZLH-', verify: /CZLH-\d{5}/, weight: 4 },
  { anchor: 'Traceback (most recent call last)', weight: 2 },
  // A class name ending in Exception/Error (`java.sql.SQLException`): the match starts at the last
  // capital after a word boundary before the suffix, so no start re-reads another's span (linear time).
  { anchor: 'Exception', verify: /\b[A-Z](?:(?!\b[A-Z])[A-Za-z0-9_.])*Exception\b/, weight: 3 },
  { anchor: 'Error', verify: /\b[A-Z](?:(?!\b[A-Z])[A-Za-z0-9_.])*Error\b/, weight: 3 },
  { anchor: 'ERROR', verify: /\bERROR\b/, weight: 2 },
  { anchor: 'FATAL', verify: /\bFATAL\b/, weight: 2 },
  { anchor: '错误', weight: 2 },
  { anchor: '失败', weight: 2 },
  { anchor: '异常', weight: 2 },
  { anchor: '不存在', weight: 2 },
];

/** A log line at an informational level (the level within the line's first 60 characters, after its timestamp). */
const INFO_LINE = /^.{0,60}?(?:\[(?:INFO|DEBUG|TRACE)\]|\b(?:INFO|DEBUG|TRACE)\b)/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A code's own regular expression: the code, not inside a longer word or code. */
function codePattern(code: string): RegExp {
  return new RegExp(`(?<![\\w-])${escapeRe(code)}(?![\\w-])`, 'i');
}

/** The regular expressions of the engine itself (not the knowledge's): checked for catastrophic backtracking by the tests. */
export const BUILT_IN_PATTERNS: readonly RegExp[] = [
  ...SALIENT.flatMap((s) => (s.verify ? [s.verify] : [])),
  INFO_LINE,
  codePattern('CZLH-42000'),
  ...LOG_READER_PATTERNS,
  ...TAXONOMY_PATTERNS,
];

const SEVERITY_RANK: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1 };

export class Diagnoser {
  private readonly scan: RegExp;
  private readonly signals: Signal[] = [];
  /** Lower-cased anchor → the signals it may start. */
  private readonly byAnchor = new Map<string, number[]>();
  private readonly withPrefixes = new Map<string, number[]>();
  private readonly byId = new Map<string, number>();
  private readonly byCode = new Map<string, number>();

  constructor(readonly entries: readonly ErrorEntry[]) {
    const add = (anchor: string, s: Signal) => {
      const key = anchor.toLowerCase();
      if (!isUsableAnchor(key)) throw new Error(`a signal needs a literal of 3 or more characters to anchor it (got "${anchor}")`);
      this.signals.push(s);
      this.byAnchor.set(key, [...(this.byAnchor.get(key) ?? []), this.signals.length - 1]);
    };
    entries.forEach((e, i) => {
      this.byId.set(e.id, i);
      for (const m of e.match.messages) add(m, { entry: i, kind: 'message', weight: 2 + Math.min(1.5, m.length / 40), verify: undefined });
      for (const p of e.match.patterns) {
        for (const alt of topLevelAlternatives(p)) add(requiredLiteral(alt), { entry: i, kind: 'pattern', weight: 2.5, verify: new RegExp(alt, 'i') });
      }
      for (const c of e.match.codes) {
        this.byCode.set(c.toUpperCase(), i);
        add(c, { entry: i, kind: 'code', weight: 3, verify: codePattern(c) });
      }
    });
    for (const s of SALIENT) add(s.anchor, { entry: -1, kind: 'salient', weight: s.weight, verify: s.verify ?? new RegExp(escapeRe(s.anchor)) });
    // One case-insensitive alternation of every anchor, longest first. At one position it reports
    // only the longest anchor, so each anchor also carries the signals of its shorter prefixes.
    const anchors = [...this.byAnchor.keys()].sort((a, b) => b.length - a.length);
    for (const a of anchors) {
      const own = this.byAnchor.get(a)!;
      const prefixed = anchors.filter((b) => b.length < a.length && a.startsWith(b)).flatMap((b) => this.byAnchor.get(b)!);
      this.withPrefixes.set(a, [...own, ...prefixed]);
    }
    this.scan = new RegExp(anchors.map(escapeRe).join('|'), 'gi');
  }

  /** An entry by id or by one of its codes. */
  lookup(query: string): ErrorEntry | undefined {
    const q = query.trim();
    const i = this.byId.get(q) ?? this.byCode.get(q.toUpperCase());
    return i === undefined ? undefined : this.entries[i];
  }

  /**
   * `limits`: a time to stop at (the answer then says how many lines it read) and a progress
   * callback; without them the whole text is read.
   */
  diagnose(text: string, context: DiagnoseContext = {}, limits: DiagnoseLimits = {}): Diagnosis {
    const hits = new Map<
      number,
      { best: number; signals: Map<number, number>; evidence: Evidence[]; lines: Set<number>; nonInfo: boolean; lastLine: number; inFailMsg: boolean }
    >();
    const salientByLine = new Map<number, { weight: number; text: string }>();
    let stoppedAtLine: number | undefined;

    /** One pass of the anchors over `body`; `failMsg`: the run's failure message (line 0), never stopped. */
    const scan = (body: string, failMsg: boolean) => {
      const re = this.scan;
      re.lastIndex = 0;
      let line = failMsg ? 0 : 1;
      // The line holding the current anchor: where it starts, where its newline is (-1: the end).
      let lineStart = 0;
      let lineEnd = body.indexOf('\n');
      let lineText: string | undefined;
      let checks = 0;
      const seenOnLine = new Set<number>();
      if (!failMsg) limits.onLine?.(line);
      for (let m = re.exec(body); m; m = re.exec(body)) {
        if (lineEnd !== -1 && m.index > lineEnd) {
          // Forward to the anchor's line, counting the lines passed (each character is passed once).
          while (lineEnd !== -1 && lineEnd < m.index) {
            lineStart = lineEnd + 1;
            lineEnd = body.indexOf('\n', lineStart);
            if (!failMsg) line++;
          }
          lineText = undefined;
          seenOnLine.clear();
          if (!failMsg) limits.onLine?.(line);
        }
        if (!failMsg && limits.stopAt !== undefined && (checks++ & 15) === 0 && performance.now() >= limits.stopAt) {
          stoppedAtLine = line;
          return;
        }
        lineText ??= body.slice(lineStart, lineEnd === -1 ? body.length : lineEnd);
        const shown = lineText;
        // Resume just after this anchor's start, so anchors overlapping it are found too.
        re.lastIndex = m.index + 1;
        for (const sigIndex of this.withPrefixes.get(m[0].toLowerCase()) ?? []) {
          if (seenOnLine.has(sigIndex)) continue;
          seenOnLine.add(sigIndex);
          const sig = this.signals[sigIndex]!;
          if (sig.verify && !sig.verify.test(shown)) continue;
          // The whole line is redacted before it is cut: half a token would escape every rule.
          const excerpt = () => redactedExcerpt(shown, MAX_EXCERPT);
          if (sig.kind === 'salient') {
            if (failMsg) continue;
            const cur = salientByLine.get(line);
            if (cur) cur.weight = Math.min(8, cur.weight + sig.weight / 2);
            else salientByLine.set(line, { weight: sig.weight, text: excerpt() });
            continue;
          }
          let h = hits.get(sig.entry);
          if (!h) {
            h = { best: 0, signals: new Map(), evidence: [], lines: new Set(), nonInfo: false, lastLine: 0, inFailMsg: false };
            hits.set(sig.entry, h);
          }
          h.signals.set(sigIndex, (h.signals.get(sigIndex) ?? 0) + 1);
          h.best = Math.max(h.best, sig.weight);
          if (failMsg) h.inFailMsg = true;
          h.lastLine = Math.max(h.lastLine, line);
          h.lines.add(line);
          if (failMsg || !INFO_LINE.test(shown)) h.nonInfo = true;
          if (h.evidence.length < MAX_EVIDENCE && !h.evidence.some((e) => e.line === line)) h.evidence.push({ line, text: excerpt() });
        }
      }
    };

    scan(text, false);
    if (context.failMsg) scan(context.failMsg, true);
    const read = readLogDetail(stoppedAtLine === undefined ? text : text.slice(0, lineOffset(text, stoppedAtLine)), {
      taskType: context.taskType,
      runStatus: context.runStatus,
      failMsg: context.failMsg,
    });
    // Evidence only on lines that did not end the run (a skipped NOTICE, a retry that then succeeded) is no finding.
    for (const [i, h] of [...hits.entries()]) if (!h.inFailMsg && [...h.lines].every((l) => read.excused.has(l))) hits.delete(i);
    const totalLines = countLines(text);
    const coverage: Coverage =
      stoppedAtLine === undefined
        ? { complete: true, linesRead: totalLines, totalLines }
        : { complete: false, linesRead: stoppedAtLine - 1, totalLines, budgetMs: limits.budgetMs };

    const scored = [...hits.entries()].map(([i, h]) => {
      const entry = this.entries[i]!;
      // The strongest signal, plus a little for corroborating signals and repeats (a noisy log
      // repeating one line must not outrank a different, specific cause).
      const occurrences = [...h.signals.values()].reduce((a, b) => a + b, 0);
      let score = h.best + 0.5 * Math.min(2, h.signals.size - 1) + 0.25 * Math.min(3, occurrences - h.signals.size) + (h.inFailMsg ? 1.5 : 0);
      if (context.taskType && entry.task_types.length > 0) score = entry.task_types.includes(context.taskType) ? score + 1.5 : score * 0.5;
      // A cause only true of other run types (e.g. an unresolved ${bizdate} in a manual run, for a scheduled one).
      const offRunType = context.runType !== undefined && entry.run_types.length > 0 && !entry.run_types.includes(context.runType);
      if (offRunType) score *= 0.3;
      // The team's memory breaks near-ties toward what was the cause here before; it never makes evidence.
      const confirmed = context.confirmed?.get(entry.id) ?? 0;
      if (confirmed > 0 && !offRunType) score += 0.5 * Math.min(1, confirmed / 3);
      return { i, entry, score, offRunType, evidence: h.evidence.sort((a, b) => a.line - b.line), lines: h.lines, nonInfo: h.nonInfo, lastLine: h.lastLine };
    });
    // A specific entry demotes the generic one it supersedes where it explains the same line (the
    // ${bizdate} error carries CZLH-42000), or where the generic one has only informational lines
    // ("Rows written: 0" under "source returned 0 rows"). A syntax error on an ERROR line of its own
    // stands, whatever an echo of the SQL elsewhere in the log contains.
    for (const s of scored) {
      if (s.offRunType) continue;
      for (const other of scored) {
        if (other === s || !s.entry.supersedes.includes(other.entry.id)) continue;
        if ([...other.lines].some((l) => s.lines.has(l)) || !other.nonInfo) other.score *= 0.4;
      }
    }
    // A cause true only of other run types is not this run's cause: it never leads, so it is not offered.
    const findings: Finding[] = scored
      .filter((s) => !s.offRunType)
      .sort((a, b) => b.score - a.score || SEVERITY_RANK[b.entry.severity]! - SEVERITY_RANK[a.entry.severity]! || b.lastLine - a.lastLine)
      .map((s) => ({ entry: s.entry, score: Math.round(s.score * 100) / 100, confidence: Math.round((1 - Math.exp(-s.score / 2.5)) * 100) / 100, evidence: s.evidence }));

    const salient = [...salientByLine.entries()]
      .sort((a, b) => b[1].weight - a[1].weight || b[0] - a[0])
      .slice(0, MAX_SALIENT)
      .sort((a, b) => a[0] - b[0])
      .map(([line, v]) => ({ line, text: v.text }));

    const nextSteps =
      findings.length > 0
        ? []
        : salient.length > 0
          ? [
              'Read the lines above from the first `Caused by` or exception: the deepest cause is usually the real one.',
              'Search the exact message with `/cz explain <text>`; codes such as CZLH-42000 are explained there.',
              'Open the full log in Studio and compare with the last successful run of the task.',
              'If the failure is new, rerun once: transient resource errors often pass on a second attempt.',
            ]
          : coverage.complete
            ? ['No error lines were found in this text. If the run failed, open its full log (`/cz logs <run-id>`) — the error may be in another attempt.']
            : [
                `No error lines were found in the ${coverage.linesRead} lines read before the time ran out; the rest was not read. Open the full log (\`/cz logs <run-id>\`) and look from line ${coverage.linesRead + 1} on.`,
              ];
    return { findings, salient, nextSteps, coverage, failure: read.failure && failureReading(read.failure) };
  }
}

/** Where line `n` (1-based) starts. */
function lineOffset(text: string, n: number): number {
  let at = 0;
  for (let i = 1; i < n && at !== -1; i++) {
    const nl = text.indexOf('\n', at);
    at = nl === -1 ? -1 : nl + 1;
  }
  return at === -1 ? text.length : at;
}

function failureReading(f: import('./log-reader.js').DecisiveFailure): FailureReading {
  const found = classify(
    f.lines.map((l) => l.text),
    f.context.map((l) => l.text),
  );
  const category = found && { id: found.category.id, title: found.category.title, check: found.category.check };
  const named = f.errorClass ?? f.errorCode;
  return {
    lines: f.lines.map((l) => ({ line: l.line, text: redactedExcerpt(l.text, MAX_EXCERPT) })),
    component: f.component,
    componentLabel: COMPONENT_LABEL[f.component],
    errorClass: f.errorClass,
    errorCode: f.errorCode,
    category,
    checkFirst:
      category?.check ??
      `Read the decisive line${f.lines.length > 1 ? 's' : ''} above${named ? ` (${named})` : ''} in the ${COMPONENT_LABEL[f.component]}'s terms: what object, user or setting it names, and whether it changed since the last successful run.`,
  };
}

/** The JSON form of a diagnosis (CLI `--json`). */
export function diagnosisJson(d: Diagnosis) {
  return {
    findings: d.findings.map((f) => ({
      id: f.entry.id,
      title: f.entry.title,
      confidence: f.confidence,
      severity: f.entry.severity,
      cause: f.entry.cause,
      remediation: f.entry.remediation,
      verify: f.entry.verify,
      evidence: f.evidence.map((e) => ({ line: e.line, text: e.text })),
    })),
    salient: d.salient.map((e) => ({ line: e.line, text: e.text })),
    next_steps: d.nextSteps,
    coverage: { complete: d.coverage.complete, lines_read: d.coverage.linesRead, total_lines: d.coverage.totalLines },
  };
}
