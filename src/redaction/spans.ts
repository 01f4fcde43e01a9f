/** Where secrets are in a text, and the text with each of them replaced by one mask. */

export const MASK = '[redacted]';

export interface Span {
  start: number;
  end: number;
  /** What replaces it, when not the plain mask (a private key's body keeps its layout readable). */
  mask?: string;
}

/** `text` with every span (overlapping or touching ones merged) replaced by `[redacted]`. */
export function maskSpans(text: string, spans: Span[]): string {
  const valid = spans.filter((s) => s.end > s.start && s.start >= 0 && s.end <= text.length);
  if (valid.length === 0) return text;
  valid.sort((a, b) => a.start - b.start || b.end - a.end);
  const parts: string[] = [];
  let at = 0;
  let cur: Span | undefined;
  const flush = () => {
    if (!cur) return;
    parts.push(text.slice(at, cur.start), cur.mask ?? MASK);
    at = cur.end;
  };
  for (const s of valid) {
    if (cur && s.start <= cur.end) cur.end = Math.max(cur.end, s.end);
    else {
      flush();
      cur = { ...s };
    }
  }
  flush();
  parts.push(text.slice(at));
  return parts.join('');
}
