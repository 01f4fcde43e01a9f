/**
 * Catastrophic backtracking in the knowledge's regular expressions, found when the knowledge loads.
 *
 * A backtracking engine (V8's) can take time growing with the square, or exponentially, of a
 * line's length on some inputs: `(a+)+$`, or `start.*end` over a line repeating `start`. The
 * diagnosis runs patterns over logs that anyone able to run a task can write, so every pattern is
 * checked by recheck (automaton analysis, with fuzzing where the automaton is too large) and one
 * that is not linear stops start-up, naming the input that makes it slow.
 *
 * recheck takes from a few milliseconds to several seconds a pattern, so the verdicts of the
 * patterns already checked are kept in `knowledge/pattern-verdicts.json` (written by
 * `npm run knowledge:check`, committed with the knowledge): start-up checks only patterns not in it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Diagnostics, Parameters } from 'recheck';
import { clipWholeTokens } from '../redaction/clip.js';

/** Flags the diagnosis compiles knowledge patterns with. */
export const PATTERN_FLAGS = 'i';
export const VERDICTS_FILE = 'pattern-verdicts.json';
/** How long recheck may take over one pattern before it counts as not shown safe. */
const CHECK_TIMEOUT_MS = 30_000;

export type PatternVerdict = { safe: true; complexity: string } | { safe: false; problem: string };

interface VerdictsFile {
  checked_by: string;
  flags: string;
  /** Pattern source → its complexity as recheck summarised it (linear, safe (fuzz), constant). */
  safe: Record<string, string>;
}

const requireCjs = createRequire(import.meta.url);
/** recheck's version, recorded with the verdicts. */
export function checkerName(): string {
  const { version } = requireCjs('recheck/package.json') as { version: string };
  return `recheck ${version}`;
}

/** Verdicts found this process (the same pattern is checked once). */
const memo = new Map<string, PatternVerdict>();

const clip = (s: string) => clipWholeTokens(s, 120);

/** recheck's answer about one pattern, in words. */
function verdictOf(d: Diagnostics): PatternVerdict {
  if (d.status === 'safe') return { safe: true, complexity: d.complexity.summary };
  if (d.status === 'vulnerable') {
    return {
      safe: false,
      problem: `backtracks catastrophically (${d.complexity.summary} time) on input such as ${clip(d.attack.pattern)}; rewrite it so that no two repeats can match the same text (e.g. a gap \`.*\` between two phrases as \`(?:(?!first phrase).)*\`)`,
    };
  }
  const kind = (d.error as unknown as { kind?: string }).kind ?? String(d.error);
  return {
    safe: false,
    problem:
      kind === 'timeout'
        ? `could not be shown free of catastrophic backtracking within ${CHECK_TIMEOUT_MS / 1000} s (recheck timed out); simplify it`
        : `could not be checked for catastrophic backtracking (recheck: ${clip(kind)}); simplify it`,
  };
}

/** Check one pattern now (synchronously: recheck runs in a worker thread, its native checker where installed). */
export function checkPattern(source: string, flags = PATTERN_FLAGS, timeoutMs = CHECK_TIMEOUT_MS): PatternVerdict {
  const key = `${flags}/${source}`;
  const known = memo.get(key);
  if (known) return known;
  const { checkSync } = requireCjs('recheck') as { checkSync: (s: string, f: string, p?: Parameters) => Diagnostics };
  // recheck fuzzes what its automaton cannot decide, from a fixed seed (its default, said here): the same verdict every run.
  const v = verdictOf(checkSync(source, flags, { timeout: timeoutMs, randomSeed: 0 }));
  memo.set(key, v);
  return v;
}

/** The verdicts kept beside the knowledge (in `dirs`, the first file winning), by pattern source. */
export function readVerdicts(dirs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of [...dirs].reverse()) {
    const file = join(dir, VERDICTS_FILE);
    if (!existsSync(file)) continue;
    try {
      const v = JSON.parse(readFileSync(file, 'utf8')) as VerdictsFile;
      if (v.flags !== PATTERN_FLAGS || typeof v.safe !== 'object') continue;
      for (const [p, c] of Object.entries(v.safe)) out.set(p, c);
    } catch {
      // An unreadable verdicts file only means every pattern is checked again.
    }
  }
  return out;
}

/**
 * The verdict of each pattern: kept ones from `kept`, the others checked now. `fresh`: check all
 * of them again (after an upgrade of the checker).
 */
export function vetPatterns(sources: Iterable<string>, kept: ReadonlyMap<string, string>, fresh = false): Map<string, PatternVerdict> {
  const out = new Map<string, PatternVerdict>();
  for (const s of sources) {
    if (out.has(s)) continue;
    const k = fresh ? undefined : kept.get(s);
    out.set(s, k !== undefined ? { safe: true, complexity: k } : checkPattern(s));
  }
  return out;
}

/** Write the safe verdicts of `verdicts` (the knowledge's current patterns) to `dir`; true when the file changed. */
export function writeVerdicts(dir: string, verdicts: ReadonlyMap<string, PatternVerdict>): boolean {
  const safe: Record<string, string> = {};
  for (const [p, v] of [...verdicts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) if (v.safe) safe[p] = v.complexity;
  const doc: VerdictsFile = { checked_by: checkerName(), flags: PATTERN_FLAGS, safe };
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const file = join(dir, VERDICTS_FILE);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return false;
  writeFileSync(file, text);
  return true;
}
