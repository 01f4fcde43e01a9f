/**
 * Random-looking tokens: what a generated key, token or password looks like whoever issued it.
 * Random text switches between upper case, lower case and digits often and has high Shannon
 * entropy; identifiers, class names, paths, dates and words do not. Ids the bot must show stay:
 * digits, UUIDs and single-case hex (run ids, request ids, digests such as the audit chain's head)
 * are random-looking only where a secret stands (the value of a secret-named key).
 */
import type { Span } from './spans.js';

const UUID_SOURCE = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const HAS_UUID = new RegExp(UUID_SOURCE);
const UUIDS = new RegExp(UUID_SOURCE, 'g');

/** Shannon entropy of `s`, in bits per character. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function charClass(code: number): number {
  if (code >= 65 && code <= 90) return 0; // upper
  if (code >= 97 && code <= 122) return 1; // lower
  if (code >= 48 && code <= 57) return 2; // digit
  return 3;
}

/** How many runs of characters of class `cls` there are in `s`. */
function countRuns(s: string, cls: number): number {
  let runs = 0;
  let inRun = false;
  for (let i = 0; i < s.length; i++) {
    const c = charClass(s.charCodeAt(i)) === cls;
    if (c && !inRun) runs++;
    inRun = c;
  }
  return runs;
}

export interface RandomOptions {
  /** Fewest letters and digits (the shortest token judged). */
  minLength: number;
  /** Whether single-case hex and UUIDs count (yes where a secret stands; no for text on its own). */
  allowHex: boolean;
}

/** Whether `s` (letters, digits and a few separators) looks generated rather than written. */
export function looksRandom(s: string, o: RandomOptions): boolean {
  let upper = 0;
  let lower = 0;
  let digit = 0;
  let switches = 0;
  let prev = -1;
  let alnum = '';
  for (let i = 0; i < s.length; i++) {
    const c = charClass(s.charCodeAt(i));
    if (c === 3) continue;
    alnum += s[i];
    if (c === 0) upper++;
    else if (c === 1) lower++;
    else digit++;
    if (prev !== -1 && c !== prev) switches++;
    prev = c;
  }
  const n = alnum.length;
  if (n < o.minLength) return false;
  if (digit === n) return false;
  const isHex = /^[0-9a-f]+$/.test(alnum) || /^[0-9A-F]+$/.test(alnum);
  if (isHex) {
    if (!o.allowHex) return false;
    return n >= 16 && digit > 0 && digit < n && shannonEntropy(alnum) >= 3;
  }
  const classes = (upper > 0 ? 1 : 0) + (lower > 0 ? 1 : 0) + (digit > 0 ? 1 : 0);
  if (classes < 2) return false;
  const switchRate = switches / (n - 1);
  if (digit === 0) {
    // Letters only: random text has both cases about equally; CamelCase has one capital per word.
    if (Math.min(upper, lower) / n < 0.3 || switchRate < 0.35) return false;
  } else {
    if (switchRate < 0.3) return false;
    // Words with a version number in them (Log4jConfig2Parser, UTF8MB4GENERALCI): long letter runs, few digits.
    const dominant = Math.max(lower, upper);
    const runs = countRuns(alnum, lower >= upper ? 1 : 0);
    if (digit / n < 0.15 && runs > 0 && dominant / runs >= 3) return false;
  }
  return shannonEntropy(s) >= Math.min(3.5, Math.log2(s.length) - 0.9);
}

/** A piece that reads as a word or a counter: `sk`, `live`, `github`, `pat`, `v1`, `00042`, `etl`, `worker`. */
function wordy(piece: string): boolean {
  if (/^\d+$/.test(piece)) return true;
  if (/^[A-Za-z]{1,14}\d{0,3}$/.test(piece)) {
    const letters = piece.replace(/\d+$/, '');
    let switches = 0;
    for (let i = 1; i < letters.length; i++) if (charClass(letters.charCodeAt(i)) !== charClass(letters.charCodeAt(i - 1))) switches++;
    return switches <= 1;
  }
  return false;
}

/**
 * The random part of a run of token characters, if it has one: leading and trailing word-like
 * pieces (`sk_live_`, `-backup`) are kept, UUIDs count as words unless `allowHex`.
 */
export function randomCore(run: string, o: RandomOptions): { start: number; end: number } | undefined {
  if (!o.allowHex && HAS_UUID.test(run)) {
    // Judge the parts between UUIDs on their own.
    let best: { start: number; end: number } | undefined;
    let from = 0;
    for (const m of run.matchAll(UUIDS)) {
      const part = run.slice(from, m.index);
      const c = randomCore(part, o);
      if (c && !best) best = { start: from + c.start, end: from + c.end };
      from = m.index + m[0].length;
    }
    const tail = randomCore(run.slice(from), o);
    return best ?? (tail ? { start: from + tail.start, end: from + tail.end } : undefined);
  }
  const pieces: { start: number; end: number }[] = [];
  const sep = /[-_]+/g;
  let at = 0;
  for (const m of run.matchAll(sep)) {
    if (m.index > at) pieces.push({ start: at, end: m.index });
    at = m.index + m[0].length;
  }
  if (at < run.length) pieces.push({ start: at, end: run.length });
  let first = 0;
  let last = pieces.length - 1;
  while (first <= last && wordy(run.slice(pieces[first]!.start, pieces[first]!.end))) first++;
  while (last >= first && /^(?:\d+|[A-Za-z][a-z]{3,}\d{0,3})$/.test(run.slice(pieces[last]!.start, pieces[last]!.end))) last--;
  if (first > last) return undefined;
  const core = { start: pieces[first]!.start, end: pieces[last]!.end };
  return looksRandom(run.slice(core.start, core.end), o) ? core : undefined;
}

/** Token runs on their own in text: letters, digits and `+/_-`, with base64 padding. */
const RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
const PATH_WORD = /^[a-z]{3,}$/;

/** Random-looking tokens standing anywhere in `text` (a password spelled with words is not one: structure finds those). */
export function randomTokenSpans(text: string, o: RandomOptions = { minLength: 16, allowHex: false }): Span[] {
  const out: Span[] = [];
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m; m = RUN.exec(text)) {
    const run = m[0];
    const base = m.index;
    if (run.length > 4096) {
      // Not a token: a blob (base64 without line breaks is masked whole) or filler.
      if (looksRandom(run, o)) out.push({ start: base, end: base + run.length });
      continue;
    }
    if (run.includes('/')) {
      // A path is judged piece by piece; base64 with `/` in it as a whole.
      const parts = run.split('/');
      const pathLike = run.startsWith('/') || parts.filter((p) => PATH_WORD.test(p)).length >= 1;
      if (!pathLike && !HAS_UUID.test(run) && looksRandom(run, { ...o, minLength: Math.max(o.minLength, 20) })) {
        out.push({ start: base, end: base + run.length });
        continue;
      }
      let off = 0;
      for (const p of parts) {
        if (p.length >= o.minLength) {
          const c = randomCore(p, o);
          if (c) out.push({ start: base + off + c.start, end: base + off + c.end });
        }
        off += p.length + 1;
      }
      continue;
    }
    const c = randomCore(run, o);
    if (c) out.push({ start: base + c.start, end: base + c.end });
  }
  return out;
}
