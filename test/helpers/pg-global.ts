/**
 * vitest global setup: one PostgreSQL cluster for the whole run, or the reason there is none
 * (printed once; the PostgreSQL tests then skip, naming it). TEST_PG_URL points at a server of
 * your own instead (a superuser URL to its `postgres` database).
 */
import type { TestProject } from 'vitest/node';
import { type PgCluster, startCluster } from './pg-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgMissing: string;
  }
}

let cluster: PgCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env.TEST_PG_URL) {
    project.provide('pgAdminUrl', process.env.TEST_PG_URL);
    project.provide('pgMissing', '');
    return;
  }
  try {
    cluster = await startCluster();
    // Stopped by teardown; also when the run ends any other way (a killed run must not leave a server behind).
    process.once('exit', () => teardown());
    project.provide('pgAdminUrl', cluster.adminUrl);
    project.provide('pgMissing', '');
  } catch (e) {
    const why = (e as Error).message.split('\n')[0] ?? 'unknown';
    console.warn(`\n[postgres] the PostgreSQL tests are skipped: ${why}\n`);
    project.provide('pgAdminUrl', '');
    project.provide('pgMissing', why);
  }
}

export function teardown(): void {
  const c = cluster;
  cluster = undefined;
  c?.stop();
}
