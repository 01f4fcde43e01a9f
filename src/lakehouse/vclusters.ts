/**
 * The VCluster list with each cluster's type, for the standards review and the wizard: Lakehouse's
 * own `SHOW VCLUSTERS` (its `vcluster_type` column) first; Studio's console list when SQL cannot
 * be run (no rights, no reachable VCluster).
 */
import type { StudioClient } from '../studio/client.js';
import type { VCluster } from '../studio/models.js';
import type { LakehouseSql } from './client.js';

export function vclusterSource(sql: Pick<LakehouseSql, 'showVClusters'>, studio: Pick<StudioClient, 'listVClusters'>): Pick<StudioClient, 'listVClusters'> {
  return {
    listVClusters: async (): Promise<VCluster[]> => {
      try {
        const r = await sql.showVClusters();
        return r.rows.filter((v) => v.name).map((v) => ({ id: String(v.name), name: String(v.name), type: String(v.vcluster_type ?? 'UNKNOWN').toUpperCase() }));
      } catch {
        return studio.listVClusters();
      }
    },
  };
}
