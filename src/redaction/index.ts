/**
 * Redaction of secrets in text the bot shows. Three layers, their findings merged and masked once:
 *
 * 1. structure (./structure.ts): secrets by where they stand — URL credentials, secret-named keys in
 *    every syntax, command-line flags, SQL, private keys — with no vendor knowledge;
 * 2. entropy (./entropy.ts): random-looking tokens anywhere (ids, UUIDs, digests excepted);
 * 3. the maintained rule set (./rule-set.ts, secretlint's recommended preset): vendors' formats.
 *
 * `redact` runs 1 and 2 (synchronous: Block Kit builders, the audit log); `redactWithRuleSet` runs
 * all three (the Slack boundary, and whole texts the core reads before it cuts excerpts from them).
 */
import { clipHeadTail, clipWholeTokens } from './clip.js';
import { randomTokenSpans } from './entropy.js';
import { isSecretName } from './names.js';
import { RedactionMemo } from './memo.js';
import { ruleSetSpans } from './rule-set.js';
import { MASK, type Span, maskSpans } from './spans.js';
import { structuralSpans } from './structure.js';

export { MASK } from './spans.js';
export { clipWholeTokens } from './clip.js';
export { isSecretName } from './names.js';
export { RULE_SET_RULES } from './rule-set.js';

/**
 * The spans of the three layers together. A rule-set finding that is a whole connection string or
 * URL (`mysql://user:pw@host/db`) gives way to the structural findings inside it (or to the mask
 * already in it), which mask the credential and keep the host and database readable.
 */
function combined(text: string, own: Span[], ruleSet: Span[]): Span[] {
  const kept = ruleSet.filter((r) => {
    if (!/^[A-Za-z][\w+.-]*:(?:\/\/|[a-z]+:)/.test(text.slice(r.start, r.start + 40))) return true;
    if (text.slice(r.start, r.end).includes(MASK)) return false; // its credential is masked already
    return !own.some((s) => s.start < r.end && s.end > r.start);
  });
  return [...own, ...kept];
}

const MEMO_LIMITS = { maxEntries: 4096, maxChars: 2_000_000, maxText: 16_384 };
/** What `redact` and `redactAllWithRuleSet` gave for texts seen lately (./memo.ts); two layers and three differ. */
const ownLayers = new RedactionMemo(MEMO_LIMITS);
const allLayers = new RedactionMemo(MEMO_LIMITS);

/** How often a text's redaction was remembered (for /metrics and the benchmarks). */
export function redactionMemoStats(): { hits: number; misses: number } {
  return { hits: ownLayers.hits + allLayers.hits, misses: ownLayers.misses + allLayers.misses };
}

/** `text` with every secret that structure or randomness gives away replaced by `[redacted]`. */
export function redact(text: string): string {
  if (text.length < 6) return text;
  const known = ownLayers.get(text);
  if (known !== undefined) return known;
  const out = maskSpans(text, [...structuralSpans(text), ...randomTokenSpans(text)]);
  ownLayers.set(text, out);
  return out;
}

/** `redact`, and the maintained rule set's findings too. */
export async function redactWithRuleSet(text: string): Promise<string> {
  if (text.length < 6) return text;
  return maskSpans(text, combined(text, [...structuralSpans(text), ...randomTokenSpans(text)], await ruleSetSpans(text)));
}

/**
 * The part `[start, end)` of `text`, redacted with all of `text` in view: a secret cut by the part's
 * edge (a page of log ending inside a token, a key whose name is just before the part) is still
 * recognised whole, and its piece inside the part masked.
 */
export async function redactSliceWithRuleSet(text: string, start: number, end: number): Promise<string> {
  const spans = combined(text, [...structuralSpans(text), ...randomTokenSpans(text)], await ruleSetSpans(text));
  const inside: Span[] = [];
  for (const s of spans) if (s.end > start && s.start < end) inside.push({ start: Math.max(s.start, start) - start, end: Math.min(s.end, end) - start, mask: s.mask });
  return maskSpans(text.slice(start, end), inside);
}

/**
 * Several texts redacted at once (the strings of one Slack request): structure and entropy on each,
 * the maintained rule set once over all of them.
 */
export async function redactAllWithRuleSet(texts: readonly string[]): Promise<string[]> {
  const out: (string | undefined)[] = texts.map((t) => (t.length < 6 ? t : allLayers.get(t)));
  // The rule set runs once over the texts not remembered; a text's result is remembered alone (a
  // finding that would span two texts' join is the one thing a remembered text does not see again).
  const todo = out.flatMap((known, i) => (known === undefined ? [i] : []));
  if (todo.length === 0) return out as string[];
  const separator = '\n\n';
  const found = (await ruleSetSpans(todo.map((i) => texts[i]!).join(separator))).sort((a, b) => a.start - b.start);
  let offset = 0;
  for (const i of todo) {
    const t = texts[i]!;
    const start = offset;
    const end = start + t.length;
    offset = end + separator.length;
    const mine: Span[] = [];
    for (const s of found) {
      if (s.start >= end) break;
      if (s.end > start) mine.push({ start: Math.max(0, s.start - start), end: Math.min(t.length, s.end - start) });
    }
    out[i] = maskSpans(t, combined(t, [...structuralSpans(t), ...randomTokenSpans(t)], mine));
    allLayers.set(t, out[i]!);
  }
  return out as string[];
}

/**
 * A copy of structured values (parameters kept in the audit log) with secrets masked: the value of
 * a secret-named key entirely, and secrets inside any other string.
 */
export function redactValues(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return key && isSecretName(key) ? MASK : redact(value);
  if (Array.isArray(value)) return value.map((v) => redactValues(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValues(v, k)]));
  return value;
}

/** At most `max` characters of `text` for an excerpt: redacted whole first, then cut between tokens. */
export function redactedExcerpt(text: string, max: number): string {
  return clipWholeTokens(redact(text), max);
}

/** An error message, redacted, at most `max` characters keeping its head and its tail (where its cause usually is). */
export function redactedErrorExcerpt(text: string, max: number): string {
  return clipHeadTail(redact(text), max);
}
