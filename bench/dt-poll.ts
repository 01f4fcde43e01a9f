/**
 * Dynamic Table poll: 500 Dynamic Tables refreshing hourly (25 of them failing), polled six times an
 * hour apart with the default 48 h look-back. Reported: SQL jobs per poll (the target is one,
 * whatever the number of tables), refresh rows read per poll, the poll's wall time, and the cards
 * (one per failing table). The baseline is a naive poll that asks each table's history: 500 jobs.
 */
import { DynamicTableWatcher } from '../src/alerts/dt-watcher.js';
import { AlertRouter, parseAlertChannels } from '../src/alerts/routing.js';
import { Diagnoser } from '../src/knowledge/diagnose.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { LakehouseSql } from '../src/lakehouse/client.js';
import { Policy } from '../src/ops/policy.js';
import { ManualClock } from '../src/sandbox/sim.js';
import { startSandbox } from '../src/sandbox/server.js';
import { AlertStore } from '../src/store/alerts.js';
import { openDatabase } from '../src/store/database.js';
import { localRemote } from '../src/store/remote.js';
import { StudioClient } from '../src/studio/client.js';

export async function runDtPollBench(tables = 500, failing = 25, polls = 6) {
  const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
  const sb = await startSandbox({ clock, seed: 'empty', extraDynamicTables: tables - 3 });
  const dts = sb.lakehouse.tables.filter((t) => t.dynamic && t.schema === 'bench_dws');
  for (const t of dts.slice(0, failing)) t.dynamic!.failing = { code: 'CZLH-60015', message: "virtual cluster 'default' queue is full", clearsOnManualRefresh: true };
  const studio = new StudioClient({ baseUrl: sb.url, accessToken: sb.accessToken, instance: sb.instance, workspace: sb.workspace, now: () => clock.now() });
  const sql = new LakehouseSql(studio, { vcluster: 'default', now: () => clock.now() });
  const store = localRemote(new AlertStore(openDatabase(':memory:')));
  let published = 0;
  const watcher = new DynamicTableWatcher(sql, store, new AlertRouter(Policy.none(), parseAlertChannels('*=CDT')), new Diagnoser(loadKnowledge().errors), {
    groupWindowMs: 24 * 3_600_000,
    lookbackMs: 48 * 3_600_000,
    now: () => clock.now(),
    redraw: () => {
      published++;
      return [];
    },
    note: (card, text) => ({ channel: card.channel, kind: 'thread', threadCardId: card.id, payload: { text, blocks: [] }, at: clock.now() }),
  });
  const perPoll: { jobs: number; statements: number; refreshesRead: number; ms: number }[] = [];
  for (let i = 0; i < polls; i++) {
    clock.advance(3_600_000);
    const jobs0 = sql.jobsSubmitted;
    const st0 = sb.lakehouse.statements.length;
    const t0 = performance.now();
    const stats = await watcher.poll();
    perPoll.push({ jobs: sql.jobsSubmitted - jobs0, statements: sb.lakehouse.statements.length - st0, refreshesRead: stats.refreshes, ms: Math.round(performance.now() - t0) });
  }
  const cards = (await store.openCards()).filter((c) => c.subject?.startsWith('dt:'));
  await studio.close();
  await sb.close();
  const dynamicTables = sb.lakehouse.tables.filter((t) => t.dynamic).length;
  return {
    dynamicTables,
    failingTables: failing + 2, // the demo's failing and suspended tables are among them
    maxJobsPerPoll: Math.max(...perPoll.map((p) => p.jobs)),
    naiveJobsPerPoll: dynamicTables,
    cards: cards.length,
    cardUpdates: published,
    pollP50Ms: [...perPoll.map((p) => p.ms)].sort((a, b) => a - b)[Math.floor(polls / 2)]!,
    perPoll,
  };
}

/**
 * The output check's counts on the demo Lakehouse: one run's business date and the three dates
 * before it (four `SELECT COUNT(*) … WHERE dt = '…'`, as the output check sends them), cold (the
 * first statements to name the table) and warm (p50 of `rounds` more, the partition's count
 * changed before each as new rows land), and a whole-table count of the 84,211-row ODS table.
 */
export async function runOutputCountBench(rounds = 20) {
  const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
  const sb = await startSandbox({ clock, seed: 'demo' });
  const studio = new StudioClient({ baseUrl: sb.url, accessToken: sb.accessToken, instance: sb.instance, workspace: sb.workspace, now: () => clock.now() });
  const sql = new LakehouseSql(studio, { vcluster: 'default', now: () => clock.now() });
  const dates = ['2026-11-20', '2026-11-19', '2026-11-18', '2026-11-17'];
  const check = async () => {
    const t0 = performance.now();
    const counts = await Promise.all(dates.map((value) => sql.countRows('ecommerce_dwd.orders_detail', { column: 'dt', value })));
    return { ms: performance.now() - t0, counts };
  };
  const cold = await check();
  const warm: number[] = [];
  const table = sb.lakehouse.tables.find((t) => t.name === 'orders_detail')!;
  let last = cold.counts;
  for (let i = 0; i < rounds; i++) {
    table.rows['2026-11-20'] = 500 * (i + 1);
    const r = await check();
    warm.push(r.ms);
    last = r.counts;
  }
  const t0 = performance.now();
  const whole = await sql.countRows('ecommerce_ods.orders');
  const wholeMs = performance.now() - t0;
  await studio.close();
  await sb.close();
  warm.sort((a, b) => a - b);
  return {
    coldMs: Math.round(cold.ms),
    warmP50Ms: Math.round(warm[Math.floor(rounds / 2)]! * 10) / 10,
    countsCorrect: last[0] === 500 * rounds,
    wholeTableRows: whole,
    wholeTableColdMs: Math.round(wholeMs),
  };
}
