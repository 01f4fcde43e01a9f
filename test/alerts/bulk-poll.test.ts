/**
 * A storm's poll at a database's distance (issue 28): the alert path reaches its store only
 * through calls that answer promises, each a thread hop on PostgreSQL, and every statement there
 * is a network round trip. So a poll through 1,300 failures must make a handful of store calls and
 * a few dozen statements — not the ten or so per failure it used to — on both engines, and still
 * make one card per group and record every failure. And when a card changes between the poll's
 * read and its write (another poller), nothing is half-written: the poll reads again.
 */
import { afterEach, expect, it } from 'vitest';
import { AlertService } from '../../src/alerts/service.js';
import { Diagnoser } from '../../src/knowledge/diagnose.js';
import { loadKnowledge } from '../../src/knowledge/load.js';
import { createLogger } from '../../src/logger.js';
import { OperationsService } from '../../src/ops/operations.js';
import { Policy } from '../../src/ops/policy.js';
import { AlertStore } from '../../src/store/alerts.js';
import type { Db } from '../../src/store/database.js';
import { StoreHost } from '../../src/store/host.js';
import { type Remote, localRemote } from '../../src/store/remote.js';
import { countingDb, countingRemote } from '../helpers/counting.js';
import { forEachEngine } from '../helpers/engines.js';
import { type SandboxHarness, insertFailedRuns, letters, startHarness } from '../helpers/sandbox.js';

let h: SandboxHarness | undefined;
let db: Db | undefined;
afterEach(async () => {
  await h?.close();
  db?.close();
  h = undefined;
  db = undefined;
});

function injectFailures(count: number, groups: number): number[] {
  // Each ends at the clock less ten minutes plus its index, as the storm's runs do.
  return insertFailedRuns(h!.sb.store, 'etl_orders_daily', count, (i) => `exporter stage q${letters(i % groups)} crashed after ${i} rows`, h!.clock.now() - 540_000);
}

function alertService(counted: Db, store: Remote<AlertStore>) {
  // The operations' stores over the same (counted) database, as the bot builds them.
  const { audit, ops, outcomes } = StoreHost.local(counted, { replica: 'local' }, () => h!.clock.now()).stores;
  const operations = new OperationsService({
    studio: h!.client,
    audit,
    ops,
    outcomes,
    policy: Policy.none(),
    now: () => h!.clock.now(),
  });
  const posted: { channel: string; threadTs?: string; text: string }[] = [];
  const alerts = new AlertService({
    db: counted,
    store,
    studio: h!.client,
    diagnoser: new Diagnoser(loadKnowledge().errors),
    policy: Policy.none(),
    operations,
    config: { channels: '*=CBULK', pollSeconds: 60, groupWindowHours: 24, lookbackHours: 48 },
    poster: {
      post: async (channel, payload, threadTs) => {
        posted.push({ channel, threadTs, text: payload.text });
        return `${posted.length}.000100`;
      },
      update: async () => undefined,
    },
    logger: createLogger('silent'),
    now: () => h!.clock.now(),
    sleep: async (ms) => h!.clock.advance(ms),
  });
  return { alerts, posted };
}

forEachEngine('a storm poll in bulk', (open) => {
  it('1,300 failures in 325 groups: a few store calls and statements, one card per group, every failure recorded, each card posted once', async () => {
    h = await startHarness();
    db = await open();
    const counted = countingDb(db);
    const store = countingRemote(localRemote(new AlertStore(counted)));
    const { alerts, posted } = alertService(counted, store);
    await alerts.poll(); // the demo workspace's own failures
    await alerts.flush();
    const injected = injectFailures(1300, 325);
    const before = posted.length;
    counted.statements = 0;
    store.calls = 0;
    const stats = await alerts.poll();
    expect(stats).toMatchObject({ fresh: 1300, cardsCreated: 325, cardsUpdated: 975 });
    // Before: about ten statements per failure (13,000 here); now a few dozen, whatever the number of failures.
    expect(counted.statements).toBeLessThan(100);
    expect(store.calls).toBeLessThan(40);
    const cards = (await alerts.store.cards()).filter((c) => c.failMsg?.startsWith('exporter stage q'));
    expect(cards).toHaveLength(325);
    expect(new Set(cards.map((c) => c.groupKey)).size).toBe(325);
    expect(cards.reduce((n, c) => n + c.count, 0)).toBe(1300);
    const seen = await alerts.store.cardsOfRuns(injected);
    expect(seen.runs).toHaveLength(1300);
    expect(seen.cards).toHaveLength(325);
    // Sending (it starts during the poll, with the digest): a plan, a claim, a render and a record per
    // message, and a plan again after each wait for Slack's pace.
    counted.statements = 0;
    await alerts.flush();
    const sent = posted.length - before;
    expect(sent).toBe(326); // the digest, then each card once in its thread
    expect(await alerts.store.pendingCount()).toBe(0);
    expect(posted.slice(before).filter((p) => !p.threadTs)).toHaveLength(1);
    expect(new Set(posted.slice(before + 1).map((p) => p.text)).size).toBe(325);
    expect(counted.statements / sent).toBeLessThan(15);
    // The next poll finds nothing new, in a handful of statements.
    counted.statements = 0;
    expect((await alerts.poll()).fresh).toBe(0);
    expect(counted.statements).toBeLessThan(20);
  }, 60_000);

  it('a card changed between the poll’s read and its write: nothing half-written, the poll reads again and counts each failure once', async () => {
    h = await startHarness();
    db = await open();
    const plain = localRemote(new AlertStore(db));
    let writes = 0;
    // Another poller's write lands just before this poll's first write of failures.
    const interfering = new Proxy(plain, {
      get(target, prop) {
        const member = Reflect.get(target, prop) as (...a: unknown[]) => unknown;
        if (prop !== 'write') return member;
        return async (...args: unknown[]) => {
          const batch = args[0] as { seen?: unknown[] };
          if (batch.seen?.length && writes++ === 0) db!.prepare("UPDATE alert_cards SET last_seen = last_seen + 1 WHERE fail_msg LIKE 'exporter stage%'").run();
          return member(...args);
        };
      },
    });
    const { alerts } = alertService(db, interfering);
    injectFailures(2, 1);
    await alerts.poll();
    expect((await alerts.store.cards()).find((c) => c.failMsg?.startsWith('exporter'))).toMatchObject({ count: 2 });
    writes = 0;
    injectFailures(3, 1); // the same runs' group again: three more failures for its open card
    h.clock.advance(1000);
    const stats = await alerts.poll();
    expect(writes).toBeGreaterThan(1); // the first write was refused
    expect(stats).toMatchObject({ fresh: 3, cardsCreated: 0, cardsUpdated: 3 });
    const card = (await alerts.store.cards()).filter((c) => c.failMsg?.startsWith('exporter'));
    expect(card).toHaveLength(1);
    expect(card[0]!.count).toBe(5);
  }, 60_000);
});
