/**
 * A store thread (see host.ts): opens the database (PostgreSQL) with a connection of its own,
 * builds the stores over it, and runs one store call at a time. Its statements wait on the
 * database here, never on the thread that serves Slack. The clock is the caller's: each call
 * carries the time it was made.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './database.js';
import type { ConnectionChange, StoreCall, StoreThreadSetup } from './host.js';
import { type StoreSet, storesOver } from './stores.js';

const setup = workerData as StoreThreadSetup;
const port = parentPort!;
let at = Date.now();

try {
  const db = openDatabase(setup.target, { schema: setup.schema, name: setup.name });
  const stores = storesOver(db, setup.stores, () => at);
  port.on('message', (m: StoreCall | ConnectionChange | { close: true }) => {
    if ('close' in m) {
      db.close();
      port.postMessage({ closed: true });
      return;
    }
    if ('readOnly' in m) {
      db.setReadOnly(m.readOnly);
      port.postMessage({ id: m.id, value: undefined });
      return;
    }
    at = m.at;
    try {
      const store = stores[m.store as keyof StoreSet] as unknown as Record<string, (...a: unknown[]) => unknown>;
      const method = store[m.method];
      if (typeof method !== 'function') throw new TypeError(`no store method ${m.store}.${m.method}`);
      const value = method.apply(store, m.args);
      if (value instanceof Promise) throw new TypeError(`${m.store}.${m.method} answers a promise: a store method runs to its end in its thread`);
      port.postMessage({ id: m.id, value });
    } catch (e) {
      const err = e as Error & { code?: string };
      port.postMessage({ id: m.id, error: { name: err.name, message: err.message, code: err.code } });
    }
  });
  port.postMessage({ ready: true });
} catch (e) {
  port.postMessage({ failed: { name: (e as Error).name, message: (e as Error).message } });
}
