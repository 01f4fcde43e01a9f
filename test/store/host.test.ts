/**
 * Where the stores live (src/store/host.ts): on PostgreSQL in store threads, each with its own
 * connection, so that a statement the database holds for seconds holds one thread — never the
 * caller's thread, never the calls other threads take. On SQLite in this thread, with the same
 * promise-answering interface.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalesced } from '../../src/store/coalesce.js';
import { StoreHost } from '../../src/store/host.js';
import { pgAdmin, pgDatabaseUrl } from '../helpers/engines.js';

const admin = pgAdmin();
const setup = { replica: 'r1', auditKeyHex: 'd'.repeat(64) };

/** A rerun awaiting its Confirm, as the operations path creates one. */
const newOp = (o: { id?: string; target: string; params?: Record<string, unknown>; expiresAt: number }) => ({
  action: 'rerun',
  taskName: 't',
  params: {},
  requestedBy: 'U1',
  requestedByName: null,
  teamId: null,
  channelId: null,
  source: 'slash' as const,
  status: 'awaiting_confirmation' as const,
  ...o,
});

describe('stores in this thread (SQLite)', () => {
  it('answer promises, clone what crosses, and keep the caller’s clock', async () => {
    let now = 1_000;
    const host = await StoreHost.open(':memory:', { setup, now: () => now });
    expect(host.engine).toBe('sqlite');
    const op = await host.stores.ops.create(newOp({ target: 'run:1', params: { a: 1 }, expiresAt: 5_000 }));
    expect(op.createdAt).toBe(1_000);
    now = 2_000;
    expect(await host.stores.ops.transition(op.id, ['awaiting_confirmation'], 'cancelled')).toBe(true);
    expect((await host.stores.ops.get(op.id))?.updatedAt).toBe(2_000);
    // What a caller holds is its own copy, as it would be across threads.
    op.params.a = 2;
    expect((await host.stores.ops.get(op.id))?.params).toEqual({ a: 1 });
    await host.close();
  });
});

describe.skipIf(!('url' in admin))(`stores in store threads (PostgreSQL)${'url' in admin ? '' : ` — skipped: ${(admin as { missing: string }).missing}`}`, () => {
  let url: string;
  let host: StoreHost;
  let now = 1_700_000_000_000;
  beforeAll(async () => {
    url = await pgDatabaseUrl('host');
    host = await StoreHost.open(url, { setup, now: () => now, threads: 2 });
  });
  afterAll(async () => {
    await host?.close();
  });

  it('a statement the database holds keeps its caller waiting, not the thread that called nor the other store thread', async () => {
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE operations IN ACCESS EXCLUSIVE MODE');
    const held = host.stores.ops.withStatus('executing'); // waits on the lock in one store thread
    let heldDone = false;
    void held.then(() => {
      heldDone = true;
    });
    // Meanwhile this thread runs (a timer fires on time) and another store call is answered.
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 50));
    expect(performance.now() - t0).toBeLessThan(500);
    const t1 = performance.now();
    expect(await host.stores.seenEvents.firstSeen('sig:held')).toBe(true);
    expect(performance.now() - t1).toBeLessThan(1_000);
    expect(heldDone).toBe(false);
    await blocker.query('ROLLBACK');
    await blocker.end();
    expect(await held).toEqual([]);
  });

  it('a database error reaches the caller with its PostgreSQL code; the caller’s clock is the store’s', async () => {
    now = 1_700_000_123_000;
    const op = await host.stores.ops.create(newOp({ id: 'op-fixed', target: 'run:2', expiresAt: now + 60_000 }));
    expect(op.createdAt).toBe(1_700_000_123_000);
    const again = host.stores.ops.create({ ...op, id: 'op-fixed' });
    await expect(again).rejects.toMatchObject({ name: 'PostgresError', code: '23505' });
  });

  it('every replica-visible write lands once whichever thread takes it: 200 concurrent claims of 20 keys', async () => {
    const claims = await Promise.all(Array.from({ length: 200 }, (_, i) => host.stores.ops.claim(`k${i % 20}`, `op${i}`, 60_000)));
    expect(claims.filter((c) => c.kind === 'new')).toHaveLength(20);
  });
});

describe('the replay guard under load: requests that arrive together are checked together', () => {
  it('one statement for many, each request answered for itself, a repeat refused, an error reaching each', async () => {
    const host = await StoreHost.open(':memory:', { setup, now: () => 1_000 });
    let calls = 0;
    const check = coalesced(async (keys: string[]) => {
      calls++;
      return host.stores.seenEvents.firstSeenMany(keys);
    });
    const keys = ['sig:a', 'sig:b', 'sig:a', 'sig:c', ...Array.from({ length: 46 }, (_, i) => `sig:${i}`)];
    const answers = await Promise.all(keys.map((k) => check(k)));
    expect(answers.slice(0, 4)).toEqual([true, true, false, true]);
    expect(answers.filter(Boolean)).toHaveLength(49);
    expect(calls).toBeLessThanOrEqual(3); // the first alone, the rest while it was under way
    expect(await check('sig:b')).toBe(false);
    await host.close();
    const failing = coalesced(async (_keys: string[]): Promise<boolean[]> => {
      throw new Error('database gone');
    });
    await expect(Promise.all([failing('x'), failing('y')])).rejects.toThrow('database gone');
  });

  it("a new process's front door starts from the signatures seen in the last minutes (by prefix), not older ones nor event ids", async () => {
    let t = 1_000_000;
    const host = await StoreHost.open(':memory:', { setup, now: () => t });
    await host.stores.seenEvents.firstSeenMany(['sig:old', 'Ev1']);
    t += 11 * 60_000;
    await host.stores.seenEvents.firstSeenMany(['sig:new1', 'sig:new2', 'env:x']);
    expect(await host.stores.seenEvents.seenSince('sig:', t - 10 * 60_000)).toEqual(['new1', 'new2']);
    await host.close();
  });
});
