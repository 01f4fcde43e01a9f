/**
 * Statements over many rows at once, for both engines: `IN (…)` lists and multi-row `INSERT`s cut
 * so that no statement takes more than 30,000 parameters (SQLite allows 32,766, PostgreSQL 65,535),
 * and cut into a few sizes only — powers of two — because each distinct statement text is prepared
 * once and kept (by the store, and by PostgreSQL's connection): a batch of any length reuses them.
 */

/** Most parameters one statement takes. */
export const MAX_PARAMS = 30_000;
/** Most values in one `IN (…)` list, and most rows in one `INSERT`. */
export const MAX_ROWS = 1024;

/** `n` placeholders: `?, ?, ?`. */
export const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** One row's placeholders, as many times as there are rows: `(?, ?), (?, ?)`. */
export const rowMarks = (rows: number, perRow: number): string => Array.from({ length: rows }, () => `(${marks(perRow)})`).join(', ');

/**
 * `values` (duplicates dropped) as `IN (…)` lists: at most 1,024 each, each padded to a power of two
 * by repeating its last value (which changes nothing an `IN` answers).
 */
export function inLists<T>(values: Iterable<T>): T[][] {
  const all = [...new Set(values)];
  const lists: T[][] = [];
  for (let i = 0; i < all.length; i += MAX_ROWS) {
    const list = all.slice(i, i + MAX_ROWS);
    let size = 1;
    while (size < list.length) size *= 2;
    while (list.length < size) list.push(list[list.length - 1]!);
    lists.push(list);
  }
  return lists;
}

/**
 * `rows` cut for multi-row statements of `perRow` parameters each: as many as a statement takes (a
 * power of two, at most 1,024), then what is left in powers of two (1,250 rows: 1,024 + 128 + 64 + 32 + 2).
 */
export function rowBatches<T>(rows: readonly T[], perRow: number): T[][] {
  let max = 1;
  while (max * 2 <= MAX_ROWS && max * 2 * perRow <= MAX_PARAMS) max *= 2;
  const batches: T[][] = [];
  let at = 0;
  while (rows.length - at >= max) {
    batches.push(rows.slice(at, at + max));
    at += max;
  }
  for (let size = max / 2; size >= 1; size /= 2) {
    if (rows.length - at >= size) {
      batches.push(rows.slice(at, at + size));
      at += size;
    }
  }
  return batches;
}
