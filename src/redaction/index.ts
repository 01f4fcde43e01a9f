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
import { randomTokenSpans } from './entropy.js';
import { isSecretName } from './names.js';
import { ruleSetSpans } from './rule-set.js';
import { MASK, type Span, maskSpans } from './spans.js';
import { structuralSpans } from './structure.js';

export { MASK } from './spans.js';
export { isSecretName } from './names.js';
export { RULE_SET_RULES } from './rule-set.js';

/** `text` with every secret that structure or randomness gives away replaced by `[redacted]`. */
export function redact(text: string): string {
  if (text.length < 6) return text;
  return maskSpans(text, [...structuralSpans(text), ...randomTokenSpans(text)]);
}

/** `redact`, and the maintained rule set's findings too. */
export async function redactWithRuleSet(text: string): Promise<string> {
  if (text.length < 6) return text;
  return maskSpans(text, [...structuralSpans(text), ...randomTokenSpans(text), ...(await ruleSetSpans(text))]);
}

/**
 * Several texts redacted at once (the strings of one Slack request): structure and entropy on each,
 * the maintained rule set once over all of them.
 */
export async function redactAllWithRuleSet(texts: readonly string[]): Promise<string[]> {
  const separator = '\n\n';
  const found = (await ruleSetSpans(texts.join(separator))).sort((a, b) => a.start - b.start);
  let offset = 0;
  return texts.map((t) => {
    const start = offset;
    const end = start + t.length;
    offset = end + separator.length;
    if (t.length < 6) return t;
    const mine: Span[] = [];
    for (const s of found) {
      if (s.start >= end) break;
      if (s.end > start) mine.push({ start: Math.max(0, s.start - start), end: Math.min(t.length, s.end - start) });
    }
    return maskSpans(t, [...structuralSpans(t), ...randomTokenSpans(t), ...mine]);
  });
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

/** A character that can be part of a token (Chinese text and spaces end tokens). */
function inToken(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c > 32 && c < 0x3000;
}

/**
 * At most `max` characters of `text` for an excerpt: redacted whole first, then cut at a space so
 * no token is cut in half (half a token escapes every rule), with "…" where it was cut.
 */
export function redactedExcerpt(text: string, max: number): string {
  const r = redact(text);
  if (r.length <= max) return r;
  let cut = Math.max(0, max - 1);
  if (inToken(r, cut) && inToken(r, cut - 1)) {
    let b = cut - 1;
    while (b > 0 && cut - b < 256 && inToken(r, b)) b--;
    if (!inToken(r, b)) cut = b + 1;
  }
  const last = r.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut--;
  return `${r.slice(0, cut).trimEnd()}…`;
}
