/** Rank names by how close they are to what a person typed (for "did you mean" lists). */

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * The names closest to `query`: substring matches first, then small edit distances
 * (at most a third of the longer name). Case-insensitive.
 */
export function closeMatches<T>(query: string, items: readonly T[], nameOf: (t: T) => string, limit = 5): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const scored: { item: T; score: number }[] = [];
  for (const item of items) {
    const name = nameOf(item).toLowerCase();
    if (name.includes(q) || q.includes(name)) {
      scored.push({ item, score: Math.abs(name.length - q.length) / 100 });
      continue;
    }
    const d = editDistance(q, name);
    if (d <= Math.max(2, Math.floor(Math.max(q.length, name.length) / 3))) scored.push({ item, score: d });
  }
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, limit)
    .map((s) => s.item);
}
