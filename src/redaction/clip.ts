/** Cutting text to a length without cutting a token in half (no dependencies: Block Kit's limits use it too). */

/** A character that can be part of a token (Chinese text and spaces end tokens). */
function inToken(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c > 32 && c < 0x3000;
}

/**
 * At most `max` characters of `text`, with "…" where it was cut: never inside a token (half a
 * token escapes every rule; the token is left out whole unless it is longer than 256 characters)
 * nor inside a surrogate pair.
 */
export function clipWholeTokens(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  if (inToken(text, cut) && inToken(text, cut - 1)) {
    let b = cut - 1;
    while (b > 0 && cut - b < 256 && inToken(text, b)) b--;
    if (!inToken(text, b)) cut = b + 1;
  }
  const last = text.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

let clipped = 0;

/** How many errors clipHeadTail has cut since start (the process's count, for /metrics). */
export function truncatedErrors(): number {
  return clipped;
}

/**
 * At most `max` characters of `text` keeping its head and its tail, joined by " … " — an error's
 * cause is often at its end (`Caused by: …`, the last line of a stack). Neither cut is inside a
 * token or a surrogate pair (as clipWholeTokens).
 */
export function clipHeadTail(text: string, max: number): string {
  if (text.length <= max) return text;
  clipped++;
  const room = max - 3; // the " … " between
  if (room < 20) return clipWholeTokens(text, max);
  const head = clipWholeTokens(text, Math.ceil(room * 0.6) + 1).replace(/…$/, '');
  let start = text.length - (room - head.length);
  const stop = Math.min(text.length, start + 256);
  while (start < stop && inToken(text, start) && inToken(text, start - 1)) start++;
  if (start === stop) start = text.length - (room - head.length);
  const first = text.charCodeAt(start);
  if (first >= 0xdc00 && first <= 0xdfff) start++;
  return `${head.trimEnd()} … ${text.slice(start).trimStart()}`;
}
