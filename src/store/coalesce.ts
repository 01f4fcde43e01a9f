/**
 * Calls that arrive while earlier ones are under way go together: one store call (and, on
 * PostgreSQL, one round trip per statement) for many. The first call of a quiet moment goes at once,
 * alone — nothing waits to fill a batch. `lanes` batches may be under way at a time, so one held by
 * a slow statement does not hold the next.
 */
export function coalesced<K, V>(many: (keys: K[]) => Promise<V[]>, o: { lanes?: number; max?: number } = {}): (key: K) => Promise<V> {
  const lanes = o.lanes ?? 2;
  const max = o.max ?? 1024;
  const waiting: { key: K; resolve: (v: V) => void; reject: (e: unknown) => void }[] = [];
  let running = 0;
  const next = (): void => {
    if (running >= lanes || waiting.length === 0) return;
    const batch = waiting.splice(0, max);
    running++;
    many(batch.map((b) => b.key))
      .then(
        (out) => {
          for (const [i, b] of batch.entries()) b.resolve(out[i]!);
        },
        (e: unknown) => {
          for (const b of batch) b.reject(e);
        },
      )
      .finally(() => {
        running--;
        next();
      });
  };
  return (key) =>
    new Promise<V>((resolve, reject) => {
      waiting.push({ key, resolve, reject });
      next();
    });
}
