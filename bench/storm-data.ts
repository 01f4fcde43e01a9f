/**
 * The alert storm the benchmarks share: 200 tasks in 50 chains of 4 in a folder `storm_dw`, and
 * 25 business dates of failures: each chain's root FAILED (one of four causes), its three
 * downstream runs UPSTREAM_FAILED — 1,250 failures and 3,750 blocked runs, about a day before `now`.
 */
import type { SandboxStore } from '../src/sandbox/store.js';
import { addDays } from '../src/studio/dates.js';

const CAUSES = [
  'CZLH-57015: VCluster queue is full, please retry later',
  "CZLH-42000: Syntax error at or near 'FORM' [12,8]",
  'CZLH-60010: Job killed by timeout (executeTimeout=3600s)',
  'Column type mismatch: cannot convert source column `flag` BIT(1) to target type BOOLEAN',
];

/** Inserts the storm; returns the ids of the runs it made. */
export function injectStorm(store: SandboxStore, now: number): number[] {
  const folder = store.insertFolder({ name: 'storm_dw', parent_id: 0, created_by: 'bench', created_at: now });
  const chains: number[][] = [];
  store.transaction(() => {
    for (let c = 0; c < 50; c++) {
      const chain: number[] = [];
      for (let k = 0; k < 4; k++) {
        const prev = chain[k - 1];
        const id = store.insertTask({
          name: `storm_${c}_${k}`,
          file_type: 4,
          folder_id: folder,
          owner: 'bench',
          created_at: now,
          task_status: 1,
          deps_json: JSON.stringify(prev ? [{ taskId: prev, taskName: `storm_${c}_${k - 1}` }] : []),
        });
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
      const end = now - 30 * 3_600_000 + d * 60_000;
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

  return injected;
}
