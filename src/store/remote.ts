/**
 * A store as the rest of the bot uses it: every method answers a promise. On SQLite the store is
 * in this thread and answers at once; on PostgreSQL it lives in a store thread (src/store/host.ts)
 * whose statements may wait on a database milliseconds away, while this thread goes on serving
 * Slack. Arguments and answers cross as structured clones — plain data, never functions or class
 * instances — and the local form clones them too, so SQLite runs the bot with the same semantics.
 */

/** The methods of `T`, each answering a promise of what it returns. */
export type Remote<T> = {
  readonly [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** Taken when this module loads, so a test's fake timers do not hold the stores' answers. */
const nextTurn = globalThis.setImmediate;

/**
 * `store`, in this thread, as a Remote: arguments and answers cloned as they would be between
 * threads. The method runs at once (calls take effect in the order they are made); its answer
 * arrives on the event loop's next turn, as a store thread's would, so a caller's chain of store
 * calls (a storm's poll) lets the requests waiting meanwhile be acknowledged between its steps
 * instead of running them all in one go.
 */
export function localRemote<T extends object>(store: T): Remote<T> {
  return new Proxy(store, {
    get(target, prop) {
      const member = Reflect.get(target, prop) as unknown;
      if (typeof member !== 'function') return undefined;
      return (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          let answer: { value: unknown } | { error: unknown };
          try {
            answer = { value: structuredClone((member as (...a: unknown[]) => unknown).apply(target, structuredClone(args))) };
          } catch (e) {
            answer = { error: e };
          }
          nextTurn(() => ('value' in answer ? resolve(answer.value) : reject(answer.error)));
        });
    },
  }) as unknown as Remote<T>;
}
