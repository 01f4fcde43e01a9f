/**
 * Prepared statements kept by their SQL, so a statement run on every request is compiled once
 * (better-sqlite3's `prepare` parses and plans each time it is called). The least recently used
 * go first past `max` (statements with a variable number of `?` make new texts). Only for
 * statements used through get/all/run: a cached statement must not be iterated while it is reused.
 */
export function cachedPrepare<S>(prepare: (sql: string) => S, max = 256): (sql: string) => S {
  const kept = new Map<string, S>();
  return (sql) => {
    let st = kept.get(sql);
    if (st !== undefined) {
      kept.delete(sql); // to the back: most recently used
      kept.set(sql, st);
      return st;
    }
    st = prepare(sql);
    kept.set(sql, st);
    if (kept.size > max) kept.delete(kept.keys().next().value as string);
    return st;
  };
}
