/**
 * Alert storm: 5,000 failed runs over 200 tasks (50 chains of 4: each root failure blocks three
 * downstream runs) in one poll window. One poll turns them into cards; the sender delivers them at
 * Slack's pace on a virtual clock (one post a second per channel, chat.update about 50 a minute),
 * so the minutes Slack would take cost no wall time here. Reported: Web API calls by method, when
 * the digest went out (wall time of the poll until then), and when the channel showed its final
 * state (the poll's wall time plus the sender's virtual time after it).
 */
import { AlertService } from '../src/alerts/service.js';
import { Diagnoser } from '../src/knowledge/diagnose.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { createLogger } from '../src/logger.js';
import { OperationsService } from '../src/ops/operations.js';
import { Policy } from '../src/ops/policy.js';
import { ManualClock } from '../src/sandbox/sim.js';
import { startSandbox } from '../src/sandbox/server.js';
import { AlertStore } from '../src/store/alerts.js';
import { openDatabase } from '../src/store/database.js';
import { StoreHost } from '../src/store/host.js';
import { localRemote } from '../src/store/remote.js';
import { StudioClient } from '../src/studio/client.js';
import { countingDb, countingRemote } from '../test/helpers/counting.js';
import { injectStorm } from './storm-data.js';

/**
 * `database`: where the bot's state lives (default: SQLite in memory; a postgres:// URL for PostgreSQL).
 * `onPolled`: told the poll's wall time as soon as it ends (bench/distance.ts reports it even when the sending does not finish).
 */
export async function runStormBench(database = ':memory:', o: { onPolled?: (pollMs: number) => void } = {}) {
  const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
  const sb = await startSandbox({ clock, seed: 'empty' });
  const store = sb.store;
  const injected = injectStorm(store, clock.now());

  const db = countingDb(openDatabase(database));
  const studio = new StudioClient({ baseUrl: sb.url, accessToken: sb.accessToken, instance: sb.instance, workspace: sb.workspace, now: () => clock.now(), connections: 8 });
  // The operations' stores over the same (counted) database, as the bot builds them.
  const { audit, ops, outcomes } = StoreHost.local(db, { replica: 'local' }, () => clock.now()).stores;
  const operations = new OperationsService({
    studio,
    audit,
    ops,
    outcomes,
    policy: Policy.none(),
    now: () => clock.now(),
  });
  const calls: { method: 'post' | 'update'; virtualAt: number; wallAt: number; digest: boolean }[] = [];
  let posts = 0;
  let digestTs: string | undefined;
  const t0 = performance.now();
  const alertStore = countingRemote(localRemote(new AlertStore(db)));
  const alerts = new AlertService({
    db,
    store: alertStore,
    studio,
    diagnoser: new Diagnoser(loadKnowledge().errors),
    policy: Policy.none(),
    operations,
    config: { channels: '*=CSTORM', pollSeconds: 60, groupWindowHours: 24, lookbackHours: 48 },
    poster: {
      post: async (_channel, payload, threadTs) => {
        posts++;
        const ts = `${posts}.000100`;
        const digest = !threadTs && payload.text.startsWith('Alert storm');
        if (digest) digestTs = ts;
        calls.push({ method: 'post', virtualAt: clock.now(), wallAt: performance.now() - t0, digest });
        return ts;
      },
      update: async (_channel, ts) => {
        calls.push({ method: 'update', virtualAt: clock.now(), wallAt: performance.now() - t0, digest: ts === digestTs });
      },
    },
    logger: createLogger('silent'),
    now: () => clock.now(),
    sleep: async (ms) => clock.advance(ms),
  });

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const virtualStart = clock.now();
  db.statements = 0;
  alertStore.calls = 0;
  const stats = await alerts.poll();
  const pollMs = performance.now() - t0;
  const pollStatements = db.statements;
  const pollCalls = alertStore.calls;
  o.onPolled?.(Math.round(pollMs));
  const virtualAfterPoll = clock.now();
  db.statements = 0;
  alertStore.calls = 0;
  await alerts.flush();
  const flushStatements = db.statements;
  const flushCalls = alertStore.calls;
  const totalMs = performance.now() - t0;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const cards = await alerts.store.cards();
  const seen = db.prepare('SELECT run_id FROM alert_seen WHERE card_id IS NOT NULL').all() as { run_id: number }[];
  const accounted = new Set(seen.map((r) => r.run_id));
  const lost = injected.filter((id) => !accounted.has(id)).length;
  const groups = new Set(
    (store.db.prepare('SELECT task_id, fail_msg FROM runs WHERE status = 3').all() as { task_id: number; fail_msg: string }[]).map((r) => `${r.task_id}|${r.fail_msg}`),
  ).size;
  await studio.close();
  await sb.close();
  db.close();
  const digestCall = calls.find((c) => c.digest && c.method === 'post');
  const last = calls.at(-1);
  // Wall time until the poll ended, then the sender's virtual time (Slack's pace) after it.
  const finalStateS = last ? (pollMs + Math.max(0, last.virtualAt - virtualAfterPoll)) / 1000 : 0;
  const postsNeeded = calls.filter((c) => c.method === 'post').length;
  return {
    failures: injected.length,
    listed: stats.listed,
    groups,
    cards: cards.length,
    blocked: stats.blocked,
    lost,
    apiCalls: calls.length,
    callsByMethod: { 'chat.postMessage': postsNeeded, 'chat.update': calls.filter((c) => c.method === 'update').length },
    callsPerCard: Math.round((calls.length / Math.max(1, cards.length)) * 100) / 100,
    digestPosted: digestCall !== undefined,
    digestSeconds: digestCall ? Math.round(digestCall.wallAt + (digestCall.virtualAt - virtualStart)) / 1000 : undefined,
    finalStateSeconds: Math.round(finalStateS * 10) / 10,
    finalStateTargetSeconds: Math.round(1.25 * postsNeeded * 10) / 10,
    pollMs: Math.round(pollMs),
    /** SQL statements (a transaction's begin and commit count as two) the poll made, and the sending after it. */
    statements: { poll: pollStatements, flush: flushStatements },
    /** Alert-store calls (each a hop to the store's thread on PostgreSQL) the poll made, and the sending after it. */
    storeCalls: { poll: pollCalls, flush: flushCalls },
    wallMs: Math.round(totalMs),
    peakRssMB: Math.round(peakRss / 1024 / 1024),
  };
}
