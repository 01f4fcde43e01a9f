/**
 * Where the stores live, and how the bot reaches them without ever waiting on the database.
 *
 * SQLite (the embedded default): the stores are in this thread; a statement takes microseconds.
 *
 * PostgreSQL (DATABASE_URL): the database may be milliseconds away, and more under load. The stores
 * run in a few store threads (store-thread.ts), each with a connection of its own; this thread
 * sends each call to the thread with the fewest calls in flight and goes on serving Slack while it
 * runs. A statement held by the database for seconds holds one store thread and the calls queued
 * on it — never the acknowledgements, and never the calls the other threads take meanwhile.
 * Ordering: a caller that awaits each call before the next sees them in order (every caller does;
 * nothing is fire-and-forget). Each store method is atomic on its own (stores.ts).
 */
import { type Db, DatabaseUnavailableError, isPostgresUrl, openDatabase, serverOf } from './database.js';
import { PostgresError } from './postgres.js';
import { type Remote, localRemote } from './remote.js';
import type { AppendedRow, AuditEvent } from './audit.js';
import type { OperationOutcomes } from './outcomes.js';
import type { Engine } from './sql.js';
import { type RemoteStores, type StoreSet, type StoreSetup, storesOver } from './stores.js';
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../module-worker.js';

/** What a store thread is given (plain data). */
export interface StoreThreadSetup {
  target: string;
  schema?: string;
  name?: string;
  stores: StoreSetup;
}

/** One call to a store method, as sent to a store thread. */
export interface StoreCall {
  id: number;
  store: string;
  method: string;
  args: unknown[];
  /** The caller's clock when it called: the store's `now`. */
  at: number;
}

/** A change of the thread's connection rather than a store call (tests: the database refusing writes). */
export interface ConnectionChange {
  id: number;
  readOnly: boolean;
}

type ThreadAnswer =
  | { id: number; value?: unknown; error?: { name: string; message: string; code?: string } }
  | { ready: true }
  | { failed: { name: string; message: string } }
  | { closed: true };

export interface StoreHostOptions {
  schema?: string;
  /** The connection's application name (PostgreSQL). */
  name?: string;
  setup: StoreSetup;
  now: () => number;
  /** Store threads on PostgreSQL (default 3). */
  threads?: number;
}

const STORE_NAMES = ['audit', 'ops', 'outcomes', 'wizard', 'seenEvents', 'memory', 'leases', 'alerts', 'health'] as const satisfies readonly (keyof StoreSet)[];
/** Every store of StoreSet is named above (a store added there and not here fails to compile). */
const EVERY_STORE_NAMED: Exclude<keyof StoreSet, (typeof STORE_NAMES)[number]> extends never ? true : never = true;
void EVERY_STORE_NAMED;

/** The store methods that append to the audit chain, and the row each appended (for onAudited). */
const APPENDS_AUDIT: Record<string, (args: unknown[], value: unknown) => AppendedRow | undefined> = {
  'audit.append': (args, value) => {
    const e = args[0] as AuditEvent;
    return { id: value as number, action: e.action, outcome: e.outcome };
  },
  'outcomes.end': (_args, value) => (value as ReturnType<OperationOutcomes['end']>).audited,
};

/** An error from a store thread, as the caller would have seen it in this thread. */
function rebuildError(e: { name: string; message: string; code?: string }): Error {
  if (e.name === 'PostgresError') return new PostgresError(e.message, e.code);
  if (e.name === 'DatabaseUnavailableError') return Object.assign(new DatabaseUnavailableError('', ''), { message: e.message });
  const err = new Error(e.message) as Error & { code?: string };
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  return err;
}

class StoreThread {
  readonly inFlight = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly worker: Worker;
  readonly ready: Promise<void>;
  private closed?: () => void;

  constructor(setup: StoreThreadSetup, onExit: (t: StoreThread) => void) {
    this.worker = moduleWorker(import.meta.url, 'store-thread', { workerData: setup });
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: ThreadAnswer) => {
        if ('ready' in m) return resolve();
        if ('failed' in m) return reject(rebuildError(m.failed));
        if ('closed' in m) return this.closed?.();
        const call = this.inFlight.get(m.id);
        if (!call) return;
        this.inFlight.delete(m.id);
        if (m.error) call.reject(rebuildError(m.error));
        else call.resolve(m.value);
      });
      this.worker.on('error', (e) => reject(e));
      this.worker.on('exit', (code) => {
        reject(new Error(`a store thread stopped (exit code ${code})`));
        for (const c of this.inFlight.values()) c.reject(new Error('the store thread running this call stopped'));
        this.inFlight.clear();
        onExit(this);
      });
    });
  }

  call(m: StoreCall | ConnectionChange): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.inFlight.set(m.id, { resolve, reject });
      this.worker.postMessage(m);
    });
  }

  async close(): Promise<void> {
    const done = new Promise<void>((r) => {
      this.closed = r;
    });
    this.worker.postMessage({ close: true });
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000).unref())]);
    await this.worker.terminate();
  }
}

