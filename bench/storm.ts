/**
 * Alert storm: 5,000 failed runs over 200 tasks (50 chains of 4: each root failure blocks three
 * downstream runs) in one poll window. One poll turns them into cards; the sender delivers them on
 * a virtual clock (so Slack's one-message-a-second pace costs no wall time here).
 */
import { AlertService } from '../src/alerts/service.js';
import { Diagnoser } from '../src/knowledge/diagnose.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { createLogger } from '../src/logger.js';
import { OperationsService } from '../src/ops/operations.js';
import { Policy } from '../src/ops/policy.js';
import { ManualClock } from '../src/sandbox/sim.js';
import { startSandbox } from '../src/sandbox/server.js';
import { addDays } from '../src/studio/dates.js';
import { AuditLog } from '../src/store/audit.js';
import { openDatabase } from '../src/store/database.js';
import { OperationStore } from '../src/store/operations.js';
import { StudioClient } from '../src/studio/client.js';

const CAUSES = [
  'CZLH-57015: VCluster queue is full, please retry later',
  "CZLH-42000: Syntax error at or near 'FORM' [12,8]",
  'CZLH-60010: Job killed by timeout (executeTimeout=3600s)',
  'Column type mismatch: cannot convert source column `flag` BIT(1) to target type BOOLEAN',
];

export async function runStormBench() {
  const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
  const sb = await startSandbox({ clock, seed: 'empty' });
  const store = sb.store;
  const folder = store.insertFolder({ name: 'storm_dw', parent_id: 0, created_by: 'bench', created_at: clock.now() });
  const chains: number[][] = [];
  store.transaction(() => {
    for (let c = 0; c < 50; c++) {
      const chain: number[] = [];
      for (let k = 0; k < 4; k++) {
        const prev = chain[k - 1];
        const id = store.insertTask({ name: `storm_${c}_${k}`, file_type: 4, folder_id: folder, owner: 'bench', created_at: clock.now(), task_status: 1, deps_json: JSON.stringify(prev ? [{ taskId: prev, taskName: `storm_${c}_${k - 1}` }] : []) });
        chain.push(id);
      }
      chains.push(chain);
    }
  });
  // 25 business dates × 50 roots = 1,250 failures; each blocks 3 runs = 3,750 upstream-failed.
  const injected: number[] = [];
  store.transaction(() => {
    for (let d = 0; d < 25; d++) {
      const bizDate = addDays('2026-10-01', d);
      const end = clock.now() - 30 * 3_600_000 + d * 60_000;
      chains.forEach((chain, c) => {
        chain.forEach((taskId, k) => {
          injected.push(
            store.insertRun({
              task_id: taskId,
              instance_type: 1,
              status: k === 0 ? 3 : 8,
              plan_time: end - 120_000,
              ready_at: end - 120_000,
              end_time: end + k,
              fail_msg: k === 0 ? CAUSES[(c + d) % CAUSES.length]! : 'upstream failed',
              executor: 'scheduler',
              biz_date: bizDate,
              duration_ms: 60_000,
            }),
          );
        });
      });
    }
  });

  const db = openDatabase(':memory:');
  const studio = new StudioClient({ baseUrl: sb.url, accessToken: sb.accessToken, instance: sb.instance, workspace: sb.workspace, now: () => clock.now(), connections: 8 });
  const operations = new OperationsService({ studio, audit: new AuditLog(db), ops: new OperationStore(db, () => clock.now()), policy: Policy.none(), now: () => clock.now() });
  let apiCalls = 0;
  let posts = 0;
  const alerts = new AlertService({
    db,
    studio,
    diagnoser: new Diagnoser(loadKnowledge().errors),
    policy: Policy.none(),
    operations,
    config: { channels: '*=CSTORM', pollSeconds: 60, groupWindowHours: 24, lookbackHours: 48 },
    poster: {
      post: async () => {
        apiCalls++;
        posts++;
        return `${posts}.000100`;
      },
      update: async () => {
        apiCalls++;
      },
    },
    logger: createLogger('silent'),
    now: () => clock.now(),
    sleep: async (ms) => clock.advance(ms),
  });

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  const stats = await alerts.poll();
  const pollMs = performance.now() - t0;
  await alerts.flush();
  const totalMs = performance.now() - t0;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const cards = alerts.store.cards();
  const seen = db.prepare('SELECT run_id FROM alert_seen WHERE card_id IS NOT NULL').all() as { run_id: number }[];
  const accounted = new Set(seen.map((r) => r.run_id));
  const lost = injected.filter((id) => !accounted.has(id)).length;
  const groups = new Set(
    (store.db.prepare('SELECT task_id, fail_msg FROM runs WHERE status = 3').all() as { task_id: number; fail_msg: string }[]).map((r) => `${r.task_id}|${r.fail_msg}`),
  ).size;
  await studio.close();
  await sb.close();
  db.close();
  return {
    failures: injected.length,
    listed: stats.listed,
    groups,
    cards: cards.length,
    blocked: stats.blocked,
    lost,
    apiCalls,
    pollMs: Math.round(pollMs),
    cardsDeliveredMs: Math.round(totalMs),
    peakRssMB: Math.round(peakRss / 1024 / 1024),
  };
}