/** The stores, wherever they live, and a way to hear of every audit append (the anchorer). */
export class StoreHost {
  readonly stores: RemoteStores;
  private readonly listeners = new Set<(r: AppendedRow) => void>();
  private syncDb: Db | undefined;

  private constructor(
    readonly engine: Engine,
    private readonly call: (store: keyof StoreSet, method: string, args: unknown[]) => Promise<unknown>,
    private readonly openSync: () => Db,
    private readonly closeAll: () => Promise<void>,
    private readonly readOnly: (on: boolean) => Promise<void>,
  ) {
    const stores: Partial<Record<keyof StoreSet, unknown>> = {};
    for (const name of STORE_NAMES) {
      stores[name] = new Proxy(
        {},
        {
          get: (_t, method) => {
            if (typeof method !== 'string' || method === 'then') return undefined;
            const appended = APPENDS_AUDIT[`${name}.${method}`];
            if (appended)
              return async (...args: unknown[]) => {
                const value = await this.call(name, method, args);
                const row = appended(args, value);
                if (row) for (const fn of this.listeners) fn(row);
                return value;
              };
            return (...args: unknown[]) => this.call(name, method, args);
          },
        },
      );
    }
    this.stores = stores as RemoteStores;
  }

  /** Called after each audit append made through these stores; returns how to stop. */
  onAudited(fn: (r: AppendedRow) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * A synchronous handle on the same database, for tools and tests. On PostgreSQL it blocks its
   * thread for each statement (and opens a connection on first use): never use it on the request path.
   */
  get db(): Db {
    this.syncDb ??= this.openSync();
    return this.syncDb;
  }

  /** Refuse writes from now on, on every connection the stores use (readiness tests: a read-only database). */
  setReadOnly(on: boolean): Promise<void> {
    return this.readOnly(on);
  }

  async close(): Promise<void> {
    await this.closeAll();
    this.syncDb?.close();
  }

  /** Stores over an open database, in this thread (SQLite, or a tool's own PostgreSQL handle). */
  static local(db: Db, setup: StoreSetup, now: () => number): StoreHost {
    const set = storesOver(db, setup, now);
    const remotes = Object.fromEntries(STORE_NAMES.map((n) => [n, localRemote(set[n])])) as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>;
    return new StoreHost(
      db.engine,
      (store, method, args) => {
        const fn = remotes[store]![method];
        return fn ? fn(...args) : Promise.reject(new TypeError(`no store method ${store}.${method}`));
      },
      () => db,
      async () => {
        db.close();
      },
      async (on) => db.setReadOnly(on),
    );
  }

  /** Open (and migrate) the database named by `target` and put its stores where they belong. */
  static async open(target: string, o: StoreHostOptions): Promise<StoreHost> {
    if (!isPostgresUrl(target)) return StoreHost.local(openDatabase(target, { schema: o.schema, name: o.name }), o.setup, o.now);
    const setup: StoreThreadSetup = { target, schema: o.schema, name: o.name, stores: o.setup };
    const threads: StoreThread[] = [];
    let closing = false;
    const start = async (): Promise<StoreThread> => {
      const t = new StoreThread(setup, (gone) => {
        const i = threads.indexOf(gone);
        if (i < 0 || closing) return;
        // A thread that stopped is replaced; its calls were answered with an error.
        threads.splice(i, 1);
        void start()
          .then((n) => threads.push(n))
          .catch(() => undefined);
      });
      await t.ready;
      return t;
    };
    try {
      // The first thread migrates alone; the others then open an up-to-date database.
      threads.push(await start());
      const more = await Promise.all(Array.from({ length: Math.max(0, (o.threads ?? 3) - 1) }, start));
      threads.push(...more);
    } catch (e) {
      closing = true;
      await Promise.all(threads.map((t) => t.close()));
      throw e instanceof DatabaseUnavailableError ? e : new DatabaseUnavailableError(serverOf(target), (e as Error).message);
    }
    let seq = 0;
    return new StoreHost(
      'postgres',
      (store, method, args) => {
        // The thread with the fewest calls in flight (one held by a slow statement is passed over).
        let best = threads[0];
        for (const t of threads) if (best === undefined || t.inFlight.size < best.inFlight.size) best = t;
        if (!best) return Promise.reject(new Error('no store thread is running'));
        return best.call({ id: ++seq, store, method, args, at: o.now() });
      },
      () => openDatabase(target, { schema: o.schema, name: `${o.name ?? 'studio-ops'} (tools)` }),
      async () => {
        closing = true;
        await Promise.all(threads.map((t) => t.close()));
      },
      async (on) => {
        await Promise.all(threads.map((t) => t.call({ id: ++seq, readOnly: on })));
      },
    );
  }
}

export type { Remote };
